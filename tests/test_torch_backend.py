"""The PyTorch backend: the recurrent layers on PyTorch's fused kernels compute the
same function, with the same weights, as Keras' own loop and as the other backends.

Cross-backend tests build each network in this process, save its weights and
inputs, and run the same networks on the other backend (PyTorch from TensorFlow
or JAX; TensorFlow from PyTorch) in a subprocess: this file is the worker.

The module runs with ``KERAS_BACKEND=torch`` (CI's PyTorch job), or on any backend
with ``SKLEARN_RNN_TEST_TORCH=1``; the README's test command (TensorFlow) skips it.
"""

import contextlib
import importlib.util
import json
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

if __name__ != "__main__":
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed", allow_module_level=True)
    if (os.environ.get("KERAS_BACKEND") != "torch"
            and os.environ.get("SKLEARN_RNN_TEST_TORCH") != "1"):
        pytest.skip("runs with KERAS_BACKEND=torch (or SKLEARN_RNN_TEST_TORCH=1)",
                    allow_module_level=True)

import keras  # noqa: E402
from conftest import TINY_NETWORK  # noqa: E402

PAD_VALUE = -1e9
N_CLASSES = 3
BASE = {**TINY_NETWORK, "bidirectional": True}
CONV = {"conv_filters": (4, 4), "conv_kernel_size": (5, 3), "conv_stride": (2, 1)}

# name: (network params, input kind, pool inside the loop)
CASES = {
    "lstm_bi_max_conv_ragged": ({**CONV}, "ragged", True),
    "lstm_bi_max_conv_dense": ({**CONV}, "dense", True),
    "lstm_bi_max_layer_ragged": ({}, "ragged", False),
    "gru_bi_mean_conv_ragged": ({"cell_type": "gru", "pooling": "mean", **CONV},
                                "ragged", True),
    "lstm_bi_last_conv_dense": ({"pooling": "last", **CONV}, "dense", True),
    "gru_uni_last_dense": ({"cell_type": "gru", "pooling": "last",
                            "bidirectional": False}, "dense", True),
    "simple_rnn_bi_last_ragged": ({"cell_type": "simple_rnn", "pooling": "last"},
                                  "ragged", True),
    "simple_rnn_stacked_mean_ragged": ({"cell_type": "simple_rnn", "n_layers": 2,
                                        "pooling": "mean"}, "ragged", True),
    "lstm_stacked_last_tokens": ({"n_layers": 2, "pooling": "last",
                                  "embedding_dim": 4}, "tokens", True),
    "gru_bi_max_conv_tokens": ({"cell_type": "gru", "embedding_dim": 4, **CONV},
                               "tokens", True),
    "lstm_bi_mean_layer_tokens": ({"pooling": "mean", "embedding_dim": 4},
                                  "tokens", False),
}


def case_inputs(kind, seed=0):
    """Five sequences of 1-11 steps: ragged floats padded with PAD_VALUE after
    them, dense floats, or token ids with 0 after them."""
    rng = np.random.default_rng(seed)
    lengths = [11, 7, 1, 4, 10]
    if kind == "tokens":
        x = np.zeros((5, 11), dtype="int32")
        for i, n in enumerate(lengths):
            x[i, :n] = rng.integers(1, 9, size=n)
        return x
    x = rng.normal(size=(5, 11, 2)).astype("float32")
    if kind == "ragged":
        for i, n in enumerate(lengths):
            x[i, n:] = PAD_VALUE
    return x


def build(name):
    from sklearn_rnn._network import build_network

    params, kind, pool_in_loop = CASES[name]
    meta = {"n_features": 2, "n_outputs": N_CLASSES, "vocab_size": 9,
            "mask_value": PAD_VALUE if kind == "ragged" else None,
            "pool_in_loop": pool_in_loop}
    return build_network({**BASE, **params}, meta)


def labels(n):
    return keras.utils.to_categorical(np.arange(n) % N_CLASSES, N_CLASSES)


