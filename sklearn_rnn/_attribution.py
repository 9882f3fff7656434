"""Integrated gradients over the package's networks: baselines, targets, the
interpolation path and the trapezoid rule (NumPy). The gradients themselves come
from :mod:`._gradients`, the only backend-specific code."""

import keras
import numpy as np

from ._gradients import output_gradients
from ._inputs import PAD_VALUE
from ._sequences import check_sequences, is_padding, pad_sequences, to_form

ROWS_PER_GRADIENT_STEP = 256
"""Default interpolated sequences per gradient step, fewer when a sequence holds
more than ``VALUES_PER_GRADIENT_STEP / 256`` values (memory of the backward pass)."""
VALUES_PER_GRADIENT_STEP = 2**20
MIN_ROWS = 32
REFINE_BELOW = 0.008
"""Completeness error (of ``max(|f(x)|, |f(baseline)|)``) above which a sequence's
path gets twice as many points."""
MAX_REFINEMENTS = 6
"""Rounds of interval splitting: an interval of the first pass is split into at
most ``2 ** MAX_REFINEMENTS`` pieces."""
STORED_GRADIENT_VALUES = 2**24
"""Sequences are integrated in chunks whose first-pass gradients (kept for the
refinement) hold at most this many values (64 MiB)."""
_TWIN_ATTRIBUTE = "_sklearn_rnn_embedding_twin"


def attribute(estimator, seqs, *, target, baseline, n_steps, batch_size, X_form):
    """Integrated gradients of checked sequences.

    Returns
    -------
    attributions : ndarray or list of ndarray
        In ``X_form``.
    error : ndarray of shape (n_samples,)
        ``|sum(attributions) - (f(x) - f(baseline))|`` per sequence.
    magnitude : ndarray of shape (n_samples,)
        ``max(|f(x)|, |f(baseline)|)`` per sequence, the outputs measured from
        the regressor's training-target mean, so that an offset of the target
        does not loosen the check.
    """
    tokens = estimator._uses_tokens()
    baselines = _baseline(estimator, baseline, seqs, tokens)
    columns = _target_columns(estimator, target, seqs)
    scale = _output_scale(estimator, columns)
    n = len(seqs)
    attributions = [None] * n
    f_x, f_b = np.empty(n), np.empty(n)
    for rows, data, valid, base in _groups(estimator, seqs, baselines):
        if base is None:
            base = baselines
        network_input = estimator._network_input(data)
        order = None
        if network_input is not data:  # valid steps moved first, as the network reads
            order = np.argsort(~valid, axis=1, kind="stable")
            valid = np.take_along_axis(valid, order, axis=1)
            if base.ndim == 3:
                base = np.take_along_axis(base, order[:, :, np.newaxis], axis=1)
        if tokens:
            model, x, b = _embedded(estimator, network_input, valid, base)
        else:
            model = estimator.model_
            x, b = _float_path(estimator, network_input, valid, base)
        values, ends = _integrate(model, x, b, columns[rows], n_steps, batch_size)
        values = np.where(valid[:, :, np.newaxis], values, 0.0).astype(np.float32)
        if tokens:
            values = values.sum(axis=2, keepdims=True)
        values *= scale[rows, np.newaxis, np.newaxis]
        if order is not None:
            restored = np.empty_like(values)
            np.put_along_axis(restored, order[:, :, np.newaxis], values, axis=1)
            values = restored
        f_x[rows], f_b[rows] = ends[:, 1], ends[:, 0]
        lengths = seqs.lengths[rows]
        for row, value, length in zip(rows, values, lengths, strict=True):
            attributions[row] = value[:length] if seqs.ragged else value
    f_x, f_b = f_x * scale, f_b * scale
    totals = np.array([a.sum(dtype=np.float64) for a in attributions])
    error = np.abs(totals - (f_x - f_b))
    magnitude = np.maximum(np.abs(f_x), np.abs(f_b))
    data = attributions if seqs.ragged else np.stack(attributions)
    return to_form(data, X_form), error, magnitude


