"""Tests for sklearn_rnn.plotting: the plotted data is the history / lr_at values and
the figures render to PNG. No model is fitted: a stand-in holds history_."""

import doctest
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

import sklearn_rnn.plotting  # noqa: E402
from sklearn_rnn.plotting import plot_history, plot_lr_schedule  # noqa: E402
from sklearn_rnn.schedules import CosineRestarts, CyclicLR, StepDecay  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HISTORY = {
    "loss": [0.9, 0.7, 0.6, 0.65],
    "accuracy": [0.5, 0.6, 0.75, 0.7],
    "val_loss": [0.8, 0.6, 0.62, 0.7],
    "val_accuracy": [0.55, 0.8, 0.7, 0.65],
    "lr": [1e-3] * 4,
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def assert_png(figure, path):
    figure.savefig(path)
    data = path.read_bytes()
    assert len(data) > 1000 and data.startswith(PNG_MAGIC)


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_import_does_not_load_matplotlib_or_keras():
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys, sklearn_rnn.plotting\n"
         "heavy = ('matplotlib', 'keras', 'tensorflow')\n"
         "loaded = [m for m in heavy if m in sys.modules]\n"
         "assert not loaded, loaded"],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------- plot_history
def test_plot_history_data_and_png(tmp_path):
    clf = SimpleNamespace(history_=HISTORY, best_epoch_=2)
    axes = plot_history(clf)
    assert isinstance(axes, np.ndarray) and axes.shape == (2,)
    epochs = [1, 2, 3, 4]
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        assert ax.get_ylabel() == metric and ax.get_xlabel() == "epoch"
        lines = lines_by_label(ax)
        assert set(lines) == {"train", "validation", "best epoch (2)"}
        np.testing.assert_array_equal(lines["train"].get_xdata(), epochs)
        np.testing.assert_array_equal(lines["train"].get_ydata(), HISTORY[metric])
        np.testing.assert_array_equal(lines["validation"].get_ydata(),
                                      HISTORY[f"val_{metric}"])
        np.testing.assert_array_equal(lines["best epoch (2)"].get_xdata(), [2, 2])
    assert axes[0].figure is axes[1].figure
    assert_png(axes[0].figure, tmp_path / "history.png")


def test_plot_history_without_validation(tmp_path):
    history = {"loss": [0.9, 0.8], "accuracy": [0.5, 0.6], "lr": [1e-3, 1e-3]}
    axes = plot_history(SimpleNamespace(history_=history, best_epoch_=2))
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        lines = lines_by_label(ax)
        assert set(lines) == {"train", "best epoch (2)"}
        np.testing.assert_array_equal(lines["train"].get_ydata(), history[metric])
    assert_png(axes[0].figure, tmp_path / "history.png")


def test_plot_history_of_a_regressor_draws_r2():
    history = {"loss": [0.9, 0.8], "r2": [0.1, 0.3], "val_loss": [1.0, 0.9],
               "val_r2": [0.0, 0.2]}
    axes = plot_history(SimpleNamespace(history_=history, best_epoch_=2))
    assert axes[1].get_ylabel() == "r2"
    lines = lines_by_label(axes[1])
    np.testing.assert_array_equal(lines["train"].get_ydata(), history["r2"])
    np.testing.assert_array_equal(lines["validation"].get_ydata(), history["val_r2"])


def test_plot_history_on_given_axes():
    figure, given = plt.subplots(2, 1)
    axes = plot_history(SimpleNamespace(history_=HISTORY, best_epoch_=3), ax=given)
    assert axes[0] is given[0] and axes[1] is given[1]
    assert "best epoch (3)" in lines_by_label(given[1])


def test_plot_history_without_best_epoch():
    axes = plot_history(SimpleNamespace(history_=HISTORY, best_epoch_=None))
    assert set(lines_by_label(axes[0])) == {"train", "validation"}


def test_plot_history_rejects_one_axes():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="ax must be None or a sequence of two"):
        plot_history(SimpleNamespace(history_=HISTORY, best_epoch_=1), ax=ax)


