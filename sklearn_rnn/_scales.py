"""Each sequence's own level and scale: the per-sequence statistics behind
``SequenceScaler(per_sequence=True)`` (the UCR/UEA convention) and the check that
warns at fit when the sequences' scales differ by orders of magnitude."""

import warnings

import numpy as np

from ._channels import _caller_stacklevel
from ._sequences import valid_steps
from .exceptions import SequenceScaleWarning

SCALE_SPAN_LIMIT = 1e3
"""Warn when the 95th percentile of the sequences' standard deviations is this many
times their 5th percentile (both taken over the sequences that vary at all)."""

ZERO_STD = 1e-12
"""Standard deviations below this are zero: such a sequence is divided by 1."""


def sequence_moments(values, valid=None):
    """Mean and standard deviation of each feature of each sequence, over its valid
    steps.

    Parameters
    ----------
    values : ndarray of shape (n, n_timesteps, n_features), or list of ndarray
        Sequences; the list's arrays have shape (length_i, n_features).
    valid : ndarray of bool of shape (n, n_timesteps), list of such 1D arrays, or None
        Which steps count (None: all of them); a list for a list of sequences.

    Returns
    -------
    mean, std : ndarray of shape (n, n_features), float64
        Zero for a sequence without valid steps.
    """
    if isinstance(values, list):
        if not values:
            return np.zeros((0, 0)), np.zeros((0, 0))
        moments = [_moments(seq[np.newaxis], None if valid is None else valid[i][np.newaxis])
                   for i, seq in enumerate(values)]
        return (np.concatenate([mean for mean, _ in moments]),
                np.concatenate([std for _, std in moments]))
    return _moments(values, valid)


def _moments(values, valid):
    values = values.astype(np.float64)
    if valid is None:
        return values.mean(axis=1), values.std(axis=1)
    weights = valid[:, :, np.newaxis].astype(np.float64)
    counts = np.maximum(weights.sum(axis=1), 1.0)
    mean = (values * weights).sum(axis=1) / counts
    var = (((values - mean[:, np.newaxis]) ** 2) * weights).sum(axis=1) / counts
    return mean, np.sqrt(var)


def scale_span(std):
    """How many times the 95th percentile of the non-zero standard deviations
    exceeds their 5th percentile (1.0 when fewer than two sequences vary)."""
    std = std[std > ZERO_STD]
    if std.size < 2:
        return 1.0
    low, high = np.percentile(std, [5, 95])
    return float(high / low)


def warn_if_scales_differ(seqs, mask_value, estimator_name):
    """Warn (:class:`~sklearn_rnn.exceptions.SequenceScaleWarning`) when the float
    sequences of ``seqs`` differ in scale by at least ``SCALE_SPAN_LIMIT`` times,
    naming the fix."""
    _, std = sequence_moments(seqs.data, valid_steps(seqs, mask_value))
    span = scale_span(std.ravel())
    if span < SCALE_SPAN_LIMIT:
        return
    warnings.warn(
        f"The sequences of X differ in scale by a factor of {span:.3g} (the 95th "
        "against the 5th percentile of their standard deviations): a scaler fitted "
        f"over all of them leaves most sequences near-constant, and {estimator_name} "
        "may not even fit its training data. Standardise each sequence on its own "
        "with sklearn_rnn.preprocessing.SequenceScaler(per_sequence=True) before the "
        "estimator (append_level_and_scale=True keeps each sequence's level and scale "
        "as features, for data where the amplitude carries the target). Silence this "
        "with warnings.simplefilter('ignore', "
        "sklearn_rnn.exceptions.SequenceScaleWarning).",
        SequenceScaleWarning, stacklevel=_caller_stacklevel(),
    )
