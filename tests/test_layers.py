"""Recurrent layers that pool over time inside their loop (``_layers``)."""

import keras
import numpy as np
import pytest

from sklearn_rnn._layers import PooledLSTM
from sklearn_rnn._network import build_network

NETWORK = dict(cell_type="lstm", units=3, n_layers=1, bidirectional=False, pooling="max",
               dense_units=None, dropout=0.0, recurrent_dropout=0.0, spatial_dropout=0.0,
               l2=0.0, embedding_dim=None, embedding_l2=0.0)
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
    meta = dict(n_features=2, n_classes=3, vocab_size=None, mask_value=mask_value)
    separate = build_network(params, dict(meta, pool_in_loop=False))
    in_loop = build_network(params, dict(meta, pool_in_loop=True))
    assert not any(isinstance(layer, keras.layers.GlobalAveragePooling1D)
                   for layer in in_loop.layers)
    in_loop.set_weights(separate.get_weights())  # the same weights, in the same order
    X = padded_batch() if mask_value is not None else padded_batch().clip(-5, 5)
    np.testing.assert_allclose(in_loop.predict_on_batch(X), separate.predict_on_batch(X),
                               rtol=0, atol=1e-6)


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