def test_plot_history_needs_a_fitted_classifier():
    with pytest.raises(NotFittedError, match="call fit first"):
        plot_history(SimpleNamespace())


def test_plot_history_reads_a_pipelines_final_estimator():
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    estimator = SimpleNamespace(history_=HISTORY, best_epoch_=2)
    pipe = Pipeline([("identity", FunctionTransformer()), ("rnn", estimator)])
    axes = plot_history(pipe)
    np.testing.assert_array_equal(lines_by_label(axes[0])["train"].get_ydata(),
                                  HISTORY["loss"])
    with pytest.raises(NotFittedError, match="SimpleNamespace has none"):
        plot_history(Pipeline([("rnn", SimpleNamespace())]))


# ------------------------------------------------------------ plot_lr_schedule
@pytest.mark.parametrize(
    "schedule",
    [StepDecay(step_size=2, gamma=0.5), CyclicLR(step_size=1.5, mode="triangular2"),
     CosineRestarts(first_cycle=2), "one_cycle", "exp_range", "cosine"],
    ids=repr,
)
def test_plot_lr_schedule_data_is_lr_at(schedule, tmp_path):
    from sklearn_rnn.schedules import resolve_schedule

    ax = plot_lr_schedule(schedule, epochs=6, steps_per_epoch=5, base_lr=2e-3)
    (line,) = ax.get_lines()
    steps = np.arange(30)
    np.testing.assert_allclose(line.get_xdata(), steps / 5)
    np.testing.assert_array_equal(
        line.get_ydata(), resolve_schedule(schedule).lr_at(steps, 2e-3, 5, 6)
    )
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "learning rate"
    assert_png(ax.figure, tmp_path / "schedule.png")


@pytest.mark.parametrize("schedule", [None, "constant", "plateau"])
def test_plot_lr_schedule_flat(schedule, tmp_path):
    ax = plot_lr_schedule(schedule, epochs=3, steps_per_epoch=4, base_lr=0.01)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), np.full(12, 0.01))
    assert_png(ax.figure, tmp_path / "flat.png")


def test_plot_lr_schedule_on_given_axes():
    _, ax = plt.subplots()
    assert plot_lr_schedule("cyclic", 2, 3, ax=ax) is ax


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": 0, "steps_per_epoch": 3}, "epochs=0"),
        ({"epochs": 2, "steps_per_epoch": 1.5}, "steps_per_epoch=1.5"),
        ({"epochs": 2, "steps_per_epoch": 3, "base_lr": -1.0}, "base_lr=-1.0"),
    ],
)
def test_plot_lr_schedule_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_lr_schedule("cyclic", **kwargs)


def test_plot_lr_schedule_reports_bad_schedule_params():
    with pytest.raises(ValueError, match="max_lr=0.0001 is below learning_rate=0.001"):
        plot_lr_schedule(CyclicLR(max_lr=1e-4), epochs=2, steps_per_epoch=3)
    with pytest.raises(ValueError, match="lr_schedule='nope'"):
        plot_lr_schedule("nope", epochs=2, steps_per_epoch=3)


def test_plot_lr_schedule_names_a_schedule_of_your_own_it_cannot_draw():
    class Mine:  # what the classifier's lr_schedule accepts, without lr_at
        def keras_learning_rate(self, base_lr, steps_per_epoch, epochs):
            return base_lr

        def keras_callbacks(self, base_lr, epochs=None):
            return []

    with pytest.raises(ValueError, match="Mine has no lr_at method"):
        plot_lr_schedule(Mine(), epochs=2, steps_per_epoch=3)


