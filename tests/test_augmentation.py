import numpy as np
import pytest
from sklearn.base import clone

from sklearn_rnn.augmentation import SequenceAugmenter

pytestmark = pytest.mark.fast

PAD = -7.0

OPERATIONS = {
    "jitter": {"jitter": 0.1},
    "scaling": {"scaling": 0.2},
    "time_shift": {"time_shift": 3},
    "time_warp": {"time_warp": 0.5},
    "window_crop": {"window_crop": 0.3},
}
ALL_OPERATIONS = {key: value for op in OPERATIONS.values() for key, value in op.items()}


@pytest.fixture
def batch():
    """Smooth post-padded sequences of lengths 20, 12 and 5, padded with PAD."""
    t = np.linspace(0, 3, 20)
    X = np.stack([np.sin(t + phase) for phase in (0.0, 1.0)], axis=-1)
    X = np.repeat(X[np.newaxis], 3, axis=0).astype(np.float32)
    lengths = np.array([20, 12, 5])
    for i, length in enumerate(lengths):
        X[i, length:] = PAD
    return X, lengths


def augment(X, lengths, seed=0, **params):
    return SequenceAugmenter(p=1.0, **params).augment(
        X, lengths, np.random.default_rng(seed)
    )


@pytest.mark.parametrize("params", [*OPERATIONS.values(), ALL_OPERATIONS])
def test_shape_dtype_input_and_padding_preserved(batch, params):
    X, lengths = batch
    original = X.copy()
    out = augment(X, lengths, **params)
    assert out.shape == X.shape and out.dtype == np.float32
    assert out is not X
    np.testing.assert_array_equal(X, original)
    for i, length in enumerate(lengths):
        np.testing.assert_array_equal(out[i, length:], PAD)
        assert np.all(out[i, :length] != PAD)


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_operation_changes_the_sequences(batch, name):
    X, lengths = batch
    out = augment(X, lengths, **OPERATIONS[name])
    assert not np.allclose(out[0], X[0])
    assert not np.allclose(out[1, :12], X[1, :12])


def test_time_operations_keep_values_within_range(batch):
    X, lengths = batch
    out = augment(X, lengths, time_warp=0.5, window_crop=0.3, time_shift=3)
    for i, length in enumerate(lengths):
        valid, augmented = X[i, :length], out[i, :length]
        assert augmented.min() >= valid.min() - 1e-6
        assert augmented.max() <= valid.max() + 1e-6


def test_time_shift_is_not_circular():
    X = np.arange(10, dtype=np.float32).reshape(1, 10, 1)
    for seed in range(10):
        out = augment(X, None, seed=seed, time_shift=3)[0, :, 0]
        assert np.all(np.diff(out) >= 0)


