"""Checking and converting the sequence inputs the package accepts (numpy only).

Accepted forms of ``X``:

* a 3D float array ``(n_samples, n_timesteps, n_features)``;
* a 2D float array ``(n_samples, n_timesteps)``: univariate sequences;
* a list of 2D arrays ``(length_i, n_features)`` (or 1D arrays ``(length_i,)``)
  of different lengths: variable-length sequences;
* with ``tokens=True``: a 2D int array or a list of int lists (token ids, 0 = padding).
"""

from dataclasses import dataclass
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

FLOAT_DTYPE = np.float32
TOKEN_DTYPE = np.int32

FLOAT32_NUMBER = Interval(Real, -float(np.finfo(FLOAT_DTYPE).max),
                          float(np.finfo(FLOAT_DTYPE).max), closed="both")
"""A number the network's float32 holds: finite (NaN never equals itself, so as
padding it would mask nothing) and within float32's range."""

MASK_VALUE_CONSTRAINT = [None, FLOAT32_NUMBER]
"""What ``mask_value`` accepts: None, or a float32 number."""


@dataclass(frozen=True)
class Sequences:
    """A batch of checked sequences.

    Attributes
    ----------
    data : list of ndarray or ndarray
        A dense array ``(n, n_timesteps, n_features)`` (float) or ``(n, n_timesteps)``
        (tokens) when every sequence has the same length, else a list of
        ``(length_i, n_features)`` / ``(length_i,)`` arrays.
    n_features : int
        Features per timestep (1 for tokens).
    """

    data: object
    n_features: int

    @property
    def ragged(self):
        return isinstance(self.data, list)

    @property
    def lengths(self):
        if self.ragged:
            return np.array([len(s) for s in self.data], dtype=np.intp)
        return np.full(len(self.data), self.data.shape[1], dtype=np.intp)

    def __len__(self):
        return len(self.data)


def _describe(value):
    return type(value).__name__


def _is_sequence_list(X):
    return isinstance(X, (list, tuple)) or (
        isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1
    )


def _as_numeric(arr, *, tokens, name, dtype=FLOAT_DTYPE):
    """Convert one array to ``dtype`` (the package's float32 unless a caller needs
    more precision), rejecting strings and non-numbers."""
    arr = np.asarray(arr)
    if arr.dtype.kind in "USO":
        if arr.dtype.kind == "O":
            try:
                arr = arr.astype(np.float64)
            except ValueError:
                raise ValueError(
                    f"{name} contains strings or other values that are not numbers "
                    "(dtype object); expected numeric sequences."
                ) from None
        else:
            raise ValueError(
                f"{name} contains strings (dtype {arr.dtype}); expected numeric "
                "sequences. Turn text into token ids first, e.g. with "
                "sklearn_rnn.preprocessing.TextSequenceVectorizer."
            )
    if arr.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} contains complex numbers; expected "
            "real numbers."
        )
    if tokens:
        return _as_tokens(arr, name=name)
    if not np.isfinite(arr).all():
        raise ValueError(
            f"{name} contains NaN or infinity; remove or impute them first."
        )
    narrowing = np.dtype(dtype).itemsize < arr.dtype.itemsize
    if arr.dtype.kind == "f" and narrowing and arr.size:
        largest, found = np.finfo(dtype).max, np.abs(arr).max()
        if found > largest:
            raise ValueError(
                f"{name} contains values beyond the float32 range the network computes "
                f"in (|value| up to {largest:.3g}); the largest is {found:.3g}. "
                "Rescale X, e.g. with sklearn_rnn.preprocessing.SequenceScaler."
            )
    return arr.astype(dtype, copy=False)


def _as_tokens(arr, *, name):
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold integer token ids, got dtype {arr.dtype}.")
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or np.any(arr != np.round(arr)):
            raise ValueError(
                f"{name} must hold integer token ids (embedding_dim is set), "
                "got non-integer values."
            )
    if arr.size and arr.min() < 0:
        raise ValueError(
            f"{name} must hold non-negative token ids (0 = padding), got "
            f"{int(arr.min())}."
        )
    largest = np.iinfo(TOKEN_DTYPE).max
    if arr.size and arr.max() > largest:
        raise ValueError(
            f"{name} holds token id {int(arr.max())}, beyond the largest id an "
            f"embedding can index ({largest}). Map the ids to 0 .. n_distinct - 1 "
            "first, e.g. with np.unique(ids, return_inverse=True) or "
            "sklearn_rnn.preprocessing.TextSequenceVectorizer."
        )
    return arr.astype(TOKEN_DTYPE, copy=False)


def check_sequences(X, *, tokens=False, name="X", dtype=FLOAT_DTYPE):
    """Check ``X`` and return it as :class:`Sequences`.

    Raises ``ValueError`` naming the problem for anything that is not an accepted
    form: NaN/inf, strings, wrong ndim, no samples, empty sequences, ragged
    sequences with different feature counts, negative or non-integer token ids,
    values beyond the range of ``dtype`` (float32, what the network computes in;
    float64 for a scaler, which must see small differences on large values).
    The caller's data is never modified (conversions copy only when needed and the
    result must be treated as read-only).
    """
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise ValueError(
            f"{name} is a sparse matrix; sequences must be dense arrays or lists "
            "of arrays."
        )
    if X is None or np.isscalar(X):
        raise ValueError(
            f"{name} must be an array of sequences, got {_describe(X)}."
        )
    if _is_sequence_list(X) and not _is_regular(X):
        return _check_ragged(list(X), tokens=tokens, name=name, dtype=dtype)
    arr = _as_numeric(X, tokens=tokens, name=name, dtype=dtype)
    return _check_dense(arr, tokens=tokens, name=name)


