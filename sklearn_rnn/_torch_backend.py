"""The recurrent layers and the convolutional front-end on PyTorch's own kernels
(``KERAS_BACKEND=torch``); everything the package does differently on PyTorch.

Keras 3 runs a recurrent layer on the PyTorch backend as a Python loop over time
unless the data is on a CUDA device. This module computes the same function with
the kernels ``torch.nn.LSTM``, ``torch.nn.GRU`` and ``torch.nn.RNN`` call
(``torch._VF.lstm``, ``torch._VF.gru``, ``torch._VF.rnn_tanh`` /
``torch._VF.rnn_relu``), from the layer's own Keras weights, so the gradient
reaches the Keras variables (torch Parameters on this backend) and a model's
weights give the same outputs on every backend.

Weight layouts. Keras keeps ``kernel`` as ``(inputs, gates * units)``, PyTorch
``weight_ih`` as ``(gates * units, inputs)``:

* LSTM: the gate order is the same (Keras i, f, c, o; PyTorch i, f, g, o); the
  Keras bias becomes ``bias_ih`` and ``bias_hh`` is zero.
* GRU with ``reset_after=True`` (Keras' default, the formula PyTorch uses): Keras
  orders the gates z, r, h and PyTorch r, z, n; the Keras bias of shape
  ``(2, 3 * units)`` holds the input bias and the recurrent bias.
* SimpleRNN: one gate; ``activation`` ``"tanh"`` or ``"relu"``.

Masks. The package's sequences are left-aligned (valid steps first, padding
after), and so are the masks the convolutional front-end and the embedding hand
on. A batch with padding runs as a packed sequence of its lengths; a layer with
``go_backwards=True`` reverses each sequence within its own length, so it reads
only valid steps, as Keras' loop does (which leaves its state unchanged on masked
steps). Outputs at masked steps are laid out as Keras lays them out (zeros, or
the last valid output where ``zero_output_for_mask=False``), and the package's
pooled layers (:class:`~._layers.PooledLSTM` and its siblings) take the max or
mean over valid steps only.

Keras' own loop is used instead (:func:`fused_inner_loop` returns None) when:

* ``recurrent_dropout > 0`` (a new dropout mask on the state at every step);
* a non-default activation: LSTM and GRU need ``activation="tanh"`` and
  ``recurrent_activation="sigmoid"``, SimpleRNN ``"tanh"`` or ``"relu"``;
* a GRU with ``reset_after=False``;
* a ``stateful`` layer, or a cell that is not Keras' LSTM, GRU or SimpleRNN cell;
* a mask that is not left-aligned (a masked step between valid ones, as
  ``mask_value`` can make) or a sequence with no valid step;
* a compute dtype other than float32 / float64 (mixed precision).

The convolutional front-end (:func:`conv_block`) runs channels-first on
``torch.nn.functional.conv1d`` and ``batch_norm``; ``jit_compile="auto"`` does
not ``torch.compile`` (``_compilation.resolve_jit_compile``).
"""

import keras
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

_TANH = (keras.activations.tanh, keras.ops.tanh, torch.tanh)
_SIGMOID = (keras.activations.sigmoid, keras.ops.sigmoid, torch.sigmoid)
_RELU = (keras.activations.relu, keras.ops.relu, torch.relu)
_FLOATS = (torch.float32, torch.float64)


def _kind(cell):
    if isinstance(cell, keras.layers.LSTMCell):
        return "lstm"
    if isinstance(cell, keras.layers.GRUCell):
        return "gru"
    if isinstance(cell, keras.layers.SimpleRNNCell):
        return "simple_rnn"
    return None


def fallback_reason(layer):
    """Why ``layer`` runs Keras' own loop on the PyTorch backend, or None when it
    runs on PyTorch's fused kernel (the data may still decline it, see
    :func:`fused_inner_loop`)."""
    cell = layer.cell
    kind = _kind(cell)
    if kind is None:
        return f"the cell {type(cell).__name__} is not an LSTM, GRU or SimpleRNN cell"
    if layer.stateful:
        return "stateful layers keep their state between batches"
    if cell.recurrent_dropout:
        return "recurrent_dropout > 0 draws a dropout mask on the state at every step"
    if kind == "simple_rnn":
        if cell.activation not in _TANH + _RELU:
            return "SimpleRNN's activation is neither tanh nor relu"
        return None
    if cell.activation not in _TANH or cell.recurrent_activation not in _SIGMOID:
        return "activation is not tanh or recurrent_activation is not sigmoid"
    if kind == "gru" and not cell.reset_after:
        return "GRU with reset_after=False"
    return None


