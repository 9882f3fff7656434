"""Synthetic sequence classification data whose class depends on temporal order."""

import itertools
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ._sequences import FLOAT_DTYPE

MIN_STEPS_PER_EVENT = 5
"""Shortest stretch of timesteps that holds one event (a bump with its margins)."""


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_timesteps": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "weights": ["array-like", None],
        "variable_length": ["boolean"],
        "noise": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_sequence_classification(
    n_samples=200,
    n_timesteps=30,
    n_features=3,
    n_classes=2,
    *,
    weights=None,
    variable_length=False,
    noise=0.1,
    random_state=None,
):
    """Generate sequences whose class is the temporal order of a few events.

    Every sequence contains the same ``k`` events, the smallest ``k >= 2`` that
    gives at least ``n_classes`` distinct orders. An event is a gaussian bump,
    upwards or downwards, in one feature: event ``j`` lives in feature
    ``j % n_features`` and points up when ``j // n_features`` is even. The
    sequence is cut into ``k`` equal slots and each slot holds one event at a
    random (jittered) position with a random amplitude in ``[0.8, 1.2]``; the
    class decides which event goes into which slot. Gaussian noise of standard
    deviation ``noise`` is added everywhere.

    All classes therefore share the same distribution of values: statistics that
    ignore time order (the mean, standard deviation, minimum, maximum of each
    feature) carry no information about the class, while any model that reads
    the order of the events can separate the classes.

    Parameters
    ----------
    n_samples : int, default=200
        Number of sequences. At least ``n_classes``: every class gets at least
        one sequence.
    n_timesteps : int, default=30
        Length of the sequences (the maximum length when ``variable_length`` is
        True). ``k`` events need at least ``5 * k`` timesteps (10 for two
        classes); the error message gives the minimum for other settings.
    n_features : int, default=3
        Features per timestep.
    n_classes : int, default=2
        Number of classes (distinct event orders).
    weights : array-like of shape (n_classes,) or (n_classes - 1,), default=None
        Proportion of sequences in each class; None gives balanced classes. With
        ``n_classes - 1`` values the last class gets ``1 - sum(weights)``. The
        weights are normalised to sum to 1.
    variable_length : bool, default=False
        If True, return a list of sequences whose lengths are drawn uniformly
        between ``max(n_timesteps // 2, 5 * k)`` and ``n_timesteps``.
    noise : float, default=0.1
        Standard deviation of the gaussian noise added to every value.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features) or list of ndarray
        The sequences, float32. With ``variable_length=True``, a list of arrays
        of shape ``(length_i, n_features)``.
    y : ndarray of shape (n_samples,)
        Integer class labels ``0 .. n_classes - 1``.

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_sequence_classification
    >>> X, y = make_sequence_classification(n_samples=100, n_timesteps=20,
    ...                                     n_features=2, random_state=0)
    >>> X.shape, X.dtype, sorted(set(y.tolist()))
    ((100, 20, 2), dtype('float32'), [0, 1])
    >>> X, y = make_sequence_classification(n_samples=5, variable_length=True,
    ...                                     random_state=0)
    >>> [len(seq) for seq in X]
    [18, 26, 18, 22, 24]
    """
    orders = _class_orders(n_classes, n_features)
    n_events = len(orders[0])
    min_length = MIN_STEPS_PER_EVENT * n_events
    if n_timesteps < min_length:
        raise ValueError(
            f"n_timesteps={n_timesteps} is too short for {n_classes} classes: they "
            f"are told apart by the order of {n_events} events, which needs at least "
            f"{min_length} timesteps. Increase n_timesteps."
        )
    if n_samples < n_classes:
        raise ValueError(
            f"n_samples={n_samples} must be at least n_classes={n_classes}, so that "
            "every class has a sequence."
        )
    counts = _class_counts(n_samples, _class_weights(weights, n_classes))
    rng = check_random_state(random_state)
    y = rng.permutation(np.repeat(np.arange(n_classes), counts))
    if variable_length:
        lengths = rng.randint(max(n_timesteps // 2, min_length), n_timesteps + 1,
                              size=n_samples)
    else:
        lengths = np.full(n_samples, n_timesteps)
    X = [
        _make_sequence(orders[label], length, n_features, noise, rng)
        for label, length in zip(y, lengths, strict=True)
    ]
    return (X if variable_length else np.stack(X)), y


def _class_orders(n_classes, n_features):
    """One distinct order of the events per class, for the fewest events that suffice.

    Events with the same identity (same feature and sign) are interchangeable, so
    orders are counted as distinct sequences of identities.
    """
    n_events = 2
    while True:
        identities = [(j % n_features, (j // n_features) % 2) for j in range(n_events)]
        orders = _distinct_orders(identities, n_classes)
        if len(orders) == n_classes:
            return orders
        n_events += 1


def _distinct_orders(identities, limit):
    """Up to ``limit`` permutations of the events with distinct identity sequences."""
    seen, orders = set(), []
    for order in itertools.permutations(range(len(identities))):
        key = tuple(identities[j] for j in order)
        if key not in seen:
            seen.add(key)
            orders.append(order)
            if len(orders) == limit:
                break
    return orders


def _class_weights(weights, n_classes):
    if weights is None:
        return np.full(n_classes, 1.0 / n_classes)
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 1 or len(weights) not in (n_classes - 1, n_classes):
        raise ValueError(
            f"weights must have n_classes={n_classes} or n_classes - 1 values, got "
            f"{weights.tolist()}."
        )
    if len(weights) == n_classes - 1:
        weights = np.append(weights, 1.0 - weights.sum())
    if not np.isfinite(weights).all() or (weights <= 0).any():
        raise ValueError(
            f"weights must be positive class proportions, got {weights.tolist()} "
            "(with n_classes - 1 values, they must sum to less than 1)."
        )
    return weights / weights.sum()


def _class_counts(n_samples, weights):
    """Split ``n_samples`` by ``weights`` (largest remainder), at least one per class."""
    exact = n_samples * weights
    counts = np.floor(exact).astype(int)
    remainder = n_samples - counts.sum()
    counts[np.argsort(counts - exact, kind="stable")[:remainder]] += 1
    for empty in np.flatnonzero(counts == 0):
        counts[np.argmax(counts)] -= 1
        counts[empty] = 1
    return counts


def _make_sequence(order, length, n_features, noise, rng):
    """One sequence: event ``order[s]`` placed in slot ``s``, plus gaussian noise."""
    x = rng.normal(0.0, noise, size=(length, n_features))
    n_events = len(order)
    bounds = np.linspace(0, length, n_events + 1).round().astype(int)
    width = max(0.6, (length / n_events) / 10)
    margin = int(np.ceil(2.5 * width))
    t = np.arange(length)
    for slot, event in enumerate(order):
        low, high = bounds[slot] + margin, bounds[slot + 1] - 1 - margin
        center = rng.randint(low, max(low, high) + 1)
        sign = 1.0 if (event // n_features) % 2 == 0 else -1.0
        amplitude = sign * rng.uniform(0.8, 1.2)
        x[:, event % n_features] += amplitude * np.exp(-0.5 * ((t - center) / width) ** 2)
    return x.astype(FLOAT_DTYPE)
