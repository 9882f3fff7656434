"""Learning-rate schedules for :class:`~sklearn_rnn.RNNSequenceClassifier`.

Every schedule is a small scikit-learn style object (``get_params``,
``set_params``, ``clone``), so it can be searched as ``lr_schedule__<param>``.
Durations are given in **epochs** (fractions allowed). The classifier's
``learning_rate`` is the *base* learning rate every schedule starts from.

A schedule is a function of the optimizer step ``s`` (the number of batches
already trained on, starting at 0). Writing ``S`` for ``steps_per_epoch``, the
training time in epochs is ``t = s / S``: at the first batch of epoch ``e``
(0-based) ``t = e`` exactly, so the per-epoch value logged in
``history_["lr"]`` is the formula at ``t = 0, 1, 2, ...``. All schedules except
:class:`ReduceOnPlateau` are evaluated at every optimizer step (per batch);
:class:`ReduceOnPlateau` changes the learning rate between epochs.

The protocol used by the classifier:

- ``check(base_lr)`` raises ``ValueError`` for invalid parameters (optional for
  an object of your own);
- ``keras_learning_rate(base_lr, steps_per_epoch, epochs)`` gives the
  optimizer's ``learning_rate`` (a float or a Keras ``LearningRateSchedule``);
- ``keras_callbacks(base_lr, epochs=None)`` gives extra Keras callbacks for
  ``fit`` (``epochs``: the estimator's ``epochs``; an object whose method takes
  ``base_lr`` alone is called without it, see ``schedule_callbacks``);
- ``lr_at(step, base_lr, steps_per_epoch, epochs)`` is the NumPy reference of
  the same formula (used by :func:`~sklearn_rnn.plotting.plot_lr_schedule`).

This module does not import Keras: the Keras pieces live in
``sklearn_rnn._keras_schedules`` and load on first use.
"""

import inspect
import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import Interval, StrOptions

__all__ = [
    "SCHEDULE_NAMES",
    "CosineAnnealing",
    "CosineRestarts",
    "CyclicLR",
    "ExponentialDecay",
    "OneCycle",
    "ReduceOnPlateau",
    "StepDecay",
    "resolve_schedule",
    "schedule_callbacks",
]

SCHEDULE_NAMES = (
    "constant",
    "step",
    "exponential",
    "cosine",
    "cosine_restarts",
    "cyclic",
    "triangular2",
    "exp_range",
    "one_cycle",
    "plateau",
)


