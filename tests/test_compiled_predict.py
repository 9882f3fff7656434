"""XLA-compiled predict steps for recurring small batch shapes (TensorFlow only)."""

import gc
import threading
import weakref

import keras
import numpy as np
import pytest
from conftest import ONE_DIRECTION, ordered_sequences

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn import _compiled_predict as compiled
from sklearn_rnn._compiled_predict import HOT_CALLS, MAX_ROWS, MAX_SHAPES, wait_for_compilations

on_tensorflow = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                   reason="JAX compiles every predict step itself")


@pytest.fixture(autouse=True)
def compiled_predict_on(monkeypatch):
    monkeypatch.delenv(compiled.ENV_SWITCH, raising=False)


@pytest.fixture(scope="module")
def clf():
    X, y = ordered_sequences(n_samples=80)
    return RNNSequenceClassifier(units=3, epochs=1, random_state=0, **ONE_DIRECTION).fit(X, y)


@pytest.fixture(scope="module")
def small_clf():
    X, y = ordered_sequences(n_samples=24, n_timesteps=5)
    return RNNSequenceClassifier(units=2, epochs=1, random_state=0,
                                 **ONE_DIRECTION).fit(X, y), X, y


@pytest.fixture
def fresh_clf(small_clf):
    """The module's small classifier without compiled predict steps: for the tests
    that count compilations or train further."""
    model_clf, X, y = small_clf
    if state(model_clf.model_) is not None:
        object.__delattr__(model_clf.model_, compiled._STATE_ATTRIBUTE)
    return model_clf, X, y


def state(model):
    return getattr(model, compiled._STATE_ATTRIBUTE, None)


def call(estimator, x, times):
    return [estimator.predict_proba(x) for _ in range(times)]


