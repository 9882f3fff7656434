"""Tests for sklearn_rnn.schedules: exact values from the papers' formulas, the Keras
schedules against the NumPy reference, the protocol the classifier uses, and a few
tiny fits."""

import doctest
import math
import os
import pickle
import subprocess
import sys
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import ONE_DIRECTION, ordered_sequences
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

import sklearn_rnn.schedules
from sklearn_rnn.schedules import (
    SCHEDULE_NAMES,
    CosineAnnealing,
    CosineRestarts,
    CyclicLR,
    ExponentialDecay,
    OneCycle,
    ReduceOnPlateau,
    StepDecay,
    resolve_schedule,
)

BASE = 1e-3
ALL_DEFAULTS = [StepDecay(), ExponentialDecay(), CosineAnnealing(), CosineRestarts(),
                CyclicLR(), OneCycle(), ReduceOnPlateau()]
# Schedules (and the run they are evaluated on) whose Keras version is compared with
# lr_at: fractional epochs, non-integer cycle multipliers, every CyclicLR mode.
KERAS_CASES = [
    (StepDecay(step_size=0.5, gamma=0.7), 7, 12),
    (StepDecay(step_size=3, gamma=0.1), 10, 10),
    (StepDecay(step_size=0.3, gamma=0.9), 10, 6),  # 0.3 * 10 = 3.0000000000000004
    (StepDecay(step_size=0.1, gamma=0.9), 7, 3),  # 7 / 0.7 = 9.999999999999998
    (ExponentialDecay(gamma=0.8), 7, 12),
    (CosineAnnealing(), 7, 12),
    (CosineAnnealing(min_lr=1e-4), 3, 30),
    (CosineRestarts(first_cycle=1, cycle_mult=2.0), 10, 31),
    (CosineRestarts(first_cycle=1.5, cycle_mult=1.0, min_lr=1e-5), 4, 12),
    (CosineRestarts(first_cycle=2, cycle_mult=1.5), 8, 20),
    (CyclicLR(), 5, 20),
    (CyclicLR(max_lr=5e-3, step_size=0.5, mode="triangular2"), 6, 10),
    (CyclicLR(step_size=1.5, mode="exp_range", gamma=0.995), 4, 20),
    (OneCycle(), 9, 11),
    (OneCycle(max_lr=2e-2, pct_start=0.5, final_div_factor=25), 3, 10),
    (ReduceOnPlateau(), 5, 5),
]


def run_python(code, **env):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
        env={**os.environ, **env},
    )


# ------------------------------------------------------------------ import time
def test_import_does_not_load_keras():
    result = run_python(
        "import sys, sklearn_rnn.schedules\n"
        "loaded = [m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules]\n"
        "assert not loaded, loaded"
    )
    assert result.returncode == 0, result.stderr


# ----------------------------------------------------------- resolve_schedule
@pytest.mark.parametrize("value", [None, "constant"])
def test_resolve_constant_is_none(value):
    assert resolve_schedule(value) is None


@pytest.mark.parametrize(
    "name, cls, params",
    [
        ("step", StepDecay, {}),
        ("exponential", ExponentialDecay, {}),
        ("cosine", CosineAnnealing, {}),
        ("cosine_restarts", CosineRestarts, {}),
        ("cyclic", CyclicLR, {"mode": "triangular"}),
        ("triangular2", CyclicLR, {"mode": "triangular2"}),
        ("exp_range", CyclicLR, {"mode": "exp_range"}),
        ("one_cycle", OneCycle, {}),
        ("plateau", ReduceOnPlateau, {}),
    ],
)
def test_resolve_name_gives_fresh_default_instance(name, cls, params):
    first, second = resolve_schedule(name), resolve_schedule(name)
    assert type(first) is cls and first is not second
    expected = {**cls().get_params(), **params}
    assert first.get_params() == expected


def test_every_name_resolves():
    assert set(SCHEDULE_NAMES) == {
        "constant", "step", "exponential", "cosine", "cosine_restarts", "cyclic",
        "triangular2", "exp_range", "one_cycle", "plateau",
    }
    for name in SCHEDULE_NAMES[1:]:
        resolve_schedule(name).check(BASE)


