"""``jit_compile``: XLA-compiled train steps, where "auto" compiles, the fallback."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import ONE_DIRECTION, ordered_sequences

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn import _compilation as compilation
from sklearn_rnn.augmentation import SequenceAugmenter

on_tensorflow = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                   reason="jit_compile decisions are TensorFlow's")

TINY = dict(units=3, epochs=1, batch_size=16, random_state=0)
LONG_FIT = dict(cell_type="lstm", n_layers=1, bidirectional=False, masked=False,
                sequence_steps=10**7, n_shapes=2)


def ragged(n=24, seed=0):
    X, y = ordered_sequences(n_samples=n, n_timesteps=9, seed=seed)
    lengths = np.random.default_rng(seed).integers(3, 10, size=n)
    return [x[:length] for x, length in zip(X, lengths, strict=True)], y


@on_tensorflow
def test_auto_compiles_only_where_it_pays(monkeypatch):
    monkeypatch.setattr(compilation, "gpu_available", lambda: False)
    monkeypatch.setattr(compilation, "prefer_single_threaded_ops", lambda: 1)
    assert compilation.auto_declines(**LONG_FIT) == []
    assert compilation.auto_declines(**dict(LONG_FIT, cell_type="gru")) == []
    declined = {
        "SimpleRNN": dict(cell_type="simple_rnn"),
        "stacked": dict(n_layers=2),
        "directions": dict(bidirectional=True),
        "masked": dict(masked=True),
        "too short": dict(sequence_steps=10**5),
    }
    for reason, change in declined.items():
        reasons = compilation.auto_declines(**dict(LONG_FIT, **change))
        assert len(reasons) == 1 and reason in reasons[0], (change, reasons)
    monkeypatch.setattr(compilation, "prefer_single_threaded_ops", lambda: None)
    assert "intra-op" in compilation.auto_declines(**LONG_FIT)[0]
    monkeypatch.setattr(compilation, "gpu_available", lambda: True)
    assert "cuDNN" in compilation.auto_declines(**LONG_FIT)[0]


@pytest.fixture(scope="module")
def compiled_and_graph():
    """One tiny fit with ``jit_compile=True`` and one with False, for read-only tests."""
    X, y = ordered_sequences()
    return [RNNSequenceClassifier(jit_compile=jit, **TINY, **ONE_DIRECTION).fit(X, y)
            for jit in (True, False)]


@on_tensorflow
def test_jit_compile_true_false_and_auto_on_a_short_fit(compiled_and_graph, data3d):
    assert [clf.jit_compile_ for clf in compiled_and_graph] == [True, False]
    # 48 sequences of 8 steps: far too short to repay a compilation.
    assert RNNSequenceClassifier(**TINY, **ONE_DIRECTION).fit(*data3d).jit_compile_ is False


def test_bad_jit_compile_is_rejected(data3d):
    with pytest.raises(ValueError, match="jit_compile"):
        RNNSequenceClassifier(jit_compile="always", **TINY).fit(*data3d)


# Each cell type, pooling, network part and deterministic training option once: the
# LSTM and "last" pooling are compared with the graph in
# test_masked_input_trains_compiled_in_length_buckets, the random training options
# in test_random_training_options_work_compiled_and_are_reproducible.
NETWORK_OPTIONS = {
    "simple_rnn, two bidirectional layers, mean, dense, l2": dict(
        cell_type="simple_rnn", n_layers=2, bidirectional=True, pooling="mean",
        dense_units=4, l2=1e-3, conv_filters=None),
    "gru, convolutions, max, class weights, cyclic schedule": dict(
        cell_type="gru", bidirectional=False, pooling="max", class_weight="balanced",
        lr_schedule="triangular2"),
}


@on_tensorflow
@pytest.mark.parametrize("options", NETWORK_OPTIONS.values(), ids=NETWORK_OPTIONS.keys())
def test_compiled_and_graph_training_agree(options, data3d):
    X, y = data3d
    fits = [RNNSequenceClassifier(jit_compile=jit, **TINY, **options).fit(X, y)
            for jit in (True, False)]
    assert [f.jit_compile_ for f in fits] == [True, False]
    np.testing.assert_allclose(fits[0].history_["loss"], fits[1].history_["loss"],
                               rtol=1e-5)
    np.testing.assert_allclose(fits[0].predict_proba(X), fits[1].predict_proba(X),
                               rtol=0, atol=1e-5)


RANDOM_TRAINING_OPTIONS = dict(
    dropout=0.2, recurrent_dropout=0.2, spatial_dropout=0.1, lr_schedule="plateau",
    early_stopping=True, validation_fraction=0.25, epochs=2,
    augmentation=SequenceAugmenter(jitter=0.05, time_shift=1))
"""Dropouts, a plateau schedule, early stopping and augmentation: the training
options that draw random numbers or act between epochs."""


@on_tensorflow
def test_random_training_options_work_compiled_and_are_reproducible(data3d):
    X, y = data3d
    weights = np.linspace(0.5, 1.5, len(y))
    fits = [RNNSequenceClassifier(jit_compile=True, **dict(TINY, **RANDOM_TRAINING_OPTIONS),
                                  **ONE_DIRECTION).fit(X, y, sample_weight=weights)
            for _ in range(2)]
    assert fits[0].jit_compile_
    np.testing.assert_array_equal(fits[0].predict_proba(X), fits[1].predict_proba(X))


@on_tensorflow
@pytest.mark.parametrize("input_kind", ["ragged", "tokens"])
def test_masked_input_trains_compiled_in_length_buckets(input_kind):
    X, y = ragged()
    options = {}
    if input_kind == "tokens":
        X = [np.abs(np.round(x[:, 0] * 3)).astype(int) + 1 for x in X]
        options = dict(embedding_dim=3)
    fits = [RNNSequenceClassifier(jit_compile=jit, **TINY, **options, **ONE_DIRECTION)
            .fit(X, y) for jit in (True, False)]
    assert [f.jit_compile_ for f in fits] == [True, False]
    np.testing.assert_allclose(fits[0].predict_proba(X), fits[1].predict_proba(X),
                               rtol=0, atol=1e-5)


@on_tensorflow
def test_partial_fit_and_warm_start_continue_a_compiled_model(data3d):
    X, y = data3d
    clf = RNNSequenceClassifier(jit_compile=True, warm_start=True, **TINY, **ONE_DIRECTION)
    clf.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
    assert clf.jit_compile_ and clf.n_iter_ == 2
    model = clf.model_
    weights = [w.copy() for w in model.get_weights()]
    assert clf.fit(X, y).model_ is model and clf.jit_compile_
    assert any(not np.array_equal(a, b) for a, b in zip(weights, model.get_weights(),
                                                        strict=True))


@on_tensorflow
def test_network_xla_cannot_compile_falls_back_to_the_graph(monkeypatch, data3d,
                                                           compiled_and_graph):
    import tensorflow as tf

    from sklearn_rnn import _base

    def with_host_op(params, meta):
        model = build(params, meta)
        inputs = model.inputs[0]
        # numpy_function runs Python on the host: XLA cannot compile it.
        host = keras.layers.Lambda(lambda t: t + 0.0 * tf.ensure_shape(tf.numpy_function(
            lambda a: a, [t], tf.float32, stateful=False), t.shape))(model.outputs[0])
        return keras.Model(inputs, host)

    build = _base.build_network
    monkeypatch.setattr(_base, "build_network", with_host_op)
    X, y = data3d
    with pytest.warns(RuntimeWarning, match="XLA could not compile"):
        clf = RNNSequenceClassifier(jit_compile=True, **TINY, **ONE_DIRECTION).fit(X, y)
    assert clf.jit_compile_ is False and clf.n_iter_ == 1
    reference = compiled_and_graph[1]  # the same fit on the graph executor
    np.testing.assert_allclose(clf.predict_proba(X), reference.predict_proba(X), atol=1e-6)


@on_tensorflow
def test_a_compiled_fit_leaves_prediction_on_the_graph_executor(compiled_and_graph, data3d):
    X, _ = data3d
    clf = compiled_and_graph[0]
    assert clf.model_.jit_compile is False
    clf.predict_proba(X[:3])  # a new shape: traced, never compiled by XLA
    assert clf.model_.jit_compile is False


FIRST_FIT_IN_FORKED_CHILDREN = """
import os, sys
import numpy as np, tensorflow as tf
from sklearn_rnn import RNNSequenceClassifier

