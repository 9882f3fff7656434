"""The network builder: a pure function of hyperparameters and data metadata.

It knows nothing of scikeras or of the estimator, so the estimator's base class
can be swapped without touching it.
"""

from numbers import Integral

import keras
import numpy as np

from ._layers import (
    CELLS,
    POOLED_CELLS,
    FirstDifferences,
    MaskedConvBlock,
    MaskedGlobalAveragePooling1D,
    MaskedGlobalMaxPooling1D,
    SequenceLength,
    one_or_parallel,
)


def _l2(value):
    return keras.regularizers.L2(value) if value else None


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _is_positive_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 1


def _is_kernel_sizes(value):
    """A block's parallel kernel sizes: a non-empty tuple or list of positive ints."""
    return (isinstance(value, (tuple, list)) and len(value) > 0
            and all(_is_positive_int(v) for v in value))


def conv_blocks(conv_filters, conv_kernel_size=5, conv_stride=1):
    """The ``(filters, kernel_size, stride)`` of each block of the convolutional
    front-end (None ``conv_filters``: no front-end). Each argument is an int, which
    applies to every block, or a tuple with one entry per block; the tuples give the
    number of blocks (one when all three are ints) and must agree on it. An entry
    of ``conv_kernel_size`` may itself be a tuple of ints: that block's parallel
    convolutions (returned as a tuple), each with a share of its filters.

    Raises
    ------
    ValueError
        When an entry is not a positive int (or, for a kernel size, a tuple of
        them), a block has fewer filters than parallel convolutions, or two tuples
        differ in length.
    """
    if conv_filters is None:
        return []
    named = {"conv_filters": conv_filters, "conv_kernel_size": conv_kernel_size,
             "conv_stride": conv_stride}
    values = {name: _as_tuple(value) for name, value in named.items()}
    tuples = {name: len(v) for name, v in values.items()
              if isinstance(named[name], (tuple, list))}
    source = "conv_filters" if "conv_filters" in tuples else max(
        tuples, key=tuples.get, default="conv_filters")
    n_blocks = tuples.get(source, 1)
    for name, entries in values.items():
        accepted = (_is_positive_int(v) or (name == "conv_kernel_size" and _is_kernel_sizes(v))
                    for v in entries)
        if not entries or not all(accepted):
            also = (" (an entry may be a non-empty tuple of positive ints: that block's "
                    "parallel convolutions)" if name == "conv_kernel_size" else "")
            raise ValueError(
                f"{name} must be a positive int or a non-empty tuple of positive "
                f"ints{also}, got {named[name]!r}.")
        if len(entries) == 1:
            values[name] = entries * n_blocks
        elif len(entries) != n_blocks:
            raise ValueError(
                f"{name}={named[name]!r} has {len(entries)} entries, but "
                f"{source}={named[source]!r} makes {n_blocks} blocks: give "
                f"{name} one entry per block, or an int for all of them.")
    blocks = [(filters, one_or_parallel(size), stride)
              for filters, size, stride in zip(values["conv_filters"],
                                               values["conv_kernel_size"],
                                               values["conv_stride"], strict=True)]
    for filters, size, _ in blocks:
        if isinstance(size, tuple) and len(size) > filters:
            raise ValueError(
                f"conv_kernel_size={conv_kernel_size!r} gives a block of {filters} "
                f"filters {len(size)} parallel convolutions: each needs at least one "
                "filter; give that block more conv_filters or fewer kernel sizes.")
    return blocks


AUTO_CONV_FILTERS = (64, 64, 64)
"""``conv_filters="auto"`` on float sequences: three blocks of 64 filters. Token ids
get no front-end: on short sentences it cost a quarter of the accuracy
(``benchmarks/results/text_task.md``)."""


def resolve_conv_filters(conv_filters, *, tokens):
    """``conv_filters`` with ``"auto"`` resolved for float sequences or token ids."""
    if isinstance(conv_filters, str):  # "auto"
        return None if tokens else AUTO_CONV_FILTERS
    return conv_filters


AUTO_STRIDE_MIN_STEPS = 64
"""``conv_stride="auto"`` downsamples series whose median training length is at
least this many steps, and keeps every step of shorter ones (tokens, short
events), where the stride cost accuracy (``benchmarks/results/stride_screen.md``)."""


def auto_conv_stride(n_blocks, median_length):
    """The strides ``conv_stride="auto"`` gives ``n_blocks`` blocks: 1 each on
    series shorter than :data:`AUTO_STRIDE_MIN_STEPS`; else 2 on the first two
    blocks (the first only, when there are one or two blocks) and 1 after."""
    if median_length < AUTO_STRIDE_MIN_STEPS:
        return (1,) * n_blocks
    halvings = min(2, max(n_blocks - 1, 1))
    return (2,) * halvings + (1,) * (n_blocks - halvings)


def resolve_conv_stride(conv_filters, conv_kernel_size, conv_stride, lengths):
    """The stride of each front-end block for training sequences of these
    ``lengths`` (a tuple; None without a front-end)."""
    if conv_filters is None:
        return None
    if isinstance(conv_stride, str):  # "auto"
        n_blocks = len(conv_blocks(conv_filters, conv_kernel_size, 1))
        return auto_conv_stride(n_blocks, float(np.median(lengths)))
    return tuple(stride for _, _, stride in
                 conv_blocks(conv_filters, conv_kernel_size, conv_stride))