def test_resolve_object_returned_as_is_unchanged():
    schedule = CyclicLR(max_lr=0.02, step_size=0.5)
    before = schedule.get_params()
    assert resolve_schedule(schedule) is schedule
    schedule.keras_learning_rate(BASE, 4, 3)
    schedule.lr_at(np.arange(12), BASE, 4, 3)
    assert schedule.get_params() == before


def test_resolve_unknown_name():
    with pytest.raises(ValueError) as info:
        resolve_schedule("cyclical")
    message = str(info.value)
    assert "lr_schedule='cyclical'" in message
    for name in SCHEDULE_NAMES:
        assert repr(name) in message


def test_resolve_rejects_other_objects():
    with pytest.raises(ValueError, match=r"lr_schedule=0\.5 is not accepted"):
        resolve_schedule(0.5)


# ------------------------------------------------------- sklearn manners
@pytest.mark.parametrize("schedule", ALL_DEFAULTS, ids=lambda s: type(s).__name__)
def test_clone_and_set_params(schedule):
    copy = clone(schedule)
    assert copy is not schedule and copy.get_params() == schedule.get_params()
    name = next(iter(schedule.get_params()))
    copy.set_params(**{name: 0.25})
    assert copy.get_params()[name] == 0.25
    assert schedule.get_params()[name] != 0.25


def test_init_does_not_validate():
    schedule = CyclicLR(max_lr=-1, mode="bogus", step_size=0)
    assert schedule.get_params() == {"max_lr": -1, "mode": "bogus", "step_size": 0,
                                     "gamma": 0.99994}


@pytest.mark.parametrize(
    "schedule, fragments",
    [
        (CyclicLR(max_lr=0.0005), ["max_lr=0.0005 is below learning_rate=0.001"]),
        (OneCycle(max_lr=0.0005), ["max_lr=0.0005 is below learning_rate=0.001"]),
        (CyclicLR(mode="sawtooth"), ["'mode'", "CyclicLR", "'sawtooth'", "triangular2"]),
        (CyclicLR(step_size=0), ["'step_size'", "CyclicLR", "Got 0"]),
        (CyclicLR(gamma=1.5), ["'gamma'", "(0.0, 1.0]", "1.5"]),
        (StepDecay(step_size=-1), ["'step_size'", "StepDecay", "-1"]),
        (StepDecay(gamma=0), ["'gamma'", "StepDecay", "(0.0, 1.0]"]),
        (ExponentialDecay(gamma=1.01), ["'gamma'", "ExponentialDecay", "1.01"]),
        (CosineAnnealing(min_lr=-1e-5), ["'min_lr'", "CosineAnnealing", "-1e-05"]),
        (CosineAnnealing(min_lr=0.01), ["min_lr=0.01 is above learning_rate=0.001"]),
        (CosineRestarts(first_cycle=0), ["'first_cycle'", "CosineRestarts"]),
        (CosineRestarts(cycle_mult=0.5), ["'cycle_mult'", "[1.0, inf)", "0.5"]),
        (OneCycle(pct_start=1.0), ["'pct_start'", "(0.0, 1.0)", "1.0"]),
        (OneCycle(final_div_factor=0.5), ["'final_div_factor'", "0.5"]),
        (ReduceOnPlateau(factor=1.0), ["'factor'", "(0.0, 1.0)", "1.0"]),
        (ReduceOnPlateau(patience=-1), ["'patience'", "-1"]),
        (ReduceOnPlateau(patience=1.5), ["'patience'", "int", "1.5"]),
        (ReduceOnPlateau(patience="AUTO"), ["'patience'", "'auto'", "'AUTO'"]),
        (ReduceOnPlateau(min_lr=-1.0), ["'min_lr'", "-1.0"]),
    ],
    ids=lambda value: repr(value) if not isinstance(value, list) else "",
)
def test_check_errors_name_parameter_value_and_rule(schedule, fragments):
    with pytest.raises(ValueError) as info:
        schedule.check(BASE)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_check_passes_for_edge_values():
    CyclicLR(max_lr=BASE).check(BASE)
    CosineAnnealing(min_lr=BASE).check(BASE)
    StepDecay(gamma=1.0, step_size=0.1).check(BASE)
    ReduceOnPlateau(patience=0).check(BASE)


