"""The package's own layers (``_layers``): recurrent layers that pool over time
inside their loop, and the masked convolutional block of the front-end."""

import keras
import numpy as np
import pytest
from conftest import TINY_NETWORK

from sklearn_rnn._layers import (
    FirstDifferences,
    MaskedConvBlock,
    MaskedGlobalAveragePooling1D,
    MaskedGlobalMaxPooling1D,
    PooledLSTM,
    SequenceLength,
)
from sklearn_rnn._network import (
    AUTO_STRIDE_MIN_STEPS,
    auto_conv_stride,
    build_network,
    conv_blocks,
    resolve_conv_stride,
)

pytestmark = pytest.mark.fast

NETWORK = TINY_NETWORK
PAD = -1e9


def padded_batch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 7, 2)).astype("float32")
    X[0, 4:] = PAD
    X[2, 1:] = PAD
    return X


@pytest.mark.parametrize("cell_type", ["lstm", "gru", "simple_rnn"])
@pytest.mark.parametrize("pooling", ["max", "mean"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("mask_value", [None, PAD])
def test_pooling_in_the_loop_equals_a_pooling_layer(cell_type, pooling, bidirectional,
                                                      mask_value):
    params = dict(NETWORK, cell_type=cell_type, pooling=pooling,
                  bidirectional=bidirectional)
    meta = dict(n_features=2, n_outputs=3, vocab_size=None, mask_value=mask_value)
    separate = build_network(params, dict(meta, pool_in_loop=False))
    in_loop = build_network(params, dict(meta, pool_in_loop=True))
    assert not any(isinstance(layer, (MaskedGlobalAveragePooling1D, MaskedGlobalMaxPooling1D))
                   for layer in in_loop.layers)
    in_loop.set_weights(separate.get_weights())  # the same weights, in the same order
    X = padded_batch() if mask_value is not None else padded_batch().clip(-5, 5)
    np.testing.assert_allclose(in_loop.predict_on_batch(X), separate.predict_on_batch(X),
                               rtol=0, atol=1e-6)


@pytest.mark.parametrize("layer", [
    lambda: MaskedGlobalMaxPooling1D(),
    lambda: MaskedGlobalAveragePooling1D(),
    lambda: PooledLSTM(3, pool="max"),
    lambda: PooledLSTM(3, pool="mean"),
])
def test_a_sequence_without_valid_steps_pools_to_zero(layer):
    # An empty document is a row of padding tokens: its maximum over no step was
    # -1e30 (probabilities of exactly 0 and 1, overflowing training), and Keras'
    # average over no step 0 / 0.
    layer = layer()
    x = padded_batch()
    if not isinstance(layer, PooledLSTM):
        x = x[:, :, :1].repeat(3, axis=2)
    mask = x[:, :, 0] != PAD
    mask[1] = False
    out = keras.ops.convert_to_numpy(layer(x, mask=mask))
    np.testing.assert_array_equal(out[1], 0.0)
    assert np.all(np.abs(out[[0, 2, 3]]) < 10) and np.all(out[[0, 2, 3]] != 0)


@pytest.mark.parametrize("pooling", ["max", "mean"])
@pytest.mark.parametrize("pool_in_loop", [False, True])  # False: the network a GPU gets
@pytest.mark.parametrize("conv_shortcut", [False, True])
def test_networks_predict_a_row_of_padding_like_any_other(pooling, pool_in_loop,
                                                          conv_shortcut):
    params = dict(NETWORK, pooling=pooling, bidirectional=True, conv_filters=(4,),
                  conv_kernel_size=3, conv_stride=1, conv_shortcut=conv_shortcut)
    meta = dict(n_features=2, n_outputs=3, vocab_size=None, mask_value=PAD,
                pool_in_loop=pool_in_loop)
    X = padded_batch()
    X[1] = PAD
    out = build_network(params, meta).predict_on_batch(X)
    assert np.isfinite(out).all() and np.allclose(out.sum(axis=1), 1.0, atol=1e-6)
    assert out[1].max() < 0.99


def test_pooled_layer_with_constant_weights_gives_exact_numbers():
    # One unit, weights 0 and bias 0 except the cell input: h_t = o * tanh(c_t)
    # with every gate at sigmoid(0) = 0.5, so c_t = 0.5 c_{t-1} + 0.5 tanh(x_t w).
    layer = PooledLSTM(1, pool="mean", kernel_initializer="zeros",
                       recurrent_initializer="zeros", unit_forget_bias=False)
    x = np.array([[[1.0], [2.0], [PAD]]], dtype="float32")
    mask = np.array([[True, True, False]])
    layer.build(x.shape)
    kernel = np.zeros((1, 4), dtype="float32")
    kernel[0, 2] = 1.0  # the cell-input gate sees x
    layer.cell.kernel.assign(kernel)
    out = keras.ops.convert_to_numpy(layer(x, mask=mask))
    c1 = 0.5 * np.tanh(1.0)
    c2 = 0.5 * c1 + 0.5 * np.tanh(2.0)
    expected = (0.5 * np.tanh(c1) + 0.5 * np.tanh(c2)) / 2
    np.testing.assert_allclose(out, [[expected]], rtol=1e-6)


def test_pooled_layer_round_trips_through_its_config():
    layer = PooledLSTM(2, pool="max", name="pooled")
    clone = PooledLSTM.from_config(layer.get_config())
    assert clone.pool == "max" and not clone.return_sequences
    with pytest.raises(ValueError, match="pool must be one of"):
        PooledLSTM(2, pool="median")


# ------------------------------------------------------ the convolutional front-end
def test_conv_block_pads_by_kernel_and_strides_from_the_first_step():
    # Kernel of ones, stride 2: [1..5] padded to [0, 1, 2, 3, 4, 5, 0] gives the
    # sums of steps 0-2, 2-4 and 4-6; inference batch norm divides by sqrt(1 + eps).
    block = MaskedConvBlock(1, 3, stride=2)
    x = np.arange(1, 6, dtype="float32").reshape(1, 5, 1)
    block.build(x.shape)
    block.convs[0].kernel.assign(np.ones((3, 1, 1), dtype="float32"))
    out = keras.ops.convert_to_numpy(block(x, training=False))
    scale = 1 / np.sqrt(1 + block.norm.epsilon)
    np.testing.assert_allclose(out[0, :, 0], np.array([3.0, 9.0, 9.0]) * scale, rtol=1e-6)
    assert block.compute_output_shape((None, 5, 1)) == (None, 3, 1)
    assert block.compute_output_shape((None, None, 1)) == (None, None, 1)


@pytest.mark.parametrize("downsampling", ["stride", "average"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_conv_block_output_at_valid_steps_ignores_the_padding(stride, downsampling):
    block = MaskedConvBlock(3, 4, stride=stride, downsampling=downsampling)
    X = padded_batch()
    lengths = (X != PAD).any(axis=2).sum(axis=1)
    mask = X[:, :, 0] != PAD
    block.build(X.shape)
    out = keras.ops.convert_to_numpy(block(X, mask=mask, training=False))
    out_mask = keras.ops.convert_to_numpy(block.compute_mask(X, mask))
    np.testing.assert_array_equal(out_mask.sum(axis=1), -(-lengths // stride))
    for i, n in enumerate(lengths):
        alone = keras.ops.convert_to_numpy(block(X[i:i + 1, :n], training=False))
        np.testing.assert_allclose(out[i, :alone.shape[1]], alone[0], rtol=0, atol=1e-6)
        assert (out[i, alone.shape[1]:] == 0).all()


def test_average_downsampling_is_the_window_mean_of_the_full_resolution_block():
    # Windows of 3 over lengths 11, 7 and 4: the last window of each is short and
    # averages its valid steps only; the steps after a sequence's windows are zero.
    x = np.random.default_rng(0).normal(size=(3, 11, 2)).astype("float32")
    lengths = [11, 7, 4]
    mask = np.arange(11)[None, :] < np.array(lengths)[:, None]
    block = MaskedConvBlock(4, 5, stride=3, downsampling="average")
    block.build(x.shape)
    assert block.convs[0].strides == (1,)
    full = MaskedConvBlock(4, 5, stride=1)
    full.build(x.shape)
    full.set_weights(block.get_weights())
    out = keras.ops.convert_to_numpy(block(x, mask=mask, training=False))
    steps = keras.ops.convert_to_numpy(full(x, mask=mask, training=False))
    assert out.shape == (3, 4, 4)
    for i, n in enumerate(lengths):
        windows = [steps[i, j:min(j + 3, n)].mean(axis=0) for j in range(0, n, 3)]
        np.testing.assert_allclose(out[i, :len(windows)], windows, rtol=0, atol=1e-6)
        assert (out[i, len(windows):] == 0).all()
    with pytest.raises(ValueError, match="downsampling must be 'stride' or 'average'"):
        MaskedConvBlock(4, 5, stride=2, downsampling="max")


def test_conv_block_batch_statistics_ignore_masked_steps():
    block = MaskedConvBlock(2, 1)
    X = padded_batch()
    mask = X[:, :, 0] != PAD
    block.build(X.shape)
    block(X, mask=mask, training=True)
    trimmed = MaskedConvBlock(2, 1)
    trimmed.build(X.shape)
    trimmed.convs[0].kernel.assign(block.convs[0].kernel)
    valid = X[mask][np.newaxis]  # every valid step, in one sequence
    trimmed(valid, training=True)
    np.testing.assert_allclose(block.norm.moving_mean.numpy(),
                               trimmed.norm.moving_mean.numpy(), rtol=1e-5, atol=1e-7)


def test_conv_block_round_trips_through_its_config():
    block = MaskedConvBlock(4, 3, stride=2, kernel_regularizer=keras.regularizers.L2(0.1),
                            downsampling="average", name="conv_block_0")
    clone = MaskedConvBlock.from_config(block.get_config())
    assert (clone.filters, clone.kernel_size, clone.stride) == (4, 3, 2)
    assert clone.downsampling == "average"
    assert clone.kernel_regularizer.l2 == pytest.approx(0.1)


def test_conv_block_with_several_kernel_sizes_concatenates_its_convolutions():
    # Filters 5 over kernels (1, 3, 4): 2, 2 and 1 filters, each convolution padded
    # for its own kernel, concatenated in the order of the kernel sizes.
    x = np.random.default_rng(0).normal(size=(2, 9, 3)).astype("float32")
    block = MaskedConvBlock(5, (1, 3, 4), stride=2)
    block.build(x.shape)
    assert [(c.kernel_size, c.filters) for c in block.convs] == [((1,), 2), ((3,), 2),
                                                                 ((4,), 1)]
    convolved = keras.ops.convert_to_numpy(block.convolve(x))
    start = 0
    for size, conv in zip((1, 3, 4), block.convs, strict=True):
        alone = MaskedConvBlock(conv.filters, size, stride=2)
        alone.build(x.shape)
        alone.convs[0].kernel.assign(conv.kernel)
        part = keras.ops.convert_to_numpy(alone.convolve(x))
        np.testing.assert_allclose(convolved[..., start:start + conv.filters], part,
                                   rtol=1e-6)
        start += conv.filters
    assert keras.ops.convert_to_numpy(block(x, training=False)).shape == (2, 5, 5)
    clone = MaskedConvBlock.from_config(block.get_config())
    assert clone.kernel_size == (1, 3, 4) and len(clone.convs) == 3
    with pytest.raises(ValueError, match="2 filters cannot run 3 convolutions"):
        MaskedConvBlock(2, (1, 3, 4))


def test_a_block_of_one_kernel_size_stores_its_weights_where_earlier_versions_did(
        tmp_path):
    # Keras saves a sublayer's weights under its attribute's name: files written
    # before blocks could run parallel convolutions keep theirs at ``conv``.
    import h5py

    stored = {}
    for kernel_size in (3, (3,), (2, 3)):
        model = keras.Sequential([keras.Input((None, 2)), MaskedConvBlock(4, kernel_size)])
        model.save_weights(tmp_path / "w.weights.h5")
        with h5py.File(tmp_path / "w.weights.h5") as f:
            names = []
            f.visit(names.append)
        stored[kernel_size] = sorted(n for n in names if n.endswith("/vars/0"))
    assert stored[3] == stored[(3,)] == ["layers/masked_conv_block/conv/vars/0",
                                         "layers/masked_conv_block/norm/vars/0"]
    assert len(stored[(2, 3)]) == 3
    assert MaskedConvBlock(4, (3,)).kernel_size == 3
    with pytest.raises(ValueError, match="non-empty tuple"):
        MaskedConvBlock(4, ())


@pytest.mark.parametrize("downsampling", ["stride", "average"])
def test_conv_block_with_several_kernel_sizes_ignores_the_padding(downsampling):
    block = MaskedConvBlock(4, (2, 5), stride=2, downsampling=downsampling)
    X = padded_batch()
    lengths = (X != PAD).any(axis=2).sum(axis=1)
    mask = X[:, :, 0] != PAD
    block.build(X.shape)
    out = keras.ops.convert_to_numpy(block(X, mask=mask, training=False))
    for i, n in enumerate(lengths):
        alone = keras.ops.convert_to_numpy(block(X[i:i + 1, :n], training=False))
        np.testing.assert_allclose(out[i, :alone.shape[1]], alone[0], rtol=0, atol=1e-6)
        assert (out[i, alone.shape[1]:] == 0).all()


def test_sequence_length_standardises_the_log_of_the_unmasked_steps():
    X = padded_batch()  # 4, 7, 1 and 7 valid steps
    masked = keras.layers.Masking(mask_value=PAD)
    inputs = keras.Input((None, 2))
    model = keras.Model(inputs, SequenceLength(mean=1.0, scale=0.5)(masked(inputs)))
    expected = (np.log([4, 7, 1, 7]) - 1.0) / 0.5
    np.testing.assert_allclose(model.predict_on_batch(X)[:, 0], expected, rtol=1e-6)
    unmasked = keras.Model(inputs, SequenceLength()(inputs))
    np.testing.assert_allclose(unmasked.predict_on_batch(X)[:, 0], np.log([7] * 4),
                               rtol=1e-6)


def test_sequence_length_round_trips_through_its_config():
    clone = SequenceLength.from_config(SequenceLength(2.5, 0.25, name="n").get_config())
    assert (clone.mean, clone.scale, clone.name) == (2.5, 0.25, "n")


def test_network_with_length_scaling_gives_the_head_the_length():
    meta = dict(n_features=2, n_outputs=3, vocab_size=None, mask_value=PAD,
                length_scaling=(1.5, 0.5))
    model = build_network(dict(NETWORK), meta)
    length = model.get_layer("sequence_length")
    assert (length.mean, length.scale) == (1.5, 0.5)
    head = model.get_layer("probabilities")
    assert head.kernel.shape == (NETWORK["units"] + 1, 3)
    # Zero weights everywhere but the length's row: the output is the length alone.
    for weights in model.weights:
        weights.assign(np.zeros(weights.shape))
    kernel = np.zeros((NETWORK["units"] + 1, 3))
    kernel[-1] = [1.0, 0.0, -1.0]
    head.kernel.assign(kernel)
    logits = (np.log([4, 7, 1, 7]) - 1.5) / 0.5
    expected = np.exp(np.outer(logits, [1, 0, -1]))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_on_batch(padded_batch()), expected, rtol=1e-5)
    assert "sequence_length" not in [
        layer.name for layer in build_network(dict(NETWORK), dict(meta, length_scaling=None))
        .layers]


def test_first_differences_appends_standardised_changes_zero_where_masked():
    X = padded_batch()
    inputs = keras.Input(shape=(None, 2))
    masked = keras.layers.Masking(mask_value=PAD)(inputs)
    mean, scale = [0.5, -1.0], [2.0, 4.0]
    model = keras.Model(inputs, FirstDifferences(mean, scale)(masked))
    out = model.predict_on_batch(X)
    assert out.shape == (4, 7, 4)
    valid = X[:, :, 0] != PAD
    np.testing.assert_allclose(out[:, :, :2][valid], X[valid])
    # The first step has no previous one: its change is taken as 0, then standardised.
    change = (np.diff(X, axis=1, prepend=X[:, :1]) - mean) / scale
    expected = np.where(valid[:, :, None], change, 0.0)
    np.testing.assert_allclose(out[:, :, 2:], expected, rtol=1e-5, atol=1e-6)
    layer = FirstDifferences(mean, scale)
    assert keras.ops.convert_to_numpy(
        layer.compute_mask(X, keras.ops.convert_to_tensor(valid))).tolist() == valid.tolist()
    clone = FirstDifferences.from_config(layer.get_config())
    assert (clone.mean, clone.scale) == (mean, scale)


def test_network_with_difference_scaling_reads_twice_the_features():
    meta = dict(n_features=2, n_outputs=3, vocab_size=None, mask_value=PAD,
                difference_scaling=([0.0, 0.0], [1.0, 2.0]))
    params = dict(NETWORK, conv_filters=4, conv_kernel_size=3)
    model = build_network(params, meta)
    assert model.get_layer("first_differences").scale == [1.0, 2.0]
    assert model.get_layer("conv_block_0").convs[0].kernel.shape == (3, 4, 4)
    assert "first_differences" not in [
        layer.name for layer in build_network(
            params, dict(meta, difference_scaling=None)).layers]


def test_conv_shortcut_gives_the_head_the_front_ends_masked_mean():
    params = dict(NETWORK, conv_filters=(4, 6), conv_kernel_size=3, conv_stride=(2, 1),
                  conv_shortcut=True)
    meta = dict(n_features=2, n_outputs=3, vocab_size=None, mask_value=PAD)
    model = build_network(params, meta)
    assert model.get_layer("probabilities").kernel.shape == (NETWORK["units"] + 6, 3)
    mean = keras.Model(model.inputs, model.get_layer("front_end_mean").output)
    features = keras.Model(model.inputs, model.get_layer("conv_block_1").output)
    X = padded_batch()
    steps = -(-np.array([4, 7, 1, 7]) // 2)  # valid steps after the stride of 2
    out, every = mean.predict_on_batch(X), features.predict_on_batch(X)
    for i, n in enumerate(steps):
        np.testing.assert_allclose(out[i], every[i, :n].mean(axis=0), rtol=1e-5, atol=1e-6)
    no_front_end = build_network(dict(NETWORK, conv_shortcut=True), meta)
    assert "front_end_mean" not in [layer.name for layer in no_front_end.layers]


def test_network_with_a_front_end_has_one_block_per_entry():
    params = dict(NETWORK, conv_filters=(4, 6), conv_kernel_size=(3, 5), conv_stride=(2, 1))
    meta = dict(n_features=2, n_outputs=3, vocab_size=None, mask_value=None)
    model = build_network(params, meta)
    blocks = [layer for layer in model.layers if isinstance(layer, MaskedConvBlock)]
    assert [(b.filters, b.kernel_size, b.stride) for b in blocks] == [(4, 3, 2), (6, 5, 1)]
    features = keras.Model(model.inputs, blocks[-1].output)
    assert features.predict_on_batch(np.zeros((2, 11, 2), "float32")).shape == (2, 6, 6)
    assert model.predict_on_batch(np.zeros((2, 11, 2), "float32")).shape == (2, 3)


@pytest.mark.parametrize("params, message", [
    (dict(conv_filters=(4, 4), conv_kernel_size=(3, 3, 3)), "conv_kernel_size"),
    (dict(conv_filters=(4, 4, 4), conv_stride=(1, 2)), "conv_stride"),
    (dict(conv_filters=(4, 0)), "conv_filters"),
    (dict(conv_filters=()), "conv_filters"),
    (dict(conv_filters=(4, True)), "conv_filters"),
    (dict(conv_filters=4, conv_kernel_size=2.5), "conv_kernel_size"),
    (dict(conv_filters=4, conv_kernel_size=((3, 0),)), "an entry may be a non-empty"),
    (dict(conv_filters=4, conv_kernel_size=((),)), "an entry may be a non-empty"),
    (dict(conv_filters=(4, 2), conv_kernel_size=[(3, 5, 7)]),
     r"conv_kernel_size=\[\(3, 5, 7\)\] gives a block of 2 filters 3 parallel"),
])
def test_conv_blocks_name_the_parameter_in_their_errors(params, message):
    with pytest.raises(ValueError, match=message):
        conv_blocks(**{"conv_filters": None, **params})


def test_conv_blocks_spread_an_int_over_every_block():
    assert conv_blocks(None) == []
    assert conv_blocks((8, 16), 3, (2, 1)) == [(8, 3, 2), (16, 3, 1)]
    assert conv_blocks(8) == [(8, 5, 1)]
    assert conv_blocks(8, (8, 5, 3), 2) == [(8, 8, 2), (8, 5, 2), (8, 3, 2)]
    assert conv_blocks((8, 6), ((3, 5), 2)) == [(8, (3, 5), 1), (6, 2, 1)]
    assert conv_blocks((8, 6), [[3, 5]]) == [(8, (3, 5), 1), (6, (3, 5), 1)]
    assert conv_blocks((8, 6), ((5,), [3])) == [(8, 5, 1), (6, 3, 1)]
    assert conv_blocks(8, ((3, 5), (4, 6), 2)) == [(8, (3, 5), 1), (8, (4, 6), 1),
                                                    (8, 2, 1)]
    with pytest.raises(ValueError, match=r"conv_stride=\(2, 1\) has 2 entries, but "
                                         r"conv_kernel_size=\(8, 5, 3\) makes 3"):
        conv_blocks(8, (8, 5, 3), (2, 1))


@pytest.mark.parametrize("n_blocks, long, short", [
    (1, (2,), (1,)), (2, (2, 1), (1, 1)), (3, (2, 2, 1), (1, 1, 1)),
    (4, (2, 2, 1, 1), (1, 1, 1, 1)),
])
def test_auto_stride_downsamples_long_series_only(n_blocks, long, short):
    assert auto_conv_stride(n_blocks, AUTO_STRIDE_MIN_STEPS) == long
    assert auto_conv_stride(n_blocks, AUTO_STRIDE_MIN_STEPS - 1) == short


def test_resolve_conv_stride_reads_the_median_training_length():
    lengths = [10, 20, 30, 500, 600]  # median 30: short
    assert resolve_conv_stride((4, 4, 4), 3, "auto", lengths) == (1, 1, 1)
    assert resolve_conv_stride((4, 4, 4), 3, "auto", [64] * 3) == (2, 2, 1)
    assert resolve_conv_stride(4, (3, 3), "auto", [300]) == (2, 1)
    assert resolve_conv_stride((4, 4), 3, 2, lengths) == (2, 2)
    assert resolve_conv_stride(None, 3, "auto", lengths) is None
