"""Over- and under-sampling of sequences, usable as steps of an imbalanced-learn
``Pipeline`` (they resample during ``fit`` only).

imbalanced-learn is not needed to use these samplers: they implement
``fit_resample(X, y)`` themselves, on every form of sequences the package accepts.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ._sequences import (
    FLOAT_DTYPE,
    MASK_VALUE_CONSTRAINT,
    check_sequences,
    form_of,
    is_padding,
    to_form,
)
from .augmentation import _resample

STRATEGY_NAMES = {"auto", "minority", "not minority", "not majority", "all"}


class _BaseSequenceSampler(BaseEstimator):
    """``fit_resample`` for sequences: checks, sampling targets, form of the output."""

    _sampling_type = None

    _parameter_constraints = {
        "sampling_strategy": [
            StrOptions(STRATEGY_NAMES),
            Interval(Real, 0, 1, closed="right"),
            dict,
        ],
        "random_state": ["random_state"],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Resample the sequences and their labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of arrays of shape (length_i, n_features)
            Sequences.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        X_resampled : ndarray or list of ndarray
            The resampled sequences, float32, in the form of ``X`` (a list stays
            a list, a 2D array stays 2D).
        y_resampled : ndarray of shape (n_samples_new,)
            Their labels.
        """
        seqs = check_sequences(X)
        y = column_or_1d(y, warn=True)
        check_consistent_length(seqs.data, y)
        check_classification_targets(y)
        self.sampling_strategy_ = _sampling_targets(
            self.sampling_strategy, y, self._sampling_type
        )
        data, y_resampled = self._resample(
            seqs.data, y, check_random_state(self.random_state)
        )
        return to_form(data, form_of(X)), y_resampled

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "sampler"
        tags.target_tags.required = True
        tags.input_tags.three_d_array = True
        return tags