@pytest.mark.parametrize("base_lr", [0.0, -1e-3, float("nan"), "0.001"])
def test_check_rejects_bad_base_lr(base_lr):
    with pytest.raises(ValueError, match="learning_rate="):
        StepDecay().check(base_lr)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"steps_per_epoch": 0, "epochs": 3}, "steps_per_epoch=0"),
        ({"steps_per_epoch": 2, "epochs": 2.5}, "epochs=2.5"),
    ],
)
def test_lr_at_rejects_bad_run(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        StepDecay().lr_at(0, BASE, **kwargs)


def test_lr_at_rejects_negative_step():
    with pytest.raises(ValueError, match="step must hold"):
        StepDecay().lr_at([0, -1], BASE, 2, 2)


def test_lr_at_shapes():
    schedule = CyclicLR()
    assert isinstance(schedule.lr_at(3, BASE, 5, 4), float)
    assert schedule.lr_at(np.arange(6).reshape(2, 3), BASE, 5, 4).shape == (2, 3)
    assert ReduceOnPlateau().lr_at(np.arange(4), BASE, 5, 4).tolist() == [BASE] * 4


# ---------------------------------------- lr_at against the published formulas
def test_step_decay_values():
    lr = StepDecay(step_size=2, gamma=0.5).lr_at([0, 9, 19, 20, 39, 40, 60], 0.1, 10, 7)
    assert lr.tolist() == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]
    # fractional step size: decays every half epoch (every 3 steps out of 6)
    lr = StepDecay(step_size=0.5, gamma=0.1).lr_at([0, 2, 3, 6], 1.0, 6, 2)
    np.testing.assert_allclose(lr, [1.0, 1.0, 0.1, 0.01], rtol=1e-12)
    # boundaries that float64 rounds below the step still count: 0.3 epochs of 10
    # steps is 3 steps, 0.1 epochs of 7 steps is 0.7 steps
    lr = StepDecay(step_size=0.3, gamma=0.5).lr_at([2, 3, 6], 1.0, 10, 1)
    assert lr.tolist() == [1.0, 0.5, 0.25]
    assert StepDecay(step_size=0.1, gamma=0.5).lr_at(7, 1.0, 7, 1) == 0.5**10


def test_exponential_decay_values():
    steps = np.arange(50)
    lr = ExponentialDecay(gamma=0.9).lr_at(steps, 0.01, 5, 10)
    np.testing.assert_allclose(lr, 0.01 * 0.9 ** (steps / 5), rtol=1e-12)
    np.testing.assert_allclose(lr[::5], [0.01 * 0.9**e for e in range(10)], rtol=1e-12)


def sgdr_reference(t, first_cycle, cycle_mult, lr_max, lr_min):
    """SGDR eq. (5): walk the cycles T_i = T_0 * T_mult ** i until t is inside one."""
    start, length = 0.0, first_cycle
    while t >= start + length:
        start, length = start + length, length * cycle_mult
    t_cur = t - start
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t_cur / length))


def test_cosine_annealing_values():
    schedule = CosineAnnealing(min_lr=1e-4)
    steps = np.arange(101)
    lr = schedule.lr_at(steps, BASE, 10, 10)
    expected = [sgdr_reference(s / 10, 10, 1, BASE, 1e-4) if s < 100 else 1e-4
                for s in steps]
    np.testing.assert_allclose(lr, expected, rtol=1e-12)
    assert lr[0] == BASE and lr[100] == 1e-4
    np.testing.assert_allclose(lr[50], (BASE + 1e-4) / 2, rtol=1e-12)
    # after the planned epochs (partial_fit continuing) the lr stays at min_lr
    assert schedule.lr_at(250, BASE, 10, 10) == 1e-4


@pytest.mark.parametrize("first_cycle, cycle_mult", [(2, 2.0), (1.5, 1.0), (1, 3.0),
                                                     (2, 1.5)])
def test_cosine_restarts_matches_sgdr(first_cycle, cycle_mult):
    steps = np.arange(400)
    lr = CosineRestarts(first_cycle, cycle_mult, min_lr=1e-5).lr_at(steps, BASE, 4, 100)
    expected = [sgdr_reference(s / 4, first_cycle, cycle_mult, BASE, 1e-5) for s in steps]
    np.testing.assert_allclose(lr, expected, rtol=1e-10)


