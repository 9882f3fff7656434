"""Transformers for sequences: scaling, padding, turning text into token ids, and
taking aeon / sktime channels-first data to the package's channels-last form.

The transformers accept the forms of ``X`` that the classifier accepts: 3D arrays
``(n_samples, n_timesteps, n_features)``, 2D arrays of univariate sequences
``(n_samples, n_timesteps)`` and lists of ``(length_i, n_features)`` arrays;
:class:`FromChannelsFirst` takes ``(n_samples, n_channels, n_timesteps)`` arrays,
lists of ``(n_channels, length_i)`` arrays and sktime's nested DataFrames.
"""

import re
import warnings
from collections import Counter
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._channels import (
    FromChannelsFirst,  # noqa: F401 (public)
    _caller_stacklevel,
)
from ._scales import ZERO_STD, sequence_moments
from ._sequences import (
    FLOAT32_NUMBER,
    FLOAT_DTYPE,
    MASK_VALUE_CONSTRAINT,
    TOKEN_DTYPE,
    check_sequences,
    form_of,
    is_padding,
    pad_sequences,
    to_form,
    valid_steps,
)
from .exceptions import ChannelsFirstWarning  # noqa: F401 (also public here)

UNKNOWN_ID = 1
"""Token id of words not in the vocabulary (0 is padding)."""

FIRST_WORD_ID = 2


def _check_n_features(estimator, seqs):
    if seqs.n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {seqs.n_features} features per timestep, but "
            f"{type(estimator).__name__} was fitted with {estimator.n_features_in_}."
        )


def _sequence_tags(tags):
    tags.input_tags.three_d_array = True
    tags.transformer_tags.preserves_dtype = ["float32"]
    return tags