# ------------------------------------------------------- missing matplotlib
@pytest.mark.parametrize(
    "call",
    [lambda: plot_history(SimpleNamespace(history_=HISTORY, best_epoch_=1)),
     lambda: plot_lr_schedule("cyclic", 2, 3)],
    ids=["plot_history", "plot_lr_schedule"],
)
def test_missing_matplotlib_gives_install_hint(call, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        call()


def test_docstring_examples():
    result = doctest.testmod(sklearn_rnn.plotting)
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------- plot_attribution, plot_importance
from sklearn.utils import Bunch  # noqa: E402

from sklearn_rnn.plotting import plot_attribution, plot_importance  # noqa: E402

pytestmark = pytest.mark.fast


def test_plot_attribution_band_data_and_png(tmp_path):
    x = np.stack([np.sin(np.arange(30) / 3), np.cos(np.arange(30) / 3)], axis=1)
    attribution = np.zeros_like(x)
    attribution[10:14, 1] = -0.4
    attribution[3, 0] = 0.1
    axes = plot_attribution(x, attribution, feature_names=["sin", "cos"])
    assert axes.shape == (2,)
    for j, ax in enumerate(axes):
        np.testing.assert_array_equal(ax.lines[0].get_ydata(), x[:, j])
        band = ax.images[0]
        np.testing.assert_array_equal(band.get_array()[0], attribution[:, j])
        assert band.get_clim() == (-0.4, 0.4)  # symmetric around 0
    assert [ax.get_ylabel() for ax in axes] == ["sin", "cos"]
    assert axes[-1].get_xlabel() == "timestep"
    assert_png(axes[0].figure, tmp_path / "band.png")


def test_plot_attribution_heatmap_univariate_and_given_axes(tmp_path):
    x = np.arange(12.0)
    attribution = np.linspace(-1, 1, 12)
    _, ax = plt.subplots()
    axes = plot_attribution(x, attribution, kind="heatmap", vmax=2.0, ax=ax)
    assert axes[0] is ax
    image = ax.images[0]
    np.testing.assert_array_equal(image.get_array(), attribution[np.newaxis, :])
    assert image.get_clim() == (-2.0, 2.0)
    assert_png(ax.figure, tmp_path / "heatmap.png")
    band = plot_attribution(x, attribution)
    assert band.shape == (1,) and band[0].get_ylabel() == "feature 0"


@pytest.mark.parametrize("kwargs, match", [
    ({"attribution": np.zeros((5, 2))}, "shape of x"),
    ({"x": np.zeros((2, 5, 2)), "attribution": np.zeros((2, 5, 2))}, "one sequence"),
    ({"kind": "bars"}, "kind='bars'"),
    ({"feature_names": ["a"]}, "1 names for 2 feature"),
    ({"ax": "one"}, "2 matplotlib Axes"),
])
def test_plot_attribution_rejects_bad_arguments(kwargs, match):
    arguments = {"x": np.zeros((6, 2)), "attribution": np.zeros((6, 2)), **kwargs}
    with pytest.raises(ValueError, match=match):
        plot_attribution(**arguments)


def test_plot_importance_by_timestep_and_feature(tmp_path):
    by_time = Bunch(importances_mean=np.array([0.0, 0.25, 0.1]),
                    importances_std=np.array([0.0, 0.05, 0.02]),
                    importances=np.zeros((3, 2)),
                    windows=np.array([[0, 4], [4, 8], [8, 10]]))
    ax = plot_importance(by_time)
    bars = ax.patches
    assert [bar.get_x() for bar in bars] == [0, 4, 8]
    assert [bar.get_width() for bar in bars] == [4, 4, 2]
    np.testing.assert_allclose([bar.get_height() for bar in bars], [0.0, 0.25, 0.1])
    assert ax.get_xlabel() == "timestep"
    assert_png(ax.figure, tmp_path / "importance_time.png")
    by_feature = Bunch(importances_mean=np.array([0.3, -0.01]),
                       importances_std=np.array([0.02, 0.01]))
    ax = plot_importance(by_feature, feature_names=["x", "y"])
    np.testing.assert_allclose([bar.get_width() for bar in ax.patches], [0.3, -0.01])
    assert [label.get_text() for label in ax.get_yticklabels()] == ["x", "y"]
    with pytest.raises(ValueError, match="1 names for 2 feature"):
        plot_importance(by_feature, feature_names=["x"])
    with pytest.raises(ValueError, match="importances_mean"):
        plot_importance({"importances": np.zeros((2, 2))})