def _weights(cell, kind, dtype):
    """PyTorch's ``[weight_ih, weight_hh, bias_ih, bias_hh]`` from the cell's
    Keras weights, differentiable with respect to them."""
    def value(variable):
        return keras.ops.convert_to_tensor(variable).to(dtype)

    kernel, recurrent = value(cell.kernel), value(cell.recurrent_kernel)
    bias = value(cell.bias) if cell.use_bias else None
    if kind == "gru":  # Keras z, r, h -> PyTorch r, z, n
        units = cell.units

        def reorder(w):
            return torch.cat([w[..., units:2 * units], w[..., :units],
                              w[..., 2 * units:]], dim=-1)

        kernel, recurrent = reorder(kernel), reorder(recurrent)
        if bias is not None:
            bias = reorder(bias)
            if bias.dim() == 2:  # reset_after: (input bias, recurrent bias)
                return [kernel.T.contiguous(), recurrent.T.contiguous(), bias[0], bias[1]]
            return [kernel.T.contiguous(), recurrent.T.contiguous(), bias,
                    torch.zeros_like(bias)]
    params = [kernel.T.contiguous(), recurrent.T.contiguous()]
    if bias is not None:
        params += [bias, torch.zeros_like(bias)]
    return params


def _kernel(kind, cell):
    if kind == "lstm":
        return torch._VF.lstm
    if kind == "gru":
        return torch._VF.gru
    return torch._VF.rnn_relu if cell.activation in _RELU else torch._VF.rnn_tanh


def _left_aligned_lengths(mask, steps):
    """The lengths of a left-aligned mask; None when the batch has no padding;
    False when the mask is not left-aligned or a sequence has no valid step."""
    if mask is None:
        return None
    mask = mask.to(torch.bool)
    lengths = mask.sum(dim=1)
    positions = torch.arange(steps, device=mask.device)
    if not bool(torch.equal(mask, positions < lengths[:, None])):
        return False
    shortest = int(lengths.min())
    if shortest == 0:
        return False
    if shortest == steps:
        return None
    return lengths


def _reverse_within(x, lengths):
    """Each sequence's valid steps in reverse order, its padding left after them."""
    steps = x.shape[1]
    positions = torch.arange(steps, device=x.device)[None, :]
    last = (lengths - 1)[:, None]
    index = torch.where(positions <= last, last - positions, positions)
    return torch.gather(x, 1, index[:, :, None].expand(-1, -1, x.shape[2]))


def _run(kind, cell, x, states, lengths, training):
    """The fused kernel over ``x`` (batch, time, features), from ``states`` (each
    (batch, units)); returns the outputs (zero after each sequence's length) and
    the final states at each sequence's last valid step."""
    params = _weights(cell, kind, x.dtype)
    has_biases = cell.use_bias
    kernel = _kernel(kind, cell)
    hx = [s[None].to(x.dtype) for s in states]
    hx = tuple(hx) if kind == "lstm" else hx[0]
    train = bool(training) and torch.is_grad_enabled()
    if lengths is None:
        result = kernel(x, hx, params, has_biases, 1, 0.0, train, False, True)
        return result[0], [h[0] for h in result[1:]]
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                  enforce_sorted=False)
    order, inverse = packed.sorted_indices, packed.unsorted_indices
    if kind == "lstm":
        hx = tuple(h.index_select(1, order) for h in hx)
    else:
        hx = hx.index_select(1, order)
    result = kernel(packed.data, packed.batch_sizes, hx, params, has_biases, 1, 0.0,
                    train, False)
    outputs, _ = pad_packed_sequence(
        PackedSequence(result[0], packed.batch_sizes, order, inverse),
        batch_first=True, total_length=x.shape[1])
    return outputs, [h[0].index_select(0, inverse) for h in result[1:]]