def _is_regular(X):
    """True when a list of sequences stacks into one dense array."""
    return len({np.shape(seq) for seq in X}) <= 1


def _check_dense(arr, *, tokens, name):
    n_dims_expected = "2 (tokens: (n_samples, n_timesteps))" if tokens else "2 or 3"
    if arr.ndim == 2 and not tokens:
        arr = arr[:, :, np.newaxis]
    if arr.ndim != (2 if tokens else 3):
        raise ValueError(
            f"{name} must have {n_dims_expected} dimensions, got an array with "
            f"shape {arr.shape}. 3D means (n_samples, n_timesteps, n_features); "
            "2D means univariate sequences (n_samples, n_timesteps). Reshape your "
            "data, e.g. X.reshape(1, -1) for one univariate sequence."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has 0 samples; at least one sequence is required.")
    if arr.shape[1] == 0:
        raise ValueError(
            f"{name} has sequences of length 0: found array with 0 feature(s) "
            f"(shape={arr.shape[:2]}) while a minimum of 1 is required. Every "
            "sequence needs at least one timestep."
        )
    if not tokens and arr.shape[2] == 0:
        raise ValueError(f"{name} has 0 features per timestep.")
    return Sequences(arr, 1 if tokens else arr.shape[2])


def _check_ragged(seqs, *, tokens, name, dtype=FLOAT_DTYPE):
    if not seqs:
        raise ValueError(f"{name} has 0 samples; at least one sequence is required.")
    checked = []
    n_features = None
    for i, seq in enumerate(seqs):
        arr = _as_numeric(seq, tokens=tokens, name=f"{name}[{i}]", dtype=dtype)
        if tokens:
            if arr.ndim != 1:
                raise ValueError(
                    f"{name}[{i}] must be a 1D list of token ids, got shape {arr.shape}."
                )
        else:
            if arr.ndim == 1:
                arr = arr[:, np.newaxis]
            if arr.ndim != 2:
                raise ValueError(
                    f"{name}[{i}] must be a 2D array (length, n_features) or 1D "
                    f"(length,), got shape {arr.shape}."
                )
            if n_features is None:
                n_features = arr.shape[1]
            elif arr.shape[1] != n_features:
                raise ValueError(
                    f"All sequences in {name} must have the same number of features: "
                    f"{name}[0] has {n_features}, {name}[{i}] has {arr.shape[1]}. "
                    "Sequences are (length, n_features); if yours are channels-first "
                    "(n_channels, length), as aeon and sktime give them, put "
                    "sklearn_rnn.preprocessing.FromChannelsFirst() first."
                )
        if arr.shape[0] == 0:
            raise ValueError(
                f"{name}[{i}] is an empty sequence; every sequence needs at least "
                "one timestep."
            )
        checked.append(arr)
    return Sequences(checked, 1 if tokens else n_features)


def is_padding(values, mask_value):
    """Which steps of ``values`` (``(..., n_features)``) have every feature equal to
    ``mask_value``, as the estimators compare them (in float32; values kept in
    float64 also match the value itself)."""
    values = np.asarray(values)
    padding = np.all(values == np.float32(mask_value), axis=-1)
    if values.dtype != np.float32:
        padding |= np.all(values == mask_value, axis=-1)
    return padding


def valid_steps(seqs, mask_value):
    """Which steps of ``seqs`` (:class:`Sequences`) are not
    padding: None without ``mask_value``, else a bool array ``(n, n_timesteps)``, or
    a list of ``(length_i,)`` arrays for a list of sequences."""
    if mask_value is None:
        return None
    if seqs.ragged:
        return [~is_padding(seq, mask_value) for seq in seqs.data]
    return ~is_padding(seqs.data, mask_value)


def pad_sequences(seqs, *, maxlen=None, padding="post", truncating="post", value=0.0,
                  dtype=FLOAT_DTYPE):
    """Pad a list of ``(length_i, ...)`` arrays into one dense array.

    ``padding`` / ``truncating`` are ``"pre"`` or ``"post"``, as in Keras.
    """
    lengths = [len(s) for s in seqs]
    if maxlen is None:
        maxlen = max(lengths)
    trailing = np.shape(seqs[0])[1:]
    out = np.full((len(seqs), maxlen, *trailing), value, dtype=dtype)
    for i, seq in enumerate(seqs):
        seq = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        if padding == "post":
            out[i, : len(seq)] = seq
        else:
            out[i, maxlen - len(seq):] = seq
    return out


def form_of(X):
    """How a checked ``X`` holds its sequences: "list", "list1d", "2d" or "3d"."""
    if _is_sequence_list(X):
        return "list1d" if np.ndim(X[0]) == 1 else "list"
    return f"{np.asarray(X).ndim}d"


def to_form(data, form):
    """Return ``data`` (a ``(n, T, f)`` array or a list of ``(length_i, f)`` arrays)
    in the form ``X`` had (see :func:`form_of`)."""
    if form == "3d":
        return data
    if form == "2d":
        return data[..., 0]
    if form == "list1d":
        return [seq[:, 0] for seq in data]
    return list(data)
