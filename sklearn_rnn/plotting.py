"""Plots of training curves and learning-rate schedules.

matplotlib is an optional dependency (``pip install matplotlib``): it is
imported when a function here is called, not when this module is imported.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import NotFittedError

from .schedules import resolve_schedule

__all__ = ["plot_history", "plot_lr_schedule"]


def _pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, which is not installed: "
            "pip install matplotlib"
        ) from exc
    return plt


def plot_history(clf, ax=None):
    """Plot the loss and accuracy per epoch of a fitted classifier.

    Draws the training curves from ``clf.history_`` (``loss``, ``accuracy``)
    and, when present, the validation curves (``val_loss``,
    ``val_accuracy``), with a dashed vertical line at ``clf.best_epoch_``, the
    epoch whose weights were kept. Epochs are numbered from 1.

    Parameters
    ----------
    clf : RNNSequenceClassifier
        A fitted classifier, or any object with ``history_`` (a dict of
        per-epoch lists) and ``best_epoch_`` (1-based, or None) attributes.
    ax : sequence of two matplotlib Axes, default=None
        Where to draw the loss and the accuracy. None creates a figure with
        two side-by-side axes.

    Returns
    -------
    axes : ndarray of shape (2,) of matplotlib Axes
        ``axes[0]`` holds the loss curves, ``axes[1]`` the accuracy curves.
        In each, the training curve is labelled ``"train"``, the validation
        curve ``"validation"`` and the best-epoch line ``"best epoch (N)"``.

    Raises
    ------
    NotFittedError
        If ``clf`` has no ``history_``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from types import SimpleNamespace
    >>> from sklearn_rnn.plotting import plot_history
    >>> clf = SimpleNamespace(
    ...     history_={"loss": [0.9, 0.6, 0.5], "accuracy": [0.5, 0.7, 0.8],
    ...               "val_loss": [0.8, 0.6, 0.7], "val_accuracy": [0.5, 0.8, 0.7]},
    ...     best_epoch_=2)
    >>> axes = plot_history(clf)
    >>> axes[0].get_ylabel(), axes[1].get_ylabel()
    ('loss', 'accuracy')
    """
    history = getattr(clf, "history_", None)
    if not history or "loss" not in history:
        raise NotFittedError(
            f"plot_history needs a fitted classifier with a history_ holding 'loss'; "
            f"{type(clf).__name__} has none: call fit first."
        )
    plt = _pyplot("plot_history")
    from matplotlib.ticker import MaxNLocator
    if ax is None:
        _, ax = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    axes = np.asarray(ax, dtype=object).reshape(-1)
    if axes.shape != (2,):
        raise ValueError(
            f"ax must be None or a sequence of two matplotlib Axes (loss, accuracy), "
            f"got {ax!r}."
        )
    best_epoch = getattr(clf, "best_epoch_", None)
    for axis, metric in zip(axes, ("loss", "accuracy"), strict=True):
        for key, label in ((metric, "train"), (f"val_{metric}", "validation")):
            if key in history:
                values = np.asarray(history[key], dtype=float)
                axis.plot(np.arange(1, len(values) + 1), values, marker=".",
                          label=label)
        if best_epoch is not None:
            axis.axvline(best_epoch, color="grey", linestyle="--",
                         label=f"best epoch ({best_epoch})")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.legend()
    return axes


def plot_lr_schedule(schedule, epochs, steps_per_epoch, base_lr=1e-3, ax=None):
    """Plot a learning-rate schedule at every optimizer step.

    Parameters
    ----------
    schedule : None, str or schedule object
        Anything the classifier's ``lr_schedule`` accepts: None or
        ``"constant"`` (a flat line), a name such as ``"cyclic"``, or a
        schedule from :mod:`sklearn_rnn.schedules`.
    epochs : int
        Epochs of the fit (>= 1).
    steps_per_epoch : int
        Optimizer steps (batches) per epoch, ``ceil(n_samples / batch_size)``
        (>= 1).
    base_lr : float, default=1e-3
        The classifier's ``learning_rate``.
    ax : matplotlib Axes, default=None
        Where to draw. None creates a new figure.

    Returns
    -------
    ax : matplotlib Axes
        One line: x = ``step / steps_per_epoch`` (in epochs) and y = the
        learning rate, from ``resolve_schedule(schedule).lr_at(step, ...)`` for
        the ``epochs * steps_per_epoch`` steps of the fit.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_rnn.plotting import plot_lr_schedule
    >>> ax = plot_lr_schedule("one_cycle", epochs=20, steps_per_epoch=10)
    >>> lr = ax.lines[0].get_ydata()
    >>> len(lr), float(lr[0]), float(lr.max())
    (200, 0.001, 0.01)
    """
    for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name}={value!r} is not accepted: it must be an int >= 1.")
    if isinstance(base_lr, bool) or not isinstance(base_lr, Real) or not base_lr > 0:
        raise ValueError(f"base_lr={base_lr!r} is not accepted: it must be a float > 0.")
    resolved = resolve_schedule(schedule)
    steps = np.arange(epochs * steps_per_epoch)
    if resolved is None:
        lr = np.full(len(steps), float(base_lr))
        title = "constant"
    else:
        lr = resolved.lr_at(steps, base_lr, steps_per_epoch, epochs)
        title = repr(resolved)
    plt = _pyplot("plot_lr_schedule")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.plot(steps / steps_per_epoch, lr)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_title(title)
    return ax