def test_cosine_restarts_exact_restarts():
    # T_0 = 2 epochs, T_mult = 2: restarts at epochs 2, 6, 14
    lr = CosineRestarts(first_cycle=2, cycle_mult=2).lr_at(
        [0, 10, 19, 20, 40, 60, 100, 140], 0.01, 10, 20
    )
    np.testing.assert_allclose(
        lr[[0, 1, 3, 4, 5, 6, 7]], [0.01, 0.005, 0.01, 0.005, 0.01, 0.005, 0.01],
        rtol=1e-12,
    )
    assert lr[2] < 0.01 * 0.01  # the last step of cycle 0 is near min_lr


def smith_clr(iteration, stepsize, base_lr, max_lr, mode="triangular", gamma=1.0):
    """Smith (2017), section 3.1, verbatim (plus the two other policies)."""
    cycle = math.floor(1 + iteration / (2 * stepsize))
    x = abs(iteration / stepsize - 2 * cycle + 1)
    scale = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1),
             "exp_range": gamma**iteration}[mode]
    return base_lr + (max_lr - base_lr) * max(0, 1 - x) * scale


def triangle_wave(step, half, base_lr, max_lr):
    """The same policy as a triangle wave: up for `half` steps, down for `half`."""
    position = step % (2 * half)
    rise = position / half if position < half else 2 - position / half
    return base_lr + (max_lr - base_lr) * rise


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_matches_smith(mode):
    steps = np.arange(200)
    schedule = CyclicLR(max_lr=6e-3, step_size=1.5, mode=mode, gamma=0.99)
    lr = schedule.lr_at(steps, BASE, 4, 50)  # half cycle = 6 steps
    expected = [smith_clr(s, 6, BASE, 6e-3, mode, 0.99) for s in steps]
    np.testing.assert_allclose(lr, expected, rtol=1e-12)
    if mode == "triangular":
        np.testing.assert_allclose(
            lr, [triangle_wave(s, 6, BASE, 6e-3) for s in steps], rtol=1e-12
        )


def test_cyclic_exact_values():
    spe, base, top = 10, 1e-3, 1e-2  # half cycle = 2 epochs = 20 steps
    tri = CyclicLR(max_lr=top, step_size=2).lr_at([0, 10, 20, 30, 40, 60], base, spe, 8)
    np.testing.assert_allclose(tri, [base, (base + top) / 2, top, (base + top) / 2,
                                     base, top], rtol=1e-12)
    tri2 = CyclicLR(max_lr=top, step_size=2, mode="triangular2").lr_at(
        [20, 40, 60, 100], base, spe, 8
    )
    np.testing.assert_allclose(tri2, [top, base, base + (top - base) / 2,
                                      base + (top - base) / 4], rtol=1e-12)
    exp = CyclicLR(max_lr=top, step_size=2, mode="exp_range", gamma=0.99).lr_at(
        [0, 20, 60], base, spe, 8
    )
    np.testing.assert_allclose(exp, [base, base + (top - base) * 0.99**20,
                                     base + (top - base) * 0.99**60], rtol=1e-12)


def test_cyclic_default_max_lr_is_ten_times_base():
    assert CyclicLR(step_size=1).lr_at(5, BASE, 5, 2) == pytest.approx(10 * BASE)
    assert OneCycle(pct_start=0.5).lr_at(10, BASE, 5, 4) == pytest.approx(10 * BASE)