# ---------------------------------------------------------------- targets
def _target_columns(estimator, target, seqs):
    """The network output attributed for each sequence (checked before any
    prediction; only the predicted class needs one)."""
    n, n_outputs = len(seqs), estimator.model_.output_shape[-1]
    if estimator._TASK == "classification":
        if target is None:
            return estimator._predict_network(seqs).argmax(axis=1)
        labels = np.asarray(target)
        if labels.ndim == 0:
            labels = np.full(n, labels.item(), dtype=object)
        if labels.shape != (n,):
            raise ValueError(
                f"target must be one class label or one label per sequence (shape "
                f"({n},)), got an array of shape {labels.shape}.")
        index = {label: i for i, label in enumerate(estimator.classes_.tolist())}
        unknown = [label for label in labels.tolist() if label not in index]
        if unknown:
            raise ValueError(
                f"target={unknown[0]!r} is not a class of this classifier; "
                f"classes_ are {estimator.classes_.tolist()}.")
        return np.array([index[label] for label in labels.tolist()], dtype=np.intp)
    if target is None:
        if n_outputs != 1:
            raise ValueError(
                f"The regressor has {n_outputs} outputs: set target to the index of "
                "the one to attribute.")
        target = 0
    if (isinstance(target, bool) or not isinstance(target, (int, np.integer))
            or not 0 <= target < n_outputs):
        raise ValueError(
            f"target={target!r} is not accepted: a regressor's target is the index "
            f"of one of its {n_outputs} output(s), an int in [0, {n_outputs - 1}].")
    return np.full(n, int(target), dtype=np.intp)


def _output_scale(estimator, columns):
    """The scale from the network's output to the prediction's units (a
    regressor's prediction is ``scale * output + mean``; the mean adds nothing
    to a change of the output)."""
    encoder = getattr(estimator, "target_encoder_", None)
    if estimator._TASK == "classification" or not hasattr(encoder, "scale_"):
        return np.ones(len(columns))
    return np.asarray(encoder.scale_, dtype=float)[columns]


# -------------------------------------------------------------- baselines
def _baseline(estimator, baseline, seqs, tokens):
    """A vector for every step (per feature, or an embedding vector), or a
    :class:`~._sequences.Sequences` with one baseline per sequence."""
    if tokens:
        embeddings = _embedding_matrix(estimator)
        if isinstance(baseline, str):
            if baseline == "zeros":
                return np.zeros(embeddings.shape[1], dtype=np.float32)
            return embeddings[1:].mean(axis=0)
        if (isinstance(baseline, (int, np.integer)) and not isinstance(baseline, bool)
                and 0 < baseline < len(embeddings)):
            return embeddings[int(baseline)]
        raise ValueError(
            f"baseline={baseline!r} is not accepted for token input: give 'zeros', "
            f"'mean' or a token id in [1, {len(embeddings) - 1}].")
    n_features = seqs.n_features
    if isinstance(baseline, str):
        if baseline == "zeros":
            return np.zeros(n_features, dtype=np.float32)
        mean = getattr(estimator, "_fit_input_mean", None)
        if mean is None:
            raise ValueError(
                "baseline='mean' needs the training mean, which this estimator did not "
                "record (it was fitted by an earlier version of sklearn_rnn): refit "
                "it, or pass each feature's mean as an array.")
        return np.asarray(mean, dtype=np.float32)
    per_feature = not isinstance(baseline, (list, tuple)) or all(
        np.ndim(value) == 0 for value in baseline)  # [0.0, 0.5]: not a list of sequences
    values = np.asarray(baseline) if per_feature else None
    if values is not None and values.dtype.kind in "biuf" and values.ndim <= 1:
        if values.ndim == 1 and values.shape != (n_features,):
            raise ValueError(
                f"baseline of shape {values.shape} does not match the {n_features} "
                f"feature(s) per timestep; give shape ({n_features},), a float, or an "
                "array shaped like X.")
        return np.broadcast_to(values.astype(np.float32), (n_features,))
    try:
        checked = check_sequences(baseline, name="baseline")
    except ValueError as exc:
        raise ValueError(f"baseline is not accepted: {exc}") from None
    if (checked.n_features != n_features or len(checked) != len(seqs)
            or not np.array_equal(checked.lengths, seqs.lengths)):
        raise ValueError(
            "baseline must be shaped like X (the same number of sequences, lengths "
            f"and features per timestep): X gives {len(seqs)} sequences of up to "
            f"{seqs.lengths.max()} steps and {n_features} feature(s), baseline "
            f"{len(checked)} of up to {checked.lengths.max()} steps and "
            f"{checked.n_features} feature(s).")
    return checked


def _groups(estimator, seqs, baselines):
    """``(rows, data, valid, baseline)`` per batch of sequences the network reads
    together: ragged sequences padded when the network masks, else grouped by
    length. ``baseline`` is ``(len(rows), T, f)`` when given per sequence, else
    None."""
    per_sequence = hasattr(baselines, "n_features")

    def baseline_of(rows, width):
        if not per_sequence:
            return None
        if not baselines.ragged:
            return baselines.data[rows]
        return pad_sequences([baselines.data[i] for i in rows], maxlen=width)

    if not seqs.ragged:
        valid, _ = estimator._valid_steps(seqs.data)
        if valid is None:
            valid = np.ones(seqs.data.shape[:2], dtype=bool)
        rows = np.arange(len(seqs))
        yield rows, seqs.data, valid, baseline_of(rows, seqs.data.shape[1])
        return
    lengths = seqs.lengths
    if estimator._is_masked():
        data = estimator._pad(seqs.data)
        rows = np.arange(len(seqs))
        valid = np.arange(data.shape[1]) < lengths[:, np.newaxis]
        yield rows, data, valid, baseline_of(rows, data.shape[1])
        return
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        data = np.stack([seqs.data[i] for i in rows])
        yield (rows, data, np.ones(data.shape[:2], dtype=bool),
               baseline_of(rows, int(length)))