class SequenceScaler(TransformerMixin, BaseEstimator):
    """Standardise each feature over all timesteps of all sequences, or each
    sequence on its own.

    By default the mean and standard deviation of each feature are computed over
    every (unpadded) timestep of every sequence, so a feature keeps its relative
    scale along time, unlike ``StandardScaler`` on flattened sequences, which
    scales each timestep separately.

    With ``per_sequence=True`` each feature of each sequence is standardised with
    its own mean and standard deviation over its own valid steps, computed at
    ``transform``, so new sequences at predict are treated alike (the UCR/UEA
    convention, z-normalised series). Use it when the sequences differ in scale:
    with scales spanning orders of magnitude a scaler fitted over all sequences
    leaves most of them near-constant, and the estimators warn at fit
    (:class:`~sklearn_rnn.exceptions.SequenceScaleWarning`). Where the amplitude
    itself carries the target, ``append_level_and_scale=True`` keeps it as input.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the mean of each feature.
    with_std : bool, default=True
        Divide by the standard deviation of each feature. Features with zero
        variance are divided by 1.
    mask_value : float or None, default=None
        Timesteps whose features all equal this value are padding: they are
        ignored by ``fit`` and returned unchanged by ``transform`` and
        ``inverse_transform``. Use the classifier's ``mask_value`` with the same
        value, one outside the range of the scaled data: a step at the mean
        becomes 0, so with ``mask_value=0.0`` the network would skip it as
        padding (``transform`` warns when a step that is not padding comes out
        equal to ``mask_value``). A finite number within float32's range: NaN
        never equals itself (series padded with NaN can be passed as a list of
        their valid steps instead).
    per_sequence : bool, default=False
        Standardise each sequence (each of its features) with its own mean and
        standard deviation over its valid steps, instead of statistics learned at
        ``fit``. A constant sequence becomes zeros. ``inverse_transform`` is then
        not available (the sequences' own statistics are not kept).
    append_level_and_scale : bool, default=False
        With ``per_sequence=True``, append ``2 * n_features`` features to every
        timestep: each sequence's level ``arcsinh(mean)`` and scale
        ``log(std)`` per feature, constant along the sequence and standardised
        with their means and standard deviations over the sequences seen at
        ``fit``. For data where the amplitude carries the class.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,) or None
        Mean of each feature (None with ``per_sequence=True``).
    var_ : ndarray of shape (n_features,) or None
        Variance of each feature (None with ``per_sequence=True``).
    scale_ : ndarray of shape (n_features,) or None
        Divisor of each feature: the standard deviation, or 1 where it is zero.
        None when ``with_std=False`` or ``per_sequence=True``.
    level_and_scale_mean_, level_and_scale_std_ : ndarray of shape (2 * n_features,) or None
        How the appended level and scale features are standardised (None unless
        ``append_level_and_scale=True``).
    n_features_in_ : int
        Features per timestep (1 for 2D input).
    n_steps_seen_ : int
        Number of unpadded timesteps the statistics were computed on.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same for tabular data.

    Notes
    -----
    The output has the form of the input: a list of arrays stays a list, a 2D
    array stays 2D, a 3D array stays 3D; values are float32. The statistics and
    the scaling are computed in float64, so small differences on large values
    (timestamps, coordinates) survive the cast to float32. With
    ``append_level_and_scale=True`` the output has ``3 * n_features`` features, so
    2D input becomes 3D.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import SequenceScaler
    >>> X = [np.array([[0.0], [2.0]]), np.array([[4.0], [6.0], [8.0]])]
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_, scaler.scale_
    (array([4.]), array([2.82842712]))
    >>> scaler.transform(X)[1].ravel()
    array([0.        , 0.70710677, 1.4142135 ], dtype=float32)

    Each sequence on its own scale:

    >>> X = [np.array([[0.0], [2.0]]), np.array([[400.0], [600.0], [800.0]])]
    >>> SequenceScaler(per_sequence=True).fit_transform(X)[1].ravel()
    array([-1.2247449,  0.       ,  1.2247449], dtype=float32)
    """

    _parameter_constraints = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "mask_value": MASK_VALUE_CONSTRAINT,
        "per_sequence": ["boolean"],
        "append_level_and_scale": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True, mask_value=None,
                 per_sequence=False, append_level_and_scale=False):
        self.with_mean = with_mean
        self.with_std = with_std
        self.mask_value = mask_value
        self.per_sequence = per_sequence
        self.append_level_and_scale = append_level_and_scale

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute the mean and standard deviation of each feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of arrays of shape (length_i, n_features)
            Sequences.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
            The fitted transformer.
        """
        if self.append_level_and_scale and not self.per_sequence:
            raise ValueError(
                "append_level_and_scale=True appends each sequence's own level and "
                "scale, which needs per_sequence=True; got per_sequence=False.")
        seqs = check_sequences(X, dtype=np.float64)
        steps = self._unpadded_steps(seqs)
        if len(steps) == 0:
            raise ValueError(
                f"Every timestep of X equals mask_value={self.mask_value}: there is "
                "nothing to compute the scaling from."
            )
        self.n_features_in_ = seqs.n_features
        self.n_steps_seen_ = len(steps)
        self.mean_ = self.var_ = self.scale_ = None
        self.level_and_scale_mean_ = self.level_and_scale_std_ = None
        if self.per_sequence:
            if self.append_level_and_scale:
                level_and_scale = self._level_and_scale(
                    seqs, valid_steps(seqs, self.mask_value))
                self.level_and_scale_mean_ = level_and_scale.mean(axis=0)
                std = level_and_scale.std(axis=0)
                self.level_and_scale_std_ = np.where(std < ZERO_STD, 1.0, std)
            return self
        self.mean_ = steps.mean(axis=0)
        self.var_ = steps.var(axis=0)
        if self.with_std:
            std = np.sqrt(self.var_)
            self.scale_ = np.where(std < 10 * np.finfo(std.dtype).eps, 1.0, std)
        return self

    def transform(self, X):
        """Standardise the sequences.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences in any accepted form, with ``n_features_in_`` features.

        Returns
        -------
        X_scaled : ndarray or list of ndarray
            The scaled sequences, float32, in the form of ``X``.
        """
        data, valid, form = self._apply(X, self._scale)
        self._warn_if_steps_become_padding(data, valid)
        return to_form(data, form)

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like or list of arrays
            Scaled sequences.

        Returns
        -------
        X_original : ndarray or list of ndarray
            The sequences on their original scale, float32, in the form of ``X``.
        """
        check_is_fitted(self)
        if self.per_sequence:
            raise ValueError(
                "inverse_transform is not available with per_sequence=True: each "
                "sequence was standardised with its own mean and standard deviation, "
                "which are not kept.")
        data, _, form = self._apply(X, self._unscale)
        return to_form(data, form)

    def _apply(self, X, function):
        """``function`` applied to ``X``'s valid steps: the result, which steps are
        valid (see ``valid_steps``) and the output's form."""
        check_is_fitted(self)
        seqs = check_sequences(X, dtype=np.float64)
        _check_n_features(self, seqs)
        valid = valid_steps(seqs, self.mask_value)
        if self.per_sequence:
            data, form = self._per_sequence(seqs, valid, form_of(X))
        else:
            data, form = self._unpadded(seqs, valid, function), form_of(X)
        return data, valid, form

    def _unpadded(self, seqs, valid, function):
        """``function`` of every sequence as float32, padded steps left as padding."""
        if seqs.ragged:
            return [self._keep_padding(function(seq), None if valid is None else valid[i])
                    for i, seq in enumerate(seqs.data)]
        return self._keep_padding(function(seqs.data), valid)

    def _keep_padding(self, out, valid):
        out = out.astype(FLOAT_DTYPE)
        if valid is not None:
            out[~valid] = FLOAT_DTYPE(self.mask_value)
        return out

    def _warn_if_steps_become_padding(self, data, valid):
        if valid is None:
            return
        if isinstance(data, list):
            n_steps = sum(int((is_padding(seq, self.mask_value) & ok).sum())
                          for seq, ok in zip(data, valid, strict=True))
        else:
            n_steps = int((is_padding(data, self.mask_value) & valid).sum())
        if n_steps:
            warnings.warn(
                f"{n_steps} timestep(s) that are not padding equal "
                f"mask_value={self.mask_value} once scaled (a value at the mean "
                "becomes 0), so a network with the same mask_value would skip them "
                "as padding. Pad with a value outside the range of the scaled data "
                "instead, such as -99.0.", UserWarning, stacklevel=_caller_stacklevel())

    def _level_and_scale(self, seqs, valid):
        """``(n, 2 * n_features)``: each sequence's arcsinh(mean) and log(std)."""
        mean, std = sequence_moments(seqs.data, valid)
        return np.hstack([np.arcsinh(mean), np.log(np.maximum(std, ZERO_STD))])

    def _per_sequence(self, seqs, valid, form):
        """Each sequence standardised on its own valid steps (and its level and
        scale appended), padded steps left as padding; and the output's form."""
        mean, std = sequence_moments(seqs.data, valid)
        mean = mean if self.with_mean else np.zeros_like(mean)
        std = np.where(std < ZERO_STD, 1.0, std) if self.with_std else np.ones_like(std)
        extra = None
        if self.append_level_and_scale:
            extra = ((self._level_and_scale(seqs, valid) - self.level_and_scale_mean_)
                     / self.level_and_scale_std_)
            form = {"2d": "3d", "list1d": "list"}.get(form, form)  # now multivariate
        if seqs.ragged:
            data = []
            for i, seq in enumerate(seqs.data):
                out = (seq - mean[i]) / std[i]
                if extra is not None:
                    out = np.hstack([out, np.broadcast_to(extra[i], (len(seq), len(extra[i])))])
                data.append(self._keep_padding(out, None if valid is None else valid[i]))
            return data, form
        data = (seqs.data - mean[:, np.newaxis]) / std[:, np.newaxis]
        if extra is not None:
            n, steps = data.shape[:2]
            data = np.concatenate(
                [data, np.broadcast_to(extra[:, np.newaxis], (n, steps, extra.shape[1]))],
                axis=2)
        return self._keep_padding(data, valid), form

    def _scale(self, values):
        if self.with_mean:
            values = values - self.mean_
        if self.with_std:
            values = values / self.scale_
        return values

    def _unscale(self, values):
        if self.with_std:
            values = values * self.scale_
        if self.with_mean:
            values = values + self.mean_
        return values

    def _unpadded_steps(self, seqs):
        """All unpadded timesteps as one float64 array of shape (n_steps, n_features)."""
        if seqs.ragged:
            steps = np.concatenate(seqs.data)
        else:
            steps = seqs.data.reshape(-1, seqs.n_features)
        if self.mask_value is not None:
            steps = steps[~is_padding(steps, self.mask_value)]
        return steps

    def __sklearn_tags__(self):
        return _sequence_tags(super().__sklearn_tags__())