def annealing_cos(start, end, pct):
    """PyTorch OneCycleLR's `_annealing_cos`."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def one_cycle_reference(step, base_lr, max_lr, final_lr, warmup_steps, total_steps):
    if step < warmup_steps:
        return annealing_cos(base_lr, max_lr, step / warmup_steps)
    pct = min((step - warmup_steps) / (total_steps - warmup_steps), 1.0)
    return annealing_cos(max_lr, final_lr, pct)


def test_one_cycle_matches_reference():
    schedule = OneCycle(max_lr=0.02, pct_start=0.3, final_div_factor=1e4)
    steps = np.arange(130)
    lr = schedule.lr_at(steps, BASE, 12, 10)  # 120 steps, warm-up 36 steps
    expected = [one_cycle_reference(s, BASE, 0.02, BASE / 1e4, 36, 120) for s in steps]
    np.testing.assert_allclose(lr, expected, rtol=1e-12)


def test_one_cycle_exact_values():
    schedule = OneCycle(max_lr=0.01, pct_start=0.25, final_div_factor=100)
    lr = schedule.lr_at([0, 5, 10, 25, 40, 45], 0.001, 10, 4)
    np.testing.assert_allclose(
        lr, [0.001, 0.0055, 0.01, (0.01 + 1e-5) / 2, 1e-5, 1e-5], rtol=1e-12
    )
    assert lr[0] == 0.001 and lr[2] == 0.01


# ----------------------------------------------------- the Keras schedules
@pytest.mark.parametrize("schedule, spe, epochs", KERAS_CASES,
                         ids=[repr(case[0]) for case in KERAS_CASES])
def test_keras_schedule_matches_lr_at(schedule, spe, epochs):
    import keras

    steps = np.arange(epochs * spe + 2 * spe)
    expected = schedule.lr_at(steps, BASE, spe, epochs)
    keras_lr = schedule.keras_learning_rate(BASE, spe, epochs)
    if isinstance(schedule, ReduceOnPlateau):
        assert keras_lr == BASE
        return
    assert isinstance(keras_lr, keras.optimizers.schedules.LearningRateSchedule)
    got = keras.ops.convert_to_numpy(keras_lr(keras.ops.convert_to_tensor(steps)))
    # The Keras schedule computes in float32: rtol 1e-6, plus an absolute float32
    # margin on the largest learning rate for values close to 0.
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7 * expected.max())
    for step in (0, spe, 3 * spe + 1):  # scalar int steps, as the optimizer passes
        value = keras_lr(keras.ops.convert_to_tensor(step, dtype="int64"))
        assert float(keras.ops.convert_to_numpy(value)) == pytest.approx(
            expected[step], rel=1e-6, abs=1e-7 * expected.max()
        )


def test_keras_schedule_drives_optimizer():
    import keras

    schedule = CyclicLR(max_lr=1e-2, step_size=1)
    keras_lr = schedule.keras_learning_rate(BASE, 5, 4)
    optimizer = keras.optimizers.SGD(learning_rate=keras_lr)
    for step in (0, 3, 5, 12):
        optimizer.iterations.assign(step)
        lr = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        assert lr == pytest.approx(schedule.lr_at(step, BASE, 5, 4), rel=1e-6)


def test_keras_schedule_holds_a_clone():
    import keras

    schedule = CyclicLR(max_lr=1e-2, step_size=1)
    keras_lr = schedule.keras_learning_rate(BASE, 5, 4)
    schedule.set_params(max_lr=5e-2)
    value = keras.ops.convert_to_numpy(keras_lr(keras.ops.convert_to_tensor(5)))
    assert float(value) == pytest.approx(1e-2, rel=1e-6)


@pytest.mark.parametrize("schedule, spe, epochs", KERAS_CASES[:-1],
                         ids=[repr(case[0]) for case in KERAS_CASES[:-1]])
def test_keras_schedule_serializes(schedule, spe, epochs):
    import keras

    keras_lr = schedule.keras_learning_rate(BASE, spe, epochs)
    config = keras.saving.serialize_keras_object(keras_lr)
    assert config["registered_name"].startswith("sklearn_rnn>")
    restored = keras.saving.deserialize_keras_object(config)
    assert restored.get_config() == keras_lr.get_config()
    assert type(restored.schedule) is type(schedule)
    steps = keras.ops.convert_to_tensor(np.arange(3 * spe))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(restored(steps)),
                                  keras.ops.convert_to_numpy(keras_lr(steps)))


def test_keras_schedule_config_with_numpy_params():
    import keras

    keras_lr = CyclicLR(max_lr=np.float32(0.01)).keras_learning_rate(BASE, 3, 2)
    config = keras_lr.get_config()
    assert type(config["params"]["max_lr"]) is float
    restored = type(keras_lr).from_config(config)
    assert restored.schedule.max_lr == pytest.approx(0.01)
    with pytest.raises(ValueError, match="Unknown schedule 'Bogus'"):
        type(keras_lr).from_config({**config, "schedule": "Bogus"})
    # Only the package's schedule classes are loaded from a config.
    with pytest.raises(ValueError, match="Unknown schedule 'path' from module 'os'"):
        type(keras_lr).from_config({**config, "schedule": "path", "schedule_module": "os"})
    # Configs written before the module was recorded still load.
    old = {key: value for key, value in config.items() if key != "schedule_module"}
    assert type(type(keras_lr).from_config(old).schedule) is CyclicLR
    assert keras.saving.get_registered_object(
        "sklearn_rnn>EpochLearningRateSchedule"
    ) is type(keras_lr)


def test_schedule_modules_do_not_import_each_other():
    """schedules imports _keras_schedules lazily; the Keras side never imports the
    public module back (no import cycle)."""
    import ast
    from pathlib import Path

    import sklearn_rnn._keras_schedules as keras_side

    tree = ast.parse(Path(keras_side.__file__).read_text())
    imported = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert not any(name.endswith("schedules") and name != "keras.optimizers.schedules"
                   for name in imported), imported


JAX_CODE = """
import numpy as np, jax, keras
from sklearn_rnn.schedules import CyclicLR, CosineRestarts, OneCycle
assert keras.backend.backend() == "jax"
for schedule in (CyclicLR(mode="triangular2", step_size=0.5), CosineRestarts(1, 2.0),
                 OneCycle()):
    keras_lr = schedule.keras_learning_rate(1e-3, 6, 10)
    steps = np.arange(60)
    got = np.array([float(jax.jit(keras_lr)(np.int32(s))) for s in steps])
    np.testing.assert_allclose(got, schedule.lr_at(steps, 1e-3, 6, 10),
                               rtol=1e-6, atol=1e-9)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
