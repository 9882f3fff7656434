"""Random augmentation of training sequences (numpy only)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, RealNotInt

from ._sequences import FLOAT_DTYPE

N_WARP_KNOTS = 4
"""Random speeds of a time warp, linearly interpolated between evenly spaced knots."""

MIN_WARP_SPEED = 0.1
"""Lowest relative speed of a time warp, which keeps it monotone."""


class SequenceAugmenter(BaseEstimator):
    """Random transformations of training sequences, drawn afresh for every batch.

    Give it to :class:`~sklearn_rnn.RNNSequenceClassifier` as ``augmentation``:
    the classifier calls :meth:`augment` on each training batch, never at
    predict. Each sequence is augmented with probability ``p``; an augmented
    sequence goes through every enabled transformation, in this order: time warp,
    window crop, time shift, scaling, jitter. Only the first ``length`` timesteps
    of each sequence change, padding after them is left as it is.

    Parameters
    ----------
    jitter : float, default=0.0
        Standard deviation of gaussian noise added to every value.
    scaling : float, default=0.0
        Standard deviation of a random factor ~ N(1, scaling), one per sequence
        and feature, that multiplies the feature.
    time_shift : int or float in [0, 1), default=0
        Maximum shift of the sequence in time: in timesteps (int), or as a
        fraction of each sequence's own length (float: ``0.05`` shifts a series of
        250 steps by up to 12 and one of 24 steps by up to 1). The shift is drawn
        uniformly from ``-max_shift .. max_shift``; the steps it vacates repeat
        the first (or last) value. It is not circular, so the order of events is
        kept.
    time_shift_step : int, default=1
        Every shift is a multiple of this many timesteps (the maximum is rounded
        to the nearest multiple). A network whose convolutions skip steps (a total
        stride of 4 for strides ``(2, 2, 1)``) sees a series shifted by a multiple
        of its total stride on the same sampling grid, so it learns positions
        without having to learn every phase of a fast oscillation. Try it on
        series that swing from one step to the next with a strided network
        (``conv_downsampling="stride"``): with ``scaling=0.1,
        time_shift=0.05``, ``time_shift_step=4`` scored 0.903 on ACSF1 against
        0.833 with steps of 1; on smooth series the shifts by less than the
        stride help (ArrowHead 0.726 against 0.857), 3 seeds
        (``benchmarks/results/shift_on_stride_screen.md``). The classifier's
        default front-end averages windows instead of skipping steps, and there
        steps of 1 score 0.920 on ACSF1
        (``benchmarks/results/average_downsampling.md``).
    time_warp : float, default=0.0
        Strength of a smooth random distortion of time: the sequence is read at a
        speed ``1 + time_warp * noise`` that varies smoothly along it (``noise``
        is standard normal at a few knots, interpolated in between, and the speed
        is kept above 0.1), then linearly interpolated back to its length.
    window_crop : float in [0, 1), default=0.0
        Fraction of the sequence cut away: a random window of ``1 - window_crop``
        of its length is kept and stretched back to the full length by linear
        interpolation.
    p : float in [0, 1], default=0.5
        Probability that a sequence is augmented.
    random_state : int, RandomState instance or None, default=None
        Seed used by :meth:`augment` when it is not given a generator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.augmentation import SequenceAugmenter
    >>> X = np.zeros((4, 10, 2), dtype=np.float32)
    >>> lengths = np.array([10, 10, 6, 3])
    >>> augmenter = SequenceAugmenter(jitter=0.1, time_warp=0.2, p=1.0)
    >>> X_aug = augmenter.augment(X, lengths, np.random.default_rng(0))
    >>> X_aug.shape, X_aug.dtype
    ((4, 10, 2), dtype('float32'))
    >>> bool(np.all(X_aug[2, 6:] == 0)), bool(np.all(X_aug[2, :6] != 0))
    (True, True)
    """

    _parameter_constraints = {
        "jitter": [Interval(Real, 0, None, closed="left")],
        "scaling": [Interval(Real, 0, None, closed="left")],
        "time_shift": [Interval(Integral, 0, None, closed="left"),
                       Interval(RealNotInt, 0, 1, closed="left")],
        "time_shift_step": [Interval(Integral, 1, None, closed="left")],
        "time_warp": [Interval(Real, 0, None, closed="left")],
        "window_crop": [Interval(Real, 0, 1, closed="left")],
        "p": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        jitter=0.0,
        scaling=0.0,
        time_shift=0,
        time_shift_step=1,
        time_warp=0.0,
        window_crop=0.0,
        p=0.5,
        random_state=None,
    ):
        self.jitter = jitter
        self.scaling = scaling
        self.time_shift = time_shift
        self.time_shift_step = time_shift_step
        self.time_warp = time_warp
        self.window_crop = window_crop
        self.p = p
        self.random_state = random_state

    def __setstate__(self, state):
        # Augmenters pickled before ``time_shift_step`` existed shifted by any step.
        super().__setstate__({"time_shift_step": 1, **state})

    def augment(self, X, lengths=None, rng=None):
        """Return a randomly augmented copy of a batch of padded sequences.

        Parameters
        ----------
        X : ndarray of shape (batch_size, n_timesteps, n_features)
            Sequences, post-padded: sequence ``i`` is ``X[i, :lengths[i]]``. Not
            modified.
        lengths : array-like of int of shape (batch_size,), default=None
            Unpadded length of each sequence (0 leaves it unchanged). None means
            ``n_timesteps`` for all.
        rng : numpy.random.Generator, int or None, default=None
            Source of randomness. None uses ``random_state``.

        Returns
        -------
        X_augmented : ndarray of shape (batch_size, n_timesteps, n_features)
            A new float32 array; padding is copied unchanged.
        """
        self._validate_params()
        X, lengths = _check_batch(X, lengths)
        rng = self._generator(rng)
        out = X.copy()
        chosen = np.flatnonzero(rng.random(len(X)) < self.p)
        for i in chosen[lengths[chosen] > 0]:
            out[i, : lengths[i]] = self._augment_one(X[i, : lengths[i]], rng)
        return out

    def _augment_one(self, x, rng):
        x = x.astype(np.float64)
        if self.time_warp > 0:
            x = _time_warp(x, self.time_warp, rng)
        if self.window_crop > 0:
            x = _window_crop(x, self.window_crop, rng)
        if self.time_shift > 0:
            x = _time_shift(x, self.time_shift, self.time_shift_step, rng)
        if self.scaling > 0:
            x = x * rng.normal(1.0, self.scaling, size=x.shape[1])
        if self.jitter > 0:
            x = x + rng.normal(0.0, self.jitter, size=x.shape)
        return x

    def _generator(self, rng):
        if rng is None:
            rng = self.random_state
        if isinstance(rng, np.random.RandomState):
            rng = rng.randint(np.iinfo(np.int32).max)
        return np.random.default_rng(rng)


def _check_batch(X, lengths):
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(
            f"X must be a 3D array (batch_size, n_timesteps, n_features), got shape "
            f"{X.shape}."
        )
    X = X.astype(FLOAT_DTYPE, copy=False)
    if lengths is None:
        return X, np.full(len(X), X.shape[1])
    lengths = np.asarray(lengths)
    if (
        lengths.shape != (len(X),)
        or lengths.dtype.kind not in "iu"
        or lengths.min(initial=0) < 0
        or lengths.max(initial=0) > X.shape[1]
    ):
        raise ValueError(
            f"lengths must hold one integer in 0..{X.shape[1]} (n_timesteps) per "
            f"sequence of X ({len(X)}), got {lengths!r}."
        )
    return X, lengths


def _resample(x, positions):
    """Values of ``x`` (length, n_features) at fractional time ``positions``,
    linearly interpolated."""
    positions = np.clip(positions, 0, len(x) - 1)
    left = np.minimum(np.floor(positions).astype(np.intp), len(x) - 2)
    weight = (positions - left)[:, np.newaxis]
    return x[left] * (1 - weight) + x[left + 1] * weight


def _time_warp(x, strength, rng):
    length = len(x)
    if length < 2:
        return x
    knots = rng.normal(size=N_WARP_KNOTS)
    noise = np.interp(np.linspace(0, 1, length),
                      np.linspace(0, 1, N_WARP_KNOTS), knots)
    speed = np.maximum(1 + strength * noise, MIN_WARP_SPEED)
    warped = np.concatenate([[0.0], np.cumsum(speed[1:])])
    return _resample(x, warped * (length - 1) / warped[-1])


def _window_crop(x, fraction, rng):
    length = len(x)
    window = max(2, int(round(length * (1 - fraction))))
    if length < 2 or window >= length:
        return x
    start = rng.integers(0, length - window + 1)
    return _resample(x, np.linspace(start, start + window - 1, length))


def _time_shift(x, max_shift, step, rng):
    if not isinstance(max_shift, Integral):
        max_shift = int(round(max_shift * len(x)))
    max_steps = int(round(max_shift / step))
    shift = step * int(rng.integers(-max_steps, max_steps + 1))
    return _shift_in_time(x, shift)


def _shift_in_time(x, shift):
    """``x`` (steps first) moved ``shift`` steps later (earlier when negative);
    the vacated steps repeat the edge step. Shifts are clipped to the length."""
    shift = int(np.clip(shift, 1 - len(x), len(x) - 1))
    if shift == 0:
        return x
    if shift > 0:
        return np.concatenate([np.repeat(x[:1], shift, axis=0), x[:-shift]])
    return np.concatenate([x[-shift:], np.repeat(x[-1:], -shift, axis=0)])