class SequenceOverSampler(_BaseSequenceSampler):
    """Over-sample the smaller classes with copies or synthetic sequences.

    Parameters
    ----------
    sampling_strategy : str, float or dict, default="auto"
        How many sequences each class should have after resampling:

        * ``"auto"`` or ``"not majority"``: every class but the majority grows to
          the size of the majority; ``"minority"``: only the smallest class;
          ``"not minority"``, ``"all"``: as their names say;
        * float in (0, 1], binary ``y`` only: the minority grows to this ratio
          of the majority's size;
        * dict ``{label: n_samples}``: the number of sequences of each listed
          class (at least its current number).
    method : {"duplicate", "jitter", "interpolate"}, default="duplicate"
        How new sequences are made:

        * ``"duplicate"``: copies of random sequences of the class;
        * ``"jitter"``: copies plus gaussian noise whose standard deviation is
          ``jitter`` times the standard deviation of each feature (over all
          timesteps of all sequences of ``X``);
        * ``"interpolate"``: SMOTE for sequences. A synthetic sequence lies
          between a random sequence ``a`` of the class and one of its
          ``k_neighbors`` nearest neighbours ``b`` of the same class:
          ``a + u * (b - a)`` timestep by timestep, with one random ``u`` in
          [0, 1) per synthetic sequence.
    jitter : float, default=0.05
        Noise scale of ``method="jitter"``, relative to each feature's standard
        deviation.
    k_neighbors : int, default=5
        Neighbours considered by ``method="interpolate"`` (fewer when the class
        has fewer other sequences).
    mask_value : float or None, default=None
        For arrays already padded: timesteps whose features all equal this value
        are padding. New sequences are then made from the valid steps only (no
        noise on the padding, no interpolation with it, the noise scale from
        valid steps) and padded at the end with ``mask_value`` to the array's
        length; use the classifier's ``mask_value`` with the same value. Lists
        of sequences need none.
    random_state : int, RandomState instance or None, default=None
        Seed of the random choices.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of sequences generated for each class, set by ``fit_resample``.

    Notes
    -----
    The output keeps every original sequence, in order, followed by the new ones.

    With ``method="interpolate"`` and sequences of different lengths,
    neighbours are found after stretching every sequence of the class to the
    length of its longest one (linear interpolation in time). A synthetic
    sequence has the length of the sequence ``a`` it starts from; its neighbour
    ``b`` is stretched to that length before interpolating.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.resampling import SequenceOverSampler
    >>> X = np.random.default_rng(0).normal(size=(10, 8, 2))
    >>> y = np.array([0] * 7 + [1] * 3)
    >>> sampler = SequenceOverSampler(method="interpolate", random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist(), sampler.sampling_strategy_
    ((14, 8, 2), [7, 7], {1: 4})
    """

    _sampling_type = "over-sampling"

    _parameter_constraints = {
        **_BaseSequenceSampler._parameter_constraints,
        "method": [StrOptions({"duplicate", "jitter", "interpolate"})],
        "jitter": [Interval(Real, 0, None, closed="left")],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "mask_value": MASK_VALUE_CONSTRAINT,
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        method="duplicate",
        jitter=0.05,
        k_neighbors=5,
        mask_value=None,
        random_state=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.method = method
        self.jitter = jitter
        self.k_neighbors = k_neighbors
        self.mask_value = mask_value
        self.random_state = random_state

    def _resample(self, data, y, rng):
        if self.mask_value is not None and isinstance(data, np.ndarray):
            return self._resample_padded(data, y, rng)
        parts, labels = [_take(data, np.arange(len(y)))], [y]
        for label, n_new in self.sampling_strategy_.items():
            if n_new > 0:
                members = np.flatnonzero(y == label)
                parts.append(self._generate(data, members, label, n_new, rng))
                labels.append(np.repeat(y[members[:1]], n_new))
        return _concatenate(parts), np.concatenate(labels)

    def _resample_padded(self, data, y, rng):
        """New sequences from the valid steps of a padded array, padded at the end."""
        valid = ~is_padding(data, self.mask_value)
        grown = [label for label, n_new in self.sampling_strategy_.items() if n_new > 0]
        empty = np.flatnonzero(~valid.any(axis=1) & np.isin(y, grown))
        if self.method == "interpolate" and empty.size:
            raise ValueError(
                f"Rows {empty.tolist()} of X are all mask_value={self.mask_value}, in "
                "classes being over-sampled: method='interpolate' has no steps to "
                "interpolate there. Drop them, or use method='duplicate' or 'jitter'."
            )
        sequences = [seq[steps] for seq, steps in zip(data, valid, strict=True)]
        resampled, labels = self._resample(sequences, y, rng)
        new = np.full((len(resampled) - len(data), *data.shape[1:]), self.mask_value,
                      dtype=FLOAT_DTYPE)
        for row, seq in zip(new, resampled[len(data):], strict=True):
            row[:len(seq)] = seq
        return _concatenate([data, new]), labels

    def _generate(self, data, members, label, n_new, rng):
        if self.method == "interpolate":
            return self._interpolate(_take(data, members), label, n_new, rng)
        copies = _take(data, rng.choice(members, size=n_new))
        if self.method == "jitter":
            return _add_noise(copies, self.jitter * _feature_std(data), rng)
        return copies

    def _interpolate(self, members, label, n_new, rng):
        if len(members) < 2:
            raise ValueError(
                f"method='interpolate' needs at least 2 sequences of class {label!r} "
                "to interpolate between, but it has 1. Use method='duplicate' or "
                "'jitter', or leave this class out of sampling_strategy."
            )
        neighbors = _nearest_neighbors(members, min(self.k_neighbors, len(members) - 1))
        starts = rng.randint(len(members), size=n_new)
        ends = neighbors[starts, rng.randint(neighbors.shape[1], size=n_new)]
        steps = rng.uniform(size=n_new)
        if isinstance(members, np.ndarray):
            step = steps[:, np.newaxis, np.newaxis]
            return members[starts] + step * (members[ends] - members[starts])
        return [
            _between(members[a], members[b], u)
            for a, b, u in zip(starts, ends, steps, strict=True)
        ]


class SequenceUnderSampler(_BaseSequenceSampler):
    """Randomly under-sample the larger classes.

    Parameters
    ----------
    sampling_strategy : str, float or dict, default="auto"
        How many sequences each class keeps:

        * ``"auto"`` or ``"not minority"``: every class but the minority shrinks
          to the size of the minority; ``"majority"``: only the largest class;
          ``"not majority"``, ``"all"``: as their names say;
        * float in (0, 1], binary ``y`` only: the majority shrinks so that the
          minority is this ratio of its size;
        * dict ``{label: n_samples}``: the number of sequences kept in each
          listed class (at most its current number).
    random_state : int, RandomState instance or None, default=None
        Seed of the random choice of the sequences kept.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of sequences kept in each resampled class.
    sample_indices_ : ndarray
        Indices of the kept sequences in ``X``, in their original order.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.resampling import SequenceUnderSampler
    >>> X = [np.ones((n, 2)) for n in range(1, 11)]
    >>> y = np.array([0] * 7 + [1] * 3)
    >>> X_res, y_res = SequenceUnderSampler(random_state=0).fit_resample(X, y)
    >>> len(X_res), np.bincount(y_res).tolist()
    (6, [3, 3])
    """

    _sampling_type = "under-sampling"

    _parameter_constraints = {
        **_BaseSequenceSampler._parameter_constraints,
        "sampling_strategy": [
            StrOptions((STRATEGY_NAMES - {"minority"}) | {"majority"}),
            Interval(Real, 0, 1, closed="right"),
            dict,
        ],
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def _resample(self, data, y, rng):
        kept = np.ones(len(y), dtype=bool)
        for label, n_keep in self.sampling_strategy_.items():
            members = np.flatnonzero(y == label)
            kept[members] = False
            kept[rng.choice(members, size=n_keep, replace=False)] = True
        self.sample_indices_ = np.flatnonzero(kept)
        return _take(data, self.sample_indices_), y[self.sample_indices_]


# ----------------------------------------------------------------- sampling targets
def _sampling_targets(strategy, y, sampling_type):
    """``{label: n}``: sequences to generate (over-sampling) or to keep (under)."""
    classes, counts = np.unique(y, return_counts=True)
    classes, counts = classes.tolist(), counts.tolist()
    current = dict(zip(classes, counts, strict=True))
    over = sampling_type == "over-sampling"
    if isinstance(strategy, str):
        goal = max(counts) if over else min(counts)
        targets = {label: goal for label in _named_classes(strategy, current, over)}
    elif isinstance(strategy, dict):
        targets = _checked_dict(strategy, current, over)
    else:
        targets = _ratio_targets(strategy, current, over)
    return {label: (n - current[label]) if over else n for label, n in targets.items()}


def _named_classes(strategy, current, over):
    majority = max(current, key=current.get)
    minority = min(current, key=current.get)
    if strategy == "auto":
        strategy = "not majority" if over else "not minority"
    excluded = {
        "all": [],
        "minority": [c for c in current if c != minority],
        "majority": [c for c in current if c != majority],
        "not minority": [minority],
        "not majority": [majority],
    }[strategy]
    return [label for label in current if label not in excluded]


def _checked_dict(strategy, current, over):
    unknown = [label for label in strategy if label not in current]
    if unknown:
        raise ValueError(
            f"sampling_strategy has labels {unknown} that are not in y; the classes "
            f"are {list(current)}."
        )
    for label, n in strategy.items():
        if not isinstance(n, Integral) or isinstance(n, bool) or n < 0:
            raise ValueError(
                f"sampling_strategy[{label!r}] must be a non-negative int, got {n!r}."
            )
        if over and n < current[label]:
            raise ValueError(
                f"sampling_strategy[{label!r}]={n} is below the {current[label]} "
                "sequences of this class: an over-sampler only adds sequences."
            )
        if not over and n > current[label]:
            raise ValueError(
                f"sampling_strategy[{label!r}]={n} is above the {current[label]} "
                "sequences of this class: an under-sampler only removes sequences."
            )
    return {label: int(n) for label, n in strategy.items()}


def _ratio_targets(ratio, current, over):
    if len(current) != 2:
        raise ValueError(
            f"sampling_strategy={ratio} (a float) is only for binary targets, but y "
            f"has {len(current)} classes; pass a dict {{label: n_samples}} instead."
        )
    majority = max(current, key=current.get)
    minority = min(current, key=current.get)
    if over:
        target = int(ratio * current[majority])
        if target < current[minority]:
            raise ValueError(
                f"sampling_strategy={ratio} asks for {target} minority sequences, "
                f"fewer than the {current[minority]} there are; an over-sampler only "
                "adds sequences. Increase sampling_strategy."
            )
        return {minority: target}
    target = int(current[minority] / ratio)
    if target > current[majority]:
        raise ValueError(
            f"sampling_strategy={ratio} asks for {target} majority sequences, more "
            f"than the {current[majority]} there are; an under-sampler only removes "
            "sequences. Increase sampling_strategy."
        )
    return {majority: target}


# ---------------------------------------------------------- sequence data helpers
def _take(data, indices):
    """Sequences ``indices`` of ``data`` (a dense array or a list), as copies."""
    if isinstance(data, np.ndarray):
        return data[indices]
    return [data[i].copy() for i in indices]


def _concatenate(parts):
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts).astype(FLOAT_DTYPE, copy=False)
    return [seq.astype(FLOAT_DTYPE, copy=False) for part in parts for seq in part]


def _feature_std(data):
    steps = data.reshape(-1, data.shape[-1]) if isinstance(data, np.ndarray) else (
        np.concatenate(data)
    )
    return steps.astype(np.float64).std(axis=0)


def _add_noise(data, scale, rng):
    if isinstance(data, np.ndarray):
        return data + rng.normal(size=data.shape) * scale
    return [seq + rng.normal(size=seq.shape) * scale for seq in data]


def _stretch(seq, length):
    """``seq`` linearly interpolated in time to ``length`` timesteps."""
    if len(seq) == length:
        return seq
    if len(seq) == 1:
        return np.repeat(seq, length, axis=0)
    return _resample(seq, np.linspace(0, len(seq) - 1, length))


def _nearest_neighbors(members, k):
    """Indices of the ``k`` nearest other sequences of each sequence of a class."""
    from sklearn.neighbors import NearestNeighbors  # slow to import, rarely needed

    if isinstance(members, np.ndarray):
        flat = members.reshape(len(members), -1)
    else:
        longest = max(len(seq) for seq in members)
        flat = np.stack([_stretch(seq, longest).ravel() for seq in members])
    neighbors = NearestNeighbors(n_neighbors=k + 1).fit(flat)
    return neighbors.kneighbors(flat, return_distance=False)[:, 1:]


def _between(start, end, step):
    return start + step * (_stretch(end, len(start)) - start)