class SequencePadder(TransformerMixin, BaseEstimator):
    """Pad (and truncate) sequences of different lengths into one 3D array.

    Parameters
    ----------
    maxlen : int or None, default=None
        Length of the output sequences. None uses the longest sequence seen in
        ``fit``. Longer sequences are truncated.
    padding : {"pre", "post"}, default="post"
        Add the padding before or after each sequence.
    truncating : {"pre", "post"}, default="post"
        Drop timesteps from the start ("pre") or the end ("post") of sequences
        longer than ``maxlen``.
    value : float, default=0.0
        Value of the padded timesteps, a finite number within float32's range.
        Pass the same value as ``mask_value`` to
        :class:`~sklearn_rnn.RNNSequenceClassifier` so that the network ignores
        the padding; pick a value that real timesteps never take in every feature.

    Attributes
    ----------
    maxlen_ : int
        Length of the output sequences.
    n_features_in_ : int
        Features per timestep (1 for 2D input).

    Notes
    -----
    The output is always a float32 array of shape ``(n_samples, maxlen_,
    n_features)``, also for 2D input (univariate sequences) and lists of 1D
    arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import SequencePadder
    >>> X = [np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])]
    >>> padder = SequencePadder(value=-1.0).fit(X)
    >>> padder.transform(X)[..., 0]
    array([[ 1.,  2., -1.],
           [ 3.,  4.,  5.]], dtype=float32)
    >>> SequencePadder(maxlen=2, truncating="pre").fit_transform(X)[..., 0]
    array([[1., 2.],
           [4., 5.]], dtype=float32)
    """

    _parameter_constraints = {
        "maxlen": [None, Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"})],
        "value": [FLOAT32_NUMBER],
    }

    def __init__(self, *, maxlen=None, padding="post", truncating="post", value=0.0):
        self.maxlen = maxlen
        self.padding = padding
        self.truncating = truncating
        self.value = value

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the output length and the number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of arrays of shape (length_i, n_features)
            Sequences.
        y : None
            Ignored.

        Returns
        -------
        self : SequencePadder
            The fitted transformer.
        """
        seqs = check_sequences(X)
        self.n_features_in_ = seqs.n_features
        self.maxlen_ = self.maxlen or int(seqs.lengths.max())
        return self

    def transform(self, X):
        """Pad or truncate every sequence to ``maxlen_`` timesteps.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences in any accepted form, with ``n_features_in_`` features.

        Returns
        -------
        X_padded : ndarray of shape (n_samples, ``maxlen_``, ``n_features_in_``)
            The padded sequences, float32.
        """
        check_is_fitted(self)
        seqs = check_sequences(X)
        _check_n_features(self, seqs)
        return pad_sequences(
            list(seqs.data), maxlen=self.maxlen_, padding=self.padding,
            truncating=self.truncating, value=self.value, dtype=FLOAT_DTYPE,
        )

    def __sklearn_tags__(self):
        return _sequence_tags(super().__sklearn_tags__())


class TextSequenceVectorizer(TransformerMixin, BaseEstimator):
    """Turn raw text documents into padded sequences of token ids.

    Documents are split into tokens as by ``sklearn.feature_extraction.text.
    CountVectorizer``. Token ids follow the frequency of the token over the
    training corpus: id 2 is the most frequent token, ties are broken
    alphabetically. Id 0 is padding and id 1 stands for tokens not in the
    vocabulary. The output feeds :class:`~sklearn_rnn.RNNSequenceClassifier`
    with ``embedding_dim`` set (and ``vocab_size=vectorizer.vocab_size_``).

    Parameters
    ----------
    max_features : int or None, default=None
        Keep only the ``max_features`` most frequent tokens; the others become
        the unknown id 1. None keeps all.
    lowercase : bool, default=True
        Lowercase the documents before tokenizing.
    token_pattern : str, default=r"(?u)\\b\\w\\w+\\b"
        Regular expression of a token. With one capturing group, the group is the
        token.
    maxlen : int or None, default=None
        Length of the output sequences. None uses the longest document (in
        tokens) seen in ``fit``. Longer documents are truncated.
    padding : {"pre", "post"}, default="post"
        Add the padding (id 0) before or after the tokens.
    truncating : {"pre", "post"}, default="post"
        Drop tokens from the start ("pre") or the end ("post") of documents
        longer than ``maxlen``.

    Attributes
    ----------
    vocabulary_ : dict
        Mapping from token to id (ids from 2).
    vocab_size_ : int
        Number of ids in use, counting padding and unknown: ``len(vocabulary_) +
        2``. Ids in the output are below it.
    maxlen_ : int
        Length of the output sequences.

    Notes
    -----
    A document without any token (empty or only punctuation) becomes a row of
    padding, all zeros. The classifier masks padding, so such a row gives the
    same prediction for every empty document.

    Examples
    --------
    >>> from sklearn_rnn.preprocessing import TextSequenceVectorizer
    >>> docs = ["the cat sat", "the dog sat on the mat", ""]
    >>> vectorizer = TextSequenceVectorizer().fit(docs)
    >>> vectorizer.vocabulary_
    {'the': 2, 'sat': 3, 'cat': 4, 'dog': 5, 'mat': 6, 'on': 7}
    >>> vectorizer.transform(["The bird sat", ""])
    array([[2, 1, 3, 0, 0, 0],
           [0, 0, 0, 0, 0, 0]], dtype=int32)
    """

    _parameter_constraints = {
        "max_features": [None, Interval(Integral, 1, None, closed="left")],
        "lowercase": ["boolean"],
        "token_pattern": [str],
        "maxlen": [None, Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"})],
    }

    def __init__(
        self,
        *,
        max_features=None,
        lowercase=True,
        token_pattern=r"(?u)\b\w\w+\b",
        maxlen=None,
        padding="post",
        truncating="post",
    ):
        self.max_features = max_features
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.maxlen = maxlen
        self.padding = padding
        self.truncating = truncating

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary and the output length.

        Parameters
        ----------
        X : iterable of str
            Raw text documents.
        y : None
            Ignored.

        Returns
        -------
        self : TextSequenceVectorizer
            The fitted transformer.
        """
        self._learn(self._tokenize_all(X))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Learn the vocabulary and map each document to token ids, reading ``X``
        once (so it may be a generator).

        Parameters
        ----------
        X : iterable of str
            Raw text documents.
        y : None
            Ignored.

        Returns
        -------
        ids : ndarray of shape (n_documents, ``maxlen_``), dtype int32
            Token ids; 0 is padding, 1 an unknown token.
        """
        tokenized = self._tokenize_all(X)
        self._learn(tokenized)
        return self._ids(tokenized)

    def _learn(self, tokenized):
        counts = Counter(token for tokens in tokenized for token in tokens)
        if not counts:
            raise ValueError(
                "Empty vocabulary: no document of X contains a token matching "
                f"token_pattern={self.token_pattern!r}."
            )
        ranked = sorted(counts, key=lambda token: (-counts[token], token))
        self.vocabulary_ = {
            token: i for i, token in enumerate(ranked[: self.max_features], FIRST_WORD_ID)
        }
        self.vocab_size_ = len(self.vocabulary_) + FIRST_WORD_ID
        self.maxlen_ = self.maxlen or max(len(tokens) for tokens in tokenized)

    def transform(self, X):
        """Map each document to a padded sequence of token ids.

        Parameters
        ----------
        X : iterable of str
            Raw text documents.

        Returns
        -------
        ids : ndarray of shape (n_documents, ``maxlen_``), dtype int32
            Token ids; 0 is padding, 1 an unknown token.
        """
        check_is_fitted(self)
        return self._ids(self._tokenize_all(X))

    def _ids(self, tokenized):
        ids = [
            np.array([self.vocabulary_.get(t, UNKNOWN_ID) for t in tokens],
                     dtype=TOKEN_DTYPE)
            for tokens in tokenized
        ]
        return pad_sequences(
            ids, maxlen=self.maxlen_, padding=self.padding,
            truncating=self.truncating, value=0, dtype=TOKEN_DTYPE,
        )

    def _tokenize_all(self, X):
        if isinstance(X, (str, bytes)):
            raise ValueError(
                "X must be an iterable of raw text documents, got a single string. "
                "Wrap it in a list: [text]."
            )
        docs = list(X)
        if not docs:
            raise ValueError("X has 0 documents; at least one is required.")
        for i, doc in enumerate(docs):
            if not isinstance(doc, str):
                raise ValueError(
                    f"X[{i}] is {type(doc).__name__} ({doc!r:.40}); every document "
                    "must be a str."
                )
        pattern = self._compiled_pattern()
        return [pattern.findall(doc.lower() if self.lowercase else doc) for doc in docs]

    def _compiled_pattern(self):
        try:
            pattern = re.compile(self.token_pattern)
        except re.error as error:
            raise ValueError(
                f"token_pattern={self.token_pattern!r} is not a valid regular "
                f"expression: {error}."
            ) from None
        if pattern.groups > 1:
            raise ValueError(
                f"token_pattern={self.token_pattern!r} has {pattern.groups} capturing "
                "groups; at most one is allowed (the group is the token)."
            )
        return pattern

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