def _pooled(outputs, lengths, pool):
    """The max or mean over each sequence's valid steps."""
    if lengths is None:
        return outputs.amax(dim=1) if pool == "max" else outputs.mean(dim=1)
    valid = (torch.arange(outputs.shape[1], device=outputs.device)[None, :]
             < lengths[:, None])[:, :, None]
    if pool == "max":
        return torch.where(valid, outputs, torch.full_like(outputs, -1e30)).amax(dim=1)
    # Packed outputs are zero after each sequence's length.
    return outputs.sum(dim=1) / lengths[:, None].to(outputs.dtype)


def _keras_layout(outputs, lengths, go_backwards, zero_output_for_mask):
    """Outputs in the order and padding Keras' loop returns them: in the order
    the steps were read (so reversed for ``go_backwards``), with masked steps
    zero, or repeating the last output where ``zero_output_for_mask=False``."""
    steps = outputs.shape[1]
    if lengths is None:
        return outputs
    positions = torch.arange(steps, device=outputs.device)[None, :]
    if go_backwards:
        # Keras reads the padding first (state and output stay zero), then the
        # valid steps from the last to the first: a shift by the padding.
        padding = (steps - lengths)[:, None]
        index = (positions - padding).clamp(min=0)
        shifted = torch.gather(outputs, 1, index[:, :, None].expand_as(outputs))
        return torch.where((positions >= padding)[:, :, None], shifted,
                           torch.zeros_like(shifted))
    if zero_output_for_mask:
        return outputs
    index = torch.minimum(positions, (lengths - 1)[:, None])
    return torch.gather(outputs, 1, index[:, :, None].expand_as(outputs))


def _shapes_only(layer, x, states):
    """The result's shapes, for Keras' symbolic calls (on the ``meta`` device,
    where each step of the kernel would run as Python)."""
    last_output = x.new_zeros((x.shape[0], layer.cell.units))
    if getattr(layer, "pool", None) is not None:
        return last_output, last_output, states
    if not layer.return_sequences:
        return last_output, last_output[:, None, :], states
    return last_output, x.new_zeros((*x.shape[:2], layer.cell.units)), states


def fused_inner_loop(layer, sequences, initial_state, mask, training=False):
    """``layer.inner_loop`` on PyTorch's fused kernel: ``(last_output, outputs,
    states)`` as Keras' loop returns them, or None to run Keras' loop instead
    (see the module docstring for when).

    A layer with a ``pool`` attribute (``"max"`` or ``"mean"``, the package's
    pooled layers) returns the pool over valid steps as both ``last_output`` and
    ``outputs``.
    """
    if isinstance(mask, (list, tuple)):
        mask = mask[0]
    if fallback_reason(layer) is not None:
        return None
    x = keras.ops.convert_to_tensor(sequences)
    if x.dtype not in _FLOATS:
        return None
    lengths = _left_aligned_lengths(mask, x.shape[1])
    if lengths is False:
        return None
    cell = layer.cell
    kind = _kind(cell)
    states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
        else [initial_state]
    if x.device.type == "meta":
        return _shapes_only(layer, x, states)
    if training and cell.dropout:  # one input mask per sequence, as Keras' cell
        dropout_mask = keras.ops.convert_to_tensor(cell.get_dropout_mask(x[:, 0, :]))
        x = x * dropout_mask[:, None, :].to(x.dtype)
    if layer.go_backwards:
        x = torch.flip(x, dims=[1]) if lengths is None else _reverse_within(x, lengths)
    outputs, states = _run(kind, cell, x, states, lengths, training)
    last_output = states[0]
    pool = getattr(layer, "pool", None)
    if pool is not None:
        pooled = _pooled(outputs, lengths, pool)
        return pooled, pooled, states
    if not layer.return_sequences:
        return last_output, last_output[:, None, :], states
    outputs = _keras_layout(outputs, lengths, layer.go_backwards,
                            layer.zero_output_for_mask)
    return last_output, outputs, states


