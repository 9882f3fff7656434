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
    """Plot the loss and the score per epoch of a fitted estimator.

    Draws the training curves from ``clf.history_`` (``loss``, and
    ``accuracy`` for a classifier or ``r2`` for a regressor) and, when present,
    the validation curves (``val_loss``, ``val_accuracy`` or ``val_r2``), with a
    dashed vertical line at ``clf.best_epoch_``, the epoch whose weights were
    kept. Epochs are numbered from 1.

    Parameters
    ----------
    clf : RNNSequenceClassifier, RNNSequenceRegressor or Pipeline
        A fitted estimator (or a pipeline ending with one), or any object with
        ``history_`` (a dict of per-epoch lists) and ``best_epoch_`` (1-based, or
        None) attributes.
    ax : sequence of two matplotlib Axes, default=None
        Where to draw the loss and the score. None creates a figure with
        two side-by-side axes.

    Returns
    -------
    axes : ndarray of shape (2,) of matplotlib Axes
        ``axes[0]`` holds the loss curves, ``axes[1]`` the score curves
        (accuracy, or R^2: ``r2``).
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
    if hasattr(clf, "steps"):  # a Pipeline: its final estimator trained
        clf = clf[-1]
    history = getattr(clf, "history_", None)
    if not history or "loss" not in history:
        raise NotFittedError(
            f"plot_history needs a fitted estimator with a history_ holding 'loss'; "
            f"{type(clf).__name__} has none: call fit first."
        )
    plt = _pyplot("plot_history")
    from matplotlib.ticker import MaxNLocator
    if ax is None:
        _, ax = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    axes = np.asarray(ax, dtype=object).reshape(-1)
    if axes.shape != (2,):
        raise ValueError(
            f"ax must be None or a sequence of two matplotlib Axes (loss, score), "
            f"got {ax!r}."
        )
    best_epoch = getattr(clf, "best_epoch_", None)
    score = "r2" if "r2" in history else "accuracy"
    for axis, metric in zip(axes, ("loss", score), strict=True):
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
        None or ``"constant"`` (a flat line), a name such as ``"cyclic"``, or
        a schedule from :mod:`sklearn_rnn.schedules` (or a subclass of one):
        what the classifier's ``lr_schedule`` accepts but objects of your own
        without an ``lr_at`` method.
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
    if resolved is not None and not hasattr(resolved, "lr_at"):
        raise ValueError(
            f"plot_lr_schedule draws the schedules of sklearn_rnn.schedules (their "
            f"lr_at gives the rate at each step); {type(resolved).__name__} has no "
            "lr_at method.")
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


__all__ += ["plot_attribution", "plot_importance"]


def plot_attribution(x, attribution, *, kind="band", feature_names=None, vmax=None,
                     cmap="coolwarm", ax=None):
    """Plot one sequence with its attribution over time and features.

    The attribution of each timestep and feature, from
    :func:`sklearn_rnn.inspection.integrated_gradients`, as colour: red where a
    value pushed the output up, blue where it pushed it down, white where it did
    not matter (a diverging colour map centred on 0).

    Parameters
    ----------
    x : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
        One sequence (a row of ``X``, or an element of a list of sequences).
    attribution : array-like of the shape of ``x``
        Its attribution.
    kind : {"band", "heatmap"}, default="band"
        ``"band"``: one panel per feature, the series as a line over a colour band
        of its attribution at each step. ``"heatmap"``: one panel, the attribution
        as an image of features (rows) x timesteps (columns), with a colour bar.
    feature_names : sequence of str, default=None
        One name per feature; None numbers them.
    vmax : float, default=None
        The attribution shown at full colour (the scale is ``[-vmax, vmax]``);
        None takes the largest absolute attribution.
    cmap : str or matplotlib Colormap, default="coolwarm"
        A diverging colour map.
    ax : matplotlib Axes or sequence of Axes, default=None
        Where to draw: one Axes per feature for ``"band"``, one Axes for
        ``"heatmap"``. None creates a figure.

    Returns
    -------
    axes : ndarray of matplotlib Axes
        Shape ``(n_features,)`` for ``"band"`` (each with the series line and the
        band image), ``(1,)`` for ``"heatmap"`` (its image holds
        ``attribution.T``).

    Raises
    ------
    ValueError
        ``attribution`` not shaped like ``x``, ``x`` not 1D or 2D, an unknown
        ``kind``, feature names or axes that do not match the features.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_rnn.plotting import plot_attribution
    >>> x = np.sin(np.linspace(0, 6, 50))[:, np.newaxis] * [1.0, 0.5]
    >>> attribution = np.zeros_like(x)
    >>> attribution[20:25, 0] = 0.3
    >>> axes = plot_attribution(x, attribution, feature_names=["a", "b"])
    >>> [axis.get_ylabel() for axis in axes]
    ['a', 'b']
    >>> axes = plot_attribution(x, attribution, kind="heatmap")
    >>> axes[0].images[0].get_array().shape
    (2, 50)
    """
    values = np.asarray(x, dtype=float)
    attribution = np.asarray(attribution, dtype=float)
    if values.ndim not in (1, 2):
        raise ValueError(
            f"x must be one sequence of shape (n_timesteps,) or (n_timesteps, "
            f"n_features), got shape {values.shape}; pass X[i] for the i-th sequence.")
    if attribution.shape != values.shape:
        raise ValueError(
            f"attribution must have the shape of x {values.shape}, got "
            f"{attribution.shape}.")
    if kind not in ("band", "heatmap"):
        raise ValueError(f"kind={kind!r} is not accepted: use 'band' or 'heatmap'.")
    if values.ndim == 1:
        values, attribution = values[:, np.newaxis], attribution[:, np.newaxis]
    n_timesteps, n_features = values.shape
    names = ([f"feature {j}" for j in range(n_features)] if feature_names is None
             else [str(name) for name in feature_names])
    if len(names) != n_features:
        raise ValueError(
            f"feature_names has {len(names)} names for {n_features} feature(s).")
    if vmax is None:
        vmax = float(np.abs(attribution).max()) or 1.0
    plt = _pyplot("plot_attribution")
    n_panels = n_features if kind == "band" else 1
    if ax is None:
        height = min(2.0 * n_panels, 12.0) if kind == "band" else 1.0 + 0.4 * n_features
        _, ax = plt.subplots(n_panels, 1, sharex=True, squeeze=False,
                             figsize=(8, max(height, 2.5)), layout="constrained")
    axes = np.asarray(ax, dtype=object).reshape(-1)
    if axes.shape != (n_panels,):
        raise ValueError(
            f"ax must hold {n_panels} matplotlib Axes for kind={kind!r} and "
            f"{n_features} feature(s), got {axes.size}.")
    steps = np.arange(n_timesteps)
    extent_x = (-0.5, n_timesteps - 0.5)
    if kind == "heatmap":
        image = axes[0].imshow(attribution.T, aspect="auto", cmap=cmap, vmin=-vmax,
                               vmax=vmax, interpolation="nearest",
                               extent=(*extent_x, n_features - 0.5, -0.5))
        axes[0].set_yticks(np.arange(n_features), names)
        axes[0].set_xlabel("timestep")
        axes[0].figure.colorbar(image, ax=axes[0], label="attribution")
        return axes
    for j, axis in enumerate(axes):
        series = values[:, j]
        low, high = series.min(), series.max()
        margin = 0.05 * (high - low) or 0.5
        image = axis.imshow(attribution[np.newaxis, :, j], aspect="auto", cmap=cmap,
                            vmin=-vmax, vmax=vmax, interpolation="nearest",
                            extent=(*extent_x, low - margin, high + margin), alpha=0.8)
        axis.plot(steps, series, color="black", linewidth=1.2)
        axis.set_xlim(*extent_x)
        axis.set_ylim(low - margin, high + margin)
        axis.set_ylabel(names[j])
    axes[-1].set_xlabel("timestep")
    axes[0].figure.colorbar(image, ax=list(axes), label="attribution")
    return axes


def plot_importance(result, *, feature_names=None, ax=None):
    """Plot the importances returned by
    :func:`sklearn_rnn.inspection.permutation_importance`.

    By timestep windows (the result has ``windows``): a bar per window over time,
    as wide as the window, with the standard deviation over repeats as error bars.
    By feature: a horizontal bar per feature, with error bars.

    Parameters
    ----------
    result : Bunch
        With ``importances_mean`` and ``importances_std`` (and ``windows`` for
        importances by timestep).
    feature_names : sequence of str, default=None
        One name per feature (importances by feature); None numbers them.
    ax : matplotlib Axes, default=None
        Where to draw. None creates a figure.

    Returns
    -------
    ax : matplotlib Axes
        Its bar heights (by timestep) or widths (by feature) are
        ``importances_mean``.

    Raises
    ------
    ValueError
        A result without ``importances_mean`` / ``importances_std``, or feature
        names that do not match it.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> from sklearn_rnn.plotting import plot_importance
    >>> result = Bunch(importances_mean=np.array([0.0, 0.3, 0.05]),
    ...                importances_std=np.array([0.01, 0.05, 0.02]),
    ...                windows=np.array([[0, 10], [10, 20], [20, 25]]))
    >>> ax = plot_importance(result)
    >>> [round(float(bar.get_height()), 2) for bar in ax.patches]
    [0.0, 0.3, 0.05]
    """
    try:
        mean = np.asarray(result["importances_mean"], dtype=float)
        std = np.asarray(result["importances_std"], dtype=float)
    except (KeyError, TypeError):
        raise ValueError(
            "result must be what permutation_importance returns, with "
            "importances_mean and importances_std.") from None
    windows = result.get("windows") if hasattr(result, "get") else None
    plt = _pyplot("plot_importance")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4) if windows is not None else
                             (6, 1.5 + 0.4 * len(mean)), layout="constrained")
    if windows is not None:
        windows = np.asarray(windows)
        ax.bar(windows[:, 0], mean, width=windows[:, 1] - windows[:, 0], yerr=std,
               align="edge", color="tab:blue", edgecolor="white", capsize=2)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_xlabel("timestep")
        ax.set_ylabel("importance (drop in score)")
        return ax
    names = ([f"feature {j}" for j in range(len(mean))] if feature_names is None
             else [str(name) for name in feature_names])
    if len(names) != len(mean):
        raise ValueError(
            f"feature_names has {len(names)} names for {len(mean)} feature(s).")
    positions = np.arange(len(mean))
    ax.barh(positions, mean, xerr=std, color="tab:blue", capsize=2)
    ax.set_yticks(positions, names)
    ax.invert_yaxis()  # the first feature on top
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("importance (drop in score)")
    return ax
