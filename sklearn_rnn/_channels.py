"""Channels-first sequences (aeon, sktime) to the package's channels-last form.

aeon's ``load_classification`` / ``load_regression`` and sktime's numpy formats
hold a series as ``(n_channels, n_timesteps)``: a 3D array ``(n_samples,
n_channels, n_timesteps)`` or, for unequal lengths, a list of ``(n_channels,
length_i)`` arrays. Read as the package's channels-last form, BasicMotions'
``(40, 6, 100)`` becomes 6 timesteps of 100 features: a wrong model without an
error. :class:`FromChannelsFirst` converts inside a ``Pipeline``, and
:func:`warn_if_channels_first` flags arrays that are very likely the wrong way round.
"""

import sys
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._sequences import _is_sequence_list, check_sequences, form_of, to_form
from .exceptions import ChannelsFirstWarning

CHANNELS_FIRST_RATIO = 8
"""An array read as ``(n, T, F)`` looks channels-first when ``F >= 8 * T``."""


def looks_channels_first(n_timesteps, n_features):
    """Whether ``(n, n_timesteps, n_features)`` is very likely a channels-first
    array read the wrong way round: a single "timestep" of several features, or
    at least ``CHANNELS_FIRST_RATIO`` times more "features" than "timesteps" (a
    series length where the channels should be: BasicMotions' ``(n, 6, 100)``,
    CardanoSentiment's ``(n, 2, 24)``, any univariate aeon dataset's ``(n, 1, L)``)."""
    return n_features > 1 and (
        n_timesteps == 1 or n_features >= CHANNELS_FIRST_RATIO * n_timesteps)


def _caller_stacklevel():
    """``stacklevel`` for a warning raised by the caller of this function: the first
    frame outside this package (the user's call, or a meta-estimator's)."""
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith(
            "sklearn_rnn"):
        frame, level = frame.f_back, level + 1
    return level


def warn_if_channels_first(seqs, estimator_name):
    """Warn (:class:`ChannelsFirstWarning`) when checked dense float sequences look
    channels-first, naming the fix."""
    if seqs.ragged or seqs.data.ndim != 3:
        return
    n_samples, n_timesteps, n_features = seqs.data.shape
    if looks_channels_first(n_timesteps, n_features):
        warnings.warn(
            f"X has shape {seqs.data.shape}: {estimator_name} reads it as sequences "
            f"of {n_timesteps} timestep(s) with {n_features} features each. Arrays "
            "from aeon and sktime are channels-first, (n_samples, n_channels, "
            "n_timesteps); if yours is, put "
            "sklearn_rnn.preprocessing.FromChannelsFirst() before the estimator (or "
            "pass X.transpose(0, 2, 1)). If it really is channels-last, silence this "
            "with warnings.simplefilter('ignore', "
            "sklearn_rnn.exceptions.ChannelsFirstWarning).",
            ChannelsFirstWarning, stacklevel=_caller_stacklevel(),
        )


def _nested_frame_to_list(frame):
    """sktime's nested DataFrame (one column per channel, one pandas Series or
    array per cell) -> a list of ``(length_i, n_channels)`` arrays."""
    sequences = []
    for i in range(len(frame)):
        cells = [np.asarray(cell, dtype=float) for cell in frame.iloc[i]]
        lengths = {cell.shape for cell in cells}
        if len(lengths) != 1 or cells[0].ndim != 1:
            raise ValueError(
                f"Row {i} of the nested DataFrame has channels of different lengths "
                f"or shapes {sorted(lengths)}; every channel of a sequence must be "
                "one series of the same length."
            )
        sequences.append(np.stack(cells, axis=1))
    return sequences


def _is_nested_frame(X):
    return (hasattr(X, "iloc") and hasattr(X, "columns") and len(X) > 0
            and len(X.columns) > 0 and np.ndim(X.iloc[0, 0]) == 1)


def _channels_last(X):
    """``X`` with each sequence's channels last, in the form the package reads."""
    if _is_nested_frame(X):
        return _nested_frame_to_list(X)
    if _is_sequence_list(X):
        out = []
        for i, seq in enumerate(X):
            arr = np.asarray(seq)
            if arr.ndim not in (1, 2):
                raise ValueError(
                    f"X[{i}] must be a 2D array (n_channels, length) or 1D (length,), "
                    f"got shape {arr.shape}."
                )
            out.append(arr.T if arr.ndim == 2 else arr)
        return out
    if X is None or np.isscalar(X) or hasattr(X, "tocsr"):
        return X  # check_sequences names the problem
    arr = np.asarray(X)
    if arr.ndim != 3:
        # 2D is univariate (n_samples, n_timesteps) in both layouts; check_sequences
        # names what is wrong with the rest.
        return arr
    return np.ascontiguousarray(arr.transpose(0, 2, 1))


class FromChannelsFirst(TransformerMixin, BaseEstimator):
    """Take aeon / sktime channels-first sequences to the package's channels-last form.

    Put it first in a ``Pipeline`` that reads data from ``aeon.datasets`` or sktime:

    - 3D array ``(n_samples, n_channels, n_timesteps)`` -> 3D array
      ``(n_samples, n_timesteps, n_channels)``;
    - list of ``(n_channels, length_i)`` arrays (unequal lengths) -> list of
      ``(length_i, n_channels)`` arrays;
    - sktime nested DataFrame (a column per channel, a ``pandas.Series`` per cell)
      -> list of ``(length_i, n_channels)`` arrays;
    - 2D array ``(n_samples, n_timesteps)`` (univariate): unchanged.

    Output arrays are float32. NaN/inf, strings and empty sequences raise
    ``ValueError`` as in the estimators.

    Attributes
    ----------
    n_features_in_ : int
        Channels per series (features per timestep of the output).

    See Also
    --------
    SequenceScaler : Per-channel standardisation, the usual next step.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import FromChannelsFirst
    >>> X = np.zeros((40, 6, 100))          # aeon's BasicMotions: 6 channels, 100 steps
    >>> FromChannelsFirst().fit_transform(X).shape
    (40, 100, 6)
    >>> unequal = [np.zeros((12, 20)), np.zeros((12, 26))]   # JapaneseVowels
    >>> [x.shape for x in FromChannelsFirst().fit_transform(unequal)]
    [(20, 12), (26, 12)]
    """

    def fit(self, X, y=None):
        """Learn the number of channels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps), list of \
arrays of shape (n_channels, length_i), or nested DataFrame
            Channels-first sequences.
        y : None
            Ignored.

        Returns
        -------
        self : FromChannelsFirst
            The fitted transformer.
        """
        self.n_features_in_ = check_sequences(_channels_last(X)).n_features
        return self

    def transform(self, X):
        """Move each sequence's channels to the last axis.

        Parameters
        ----------
        X : array-like or list of arrays or nested DataFrame
            Channels-first sequences with ``n_features_in_`` channels.

        Returns
        -------
        X_channels_last : ndarray of shape (n_samples, n_timesteps, n_channels) \
or list of arrays of shape (length_i, n_channels)
            2D univariate input comes back 2D.
        """
        check_is_fitted(self)
        converted = _channels_last(X)
        seqs = check_sequences(converted)
        if seqs.n_features != self.n_features_in_:
            raise ValueError(
                f"X has {seqs.n_features} channels, but FromChannelsFirst was fitted "
                f"with {self.n_features_in_}."
            )
        return to_form(seqs.data, form_of(converted))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
