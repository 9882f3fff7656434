"""Fast training on the CPU: TensorFlow's thread pools, and where the train step is
compiled with XLA (the ``jit_compile`` hyperparameter).

What was measured (2-core CPU, LSTM(64) over 100 steps x 6 features, batch 64;
``benchmarks/results/PERFORMANCE.md``):

* TensorFlow sizes its intra-op pool to every core. An LSTM's per-step matrices
  are small, so splitting each op across threads costs more than it gains: one
  intra-op thread trains 1.1-1.2x faster on the graph executor and 1.9x faster
  under XLA (whose dots otherwise contend for the pool). The inter-op pool keeps
  its default, so independent ops (the two directions of a bidirectional layer)
  still run in parallel. :func:`prefer_single_threaded_ops` sets this up before
  TensorFlow starts, unless the user chose.
* With one intra-op thread, XLA trains a one-direction, one-layer LSTM or GRU
  1.5-1.9x faster than the graph executor, after 0.5-1 s of compilation per input
  shape. It is slower where the loop stacks its outputs for the gradient
  (``return_sequences``: stacked layers; pooling through a separate layer, 2.6x
  slower, which is why the builder pools inside the loop), where masked steps are
  selected at every step (0.7x), for bidirectional layers (its directions run one
  after the other; 0.85x) and for SimpleRNN (0.95x).

``jit_compile="auto"`` compiles where those measurements say it pays; see
:func:`auto_declines`.
"""

import os

import keras

MIN_SEQUENCE_STEPS_PER_COMPILATION = 1_000_000
"""``"auto"`` compiles only fits of at least this many (sequence x timestep)
passes per compiled input shape: below it, 0.5-1 s of compilation per shape is not
repaid by 1.5x faster epochs (break-even measured at about 500,000)."""

_USER_ENV = "TF_NUM_INTRAOP_THREADS"


def prefer_single_threaded_ops():
    """Give TensorFlow one intra-op thread, unless the user chose a number (the
    ``TF_NUM_INTRAOP_THREADS`` environment variable or
    ``tf.config.threading.set_intra_op_parallelism_threads``) or TensorFlow's
    runtime has already started. Returns the intra-op thread count in force, or
    None when it is TensorFlow's default (every core). TensorFlow backend only."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    if os.environ.get(_USER_ENV, "").strip():
        return int(os.environ[_USER_ENV])
    if tf.config.threading.get_intra_op_parallelism_threads() == 0:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(1)
        except RuntimeError:  # the runtime has started: its pools are fixed
            return None
    return tf.config.threading.get_intra_op_parallelism_threads() or None


def gpu_available():
    """Whether the Keras backend sees an accelerator."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return any(d.device_type != "CPU" for d in tf.config.list_physical_devices())
    if backend == "jax":
        import jax

        return any(d.platform != "cpu" for d in jax.devices())
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    return False


def auto_declines(*, cell_type, n_layers, bidirectional, masked, sequence_steps,
                  n_shapes):
    """Why ``jit_compile="auto"`` keeps the TensorFlow graph executor for this fit:
    a list of reasons, empty when it compiles.

    Parameters
    ----------
    cell_type, n_layers, bidirectional : the network's hyperparameters.
    masked : bool
        The network masks timesteps (variable-length input, ``mask_value``, tokens).
    sequence_steps : int
        Sequence x timestep passes the fit will make (epochs x sequences x padded
        length, summed over batches).
    n_shapes : int
        Input shapes that would each be compiled (training and validation batches).
    """
    reasons = []
    if gpu_available():
        reasons.append("a GPU is visible: Keras' cuDNN kernels are used, and they "
                       "cannot be compiled with XLA")
    threads = prefer_single_threaded_ops()
    if threads != 1:
        reasons.append(f"TensorFlow runs {threads or 'every core as'} intra-op threads; "
                       "XLA pays only with one")
    if cell_type == "simple_rnn":
        reasons.append("a SimpleRNN trains no faster compiled")
    if n_layers > 1:
        reasons.append("stacked layers return their output sequences, which train "
                       "slower compiled")
    if bidirectional:
        reasons.append("compiled, the two directions run one after the other; the "
                       "graph executor runs them in parallel")
    if masked:
        reasons.append("masked timesteps train slower compiled")
    if sequence_steps < MIN_SEQUENCE_STEPS_PER_COMPILATION * n_shapes:
        reasons.append(f"the fit is too short to repay compiling {n_shapes} input "
                       f"shape(s): {sequence_steps:,} sequence steps, fewer than "
                       f"{MIN_SEQUENCE_STEPS_PER_COMPILATION:,} per shape")
    return reasons


def resolve_jit_compile(jit_compile, **fit_description):
    """The ``jit_compile`` a fit hands to Keras: a bool on TensorFlow (``"auto"``
    decided by :func:`auto_declines`); on JAX, which compiles every step anyway,
    ``"auto"`` and True compile and False runs the step uncompiled. On PyTorch,
    where Keras compiles with ``torch.compile`` (minutes for a recurrent network,
    again for every new batch shape), ``"auto"`` runs eagerly and only True
    compiles: the recurrent layers already run on PyTorch's fused kernels."""
    backend = keras.backend.backend()
    if backend == "jax":
        return jit_compile is not False
    if jit_compile == "auto":
        return backend == "tensorflow" and not auto_declines(**fit_description)
    return bool(jit_compile)


class BatchCounter(keras.callbacks.Callback):
    """Counts the training batches a ``fit`` completed (a failure before the first
    one is a compilation failure, which leaves the weights untouched)."""

    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


def set_train_step_compilation(model, jit_compile):
    """Make the model's next ``fit`` use a train (and validation) step compiled as
    asked, keeping its optimizer state; its predict step stays on the graph
    executor, so that one-off predictions of new shapes never wait for XLA."""
    if getattr(model, "_sklearn_rnn_train_jit", None) != jit_compile:
        model.train_function = None
        model.test_function = None
        model._sklearn_rnn_train_jit = jit_compile
    model.jit_compile = jit_compile


def predict_on_graph(model):
    """After a compiled fit on TensorFlow, build predict steps for the graph
    executor (``_compiled_predict`` compiles the shapes that pay)."""
    if keras.backend.backend() == "tensorflow" and model.jit_compile:
        model.jit_compile = False
        model.predict_function = None