class _Schedule(BaseEstimator):
    """Shared protocol. Subclasses implement ``_formula(xp, step, base_lr, S, E)``.

    ``xp`` is :mod:`numpy` (for :meth:`lr_at`) or :mod:`keras.ops` (inside the
    Keras schedule), so the formula is written once for both. It may use only
    functions both namespaces share: ``floor``, ``abs``, ``cos``, ``exp``,
    ``power``, ``log1p``, ``minimum``, ``maximum``, ``where``.
    """

    _parameter_constraints: dict = {}

    def check(self, base_lr):
        """Raise ``ValueError`` if a parameter is invalid for ``base_lr``.

        Parameters
        ----------
        base_lr : float
            The classifier's ``learning_rate``.
        """
        if isinstance(base_lr, bool) or not isinstance(base_lr, Real) or not (
            math.isfinite(base_lr) and base_lr > 0
        ):
            raise ValueError(
                f"learning_rate={base_lr!r} is not accepted by {type(self).__name__}: "
                "it must be a finite float > 0."
            )
        self._validate_params()
        self._check_with_base_lr(base_lr)

    def _check_with_base_lr(self, base_lr):
        """Cross-parameter checks against the base learning rate."""

    def keras_learning_rate(self, base_lr, steps_per_epoch, epochs):
        """The optimizer's ``learning_rate`` for one fit.

        Parameters
        ----------
        base_lr : float
            The classifier's ``learning_rate``.
        steps_per_epoch : int
            Optimizer steps (batches) per epoch.
        epochs : int
            Epochs of the fit.

        Returns
        -------
        keras.optimizers.schedules.LearningRateSchedule
            Evaluates :meth:`lr_at` with Keras ops at the optimizer's step
            (in float32). It holds a clone of this schedule, so changing this
            object later does not change a fitted model.
        """
        self.check(base_lr)
        _check_run(steps_per_epoch, epochs)
        from ._keras_schedules import EpochLearningRateSchedule

        return EpochLearningRateSchedule(clone(self), base_lr, steps_per_epoch, epochs)

    def keras_callbacks(self, base_lr, epochs=None):
        """Extra Keras callbacks for ``fit``: none for this schedule.

        Parameters
        ----------
        base_lr : float
            The classifier's ``learning_rate``.
        epochs : int or None, default=None
            The estimator's ``epochs`` (unused here).

        Returns
        -------
        list
            An empty list.
        """
        return []

    def lr_at(self, step, base_lr, steps_per_epoch, epochs):
        """Learning rate at optimizer step(s) ``step`` (NumPy, float64).

        Parameters
        ----------
        step : int or array-like of int
            Optimizer steps, counted from 0 (one step per batch).
        base_lr : float
            The classifier's ``learning_rate``.
        steps_per_epoch : int
            Optimizer steps (batches) per epoch.
        epochs : int
            Epochs of the fit.

        Returns
        -------
        float or ndarray
            A float for a scalar ``step``, else an array of ``step``'s shape.
        """
        self.check(base_lr)
        _check_run(steps_per_epoch, epochs)
        step = np.asarray(step, dtype=float)
        if not np.all(np.isfinite(step)) or np.any(step < 0):
            raise ValueError(f"step must hold finite values >= 0, got {step!r}.")
        lr = self._formula(np, step, float(base_lr), steps_per_epoch, epochs)
        lr = np.broadcast_to(np.asarray(lr, dtype=float), step.shape)
        return float(lr) if lr.ndim == 0 else lr.copy()

    def _formula(self, xp, step, base_lr, steps_per_epoch, epochs):
        raise NotImplementedError


def _check_run(steps_per_epoch, epochs):
    for name, value in (("steps_per_epoch", steps_per_epoch), ("epochs", epochs)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name}={value!r} is not accepted: it must be an int >= 1.")


# Relative tolerance at the steps where StepDecay and CosineRestarts jump: a step
# within one part in a million of such a boundary counts as past it. Keras computes
# in float32 (relative error ~1e-7), NumPy in float64; without the tolerance a step
# that falls exactly on a boundary (step 7 for step_size=0.1, steps_per_epoch=7)
# could land on either side depending on rounding.
_BOUNDARY_TOL = 1e-6


def _count_boundaries(xp, x):
    """``floor(x)``, counting ``x`` within ``_BOUNDARY_TOL`` below an integer as it."""
    return xp.floor(x + _BOUNDARY_TOL * (1.0 + x))


def _power(xp, base, exponent):
    """``base ** exponent`` for a Python float ``base`` and a real exponent.

    Keras computes ``exp(exponent * log(base))`` with ``log(base)`` taken in
    float64: far more accurate in float32 than raising a rounded ``base`` to a
    large exponent. (Integer exponents, such as a count of decays or a cycle
    number, use ``xp.power`` directly.)
    """
    if xp is np:
        return np.power(base, exponent)
    return xp.exp(exponent * math.log(base))


def _cosine(xp, start, end, fraction):
    """``end + (start - end) * (1 + cos(pi * fraction)) / 2``: start at 0, end at 1.

    Written as ``start * w + end * (1 - w)`` so that both ends are exact.
    """
    weight = 0.5 * (1.0 + xp.cos(math.pi * fraction))
    return start * weight + end * (1.0 - weight)


def _check_min_lr(schedule, base_lr):
    if schedule.min_lr > base_lr:
        raise ValueError(
            f"min_lr={schedule.min_lr!r} is above learning_rate={base_lr!r}: "
            f"{type(schedule).__name__} needs 0 <= min_lr <= learning_rate."
        )