def _float_path(estimator, network_input, valid, base):
    """The input and the baseline, the baseline set to the input at masked steps
    (they stay masked along the path)."""
    x = network_input.astype(np.float32, copy=False)
    b = np.where(valid[:, :, np.newaxis], np.broadcast_to(base, x.shape), x)
    mask_value = estimator._model_mask_value()
    if mask_value is not None and (is_padding(b, mask_value) & valid).any():
        raise ValueError(
            f"The baseline equals mask_value={mask_value} at some valid steps, which "
            "the network would skip as padding: choose another baseline (e.g. "
            "'mean' or an array).")
    return x, b.astype(np.float32, copy=False)


def _embedding_matrix(estimator):
    layer = estimator.model_.get_layer("embedding")
    return keras.ops.convert_to_numpy(layer.embeddings).astype(np.float32)


def _embedded(estimator, ids, valid, base):
    """The embedding-space twin of the network, and the embedded input and
    baseline, masked steps filled with the twin's mask value."""
    embeddings = _embedding_matrix(estimator)
    x = embeddings[ids]
    x[~valid] = PAD_VALUE
    b = np.where(valid[:, :, np.newaxis], np.broadcast_to(base, x.shape), x)
    return _embedding_twin(estimator.model_), x, b.astype(np.float32, copy=False)


def _embedding_twin(model):
    """The network after its embedding, as a model of its own (sharing its layers
    and weights) that reads embedded sequences, masking the steps equal to
    ``PAD_VALUE`` as the embedding masks id 0."""
    twin = getattr(model, _TWIN_ATTRIBUTE, None)
    if twin is None:
        embedding = model.get_layer("embedding")
        inputs = keras.Input(shape=(None, embedding.output_dim), name="embedded_tokens")
        outputs = {embedding.name: keras.layers.Masking(mask_value=PAD_VALUE,
                                                        name="masking")(inputs)}
        for layer in model.layers[model.layers.index(embedding) + 1:]:
            # Each layer reads the outputs of the layers it read in the network
            # (its mask comes with them): the head concatenates several branches.
            sources = [outputs[name] for name in _source_layers(layer) if name in outputs]
            outputs[layer.name] = layer(
                sources if isinstance(layer, keras.layers.Concatenate) else sources[0])
        twin = keras.Model(inputs, outputs[model.layers[-1].name],
                           name=f"{model.name}_after_embedding")
        object.__setattr__(model, _TWIN_ATTRIBUTE, twin)
    return twin


def _source_layers(layer):
    """The names of the operations whose outputs ``layer`` reads in its model
    (masks computed from the token ids among them)."""
    return [tensor._keras_history.operation.name
            for tensor in layer._inbound_nodes[0].input_tensors]


