"""Low single-sequence latency on TensorFlow: XLA-compiled predict steps for the
batch shapes a model keeps seeing.

TensorFlow runs Keras' predict step through its graph executor, which walks an
LSTM's while loop op by op: 4-6 ms for one sequence of 100 steps on a 2-core
CPU, most of it executor overhead. The same step compiled with XLA takes about
1 ms, but compiling costs 0.5-1 s per input shape, which is why Keras leaves XLA
off on CPU-only machines.

So a batch shape is compiled only once it proves hot: on its ``HOT_CALLS``-th
call (batches of at most ``MAX_ROWS`` rows, at most ``MAX_SHAPES`` shapes per
model), a background thread compiles the step for it, and later calls with that
shape use the compiled step once it is ready. A one-off small prediction never
pays for a compilation, and a serving loop never waits for one. Compiled and
graph steps agree to float32 rounding (about 1e-7 in a probability).

Each shape gets its own compiled function, so compiling a new shape never stalls
the calls of shapes already compiled. The compiling thread is not a daemon: a
script that ends right after making a shape hot waits for that compilation (a
second or two) at exit, rather than have TensorFlow torn down under it.

Large calls get the same treatment at once (:func:`bulk_step`): a call of at
least ``BULK_MIN_CHUNKS`` full chunks of rows, or the second call of a chunk
shape, compiles the step for that chunk shape in the calling thread and runs
every chunk through it (the last one padded to full size): 10,000 sequences of
100 steps take about half the time of the graph step once compiled, and the
first such call, compilation included, costs about what the graph step does.

JAX compiles every predict step already; nothing here runs on other backends.
Set the environment variable ``SKLEARN_RNN_COMPILED_PREDICT=0`` to switch it off.
"""

import os
import threading

import keras
import numpy as np

HOT_CALLS = 5
MAX_ROWS = 64
MAX_SHAPES = 4
BULK_MIN_CHUNKS = 8
MAX_BULK_SHAPES = 4
ENV_SWITCH = "SKLEARN_RNN_COMPILED_PREDICT"
_STATE_ATTRIBUTE = "_sklearn_rnn_compiled_predict"


def enabled():
    """Whether hot shapes get compiled: TensorFlow backend, and not switched off."""
    if os.environ.get(ENV_SWITCH, "1").strip().lower() in ("0", "false", "off", "no"):
        return False
    return keras.backend.backend() == "tensorflow"


class _CompiledPredictState:
    """Per model: how often each batch shape was predicted, and its compilation."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = {}
        self.started = set()
        self.threads = []
        # Shape -> its own XLA-compiled twin of Keras' predict step. One function per
        # shape: tracing holds the function's lock, so a shared function would stall
        # every call of the compiled shapes while a new one is traced.
        self.ready = {}
        self.compiled_calls = 0
        # Chunk shape of large calls -> its compiled step (None: XLA failed on it).
        self.bulk = {}
        self.bulk_calls = {}


_STATE_CREATION = threading.Lock()


def _state(model):
    state = getattr(model, _STATE_ATTRIBUTE, None)
    if state is None:
        with _STATE_CREATION:
            state = getattr(model, _STATE_ATTRIBUTE, None)
            if state is None:
                state = _CompiledPredictState()
                object.__setattr__(model, _STATE_ATTRIBUTE, state)
    return state


def predict_batch(model, batch):
    """``model.predict_on_batch(batch)`` as a NumPy array, through the compiled step
    when ``batch``'s shape has one."""
    state = _state(model) if enabled() and len(batch) <= MAX_ROWS else None
    if state is not None:
        compiled = state.ready.get(batch.shape)
        if compiled is not None:
            state.compiled_calls += 1
            return np.asarray(compiled((batch,)))
        _count_call(model, state, batch)
    return np.asarray(model.predict_on_batch(batch))


def _count_call(model, state, batch):
    shape = batch.shape
    with state.lock:
        if shape in state.started or len(state.started) >= MAX_SHAPES:
            return  # also keeps the call counts from growing once the cap is reached
        calls = state.calls[shape] = state.calls.get(shape, 0) + 1
        if calls < HOT_CALLS:
            return
        state.started.add(shape)
        thread = threading.Thread(
            target=_compile, args=(state, _xla_predict_function(model), batch.copy()),
            name=f"sklearn_rnn compile predict {shape}",
        )
        state.threads.append(thread)
    thread.start()


def bulk_step(model, chunk, n_chunks):
    """The compiled predict step for large calls of ``chunk``'s shape, compiling it
    now when the call is large (``n_chunks`` full chunks) or the shape recurs; None
    when such a call stays on the graph step."""
    if not enabled():
        return None
    state = _state(model)
    shape = chunk.shape
    with state.lock:
        if shape in state.bulk:
            return state.bulk[shape]  # None while another call compiles it
        calls = state.bulk_calls[shape] = state.bulk_calls.get(shape, 0) + 1
        if len(state.bulk) >= MAX_BULK_SHAPES or (
                n_chunks < BULK_MIN_CHUNKS and calls < 2):
            return None
        state.bulk[shape] = None  # reserved: compiled below, outside the lock
    function = _xla_predict_function(model)
    try:
        function((chunk,))
    except Exception:  # an op XLA cannot compile: the graph step serves it
        return None
    state.bulk[shape] = function
    return function


def _xla_predict_function(model):
    """Keras' predict step for ``model``, compiled with XLA; ``model`` itself is
    left as it is (its ``predict_function`` stays on the graph executor)."""
    import tensorflow as tf

    return tf.function(model.predict_step, jit_compile=True)


def _compile(state, function, batch):
    try:
        function((batch,))  # traces, and XLA compiles this shape
    except Exception:  # an op XLA cannot compile: keep the graph step for this shape
        return
    state.ready[batch.shape] = function


def wait_for_compilations(model, timeout=None):
    """Block until the compilations started for ``model`` have finished; return the
    batch shapes that now run compiled."""
    state = getattr(model, _STATE_ATTRIBUTE, None)
    if state is None:
        return set()
    with state.lock:
        threads = list(state.threads)
    for thread in threads:
        thread.join(timeout)
    return set(state.ready)