model.compile(keras.optimizers.Adam(CyclicLR().keras_learning_rate(1e-3, 2, 2)),
              "sparse_categorical_crossentropy")
model.fit(np.ones((8, 3)), np.zeros(8), batch_size=4, epochs=2, verbose=0)
assert int(model.optimizer.iterations) == 4
"""


def test_keras_schedule_with_jax_backend():
    pytest.importorskip("jax")
    result = run_python(JAX_CODE, KERAS_BACKEND="jax")
    assert result.returncode == 0, result.stderr[-3000:]


# ----------------------------------------------------------- callbacks
@pytest.mark.parametrize("schedule", ALL_DEFAULTS[:-1], ids=lambda s: type(s).__name__)
def test_no_callbacks_except_plateau(schedule):
    assert schedule.keras_callbacks(BASE) == []


def plateau_run(logs_per_epoch, **params):
    """Drive the plateau callback by hand over a stand-in model; return the lrs."""
    (callback,) = ReduceOnPlateau(**params).keras_callbacks(BASE)
    optimizer = SimpleNamespace(learning_rate=BASE)
    callback.set_model(SimpleNamespace(optimizer=optimizer))
    callback.on_train_begin()
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for epoch, logs in enumerate(logs_per_epoch):
            logs = dict(logs)
            callback.on_epoch_end(epoch, logs)
            assert "learning_rate" not in logs
            lrs.append(optimizer.learning_rate)
    return callback, lrs


def test_plateau_defaults_halve_after_20_epochs():
    # The estimators' default schedule ("plateau"), chosen by
    # benchmarks/results/patient_plateau_screen.md over the eight aeon datasets
    # (300 epochs) and short_budget_screen.md (100 epochs).
    assert resolve_schedule("plateau").get_params() == {
        "factor": 0.5, "patience": "auto", "min_lr": 0.0}
    logs = [{"loss": 1.0}] * 23
    (callback,) = resolve_schedule("plateau").keras_callbacks(BASE, epochs=300)
    assert callback.patience == 20
    _, lrs = plateau_run(logs, factor=0.5, patience=20)
    # Epoch 0 sets the best loss; the 20th epoch without improvement halves the rate.
    assert lrs == pytest.approx([BASE] * 20 + [BASE / 2] * 3)


@pytest.mark.parametrize(("epochs", "patience"), [
    (None, 20), (1, 5), (75, 5), (99, 6), (100, 6), (150, 10), (300, 20), (2000, 20)])
def test_auto_plateau_patience_follows_the_budget(epochs, patience):
    schedule = ReduceOnPlateau()
    assert schedule.patience_for(epochs) == patience
    (callback,) = schedule.keras_callbacks(BASE, epochs=epochs)
    assert callback.patience == patience


def test_fixed_plateau_patience_ignores_the_budget():
    assert ReduceOnPlateau(patience=3).patience_for(300) == 3
    (callback,) = ReduceOnPlateau(patience=0).keras_callbacks(BASE, epochs=100)
    assert callback.patience == 0


def test_estimator_hands_its_epochs_to_the_auto_patience():
    from sklearn_rnn import RNNSequenceClassifier

    X, y = ordered_sequences()
    # At lr 1e-9 the loss never improves by 1e-4; 8 epochs give a patience of 5.
    params = dict(units=3, epochs=8, learning_rate=1e-9, tol=None, augmentation=None,
                  random_state=0, **ONE_DIRECTION)
    auto = RNNSequenceClassifier(lr_schedule="plateau", **params).fit(X, y)
    five = RNNSequenceClassifier(lr_schedule=ReduceOnPlateau(patience=5), **params).fit(X, y)
    assert auto.history_["lr"] == pytest.approx(five.history_["lr"], rel=1e-5)
    assert min(auto.history_["lr"]) == pytest.approx(5e-10, rel=1e-5)  # one halving


def test_regressor_hands_its_epochs_to_the_auto_patience():
    from sklearn_rnn import RNNSequenceRegressor

    X, y = ordered_sequences()
    params = dict(units=3, epochs=8, learning_rate=1e-9, tol=None, random_state=0,
                  **ONE_DIRECTION)
    auto = RNNSequenceRegressor(**params).fit(X, y.astype(float))
    assert min(auto.history_["lr"]) == pytest.approx(5e-10, rel=1e-5)  # patience 5


class ConstantOfMyOwn:
    """A schedule object of the user's own: no ``check``, and ``keras_callbacks``
    in the protocol's first form (``base_lr`` alone)."""

    def keras_learning_rate(self, base_lr, steps_per_epoch, epochs):
        return float(base_lr)

    def keras_callbacks(self, base_lr):
        return []