def first_fit_threads(environ, start_runtime):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a child: TensorFlow imported, its runtime not started yet
        try:
            os.environ.update(environ)
            if start_runtime:
                tf.constant(1) + 1
            RNNSequenceClassifier(units=2, epochs=1, bidirectional=False, pooling="last",
                                  conv_filters=None).fit(np.zeros((8, 3, 1)), [0, 1] * 4)
            os.write(write, str(tf.config.threading.get_intra_op_parallelism_threads())
                     .encode())
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            os._exit(0)
    os.close(write)
    threads = os.read(read, 16).decode() or "no answer"
    os.waitpid(pid, 0)
    return threads

print(first_fit_threads({}, False),
      first_fit_threads({"TF_NUM_INTRAOP_THREADS": "2"}, False),
      first_fit_threads({}, True))
"""


@on_tensorflow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="one forked child per first fit")
def test_first_fit_gives_tensorflow_one_intra_op_thread_unless_the_user_chose():
    # One new process imports TensorFlow once, then forks a child per first fit.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TF_NUM_") and k != "OMP_NUM_THREADS"}
    result = subprocess.run([sys.executable, "-c", FIRST_FIT_IN_FORKED_CHILDREN], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    # By default one thread; the user's choice wins: an environment variable (TF
    # reports env settings as 0), or a runtime already started.
    assert result.stdout.split()[-3:] == ["1", "0", "0"], result.stderr
