"""Keras layers the package needs that Keras does not provide."""

from numbers import Integral

import keras
from keras import ops

# Keras' own loop over time (``keras.layers.RNN.inner_loop`` calls it), for every
# backend. Keras 3 does not export it; it is the one private name used here.
from keras.src.backend import rnn as backend_rnn

POOLS = ("max", "mean")


def _zero_where_empty(pooled, mask):
    """``pooled`` with 0 for each sequence whose ``mask`` has no valid step, whose
    maximum would otherwise be the -1e30 that stands for "no step yet"."""
    any_valid = ops.any(ops.cast(mask, "bool"), axis=1, keepdims=True)
    return ops.where(any_valid, pooled, ops.zeros_like(pooled))


class _PoolingOverValidSteps(keras.layers.Layer):
    """A reduction over time of the valid steps: ``(batch, steps, n)`` becomes
    ``(batch, n)``; subclasses reduce in ``call``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class MaskedGlobalMaxPooling1D(_PoolingOverValidSteps):
    """Max over time that ignores masked timesteps; 0 for a sequence without any
    valid step (an empty document of padding tokens).

    ``keras.layers.GlobalMaxPooling1D`` ignores the mask, so padding would take
    part in the maximum.
    """

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        valid = ops.expand_dims(ops.cast(mask, "bool"), axis=-1)
        pooled = ops.max(ops.where(valid, inputs, ops.full_like(inputs, -1e30)), axis=1)
        return _zero_where_empty(pooled, mask)


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class MaskedGlobalAveragePooling1D(_PoolingOverValidSteps):
    """Mean over the valid timesteps; 0 for a sequence without any valid step,
    where ``keras.layers.GlobalAveragePooling1D`` divides 0 by 0."""

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.mean(inputs, axis=1)
        weights = ops.expand_dims(ops.cast(mask, inputs.dtype), axis=-1)
        return ops.sum(inputs * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class SequenceLength(keras.layers.Layer):
    """Each sequence's number of unmasked steps, as one standardised feature:
    ``(log(n) - mean) / scale``, shape ``(batch, 1)``.

    Masking makes the network blind to where a sequence ends; where the length
    carries the class (a gesture's duration), this gives it back.

    Parameters
    ----------
    mean, scale : float
        Of the log lengths of the training sequences.
    """

    def __init__(self, mean=0.0, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mean = float(mean)
        self.scale = float(scale)

    def call(self, inputs, mask=None):
        steps = ops.ones_like(inputs[:, :, 0]) if mask is None else mask
        n = ops.sum(ops.cast(steps, "float32"), axis=1, keepdims=True)
        return (ops.log(ops.maximum(n, 1.0)) - self.mean) / self.scale

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "scale": self.scale}


def _fused_on_torch(layer, sequences, initial_state, mask, training):
    """On the PyTorch backend, the layer's loop over time on PyTorch's fused kernel
    (:mod:`._torch_backend`); None elsewhere, or where that kernel cannot run it."""
    if keras.backend.backend() != "torch":
        return None
    from ._torch_backend import fused_inner_loop

    return fused_inner_loop(layer, sequences, initial_state, mask, training)


class _FusedOnTorch:
    """A Keras recurrent layer whose loop over time runs on PyTorch's fused kernel
    on the PyTorch backend (:mod:`._torch_backend` says when it cannot), and as
    Keras runs it on every other backend."""

    def inner_loop(self, sequences, initial_state, mask, training=False):
        fused = _fused_on_torch(self, sequences, initial_state, mask, training)
        if fused is not None:
            return fused
        return super().inner_loop(sequences, initial_state, mask, training=training)


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class LSTM(_FusedOnTorch, keras.layers.LSTM):
    """``keras.layers.LSTM``, on PyTorch's fused kernel on the PyTorch backend."""


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class GRU(_FusedOnTorch, keras.layers.GRU):
    """``keras.layers.GRU``, on PyTorch's fused kernel on the PyTorch backend."""


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class SimpleRNN(_FusedOnTorch, keras.layers.SimpleRNN):
    """``keras.layers.SimpleRNN``, on PyTorch's fused kernel on the PyTorch backend."""


CELLS = {"lstm": LSTM, "gru": GRU, "simple_rnn": SimpleRNN}


class _PooledOverTime:
    """A recurrent layer that returns the max or the mean of its outputs over time,
    accumulated in the loop's state instead of from the stacked output sequence.

    The result equals ``return_sequences=True`` followed by a masked max / mean
    over time (masked steps leave the state, and so the pool, unchanged), with the
    same weights. The point is speed under XLA on the CPU: there a loop that
    stacks its outputs for the gradient (``return_sequences=True``) trains 2-3x
    slower than the graph executor, while a loop that keeps only its state trains
    1.7x faster (``benchmarks/results/PERFORMANCE.md``). This layer never takes
    Keras' cuDNN path, so the network builder uses it only on machines without a
    GPU.
    """

    def __init__(self, units, pool="max", **kwargs):
        kwargs.pop("return_sequences", None)
        if pool not in POOLS:
            raise ValueError(f"pool must be one of {POOLS}, got {pool!r}.")
        super().__init__(units, return_sequences=False, **kwargs)
        self.pool = pool

    def inner_loop(self, sequences, initial_state, mask, training=False):
        fused = _fused_on_torch(self, sequences, initial_state, mask, training)
        if fused is not None:
            return fused
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        cell_states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        n_cell_states = len(cell_states)
        batch = ops.shape(sequences)[0]
        dtype = self.cell.compute_dtype
        if self.pool == "max":
            pool_states = [ops.full((batch, self.cell.units), -1e30, dtype=dtype)]
        else:  # a running sum and the number of steps that went into it
            pool_states = [ops.zeros((batch, self.cell.units), dtype=dtype),
                           ops.zeros((batch, 1), dtype=dtype)]

        def step(inputs, states):
            output, new_states = self.cell(
                inputs, list(states[:n_cell_states]), training=training
            )
            if not isinstance(new_states, (list, tuple)):
                new_states = [new_states]
            if self.pool == "max":
                pooled = [ops.maximum(states[n_cell_states], output)]
            else:
                pooled = [states[n_cell_states] + output, states[n_cell_states + 1] + 1.0]
            return output, list(new_states) + pooled

        _, _, states = backend_rnn(
            step,
            sequences,
            cell_states + pool_states,
            go_backwards=self.go_backwards,
            mask=mask,
            unroll=self.unroll,
            input_length=sequences.shape[1],
            zero_output_for_mask=False,
            return_all_outputs=False,
        )
        if self.pool == "max":
            result = states[n_cell_states]
            if mask is not None:
                result = _zero_where_empty(result, mask)
        else:
            result = states[n_cell_states] / ops.maximum(states[n_cell_states + 1], 1.0)
        return result, result, states[:n_cell_states]

    def get_config(self):
        return {**super().get_config(), "pool": self.pool}


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class PooledLSTM(_PooledOverTime, keras.layers.LSTM):
    """``keras.layers.LSTM`` returning the max or mean of its outputs over time."""


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class PooledGRU(_PooledOverTime, keras.layers.GRU):
    """``keras.layers.GRU`` returning the max or mean of its outputs over time."""


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class PooledSimpleRNN(_PooledOverTime, keras.layers.SimpleRNN):
    """``keras.layers.SimpleRNN`` returning the max or mean of its outputs over time."""


POOLED_CELLS = {"lstm": PooledLSTM, "gru": PooledGRU, "simple_rnn": PooledSimpleRNN}


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class FirstDifferences(keras.layers.Layer):
    """Each feature's step-to-step change appended to the features:
    ``(batch, steps, n)`` becomes ``(batch, steps, 2 * n)``.

    The change at step ``t`` is ``x[t] - x[t - 1]``, taken as 0 at the first step
    (which has no previous one), then standardised with ``mean`` and ``scale``, so
    the first step reads ``-mean / scale``; it is 0 at masked steps, and the mask
    passes through. Sequences are read from their first step, as the estimators
    left-align them.

    Parameters
    ----------
    mean, scale : list of float
        One per feature: the mean and standard deviation of the training
        sequences' changes.
    """

    def __init__(self, mean=(0.0,), scale=(1.0,), **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mean = [float(v) for v in mean]
        self.scale = [float(v) for v in scale]

    def call(self, inputs, mask=None):
        change = inputs[:, 1:] - inputs[:, :-1]
        change = ops.concatenate([ops.zeros_like(inputs[:, :1]), change], axis=1)
        change = (change - ops.convert_to_tensor(self.mean, self.compute_dtype)) / (
            ops.convert_to_tensor(self.scale, self.compute_dtype))
        if mask is not None:
            change = ops.where(ops.expand_dims(ops.cast(mask, "bool"), -1), change,
                               ops.zeros_like(change))
        return ops.concatenate([inputs, change], axis=-1)

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return (*input_shape[:2], 2 * input_shape[2])

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "scale": self.scale}


def split_filters(filters, n_convolutions):
    """The filters of each of a block's parallel convolutions: ``filters`` split
    as evenly as possible, the first ones taking one more."""
    share, extra = divmod(filters, n_convolutions)
    return [share + (i < extra) for i in range(n_convolutions)]


def one_or_parallel(kernel_size):
    """A block's kernel size as stored: an int, or a tuple of two or more parallel
    sizes. A one-element tuple becomes its int, so that such a block keeps its
    weights where files of earlier versions have them."""
    sizes = (kernel_size,) if isinstance(kernel_size, Integral) else tuple(kernel_size)
    return int(sizes[0]) if len(sizes) == 1 else tuple(int(k) for k in sizes)


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class MaskedConvBlock(keras.layers.Layer):
    """``Conv1D -> BatchNormalization -> ReLU`` over time that respects a mask.

    The convolution pads ``(kernel_size - 1) // 2`` zeros before each sequence and
    ``kernel_size // 2`` after it, whatever the padded length of the batch, and
    reads masked steps as zeros; output step ``j`` covers input steps from
    ``j * stride``, so a sequence of ``n`` steps gives ``ceil(n / stride)`` steps
    and the mask is downsampled to ``mask[:, ::stride]``. Batch statistics are
    computed over unmasked steps only and masked output steps are zero. So for
    sequences whose valid steps come first (the classifier left-aligns them), the
    output at valid steps does not depend on the padding: Keras' own
    ``padding="same"`` splits its padding by the length of the batch, and its
    ``Conv1D`` drops the mask.

    With ``downsampling="average"`` the convolution keeps every step and the
    block's output is then averaged over windows of ``stride`` steps (valid steps
    only): the same output length, but a shift of the input by one step changes
    the output smoothly instead of by which steps the stride skips.

    With a tuple of kernel sizes the block runs one convolution per size side
    by side (an Inception module without its bottleneck), splits ``filters``
    among them (the first ones get one more when they do not divide evenly) and
    concatenates their outputs before the batch normalisation, so one block sees
    patterns of several lengths.

    Parameters
    ----------
    filters : int
        Of the block's output (over all its convolutions).
    kernel_size : int or tuple of int
        Of the ``Conv1D``, or of each of its parallel convolutions.
    stride : int
        The block's downsampling factor: ``n`` steps become ``ceil(n / stride)``.
        The ``Conv1D``'s own stride is :attr:`convolution_stride`.
    kernel_regularizer : keras regularizer or None
        On the convolution kernel.
    downsampling : {"stride", "average"}
        How a stride above 1 shortens the sequence: the convolution skips steps,
        or reads every step and the block averages windows of ``stride`` steps.
    """

    def __init__(self, filters, kernel_size, stride=1, kernel_regularizer=None,
                 downsampling="stride", **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.filters = int(filters)
        if not isinstance(kernel_size, Integral) and not len(kernel_size):
            raise ValueError("kernel_size must be a positive int or a non-empty tuple "
                             f"of them, got {kernel_size!r}.")
        self.kernel_size = one_or_parallel(kernel_size)
        self.stride = int(stride)
        if downsampling not in ("stride", "average"):
            raise ValueError(f"downsampling must be 'stride' or 'average', got "
                             f"{downsampling!r}.")
        self.downsampling = downsampling
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        if len(self.kernel_sizes) > self.filters:
            raise ValueError(
                f"A block of {self.filters} filters cannot run "
                f"{len(self.kernel_sizes)} convolutions (kernel_size="
                f"{self.kernel_size!r}): each needs at least one filter.")
        # No bias: the batch normalisation that follows subtracts it again.
        convolutions = [
            keras.layers.Conv1D(
                n_filters, size, strides=self.convolution_stride, padding="valid",
                use_bias=False, kernel_regularizer=self.kernel_regularizer,
                name="conv" if len(self.kernel_sizes) == 1 else f"conv_{i}")
            for i, (size, n_filters) in enumerate(zip(
                self.kernel_sizes, split_filters(self.filters, len(self.kernel_sizes)),
                strict=True))]
        # Keras saves a sublayer's weights under the attribute's name: a block of one
        # kernel size keeps its convolution at ``conv``, where files of earlier
        # versions have it.
        if len(convolutions) == 1:
            self.conv = convolutions[0]
        else:
            self.parallel_convs = convolutions
        self.norm = keras.layers.BatchNormalization(name="batch_norm")

    @property
    def convs(self):
        """The block's convolutions, one per kernel size."""
        return [self.conv] if isinstance(self.kernel_size, int) else self.parallel_convs

    @property
    def kernel_sizes(self):
        """The kernel size of each parallel convolution (one for an int)."""
        return ((self.kernel_size,) if isinstance(self.kernel_size, int)
                else self.kernel_size)

    @property
    def convolution_stride(self):
        """The convolution's own stride: 1 when the block averages instead."""
        return 1 if self.downsampling == "average" else self.stride

    def build(self, input_shape):
        for conv in self.convs:
            conv.build((None, None, input_shape[-1]))
        self.norm.build((None, None, self.filters))

    def call(self, inputs, training=None, mask=None):
        if keras.backend.backend() == "torch":
            from ._torch_backend import conv_block

            fused = conv_block(self, inputs, mask, training)
            if fused is not None:
                return fused
        x = self.convolve(inputs, mask)
        conv_mask = self.convolution_mask(mask)
        x = ops.relu(self.norm(x, training=training, mask=conv_mask))
        if conv_mask is not None:
            x = ops.where(ops.expand_dims(ops.cast(conv_mask, "bool"), -1), x,
                          ops.zeros_like(x))
        if self.convolution_stride != self.stride:
            x = self._window_mean(x, conv_mask)
        return x

    def _window_mean(self, x, mask):
        """The mean of each window of ``stride`` steps over its valid steps
        (the last window may be short); ``x`` is zero at the masked steps."""
        weights = (ops.ones_like(x[:, :, :1]) if mask is None
                   else ops.expand_dims(ops.cast(mask, x.dtype), -1))
        extra = (-ops.shape(x)[1]) % self.stride
        padding = [[0, 0], [0, extra], [0, 0]]
        sums = ops.average_pool(ops.pad(x, padding), self.stride,
                                self.stride, padding="valid")
        counts = ops.average_pool(ops.pad(weights, padding), self.stride,
                                  self.stride, padding="valid")
        return sums / ops.maximum(counts, 1.0 / self.stride)

    def convolve(self, inputs, mask=None):
        """The convolution's output, before the batch normalisation: masked steps
        read as zeros, ``(k - 1) // 2`` zeros padded before and ``k // 2`` after
        (the parallel convolutions' outputs concatenated)."""
        x = inputs
        if mask is not None:
            x = ops.where(ops.expand_dims(ops.cast(mask, "bool"), -1), x,
                          ops.zeros_like(x))
        outputs = [conv(ops.pad(x, [[0, 0], [(size - 1) // 2, size // 2], [0, 0]]))
                   for size, conv in zip(self.kernel_sizes, self.convs, strict=True)]
        return outputs[0] if len(outputs) == 1 else ops.concatenate(outputs, axis=-1)

    def convolution_mask(self, mask):
        """Which of the convolution's output steps are valid (before any
        averaging)."""
        return None if mask is None else mask[:, ::self.convolution_stride]

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return mask[:, ::self.stride]

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        if steps is not None:
            steps = -(-steps // self.stride)
        return (input_shape[0], steps, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": (self.kernel_size if isinstance(self.kernel_size, int)
                                else list(self.kernel_size)),
                "stride": self.stride,
                "downsampling": self.downsampling,
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer)}