def loss_gradients(model, x):
    """The gradients of the cross-entropy of a training-mode forward pass (batch
    statistics) with respect to the trainable weights, as NumPy arrays."""
    y = labels(len(x))
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = keras.ops.mean(keras.losses.categorical_crossentropy(
                y, model(x, training=True)))
        grads = tape.gradient(loss, model.trainable_variables)
    elif backend == "torch":
        import torch

        loss = keras.ops.mean(keras.losses.categorical_crossentropy(
            y, model(x, training=True)))
        grads = torch.autograd.grad(loss, [v.value for v in model.trainable_variables])
    else:
        return None
    return [keras.ops.convert_to_numpy(g) for g in grads]


def run_cases(directory, names):
    """Load each case's weights and inputs from ``directory``, and write its
    predictions and gradients there (``<name>.<backend>.npz``)."""
    backend = keras.backend.backend()
    with fused_runs_recorded() as fused_runs:
        for name in names:
            run_case(directory, name, backend, fused_runs)


def run_case(directory, name, backend, fused_runs):
    saved = np.load(os.path.join(directory, f"{name}.inputs.npz"))
    model = build(name)
    model.set_weights([saved[f"w{i}"] for i in range(len(model.weights))])
    x = saved["x"]
    fused_runs.clear()
    out = {"predictions": keras.ops.convert_to_numpy(model(x, training=False))}
    grads = loss_gradients(model, x)
    if grads is not None:
        out.update({f"g{i}": g for i, g in enumerate(grads)})
        # After the training-mode pass: the moving statistics it updated.
        moving = [v for v in model.non_trainable_variables if "moving" in v.path]
        out.update({f"s{i}": keras.ops.convert_to_numpy(v)
                    for i, v in enumerate(moving)})
    out["fused_runs"] = np.array(fused_runs, dtype=bool)
    np.savez(os.path.join(directory, f"{name}.{backend}.npz"), **out)


@contextlib.contextmanager
def fused_runs_recorded():
    """A list that records, for each recurrent layer call on the PyTorch
    backend, whether it ran on the fused kernel."""
    runs = []
    if keras.backend.backend() != "torch":
        yield runs
        return
    from sklearn_rnn import _torch_backend

    fused = _torch_backend.fused_inner_loop

    def recorded(*args, **kwargs):
        result = fused(*args, **kwargs)
        runs.append(result is not None)
        return result

    _torch_backend.fused_inner_loop = recorded
    try:
        yield runs
    finally:
        _torch_backend.fused_inner_loop = fused


def other_backend():
    return "tensorflow" if keras.backend.backend() == "torch" else "torch"


def run_worker(backend, *args):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, __file__, *args], env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def shifted_statistics(path, value, seed):
    noise = np.random.default_rng(seed).random(value.shape).astype(value.dtype)
    if path.endswith("moving_mean"):
        return value - 0.1 * noise
    if path.endswith("moving_variance"):
        return value * (0.5 + noise)
    return value


@pytest.fixture(scope="module")
def cross_backend(tmp_path_factory):
    """Every case on this backend and on the other one, from the same weights."""
    directory = str(tmp_path_factory.mktemp("cross_backend"))
    keras.utils.set_random_seed(0)
    for name, (_, kind, _) in CASES.items():
        model = build(name)
        x = case_inputs(kind)
        # Batch-normalisation statistics other than the initial ones, so that
        # they are checked too (a mean below zero keeps the ReLUs open).
        weights = [shifted_statistics(v.path, w, seed=i) for i, (v, w) in enumerate(
            zip(model.weights, model.get_weights(), strict=True))]
        model.set_weights(weights)
        np.savez(os.path.join(directory, f"{name}.inputs.npz"), x=x,
                 **{f"w{i}": w for i, w in enumerate(weights)})
    run_cases(directory, list(CASES))
    run_worker(other_backend(), "cases", directory, *CASES)
    return directory


@pytest.mark.parametrize("name", list(CASES))
def test_same_predictions_on_both_backends(cross_backend, name):
    here = np.load(os.path.join(cross_backend, f"{name}.{keras.backend.backend()}.npz"))
    there = np.load(os.path.join(cross_backend, f"{name}.{other_backend()}.npz"))
    np.testing.assert_allclose(here["predictions"], there["predictions"],
                               rtol=1e-5, atol=1e-6)
    assert np.ptp(here["predictions"], axis=0).max() > 1e-3  # inputs tell apart
    on_torch = here if keras.backend.backend() == "torch" else there
    assert on_torch["fused_runs"].size and on_torch["fused_runs"].all()