# ------------------------------------------------------------ the integral
def _integrate(model, x, b, columns, n_steps, batch_size):
    """``(x - b) * mean gradient`` along the straight path, and the target output
    at both ends ``(n, 2)``: ``f(b)``, ``f(x)``.

    The trapezoid rule over ``n_steps`` equal intervals first. Each interval's
    share of completeness is known exactly, ``f(end) - f(start)``, from the
    outputs at its ends; for a sequence whose attributions miss ``f(x) - f(b)``
    by more than ``REFINE_BELOW`` of ``max(|f(x)|, |f(b)|)`` (the network's
    outputs: a regressor's measured from its training-target mean), the
    intervals whose estimates miss their shares most are split in two, until the
    others together miss at most half that allowance, in up to
    ``MAX_REFINEMENTS`` rounds. A confident network's output rises steeply on a
    short stretch of the path (and max pooling over time has kinks): only that
    stretch gets more points.
    """
    rows = batch_size or max(1, min(ROWS_PER_GRADIENT_STEP,
                                    VALUES_PER_GRADIENT_STEP // x[0].size))
    difference = x - b
    values, ends = np.empty(x.shape, dtype=np.float64), np.empty((len(x), 2))
    chunk = max(1, STORED_GRADIENT_VALUES // ((n_steps + 1) * x[0].size))
    for start in range(0, len(x), chunk):
        part = slice(start, start + chunk)
        values[part], ends[part] = _integrate_chunk(
            model, b[part], difference[part], columns[part], n_steps, rows)
    return values, ends


def _integrate_chunk(model, b, difference, columns, n_steps, rows):
    n = len(b)
    alphas = np.tile(np.arange(n_steps + 1) / n_steps, n)
    owners = np.repeat(np.arange(n), n_steps + 1)
    gradients, outputs = _gradients_at(model, b, difference, columns, owners, alphas,
                                       rows)
    points = [slice(i * (n_steps + 1), (i + 1) * (n_steps + 1)) for i in range(n)]
    alpha = [alphas[p] for p in points]
    grad = [gradients[p] for p in points]
    out = [outputs[p] for p in points]
    ends = np.array([[o[0], o[-1]] for o in out])
    allowed = REFINE_BELOW * np.maximum(np.abs(ends).max(axis=1), 1e-12)
    for _ in range(MAX_REFINEMENTS):
        new_owners, new_alphas = [], []
        for i in range(n):
            # The derivative of the output along the path at each point.
            slope = (grad[i] * difference[i]).sum(axis=tuple(range(1, grad[i].ndim)))
            widths = np.diff(alpha[i])
            estimate = widths / 2 * (slope[:-1] + slope[1:])
            missed = np.abs(estimate - np.diff(out[i]))
            if abs(estimate.sum() - (out[i][-1] - out[i][0])) <= allowed[i]:
                continue
            # The intervals that miss most, until the others miss half the allowance.
            by_miss = np.argsort(missed)[::-1]
            kept = np.cumsum(missed[by_miss[::-1]])[::-1]  # misses of by_miss[j:]
            split = by_miss[:max(1, int(np.sum(kept > allowed[i] / 2)))]
            new_owners.append(np.full(len(split), i))
            new_alphas.append(alpha[i][split] + widths[split] / 2)
        if not new_owners:
            break
        new_owners, new_alphas = np.concatenate(new_owners), np.concatenate(new_alphas)
        new_gradients, new_outputs = _gradients_at(model, b, difference, columns,
                                                   new_owners, new_alphas, rows)
        for i in np.unique(new_owners):
            mine = new_owners == i
            order = np.argsort(np.r_[alpha[i], new_alphas[mine]], kind="stable")
            alpha[i] = np.r_[alpha[i], new_alphas[mine]][order]
            grad[i] = np.concatenate([grad[i], new_gradients[mine]])[order]
            out[i] = np.r_[out[i], new_outputs[mine]][order]
    values = np.empty(b.shape, dtype=np.float64)
    for i in range(n):
        values[i] = difference[i] * np.tensordot(trapezoid_weights_at(alpha[i]), grad[i],
                                                 axes=1)
    return values, ends


def trapezoid_weights_at(alphas):
    """Weights of the trapezoid rule over [0, 1] at the sorted points ``alphas``."""
    widths = np.diff(alphas)
    weights = np.zeros(len(alphas))
    weights[:-1] += widths / 2
    weights[1:] += widths / 2
    return weights


def _gradients_at(model, b, difference, columns, owners, alphas, rows):
    """The gradient of the target output at ``b + alpha * difference`` for each
    ``(owner, alpha)`` pair (the owner: a sequence's index), and that output.

    The interpolated sequences go through the gradient step in batches of
    ``rows``; a smaller batch (the last one, the points added by a refinement
    round) is padded to a power of two from ``MIN_ROWS``, so that the step is
    traced or compiled for a few batch shapes per sequence length only."""
    total = len(owners)
    n_outputs = model.output_shape[-1]
    gradients = np.empty((total, *b.shape[1:]), dtype=np.float32)
    outputs = np.empty(total)
    broadcast = (slice(None),) + (np.newaxis,) * (b.ndim - 1)
    for start in range(0, total, rows):
        part = slice(start, min(start + rows, total))
        seq, n = owners[part], len(owners[part])
        batch = b[seq] + alphas[part].astype(np.float32)[broadcast] * difference[seq]
        size = rows if n == rows else min(rows, max(MIN_ROWS, 1 << (n - 1).bit_length()))
        if n < size:  # a few batch shapes only: each is traced (JAX: compiled) once
            batch = np.concatenate([batch, np.repeat(batch[-1:], size - n, axis=0)])
        onehot = np.zeros((size, n_outputs), dtype=np.float32)
        onehot[np.arange(n), columns[seq]] = 1.0
        target, gradient = output_gradients(model, batch, onehot)
        gradients[part] = gradient[:n]
        outputs[part] = target[np.arange(n), columns[seq]]
    return gradients, outputs