class PlateauOfMyOwn(ConstantOfMyOwn):
    """One whose ``keras_callbacks`` takes the estimator's ``epochs``."""

    def keras_callbacks(self, base_lr, epochs=None):
        self.epochs_seen = epochs
        return ReduceOnPlateau(patience=epochs // 4).keras_callbacks(base_lr)


class FixedPatiencePlateau(ReduceOnPlateau):
    """A subclass overriding ``keras_callbacks`` in the first form."""

    def keras_callbacks(self, base_lr):
        return super().keras_callbacks(base_lr, epochs=300)


@pytest.mark.parametrize("schedule", [ConstantOfMyOwn(), PlateauOfMyOwn(),
                                      FixedPatiencePlateau()],
                         ids=lambda s: type(s).__name__)
def test_schedule_objects_of_the_users_own(schedule):
    from sklearn_rnn import RNNSequenceClassifier

    X, y = ordered_sequences()
    # At lr 1e-9 the loss never improves: patience 2 (epochs // 4) halves at epoch 3.
    clf = RNNSequenceClassifier(units=3, epochs=8, learning_rate=1e-9, tol=None,
                                lr_schedule=schedule, augmentation=None, random_state=0,
                                **ONE_DIRECTION).fit(X, y)
    halved = min(clf.history_["lr"]) < 1e-9 * 0.9
    assert halved == isinstance(schedule, PlateauOfMyOwn)
    if isinstance(schedule, PlateauOfMyOwn):
        assert clf.lr_schedule.epochs_seen == 8


def test_plateau_monitors_loss_without_validation():
    logs = [{"loss": v} for v in (1.0, 0.9, 0.9, 0.9, 0.9, 0.8)]
    callback, lrs = plateau_run(logs, factor=0.5, patience=2)
    assert callback.monitor == "loss"
    assert lrs == pytest.approx([BASE, BASE, BASE, BASE / 2, BASE / 2, BASE / 2])


def test_plateau_monitors_val_loss_when_present():
    logs = [{"loss": 1.0 - 0.1 * i, "val_loss": 0.5} for i in range(4)]
    callback, lrs = plateau_run(logs, factor=0.1, patience=1, min_lr=2e-5)
    assert callback.monitor == "val_loss"
    assert lrs == pytest.approx([BASE, BASE / 10, 2e-5, 2e-5])  # floored at min_lr


def test_plateau_patience_carries_across_partial_fit_calls():
    from sklearn_rnn import RNNSequenceClassifier

    X, y = ordered_sequences()
    # At lr 1e-9 the loss never improves by 1e-4: a plateau every 2 epochs.
    params = dict(units=3, learning_rate=1e-9, lr_schedule=ReduceOnPlateau(patience=2),
                  tol=None, augmentation=None, random_state=0, **ONE_DIRECTION)
    fitted = RNNSequenceClassifier(epochs=5, **params).fit(X, y)
    partial = RNNSequenceClassifier(**params)
    for _ in range(5):
        partial.partial_fit(X, y, classes=[0, 1])
    # Epochs 2 and 3 do not improve on epoch 1: halved after epoch 3.
    expected = [1e-9, 1e-9, 1e-9, 5e-10, 5e-10]
    assert fitted.history_["lr"] == pytest.approx(expected, rel=1e-5)
    assert partial.history_["lr"] == pytest.approx(expected, rel=1e-5)


def test_partial_fit_after_an_early_stopping_fit_plateaus_on_its_own_loss():
    from sklearn_rnn import RNNSequenceClassifier

    X, y = ordered_sequences()
    clf = RNNSequenceClassifier(units=3, epochs=2, early_stopping=True,
                                validation_fraction=0.25, random_state=0,
                                **ONE_DIRECTION).fit(X, y)  # the plateau watched val_loss
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Learning rate reduction is conditioned")
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 3


# ------------------------------------------------ doctests (the Examples)
def test_docstring_examples():
    result = doctest.testmod(sklearn_rnn.schedules, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------- with RNNSequenceClassifier
@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 8, 2))
    y = np.arange(40) % 2
    X[y == 1] += 0.5
    return X, y