def conv_block(block, inputs, mask, training):
    """:class:`~._layers.MaskedConvBlock` (``Conv1D -> BatchNormalization ->
    ReLU``) computed channels-first, as PyTorch's kernels want it, with its own
    weights: Keras' layers permute to channels-first and back around the
    convolution and normalise the permuted tensor with separate moment ops (a
    third of a training step of the default network). Same function, including
    the moving statistics' update; None (Keras' layers run it) for a batch
    normalisation that is frozen, renormalised or not over the last axis."""
    norm = block.norm
    x = keras.ops.convert_to_tensor(inputs)
    if (x.device.type == "meta" or x.dtype not in _FLOATS or norm.renorm
            or norm.axis not in (-1, 2) or norm.synchronized):
        return None
    valid = None if mask is None else keras.ops.convert_to_tensor(mask).to(torch.bool)
    x = x.transpose(1, 2)  # (batch, channels, time)
    if valid is not None:
        x = torch.where(valid[:, None, :], x, torch.zeros_like(x))
    outputs = [
        F.conv1d(F.pad(x, ((size - 1) // 2, size // 2)),
                 keras.ops.convert_to_tensor(conv.kernel).to(x.dtype).permute(2, 1, 0),
                 stride=block.convolution_stride)
        for size, conv in zip(block.kernel_sizes, block.convs, strict=True)]
    x = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=1)
    if valid is not None:
        valid = valid[:, ::block.convolution_stride]
    gamma = keras.ops.convert_to_tensor(norm.gamma).to(x.dtype) if norm.scale else None
    beta = keras.ops.convert_to_tensor(norm.beta).to(x.dtype) if norm.center else None
    if training and norm.trainable:
        x = _batch_normalized(norm, x, valid, gamma, beta)
    else:
        x = F.batch_norm(x, keras.ops.convert_to_tensor(norm.moving_mean).to(x.dtype),
                         keras.ops.convert_to_tensor(norm.moving_variance).to(x.dtype),
                         gamma, beta, False, 0.0, norm.epsilon)
    x = torch.relu(x)
    if valid is not None:
        x = torch.where(valid[:, None, :], x, torch.zeros_like(x))
    if block.convolution_stride != block.stride:
        x = _window_mean(x, valid, block.stride)
    return x.transpose(1, 2)


def _window_mean(x, valid, stride):
    """:meth:`~._layers.MaskedConvBlock._window_mean`, channels-first."""
    weights = (torch.ones_like(x[:, :1, :]) if valid is None
               else valid[:, None, :].to(x.dtype))
    extra = (-x.shape[2]) % stride
    sums = F.avg_pool1d(F.pad(x, (0, extra)), stride, stride)
    counts = F.avg_pool1d(F.pad(weights, (0, extra)), stride, stride)
    return sums / counts.clamp_min(1.0 / stride)


def _batch_normalized(norm, x, valid, gamma, beta):
    """Normalised with the batch's statistics over (valid) steps, as Keras'
    ``BatchNormalization`` (biased variance; a masked batch's sums divided by
    the number of valid steps plus ``keras.config.epsilon()``), updating the
    moving statistics."""
    n = x.shape[0] * x.shape[2]
    if valid is None and n > 1:  # (PyTorch's kernel refuses a single value)
        # With momentum 1 PyTorch's kernel leaves the batch's mean and unbiased
        # variance in the running buffers; Keras keeps the biased variance.
        mean = x.new_zeros(x.shape[1])
        variance = x.new_ones(x.shape[1])
        out = F.batch_norm(x, mean, variance, gamma, beta, True, 1.0, norm.epsilon)
        variance = variance * ((n - 1) / n)
    else:
        weights = (torch.ones_like(x[:, :1, :]) if valid is None
                   else valid[:, None, :].to(x.dtype))
        count = weights.sum() + keras.config.epsilon()
        mean = (x * weights).sum(dim=(0, 2)) / count
        centred = (x - mean[None, :, None]) * weights
        variance = (centred * centred).sum(dim=(0, 2)) / count
        out = (x - mean[None, :, None]) * torch.rsqrt(variance + norm.epsilon)[None, :, None]
        if gamma is not None:
            out = out * gamma[None, :, None]
        if beta is not None:
            out = out + beta[None, :, None]
        mean, variance = mean.detach(), variance.detach()
    momentum = norm.momentum
    norm.moving_mean.assign(norm.moving_mean * momentum + mean * (1.0 - momentum))
    norm.moving_variance.assign(
        norm.moving_variance * momentum + variance * (1.0 - momentum))
    return out