@pytest.mark.parametrize("name", list(CASES))
def test_same_gradients_on_both_backends(cross_backend, name):
    here = np.load(os.path.join(cross_backend, f"{name}.{keras.backend.backend()}.npz"))
    there = np.load(os.path.join(cross_backend, f"{name}.{other_backend()}.npz"))
    if "g0" not in here.files or "g0" not in there.files:
        pytest.skip("gradients are compared between TensorFlow and PyTorch")
    n = len([f for f in here.files if f.startswith("g")])
    assert n == len([f for f in there.files if f.startswith("g")])
    for i in range(n):
        scale = max(np.abs(here[f"g{i}"]).max(), 1e-3)
        np.testing.assert_allclose(here[f"g{i}"], there[f"g{i}"], rtol=1e-4,
                                   atol=1e-5 * scale, err_msg=f"gradient {i}")
    assert any(np.abs(here[f"g{i}"]).max() > 0 for i in range(n))
    for i in range(len([f for f in here.files if f.startswith("s")])):
        np.testing.assert_allclose(here[f"s{i}"], there[f"s{i}"], rtol=1e-5,
                                   atol=1e-6, err_msg=f"moving statistic {i}")


def test_fitted_estimator_predicts_the_same_on_the_other_backend(tmp_path):
    """A classifier fitted here, with the convolutional front-end on
    variable-length input, unpickled on the other backend."""
    from sklearn_rnn import RNNSequenceClassifier

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)).astype("float32") for n in rng.integers(6, 20, 24)]
    y = np.arange(24) % 2
    clf = RNNSequenceClassifier(units=3, conv_filters=(4, 4), conv_kernel_size=(5, 3),
                                conv_stride=(2, 1), epochs=1, batch_size=8,
                                random_state=0).fit(X, y)
    with open(tmp_path / "clf.pkl", "wb") as f:
        pickle.dump((clf, X), f)
    there = json.loads(run_worker(other_backend(), "estimator", str(tmp_path / "clf.pkl")))
    np.testing.assert_allclose(clf.predict_proba(X), np.array(there), rtol=1e-5,
                               atol=1e-6)


# ------------------------------------------------ on the PyTorch backend itself
on_torch = pytest.mark.skipif(keras.backend.backend() != "torch",
                              reason="the fused kernels run on the PyTorch backend")


def keras_loop_outputs(monkeypatch, layer, x, mask=None, training=False):
    from sklearn_rnn import _torch_backend

    with monkeypatch.context() as patch:
        patch.setattr(_torch_backend, "fused_inner_loop", lambda *args, **kw: None)
        return layer(x, mask=mask, training=training)


@on_torch
@pytest.mark.parametrize("cell", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_fused_sequences_equal_keras_loop(monkeypatch, cell, go_backwards,
                                          zero_output_for_mask):
    """Output sequences, padded steps included, and the final states."""
    import torch

    from sklearn_rnn import _layers

    layer = getattr(_layers, cell)(3, return_sequences=True, return_state=True,
                                   go_backwards=go_backwards,
                                   zero_output_for_mask=zero_output_for_mask)
    x = torch.from_numpy(case_inputs("dense"))
    mask = torch.from_numpy(np.arange(11)[None, :] < np.array([[11], [7], [1], [4], [10]]))
    fused = layer(x, mask=mask)
    loop = keras_loop_outputs(monkeypatch, layer, x, mask=mask)
    assert len(fused) == len(loop)
    for a, b in zip(fused, loop, strict=True):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(a),
                                   keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)


@on_torch
@pytest.mark.parametrize("pool", ["max", "mean"])
def test_fused_pool_and_its_gradient_equal_keras_loop(monkeypatch, pool):
    import torch

    from sklearn_rnn._layers import PooledGRU

    layer = PooledGRU(3, pool=pool, go_backwards=True)
    x = torch.from_numpy(case_inputs("dense"))
    mask = torch.from_numpy(np.arange(11)[None, :] < np.array([[11], [7], [1], [4], [10]]))
    results = []
    for run in (lambda: layer(x, mask=mask),
                lambda: keras_loop_outputs(monkeypatch, layer, x, mask=mask)):
        out = run()
        grads = torch.autograd.grad((out ** 2).sum(),
                                    [v.value for v in layer.trainable_variables])
        results.append([out.detach().numpy()] + [g.numpy() for g in grads])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@on_torch
