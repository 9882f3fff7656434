"""Workarounds for three TensorFlow-backend defects: graphs traced for a discarded
model are never freed, every fit traces its train step twice, and a seeded fit
shuffles arrays into the same batches every epoch.

**Graphs never freed.**

``tf.function`` releases each traced ``ConcreteFunction``'s claim on its
``FuncGraph`` (``_garbage_collector.release()`` in ``tracing_compilation``), so the
graph is left to Python's garbage collector. But a ``FuncGraph`` and its
operations reference each other through TensorFlow's C++ graph, which the
collector cannot see, so the cycle is never collected. With it stay the nested
graphs of every ``tf.cond`` / ``tf.while_loop`` (an LSTM is a while loop, every
optimizer slot a cond) and the functions they registered in the eager context.
Each Keras ``fit`` traces a new train step, so a grid search grows by ~10 MB per
fit (TensorFlow 2.21, Keras 3.15; plain Keras and scikeras alike; reported
upstream as tensorflow/tensorflow#61791 and keras-team/keras#17458, where
``clear_session`` is known not to help).

:func:`release_graphs_with_model` hands every graph traced so far for a model
back to its ``ConcreteFunction``, together with the graphs nested in it, so
that they are dismantled (TensorFlow's own ``dismantle_func_graph``) when the
function dies, i.e. when the model and its train/predict functions are dropped.
Nothing changes while the model is alive. ``tests/test_tensorflow_fixes.py``
shows the defect and the fix.

**The train step traced twice.** Keras builds a compiled model's loss and metric
containers lazily, inside the first call of the train step, and they create
variables there. A ``tf.function`` that creates variables on its first trace is
traced a second time (TensorFlow's rule for variable creation), so every fit
paid for tracing the whole forward pass, its gradient and the optimizer update
twice: about a second of a one-epoch fit of the default network (TensorFlow 2.21,
Keras 3.15). :func:`build_loss_and_metrics` builds them before the fit, from one
target row and the model's output shape; the train step is then traced once and
computes the same thing.

**The same batches every epoch.** After ``keras.utils.set_random_seed`` (which
the estimators call for ``random_state``), ``model.fit(x, y, shuffle=True)`` on
arrays draws one shuffled order and repeats it at every epoch (TensorFlow 2.21,
Keras 3.15; JAX and PyTorch draw a new order each epoch). Each batch is then the
same set of sequences every epoch, and batch normalisation lets a network learn
those sets: on ACSF1 without augmentation, training accuracy in ``fit`` reached
1.0 while the trained network classified 0.84 of the same training series.
:func:`fit_reshuffles_arrays` says whether Keras can be trusted to shuffle; when
it cannot, the estimators draw their own batches every epoch
(:class:`~._training.SequenceBatches`).
"""

import types

import keras

_MODEL_FUNCTIONS = ("train_function", "test_function", "predict_function")
# Set on each tf.function: its tracing count when its graphs were last handed over.
_HANDED_OVER = "_sklearn_rnn_graphs_handed_over_at"
_NESTED_GRAPH_ATTRIBUTES = ("_true_graph", "_false_graph", "_cond_graph", "_body_graph")


class _GraphDismantler:
    """Stands in for ``ConcreteFunctionGarbageCollector``: when the concrete
    function dies, dismantle its graph and every control-flow graph nested in it."""

    __slots__ = ["_func_graph"]

    def __init__(self, func_graph):
        self._func_graph = func_graph

    def release(self):
        self._func_graph = None

    def __del__(self):
        if self._func_graph is None:
            return
        try:
            from tensorflow.python.framework.func_graph import dismantle_func_graph

            for graph in reversed(_graph_and_nested(self._func_graph)):
                dismantle_func_graph(graph)
        except Exception:  # interpreter shutdown; TensorFlow swallows these too
            pass


def _graph_and_nested(graph):
    graphs, seen, stack = [], set(), [graph]
    while stack:
        graph = stack.pop()
        if id(graph) in seen:
            continue
        seen.add(id(graph))
        graphs.append(graph)
        for op in graph.get_operations():
            for name in _NESTED_GRAPH_ATTRIBUTES:
                nested = getattr(op, name, None)
                if nested is not None:
                    stack.append(nested)
    return graphs


def _tf_functions(fn, seen):
    """The ``tf.function`` objects in ``fn`` and the closures it calls."""
    from tensorflow.python.eager.polymorphic_function.polymorphic_function import Function

    if id(fn) in seen:
        return
    seen.add(id(fn))
    if isinstance(fn, Function):
        yield fn
        fn = fn._python_function
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is not None:
        yield from _tf_functions(wrapped, seen)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            contents = cell.cell_contents
        except ValueError:  # empty cell
            continue
        if isinstance(contents, (types.FunctionType, Function)):
            yield from _tf_functions(contents, seen)


def _concrete_functions(function):
    yield from function._list_all_concrete_functions()
    first_trace = getattr(function, "_concrete_variable_creation_fn", None)
    if first_trace is not None:
        yield first_trace


def release_graphs_with_model(model, functions=_MODEL_FUNCTIONS):
    """Let the graphs traced for ``model`` so far be freed with it (TensorFlow only).

    Call after anything that may trace (``fit``, ``predict_on_batch``), naming the
    model's ``functions`` it used; calling again is cheap (tens of microseconds)
    and only touches functions traced since.
    """
    if keras.backend.backend() != "tensorflow":
        return
    seen = set()
    for name in functions:
        fn = getattr(model, name, None)
        if fn is None:
            continue
        for function in _tf_functions(fn, seen):
            traces = function.experimental_get_tracing_count()
            if getattr(function, _HANDED_OVER, None) == traces:
                continue
            for concrete in _concrete_functions(function):
                if not isinstance(concrete._garbage_collector, _GraphDismantler):
                    concrete._garbage_collector = _GraphDismantler(concrete.graph)
            setattr(function, _HANDED_OVER, traces)


def fit_reshuffles_arrays():
    """Whether ``model.fit(shuffle=True)`` on arrays draws a new order every epoch
    after ``keras.utils.set_random_seed``: not on the TensorFlow backend."""
    return keras.backend.backend() != "tensorflow"


def build_loss_and_metrics(model, y):
    """Build ``model``'s compiled loss and metrics from the first row of the
    targets ``y`` (before ``fit``), so that its first train step creates no
    variables and TensorFlow traces it once. Nothing to do on other backends or
    when they are built already.

    Some metrics create their state only at their first update, after the
    container is built (``R2Score``: one variable per output); they get one update
    here, which ``reset_state`` then zeroes."""
    if keras.backend.backend() != "tensorflow":
        return
    y_true = y[:1]
    y_pred = keras.ops.zeros((1, *model.output_shape[1:]))
    for container in (getattr(model, "_compile_loss", None),
                      getattr(model, "_compile_metrics", None)):
        if container is not None and not container.built:
            container.build(y_true, y_pred)
    metrics = getattr(model, "_compile_metrics", None)
    if metrics is not None and any(getattr(m, "_built", True) is False
                                   for m in metrics.metrics):
        metrics.update_state(y_true, y_pred)
        metrics.reset_state()