def _check_max_lr(schedule, base_lr):
    if schedule.max_lr is not None and schedule.max_lr < base_lr:
        raise ValueError(
            f"max_lr={schedule.max_lr!r} is below learning_rate={base_lr!r}: "
            f"{type(schedule).__name__} needs max_lr >= learning_rate "
            "(or max_lr=None for 10 * learning_rate)."
        )


def _max_lr(schedule, base_lr):
    return 10.0 * base_lr if schedule.max_lr is None else float(schedule.max_lr)


class StepDecay(_Schedule):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    With base learning rate ``lr0`` and training time ``t = step /
    steps_per_epoch`` in epochs::

        lr(t) = lr0 * gamma ** floor(t / step_size)

    Evaluated per optimizer step, so a fractional ``step_size`` decays within
    an epoch; with an integer ``step_size`` this is PyTorch's ``StepLR``
    stepped once per epoch. A step within a relative 1e-6 of a decay boundary
    counts as past it (so float32 and float64 agree on exact boundaries).

    The step schedule of classic CNN training (e.g. He et al. (2016), "Deep
    Residual Learning for Image Recognition", CVPR, divide the rate by 10 at
    fixed points); PyTorch's ``StepLR``.

    Parameters
    ----------
    step_size : float, default=10
        Epochs between two decays (> 0).
    gamma : float, default=0.5
        Multiplicative factor, in (0, 1].

    Examples
    --------
    >>> from sklearn_rnn.schedules import StepDecay
    >>> StepDecay(step_size=2, gamma=0.5).lr_at([0, 19, 20, 40], base_lr=0.01,
    ...                                       steps_per_epoch=10, epochs=5).tolist()
    [0.01, 0.01, 0.005, 0.0025]
    """

    _parameter_constraints = {
        "step_size": [Interval(Real, 0, None, closed="neither")],
        "gamma": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, step_size=10, gamma=0.5):
        self.step_size = step_size
        self.gamma = gamma

    def _formula(self, xp, step, base_lr, steps_per_epoch, epochs):
        n_decays = _count_boundaries(xp, step / (self.step_size * steps_per_epoch))
        return base_lr * xp.power(self.gamma, n_decays)


class ExponentialDecay(_Schedule):
    """Multiply the learning rate by ``gamma`` per epoch, smoothly.

    With base learning rate ``lr0`` and ``t = step / steps_per_epoch``::

        lr(t) = lr0 * gamma ** t

    Evaluated per optimizer step (continuous decay); at the first batch of
    epoch ``e`` it equals ``lr0 * gamma ** e``, PyTorch's ``ExponentialLR``
    stepped once per epoch.

    Parameters
    ----------
    gamma : float, default=0.95
        Decay factor per epoch, in (0, 1].

    Examples
    --------
    >>> from sklearn_rnn.schedules import ExponentialDecay
    >>> ExponentialDecay(gamma=0.5).lr_at([0, 5, 10], base_lr=0.01,
    ...                                   steps_per_epoch=10, epochs=3).round(6).tolist()
    [0.01, 0.007071, 0.005]
    """

    _parameter_constraints = {"gamma": [Interval(Real, 0, 1, closed="right")]}

    def __init__(self, gamma=0.95):
        self.gamma = gamma

    def _formula(self, xp, step, base_lr, steps_per_epoch, epochs):
        return base_lr * _power(xp, self.gamma, step / steps_per_epoch)


class CosineAnnealing(_Schedule):
    """Cosine annealing from the base learning rate to ``min_lr`` over the fit.

    With base ``lr0``, ``t = step / steps_per_epoch`` and ``T = epochs`` (the
    classifier's ``epochs``)::

        lr(t) = min_lr + (lr0 - min_lr) * (1 + cos(pi * min(t, T) / T)) / 2

    Evaluated per optimizer step. This is one cycle of SGDR without restarts:
    Loshchilov & Hutter (2017), "SGDR: Stochastic Gradient Descent with Warm
    Restarts", ICLR, eq. (5). The value ``min_lr`` is reached at ``t = T``
    (just after the last batch) and kept after it.

    Parameters
    ----------
    min_lr : float, default=0.0
        Final learning rate, in [0, learning_rate].

    See Also
    --------
    CosineRestarts : The same curve, restarted every cycle.

    Examples
    --------
    >>> from sklearn_rnn.schedules import CosineAnnealing
    >>> CosineAnnealing().lr_at([0, 50, 100], base_lr=0.01, steps_per_epoch=10,
    ...                         epochs=10).round(6).tolist()
    [0.01, 0.005, 0.0]
    """

    _parameter_constraints = {"min_lr": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, min_lr=0.0):
        self.min_lr = min_lr

    def _check_with_base_lr(self, base_lr):
        _check_min_lr(self, base_lr)

    def _formula(self, xp, step, base_lr, steps_per_epoch, epochs):
        total = float(epochs * steps_per_epoch)
        return _cosine(xp, base_lr, self.min_lr, xp.minimum(step, total) / total)


class CosineRestarts(_Schedule):
    """Cosine annealing with warm restarts (SGDR).

    Loshchilov & Hutter (2017), "SGDR: Stochastic Gradient Descent with Warm
    Restarts", ICLR, eq. (5); also PyTorch's ``CosineAnnealingWarmRestarts``.
    Cycle ``i = 0, 1, ...`` lasts ``T_i = first_cycle * cycle_mult ** i``
    epochs and starts at ``start_i = T_0 + ... + T_{i-1}``. With base
    ``lr0`` and ``t = step / steps_per_epoch`` in cycle ``i``
    (``start_i <= t < start_i + T_i``)::

        T_cur = t - start_i
        lr(t) = min_lr + (lr0 - min_lr) * (1 + cos(pi * T_cur / T_i)) / 2

    so the learning rate restarts at ``lr0`` at every ``start_i``. Evaluated
    per optimizer step (``T_cur`` is fractional, as in the paper). A step
    within a relative 1e-6 of a restart counts as past it (so float32 and
    float64 agree on exact boundaries).

    Parameters
    ----------
    first_cycle : float, default=10
        Length ``T_0`` of the first cycle in epochs (> 0).
    cycle_mult : float, default=2.0
        Factor ``T_mult`` by which each cycle is longer than the last (>= 1).
    min_lr : float, default=0.0
        Learning rate at the end of each cycle, in [0, learning_rate].

    Examples
    --------
    >>> from sklearn_rnn.schedules import CosineRestarts
    >>> CosineRestarts(first_cycle=2, cycle_mult=2).lr_at(
    ...     [0, 10, 20, 40, 60], base_lr=0.01, steps_per_epoch=10, epochs=6
    ... ).round(6).tolist()
    [0.01, 0.005, 0.01, 0.005, 0.01]
    """

    _parameter_constraints = {
        "first_cycle": [Interval(Real, 0, None, closed="neither")],
        "cycle_mult": [Interval(Real, 1, None, closed="left")],
        "min_lr": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, first_cycle=10, cycle_mult=2.0, min_lr=0.0):
        self.first_cycle = first_cycle
        self.cycle_mult = cycle_mult
        self.min_lr = min_lr

    def _check_with_base_lr(self, base_lr):
        _check_min_lr(self, base_lr)

    def _formula(self, xp, step, base_lr, steps_per_epoch, epochs):
        # In steps: first = T_0 * steps_per_epoch, length = T_i * steps_per_epoch.
        first, mult = float(self.first_cycle * steps_per_epoch), float(self.cycle_mult)
        if mult == 1.0:
            cycle = _count_boundaries(xp, step / first)
            t_cur = xp.maximum(step - cycle * first, 0.0)
            length = first
        else:
            def start(i):  # steps before cycle i: first * (mult**i - 1) / (mult - 1)
                return first * (xp.power(mult, i) - 1.0) / (mult - 1.0)

            def started(i):  # has cycle i started at this step?
                return step >= start(i) - _BOUNDARY_TOL * (1.0 + start(i))

            cycle = xp.floor(xp.log1p(step * (mult - 1.0) / first) / math.log(mult))
            # log rounds either way near a boundary: correct by one cycle.
            cycle = xp.where(started(cycle + 1.0), cycle + 1.0, cycle)
            cycle = xp.where(started(cycle), cycle, cycle - 1.0)
            t_cur = xp.maximum(step - start(cycle), 0.0)
            length = first * xp.power(mult, cycle)
        fraction = xp.minimum(t_cur / length, 1.0)
        return _cosine(xp, base_lr, self.min_lr, fraction)


class CyclicLR(_Schedule):
    """Cyclical learning rate between the base learning rate and ``max_lr``.

    Smith (2017), "Cyclical Learning Rates for Training Neural Networks",
    WACV, section 3.1. The learning rate goes linearly from ``base_lr`` (the
    classifier's ``learning_rate``) up to ``max_lr`` in ``step_size`` epochs and
    back down in as many; a cycle is ``2 * step_size`` epochs. Evaluated per
    optimizer step. With ``s = step`` and the half cycle in steps
    ``h = step_size * steps_per_epoch`` (the paper's ``stepsize``)::

        cycle = floor(1 + s / (2 * h))
        x     = abs(s / h - 2 * cycle + 1)
        lr    = base_lr + (max_lr - base_lr) * max(0, 1 - x) * scale

    with ``scale = 1`` for ``mode="triangular"``, ``scale = 1 / 2 ** (cycle -
    1)`` for ``"triangular2"`` (the amplitude halves every cycle) and ``scale =
    gamma ** s`` for ``"exp_range"``, where, as in the paper and PyTorch's
    ``CyclicLR``, ``s`` counts optimizer steps (batches), not epochs.

    Parameters
    ----------
    max_lr : float or None, default=None
        Peak learning rate, >= ``learning_rate``. None means ``10 *
        learning_rate``.
    step_size : float, default=2.0
        Half-cycle length in epochs (> 0). The paper suggests 2-10 epochs.
    mode : {"triangular", "triangular2", "exp_range"}, default="triangular"
        How the amplitude changes from cycle to cycle.
    gamma : float, default=0.99994
        Per-step decay of the amplitude for ``mode="exp_range"``, in (0, 1].

    Examples
    --------
    >>> from sklearn_rnn.schedules import CyclicLR
    >>> CyclicLR(max_lr=0.01, step_size=1).lr_at(
    ...     [0, 5, 10, 15, 20], base_lr=0.001, steps_per_epoch=10, epochs=2
    ... ).round(6).tolist()
    [0.001, 0.0055, 0.01, 0.0055, 0.001]
    """

    _parameter_constraints = {
        "max_lr": [None, Interval(Real, 0, None, closed="neither")],
        "step_size": [Interval(Real, 0, None, closed="neither")],
        "mode": [StrOptions({"triangular", "triangular2", "exp_range"})],
        "gamma": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, max_lr=None, step_size=2.0, mode="triangular", gamma=0.99994):
        self.max_lr = max_lr
        self.step_size = step_size
        self.mode = mode
        self.gamma = gamma

    def _check_with_base_lr(self, base_lr):
        _check_max_lr(self, base_lr)

    def _formula(self, xp, step, base_lr, steps_per_epoch, epochs):
        half = float(self.step_size * steps_per_epoch)
        cycle = xp.floor(1.0 + step / (2.0 * half))
        # x = |step / half - 2 * cycle + 1|, with the cycle's start subtracted
        # first (exact in float32) for accuracy.
        x = xp.abs((step - 2.0 * half * (cycle - 1.0)) / half - 1.0)
        amplitude = (_max_lr(self, base_lr) - base_lr) * xp.maximum(0.0, 1.0 - x)
        if self.mode == "triangular2":
            amplitude = amplitude * xp.power(0.5, cycle - 1.0)
        elif self.mode == "exp_range":
            amplitude = amplitude * _power(xp, self.gamma, step)
        return base_lr + amplitude


class OneCycle(_Schedule):
    """The 1cycle policy: warm up to ``max_lr``, then anneal far below the base.

    Smith (2018), "A disciplined approach to neural network
    hyper-parameters: Part 1", arXiv:1803.09820; cosine-shaped phases as in
    PyTorch's ``OneCycleLR(anneal_strategy="cos")``. With base ``lr0`` (the
    classifier's ``learning_rate``), ``peak = max_lr``, ``final = lr0 /
    final_div_factor``, ``t = step / steps_per_epoch``, ``T = epochs`` and the
    warm-up length ``w = pct_start * T`` epochs::

        t <  w:  lr = peak  + (lr0  - peak)  * (1 + cos(pi * t / w)) / 2
        t >= w:  lr = final + (peak - final) * (1 + cos(pi * min(t - w, T - w)
                                                         / (T - w))) / 2

    so ``lr = lr0`` at the first step, ``peak`` at ``t = w`` and ``final`` at
    ``t = T`` (just after the last batch; kept after it). Evaluated per
    optimizer step. Compared with PyTorch, ``initial_lr = lr0`` and
    ``div_factor = max_lr / lr0``; PyTorch's last step reaches ``final``
    exactly, here the last step is one step before; momentum is not cycled.

    Parameters
    ----------
    max_lr : float or None, default=None
        Peak learning rate, >= ``learning_rate``. None means ``10 *
        learning_rate``.
    pct_start : float, default=0.3
        Fraction of the fit spent warming up, in (0, 1).
    final_div_factor : float, default=1e4
        The last learning rate is ``learning_rate / final_div_factor``
        (>= 1).

    Examples
    --------
    >>> from sklearn_rnn.schedules import OneCycle
    >>> OneCycle(max_lr=0.01, pct_start=0.5, final_div_factor=10).lr_at(
    ...     [0, 25, 50, 100], base_lr=0.001, steps_per_epoch=10, epochs=10
    ... ).round(6).tolist()
    [0.001, 0.0055, 0.01, 0.0001]
    """

    _parameter_constraints = {
        "max_lr": [None, Interval(Real, 0, None, closed="neither")],
        "pct_start": [Interval(Real, 0, 1, closed="neither")],
        "final_div_factor": [Interval(Real, 1, None, closed="left")],
    }

    def __init__(self, max_lr=None, pct_start=0.3, final_div_factor=1e4):
        self.max_lr = max_lr
        self.pct_start = pct_start
        self.final_div_factor = final_div_factor

    def _check_with_base_lr(self, base_lr):
        _check_max_lr(self, base_lr)

    def _formula(self, xp, step, base_lr, steps_per_epoch, epochs):
        # Computed in steps: warmup = w * steps_per_epoch, total = T * steps_per_epoch.
        total = float(epochs * steps_per_epoch)
        warmup = self.pct_start * total
        peak = _max_lr(self, base_lr)
        final = base_lr / self.final_div_factor
        rising = _cosine(xp, base_lr, peak, xp.minimum(step, warmup) / warmup)
        after = xp.minimum(xp.maximum(step - warmup, 0.0), total - warmup)
        falling = _cosine(xp, peak, final, after / (total - warmup))
        return xp.where(step < warmup, rising, falling)


class ReduceOnPlateau(_Schedule):
    """Divide the learning rate when the validation loss stops improving.

    Keras' ``ReduceLROnPlateau``, monitoring ``val_loss`` when the fit has
    validation data (``early_stopping=True``) and the training ``loss``
    otherwise. After each epoch: if the loss did not improve on its best value
    by more than ``1e-4`` (absolute) for ``patience`` epochs in a row::

        lr = max(lr * factor, min_lr)

    and the count restarts. The learning rate changes between epochs only,
    and depends on the losses, so :meth:`lr_at` returns the learning rate
    without any reduction (the base learning rate); the realised values are
    in the classifier's ``history_["lr"]``.

    The defaults (halve by 0.5; Keras' are 0.1 and a patience of 10) are the
    estimators' default schedule, ``lr_schedule="plateau"``: halving on a
    plateau trained the convolutional front-end
    (``benchmarks/results/defaults_front_end_screen.md``, patience 10). The
    patience follows the training budget, ``patience="auto"``: ``epochs // 15``,
    between 5 and 20, so 20 for the default 300 epochs and 6 for 100. With 300
    epochs a patience of 20 (and ``n_iter_no_change=60``), instead of 10 (and 30)
    before sklearn_rnn 0.2.0, lifted the classifier's mean accuracy over the
    eight aeon datasets from 0.907 to 0.922, ahead on the four long univariate
    ones (``benchmarks/results/patient_plateau_screen.md``); with 100 epochs,
    over the five small aeon datasets (3 seeds), a patience of 6 averaged 0.950
    against 0.944 for 10 (with a stop after 30) and 0.943 for 20, a lead that comes
    from ArrowHead (0.810 against 0.787 and 0.766, within about one standard
    deviation; ``benchmarks/results/short_budget_screen.md``). The rule between
    those two measured budgets is an interpolation.

    Parameters
    ----------
    factor : float, default=0.5
        Factor applied on a plateau, in (0, 1).
    patience : int or "auto", default="auto"
        Epochs without improvement before a reduction (>= 0). ``"auto"``:
        ``epochs // 15`` for the estimator's ``epochs``, at least 5 and at most
        20 (20 when the budget is unknown); see ``patience_for``. With
        ``partial_fit``, which trains one epoch per call, the estimator's
        ``epochs`` still sets it.
    min_lr : float, default=0.0
        Lower bound on the learning rate, in [0, learning_rate].

    Examples
    --------
    >>> from sklearn_rnn.schedules import ReduceOnPlateau
    >>> ReduceOnPlateau(patience=2).lr_at([0, 10], base_lr=0.01,
    ...                                   steps_per_epoch=10, epochs=2).tolist()
    [0.01, 0.01]
    >>> ReduceOnPlateau().patience_for(300), ReduceOnPlateau().patience_for(100)
    (20, 6)
    """

    _parameter_constraints = {
        "factor": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "min_lr": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, factor=0.5, patience="auto", min_lr=0.0):
        self.factor = factor
        self.patience = patience
        self.min_lr = min_lr

    def _check_with_base_lr(self, base_lr):
        _check_min_lr(self, base_lr)

    def keras_learning_rate(self, base_lr, steps_per_epoch, epochs):
        """The optimizer's ``learning_rate``: ``base_lr`` as a float.

        Parameters
        ----------
        base_lr : float
            The classifier's ``learning_rate``.
        steps_per_epoch : int
            Optimizer steps (batches) per epoch.
        epochs : int
            Epochs of the fit.

        Returns
        -------
        float
            ``base_lr``: the callback from :meth:`keras_callbacks` lowers it.
        """
        self.check(base_lr)
        _check_run(steps_per_epoch, epochs)
        return float(base_lr)

    def patience_for(self, epochs=None):
        """The patience a fit of ``epochs`` epochs uses.

        Parameters
        ----------
        epochs : int or None, default=None
            The estimator's ``epochs``; None for an unknown budget.

        Returns
        -------
        int
            ``patience`` when it is a number; for ``"auto"``, ``epochs // 15``
            clipped to [5, 20], or 20 when ``epochs`` is None.
        """
        self._validate_params()
        if self.patience != "auto":
            return self.patience
        if epochs is None:
            return 20
        return min(max(epochs // 15, 5), 20)

    def keras_callbacks(self, base_lr, epochs=None):
        """A Keras ``ReduceLROnPlateau`` for ``fit``.

        Parameters
        ----------
        base_lr : float
            The classifier's ``learning_rate``.
        epochs : int or None, default=None
            The estimator's ``epochs``: sets the patience when it is ``"auto"``.

        Returns
        -------
        list of keras.callbacks.Callback
            One callback, monitoring ``val_loss`` if the fit logs it, else ``loss``.
        """
        self.check(base_lr)
        from ._keras_schedules import PlateauCallback

        return [PlateauCallback(factor=self.factor, patience=self.patience_for(epochs),
                                min_lr=self.min_lr)]

    def _formula(self, xp, step, base_lr, steps_per_epoch, epochs):
        return base_lr + 0.0 * step


_BY_NAME = {
    "step": (StepDecay, {}),
    "exponential": (ExponentialDecay, {}),
    "cosine": (CosineAnnealing, {}),
    "cosine_restarts": (CosineRestarts, {}),
    "cyclic": (CyclicLR, {}),
    "triangular2": (CyclicLR, {"mode": "triangular2"}),
    "exp_range": (CyclicLR, {"mode": "exp_range"}),
    "one_cycle": (OneCycle, {}),
    "plateau": (ReduceOnPlateau, {}),
}

SCHEDULE_CLASSES = {
    cls.__name__: cls
    for cls in (StepDecay, ExponentialDecay, CosineAnnealing, CosineRestarts,
                CyclicLR, OneCycle, ReduceOnPlateau)
}


def schedule_callbacks(schedule, base_lr, epochs):
    """The Keras callbacks of ``schedule`` for a fit of ``epochs`` epochs.

    ``epochs`` is passed when the object's ``keras_callbacks`` accepts it (the
    package's schedules do); an object of your own whose method takes
    ``base_lr`` alone is called without it.

    Parameters
    ----------
    schedule : schedule object
        What :func:`resolve_schedule` returns (not None).
    base_lr : float
        The estimator's ``learning_rate``.
    epochs : int
        The estimator's ``epochs``.

    Returns
    -------
    list of keras.callbacks.Callback
        What the schedule's ``keras_callbacks`` returns.

    Examples
    --------
    >>> from sklearn_rnn.schedules import ReduceOnPlateau, schedule_callbacks
    >>> [c.patience for c in schedule_callbacks(ReduceOnPlateau(), 1e-3, epochs=100)]
    [6]
    """
    parameters = inspect.signature(schedule.keras_callbacks).parameters.values()
    if any(p.name == "epochs" or p.kind is p.VAR_KEYWORD for p in parameters):
        return schedule.keras_callbacks(base_lr, epochs=epochs)
    return schedule.keras_callbacks(base_lr)


def resolve_schedule(lr_schedule):
    """Turn the classifier's ``lr_schedule`` into a schedule object or None.

    Parameters
    ----------
    lr_schedule : None, str or schedule object
        None or ``"constant"`` (no schedule), a name from
        :data:`SCHEDULE_NAMES`, or an object with ``keras_learning_rate`` and
        ``keras_callbacks`` methods.

    Returns
    -------
    schedule object or None
        A new default instance for a name (``"cyclic"`` -> ``CyclicLR()``,
        ``"triangular2"`` -> ``CyclicLR(mode="triangular2")``, ...); an object
        is returned as is, unchanged.

    Examples
    --------
    >>> from sklearn_rnn.schedules import resolve_schedule
    >>> resolve_schedule("exp_range")
    CyclicLR(mode='exp_range')
    >>> resolve_schedule("constant") is None
    True
    """
    if lr_schedule is None:
        return None
    if isinstance(lr_schedule, str):
        if lr_schedule == "constant":
            return None
        if lr_schedule not in _BY_NAME:
            raise ValueError(
                f"lr_schedule={lr_schedule!r} is not a known schedule name. "
                f"Accepted names: {', '.join(map(repr, SCHEDULE_NAMES))}; or pass a "
                "schedule object from sklearn_rnn.schedules."
            )
        cls, params = _BY_NAME[lr_schedule]
        return cls(**params)
    if all(hasattr(lr_schedule, name) for name in ("keras_learning_rate",
                                                   "keras_callbacks")):
        return lr_schedule
    raise ValueError(
        f"lr_schedule={lr_schedule!r} is not accepted: use None, one of "
        f"{', '.join(map(repr, SCHEDULE_NAMES))}, or a schedule object from "
        "sklearn_rnn.schedules."
    )