def classifier(**params):
    from sklearn_rnn import RNNSequenceClassifier

    defaults = {"units": 4, "epochs": 3, "batch_size": 8, "learning_rate": 0.01,
                "random_state": 0, **ONE_DIRECTION}
    return RNNSequenceClassifier(**{**defaults, **params})


def test_history_lr_follows_step_decay(data):
    clf = classifier(lr_schedule=StepDecay(step_size=1, gamma=0.5)).fit(*data)
    assert clf.history_["lr"] == pytest.approx([0.01, 0.005, 0.0025], rel=1e-6)


def test_history_lr_is_lr_at_epoch_starts(data):
    schedule = CyclicLR(max_lr=0.05, step_size=1.5)
    clf = classifier(lr_schedule=schedule).fit(*data)
    expected = schedule.lr_at(np.arange(3) * 5, 0.01, 5, 3)  # 40 / 8 = 5 steps
    assert clf.history_["lr"] == pytest.approx(expected.tolist(), rel=1e-6)


def test_plateau_in_a_fit_without_validation(data):
    # With a tiny learning rate the loss changes by far less than min_delta=1e-4, so
    # every epoch after the first is a plateau; the training loss is monitored.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = classifier(learning_rate=1e-6, augmentation=None,
                         lr_schedule=ReduceOnPlateau(factor=0.5, patience=1)).fit(*data)
    assert not [w for w in caught if "not available" in str(w.message)]
    assert clf.history_["lr"] == pytest.approx([1e-6, 1e-6, 5e-7], rel=1e-6)
    assert "learning_rate" not in clf.history_


def test_fitted_model_with_schedule_pickles(data):
    X, y = data
    clf = classifier(epochs=1, lr_schedule=OneCycle(max_lr=0.05)).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X),
                               rtol=1e-5)
    restored_lr = restored.model_.optimizer._learning_rate
    assert restored_lr.get_config() == clf.model_.optimizer._learning_rate.get_config()


def test_grid_search_over_max_lr_leaves_user_schedule_alone(data):
    schedule = CyclicLR(step_size=0.5)
    search = GridSearchCV(
        classifier(epochs=1, lr_schedule=schedule),
        {"lr_schedule__max_lr": [0.02, 0.05]}, cv=2,
    ).fit(*data)
    assert schedule.get_params() == CyclicLR(step_size=0.5).get_params()
    assert [p["lr_schedule__max_lr"] for p in search.cv_results_["params"]] == [0.02,
                                                                                0.05]
    best = search.best_estimator_
    assert best.lr_schedule is not schedule
    assert best.lr_schedule.max_lr == search.best_params_["lr_schedule__max_lr"]
    fitted_schedule = best.model_.optimizer._learning_rate.schedule
    assert fitted_schedule.max_lr == best.lr_schedule.max_lr