def build_network(params, meta):
    """Build an uncompiled ``keras.Model`` mapping sequences to class probabilities
    (classification) or to real values (regression).

    Parameters
    ----------
    params : dict
        Architecture hyperparameters: ``cell_type``, ``units``, ``n_layers``,
        ``bidirectional``, ``pooling``, ``dense_units``, ``dropout``,
        ``recurrent_dropout``, ``spatial_dropout``, ``l2``, ``embedding_dim``,
        ``embedding_l2``, ``conv_filters``, ``conv_kernel_size``, ``conv_stride``
        (see :func:`conv_blocks`), ``conv_downsampling`` (``"stride"`` or
        ``"average"``: how a strided block shortens the sequence, see
        :class:`~._layers.MaskedConvBlock`) and ``conv_shortcut`` (the front-end's
        output averaged over time goes to the head beside the recurrent layers'
        output).
    meta : dict
        What was learned from the data: ``n_features``, ``n_outputs`` (classes,
        or regression targets), ``task`` (``"classification"``, the default, or
        ``"regression"``),
        ``vocab_size`` (token input only, else None) and ``mask_value`` (float:
        timesteps whose features all equal it are masked; None: no masking) and,
        optionally, ``pool_in_loop`` (bool, default False): with ``"max"`` or
        ``"mean"`` pooling, the last recurrent layer pools inside its loop over time
        (:class:`~._layers.PooledLSTM`) instead of returning its output sequence to
        a pooling layer. Both compute the same function with the same weights; the
        loop is faster under XLA, the separate layer keeps Keras' cuDNN kernels
        possible on a GPU. Optionally ``length_scaling``: None (the default), or
        the ``(mean, scale)`` of the training sequences' log lengths, to give the
        head each sequence's standardised log length beside the pooled vector
        (:class:`~._layers.SequenceLength`). Optionally ``difference_scaling``:
        None (the default), or the per-feature ``(mean, scale)`` of the training
        sequences' step-to-step changes, to append those changes, standardised,
        to the input features (:class:`~._layers.FirstDifferences`).

    Returns
    -------
    keras.Model
        Input ``(batch, timesteps, n_features)`` floats, or ``(batch, timesteps)``
        int token ids when ``params["embedding_dim"]`` is set; output
        ``(batch, n_outputs)``: softmax probabilities, or linear outputs for
        regression. The time axis is unbounded so
        any sequence length can be predicted.
    """
    if params["embedding_dim"] is not None:
        inputs = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = keras.layers.Embedding(
            meta["vocab_size"],
            params["embedding_dim"],
            mask_zero=True,
            embeddings_regularizer=_l2(params["embedding_l2"]),
            name="embedding",
        )(inputs)
    else:
        inputs = keras.Input(shape=(None, meta["n_features"]), name="sequences")
        x = inputs
        if meta["mask_value"] is not None:
            x = keras.layers.Masking(mask_value=meta["mask_value"], name="masking")(x)
    if meta.get("difference_scaling") is not None:
        mean, scale = meta["difference_scaling"]
        x = FirstDifferences(mean, scale, name="first_differences")(x)
    length = None
    if meta.get("length_scaling") is not None:
        mean, scale = meta["length_scaling"]
        length = SequenceLength(mean, scale, name="sequence_length")(x)
    if params["spatial_dropout"]:
        x = keras.layers.SpatialDropout1D(params["spatial_dropout"])(x)
    blocks = conv_blocks(params["conv_filters"], params["conv_kernel_size"],
                         params["conv_stride"])
    for i, (filters, kernel_size, stride) in enumerate(blocks):
        x = MaskedConvBlock(filters, kernel_size, stride,
                            kernel_regularizer=_l2(params["l2"]),
                            downsampling=params["conv_downsampling"],
                            name=f"conv_block_{i}")(x)

    shortcut = None
    if blocks and params["conv_shortcut"]:
        shortcut = MaskedGlobalAveragePooling1D(name="front_end_mean")(x)

    pooling = params["pooling"]
    for i in range(params["n_layers"]):
        is_last = i == params["n_layers"] - 1
        options = {
            "recurrent_dropout": params["recurrent_dropout"],
            "kernel_regularizer": _l2(params["l2"]),
            "name": f"{params['cell_type']}_{i}",
        }
        pools_in_loop = is_last and pooling != "last" and meta.get("pool_in_loop", False)
        if pools_in_loop:
            layer = POOLED_CELLS[params["cell_type"]](params["units"], pool=pooling,
                                                      **options)
        else:
            layer = CELLS[params["cell_type"]](
                params["units"], return_sequences=not is_last or pooling != "last",
                **options)
        if params["bidirectional"]:
            layer = keras.layers.Bidirectional(
                layer, merge_mode="concat", name=f"bidirectional_{i}"
            )
        x = layer(x)
        if is_last and pooling != "last" and not pools_in_loop:
            if pooling == "mean":
                x = MaskedGlobalAveragePooling1D(name="mean_pooling")(x)
            else:
                x = MaskedGlobalMaxPooling1D(name="max_pooling")(x)
        # On the last layer this is the pooled vector, wherever the pooling happens.
        if params["dropout"]:
            x = keras.layers.Dropout(params["dropout"])(x)

    beside = [t for t in (shortcut, length) if t is not None]
    if beside:
        x = keras.layers.Concatenate(name="head_inputs")([x, *beside])
    if params["dense_units"]:
        x = keras.layers.Dense(
            params["dense_units"],
            activation="relu",
            kernel_regularizer=_l2(params["l2"]),
            name="hidden",
        )(x)
    if meta.get("task", "classification") == "classification":
        outputs = keras.layers.Dense(
            meta["n_outputs"], activation="softmax", name="probabilities"
        )(x)
        return keras.Model(inputs, outputs, name=f"{params['cell_type']}_classifier")
    outputs = keras.layers.Dense(meta["n_outputs"], name="predictions")(x)
    return keras.Model(inputs, outputs, name=f"{params['cell_type']}_regressor")