@on_tensorflow
def test_a_recurring_shape_is_compiled_and_agrees_with_the_graph_step(clf):
    x = ordered_sequences(n_samples=2, seed=5)[0]
    graph = call(clf, x, HOT_CALLS)[0]
    assert wait_for_compilations(clf.model_, timeout=120) >= {x.shape}
    served_before = state(clf.model_).compiled_calls
    proba = clf.predict_proba(x)
    assert state(clf.model_).compiled_calls == served_before + 1
    np.testing.assert_allclose(proba, graph, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(clf.predict(x), clf.classes_[graph.argmax(axis=1)])
    # The model's own predict function is untouched: still the graph executor's.
    assert not clf.model_.jit_compile


@on_tensorflow
def test_compiling_a_new_shape_does_not_stall_a_compiled_one(fresh_clf, monkeypatch):
    model_clf, X, _ = fresh_clf
    call(model_clf, X[:1], HOT_CALLS)
    assert wait_for_compilations(model_clf.model_, timeout=120) == {X[:1].shape}

    # The next shape's compilation hangs while tracing (which holds its function's
    # lock) until released.
    release, layer = threading.Event(), model_clf.model_.layers[-1]
    layer_call = layer.call

    def blocked_call(*args, **kwargs):
        if threading.current_thread().name.startswith("sklearn_rnn compile"):
            release.wait(120)
        return layer_call(*args, **kwargs)

    monkeypatch.setattr(layer, "call", blocked_call)
    call(model_clf, X[:2], HOT_CALLS)
    served = []
    caller = threading.Thread(target=lambda: served.append(model_clf.predict_proba(X[:1])))
    caller.start()
    caller.join(60)
    release.set()
    assert served, "a compiled shape waited for another shape's compilation"
    assert wait_for_compilations(model_clf.model_, timeout=120) == {X[:1].shape, X[:2].shape}


@on_tensorflow
def test_compiled_step_follows_further_training(fresh_clf, monkeypatch):
    model_clf, X, y = fresh_clf
    before = call(model_clf, X[:1], HOT_CALLS)[0]
    wait_for_compilations(model_clf.model_, timeout=120)
    model_clf.partial_fit(X, y)
    served_before = state(model_clf.model_).compiled_calls
    after = model_clf.predict_proba(X[:1])
    assert state(model_clf.model_).compiled_calls == served_before + 1
    assert np.abs(after - before).max() > 1e-6
    monkeypatch.setenv(compiled.ENV_SWITCH, "0")
    np.testing.assert_allclose(after, model_clf.predict_proba(X[:1]), atol=1e-6)


@on_tensorflow
def test_one_off_shapes_and_large_batches_are_not_compiled(clf):
    small = ordered_sequences(n_samples=3, seed=1)[0]
    large = ordered_sequences(n_samples=MAX_ROWS + 1, seed=2)[0]
    call(clf, small, HOT_CALLS - 1)
    call(clf, large, HOT_CALLS + 1)
    started = state(clf.model_).started
    assert small.shape not in started and large.shape not in started


@on_tensorflow
def test_at_most_max_shapes_per_model(fresh_clf):
    model_clf, X, _ = fresh_clf
    for rows in range(1, MAX_SHAPES + 3):
        call(model_clf, X[:rows], HOT_CALLS)
    assert len(wait_for_compilations(model_clf.model_, timeout=120)) == MAX_SHAPES
    assert len(state(model_clf.model_).started) == MAX_SHAPES


@on_tensorflow
def test_variable_length_and_token_input_compile_with_their_masks():
    rng = np.random.default_rng(0)
    tokens = [rng.integers(1, 9, size=n) for n in (3, 6, 4, 6, 5, 2, 6, 3)]
    y = np.arange(len(tokens)) % 2
    token_clf = RNNSequenceClassifier(embedding_dim=3, units=2, epochs=1,
                                      **ONE_DIRECTION).fit(tokens, y)
    graph = call(token_clf, tokens[:3], HOT_CALLS)[0]
    assert len(wait_for_compilations(token_clf.model_, timeout=120)) == 1
    np.testing.assert_allclose(token_clf.predict_proba(tokens[:3]), graph, atol=1e-6)
    assert state(token_clf.model_).compiled_calls == 1


@on_tensorflow
def test_switched_off_by_the_environment(clf, monkeypatch):
    monkeypatch.setenv(compiled.ENV_SWITCH, "0")
    x = ordered_sequences(n_samples=5, seed=3)[0]
    call(clf, x, HOT_CALLS + 1)
    # No other test may have called this module's model yet (pytest-xdist).
    assert state(clf.model_) is None or x.shape not in state(clf.model_).calls


@on_tensorflow
def test_compiled_graphs_are_freed_with_their_model():
    X, y = ordered_sequences(n_samples=16)
    clf = RNNSequenceClassifier(units=2, epochs=1, random_state=0, **ONE_DIRECTION).fit(X, y)
    call(clf, X[:1], HOT_CALLS)
    assert wait_for_compilations(clf.model_, timeout=120) == {X[:1].shape}
    # Weak references to the compiled step's graph (cached: nothing is traced again),
    # rather than a scan of every object in the process.
    graphs = [weakref.ref(function.get_concrete_function((X[:1],)).graph)
              for function in state(clf.model_).ready.values()]
    assert graphs[0]().name == "predict_step"
    del clf
    gc.collect()
    assert [graph() for graph in graphs] == [None]


@on_tensorflow
def test_pickled_estimator_serves_again(clf):
    import pickle

    x = ordered_sequences(n_samples=4, seed=7)[0]
    expected = call(clf, x, HOT_CALLS)[-1]
    wait_for_compilations(clf.model_, timeout=120)
    restored = pickle.loads(pickle.dumps(clf))
    assert state(restored.model_) is None
    np.testing.assert_allclose(call(restored, x, HOT_CALLS + 1)[-1], expected, atol=1e-6)


@on_tensorflow
def test_large_calls_compile_their_chunk_shape_at_once(clf, monkeypatch):
    from sklearn_rnn._scikeras_fixes import predict_on_batches

    chunk = 16
    X = ordered_sequences(n_samples=compiled.BULK_MIN_CHUNKS * chunk + 5, seed=8)[0]
    monkeypatch.setenv(compiled.ENV_SWITCH, "0")
    graph = predict_on_batches(clf.model_, X, batch_size=chunk)
    monkeypatch.delenv(compiled.ENV_SWITCH)
    proba = predict_on_batches(clf.model_, X, batch_size=chunk)
    bulk = state(clf.model_).bulk
    assert bulk.get((chunk, *X.shape[1:])) is not None  # compiled in this call
    np.testing.assert_allclose(proba, graph, rtol=0, atol=1e-6)  # the padded last chunk too

    # A call of two chunks is compiled only when its shape comes back.
    Y = ordered_sequences(n_samples=2 * chunk, n_timesteps=6, seed=9)[0]
    predict_on_batches(clf.model_, Y, batch_size=chunk)
    assert (chunk, *Y.shape[1:]) not in bulk
    predict_on_batches(clf.model_, Y, batch_size=chunk)
    assert bulk.get((chunk, *Y.shape[1:])) is not None