@pytest.mark.parametrize("kernel_size", [5, (2, 5)])
@pytest.mark.parametrize("downsampling", ["stride", "average"])
@pytest.mark.parametrize("training", [True, False])
def test_conv_block_equals_keras_layers(monkeypatch, training, downsampling, kernel_size):
    """Outputs, gradients and moving statistics of the channels-first block on a
    masked batch, against the block through Keras' own layers."""
    import torch

    from sklearn_rnn import _torch_backend
    from sklearn_rnn._layers import MaskedConvBlock

    x = torch.from_numpy(case_inputs("dense")).requires_grad_()
    mask = torch.from_numpy(np.arange(11)[None, :] < np.array([[11], [7], [1], [4], [10]]))
    block = MaskedConvBlock(4, kernel_size, stride=3, downsampling=downsampling)
    block.build(x.shape)
    start = [v.numpy().copy() for v in block.weights]
    results = []
    for fused in (True, False):
        for variable, value in zip(block.weights, start, strict=True):
            variable.assign(value)
        with monkeypatch.context() as patch:
            if not fused:
                patch.setattr(_torch_backend, "conv_block", lambda *args: None)
            else:
                assert _torch_backend.conv_block(block, x, mask, training) is not None
                for variable, value in zip(block.weights, start, strict=True):
                    variable.assign(value)
            out = block(x, mask=mask, training=training)
        grads = torch.autograd.grad((out ** 2).sum(), [x] + [
            v.value for v in block.trainable_variables])
        results.append([out.detach().numpy()] + [g.numpy() for g in grads]
                       + [v.numpy().copy() for v in block.non_trainable_variables])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@on_torch
def test_options_the_fused_kernel_cannot_run_fall_back():
    from sklearn_rnn._layers import GRU, LSTM, SimpleRNN
    from sklearn_rnn._torch_backend import fallback_reason, fused_inner_loop

    assert fallback_reason(LSTM(2)) is None
    assert "recurrent_dropout" in fallback_reason(LSTM(2, recurrent_dropout=0.1))
    assert "activation" in fallback_reason(GRU(2, activation="relu"))
    assert "reset_after" in fallback_reason(GRU(2, reset_after=False))
    assert "SimpleRNN" in fallback_reason(SimpleRNN(2, activation="sigmoid"))
    # A masked step between valid ones: Keras' loop skips it, packing cannot.
    layer = LSTM(2)
    x = keras.ops.ones((2, 4, 1))
    layer.build(x.shape)
    gap = keras.ops.convert_to_tensor(np.array([[1, 0, 1, 0], [1, 1, 1, 1]], bool))
    assert fused_inner_loop(layer, x, [keras.ops.zeros((2, 2))] * 2, gap) is None
    assert layer(x, mask=gap).shape == (2, 2)


@on_torch
def test_auto_does_not_compile_on_torch():
    from sklearn_rnn._compilation import resolve_jit_compile

    description = dict(cell_type="lstm", n_layers=1, bidirectional=False,
                       masked=False, sequence_steps=10**9, n_shapes=1)
    assert resolve_jit_compile("auto", **description) is False
    assert resolve_jit_compile(True, **description) is True


@on_torch
def test_jit_compile_true_falls_back_where_torch_compile_fails():
    # torch.compile failed on the fused LSTM kernel of equal-length batches
    # (torch 2.13: "expected Tensor() for op: aten.mkldnn_rnn_layer"), and fit
    # raised where the docstring promises a fallback.
    from sklearn_rnn import RNNSequenceClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 10, 2)).astype("float32"), np.arange(12) % 2
    clf = RNNSequenceClassifier(units=4, conv_filters=None, epochs=1, random_state=0,
                                batch_size=12, jit_compile=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    assert clf.predict_proba(X).shape == (12, 2)
    if not clf.jit_compile_:  # fell back: said so
        assert any("torch.compile could not compile" in str(w.message) for w in caught)


def _main(argv):
    if argv[0] == "cases":
        run_cases(argv[1], argv[2:])
    elif argv[0] == "estimator":
        with open(argv[1], "rb") as f:
            clf, X = pickle.load(f)
        print(json.dumps(clf.predict_proba(X).tolist()))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    _main(sys.argv[1:])