def test_fractional_time_shift_scales_with_each_sequence_length():
    X = np.zeros((2, 100, 1), dtype=np.float32)
    X[:, :, 0] = np.arange(100)
    lengths = np.array([100, 20])
    shifts = {0: set(), 1: set()}
    for seed in range(40):
        out = augment(X, lengths, seed=seed, time_shift=0.1)
        for i, length in enumerate(lengths):
            moved = out[i, :length, 0] - X[i, :length, 0]
            # The first valid step shifted by s > 0 repeats the first value.
            shifts[i].add(int(moved[length // 2]))
    assert max(map(abs, shifts[0])) == 10
    assert max(map(abs, shifts[1])) == 2
    assert np.all(out[1, 20:] == X[1, 20:])


def shifts_drawn(seeds, **params):
    X = np.arange(100, dtype=np.float32).reshape(1, 100, 1)
    return {int(augment(X, None, seed=seed, **params)[0, 50, 0]) - 50 for seed in seeds}


def test_time_shift_step_draws_multiples_of_the_step():
    shifts = shifts_drawn(range(60), time_shift=10, time_shift_step=4)
    # 10 steps round to 2 multiples of 4: shifts -8, -4, 0, 4, 8.
    assert shifts == {-8, -4, 0, 4, 8}
    assert shifts_drawn(range(20), time_shift=1, time_shift_step=4) == {0}


def test_time_shift_step_one_draws_every_shift():
    assert shifts_drawn(range(60), time_shift=3) == {-3, -2, -1, 0, 1, 2, 3}


def test_an_augmenter_pickled_before_time_shift_step_shifts_by_any_step():
    state = SequenceAugmenter(time_shift=3, p=1.0).__getstate__()
    del state["time_shift_step"]
    loaded = SequenceAugmenter.__new__(SequenceAugmenter)
    loaded.__setstate__(state)
    assert loaded.get_params()["time_shift_step"] == 1
    X = np.arange(10, dtype=np.float32).reshape(1, 10, 1)
    assert loaded.augment(X, None, np.random.default_rng(0)).shape == X.shape


def test_p_zero_is_identity(batch):
    X, lengths = batch
    out = SequenceAugmenter(**ALL_OPERATIONS, p=0.0).augment(
        X, lengths, np.random.default_rng(0)
    )
    np.testing.assert_array_equal(out, X)
    assert out is not X


def test_p_selects_a_fraction_of_sequences():
    X = np.zeros((400, 5, 1), dtype=np.float32)
    out = SequenceAugmenter(jitter=1.0, p=0.25).augment(
        X, np.full(400, 5), np.random.default_rng(0)
    )
    changed = np.any(out != 0, axis=(1, 2)).mean()
    assert 0.18 < changed < 0.32


def test_no_operation_enabled_is_identity(batch):
    X, lengths = batch
    np.testing.assert_array_equal(augment(X, lengths), X)


def test_reproducible_with_same_seed(batch):
    X, lengths = batch
    first = augment(X, lengths, seed=1, **ALL_OPERATIONS)
    np.testing.assert_array_equal(first, augment(X, lengths, seed=1, **ALL_OPERATIONS))
    assert not np.array_equal(first, augment(X, lengths, seed=2, **ALL_OPERATIONS))


def test_random_state_used_without_generator(batch):
    X, lengths = batch
    augmenter = SequenceAugmenter(jitter=0.1, p=1.0, random_state=3)
    np.testing.assert_array_equal(
        augmenter.augment(X, lengths), clone(augmenter).augment(X, lengths)
    )


def test_lengths_default_to_full_sequences_and_zero_length_is_left_alone():
    X = np.ones((2, 4, 1), dtype=np.float32)
    out = augment(X, None, jitter=0.5)
    assert np.all(out != 1)
    out = augment(X, np.array([0, 4]), jitter=0.5)
    np.testing.assert_array_equal(out[0], 1)


def test_very_short_sequences():
    X = np.ones((3, 4, 2), dtype=np.float32)
    out = augment(X, np.array([1, 2, 3]), **ALL_OPERATIONS)
    assert np.isfinite(out).all()


def test_clone_and_get_params():
    augmenter = SequenceAugmenter(jitter=0.2, p=0.3)
    assert clone(augmenter).get_params() == augmenter.get_params()


@pytest.mark.parametrize(
    "params, name",
    [
        ({"jitter": -0.1}, "jitter"),
        ({"scaling": -1.0}, "scaling"),
        ({"time_shift": -1}, "time_shift"),
        ({"time_shift": 1.5}, "time_shift"),
        ({"time_shift": 1.0}, "time_shift"),
        ({"time_shift_step": 0}, "time_shift_step"),
        ({"time_shift_step": 2.0}, "time_shift_step"),
        ({"time_warp": -0.5}, "time_warp"),
        ({"window_crop": 1.0}, "window_crop"),
        ({"window_crop": -0.1}, "window_crop"),
        ({"p": 1.5}, "p"),
        ({"p": -0.1}, "p"),
    ],
)
def test_invalid_parameters_raise_value_error(batch, params, name):
    X, lengths = batch
    with pytest.raises(ValueError, match=f"The '{name}' parameter of SequenceAugmenter"):
        SequenceAugmenter(**params).augment(X, lengths, np.random.default_rng(0))


@pytest.mark.parametrize(
    "X, lengths, match",
    [
        (np.ones((2, 4)), None, "X must be a 3D array"),
        (np.ones((2, 4, 1)), np.array([4]), "lengths must hold one integer"),
        (np.ones((2, 4, 1)), np.array([4, 5]), "lengths must hold one integer"),
        (np.ones((2, 4, 1)), np.array([4.0, 2.0]), "lengths must hold one integer"),
    ],
)
def test_invalid_batch_raises_value_error(X, lengths, match):
    with pytest.raises(ValueError, match=match):
        SequenceAugmenter().augment(X, lengths, np.random.default_rng(0))
