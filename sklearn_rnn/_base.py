"""What the sequence classifier and the sequence regressor share: parameters and
their constraints, input checking, building and compiling the network, the training
loop, history and prediction batching.

:class:`BaseRNNSequenceEstimator` is a mixin placed before the scikeras wrapper
(``_scikeras_fixes``) in each estimator's bases, as ``BaseMultilayerPerceptron``
is shared by ``MLPClassifier`` and ``MLPRegressor``. A subclass says only what
differs: its own parameters, how ``y`` is checked (``_check_target``), the output
layer (``_TASK`` and ``_n_outputs``), the loss and metric (``_keras_loss``,
``_SCORE``) and how the early-stopping set is drawn (``_validation_split``).
"""

import contextlib
import copy
import difflib
import math
import string
import warnings
from numbers import Integral, Real

import keras
import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_consistent_length

from ._channels import warn_if_channels_first
from ._compilation import (
    BatchCounter,
    gpu_available,
    predict_on_graph,
    prefer_single_threaded_ops,
    resolve_jit_compile,
    set_train_step_compilation,
)
from ._layers import MaskedConvBlock
from ._network import CELLS, build_network, conv_blocks
from ._optimizers import OPTIMIZERS, make_optimizer
from ._persistence import checked_state, with_version
from ._recalibration import recalibrate_front_end
from ._scales import warn_if_scales_differ
from ._scikeras_fixes import host_seed, keras_seed, predict_on_batches
from ._sequences import FLOAT_DTYPE, TOKEN_DTYPE, check_sequences, pad_sequences
from ._tensorflow_fixes import build_loss_and_metrics, release_graphs_with_model
from ._training import (
    BestTrainingEpoch,
    DivergenceGuard,
    LearningRateLogger,
    SequenceBatches,
    convergence_callback,
    divergence_error,
    early_stopping_callback,
    fit_on_batches,
)
from .schedules import SCHEDULE_NAMES, resolve_schedule

PAD_VALUE = -1e9
"""Fill value for padding ragged float sequences when no ``mask_value`` is set."""

UNKNOWN_TOKEN = 1
"""Token ids at predict beyond the vocabulary seen at fit are mapped to this id."""

MAX_EMBEDDING_WEIGHTS = 2**28
"""Largest embedding matrix (vocabulary x embedding_dim) a fit builds: 1 GiB of
float32, 3 with Adam's moments. Larger ones come from unmapped ids (a hash, a user
id) and would exhaust memory instead of training."""

ROUTING_PREFIXES = ("optimizer__",)

NETWORK_PARAMS = (
    "cell_type", "units", "n_layers", "bidirectional", "pooling", "dense_units",
    "dropout", "recurrent_dropout", "spatial_dropout", "l2", "embedding_dim",
    "embedding_l2", "conv_filters", "conv_kernel_size", "conv_stride",
)

AUTO_BATCH_MIN, AUTO_BATCH_MAX = 4, 32
"""``batch_size="auto"`` takes a tenth of the training sequences, within these."""


def auto_batch_size(n_samples):
    """``batch_size="auto"``: about ten updates per epoch on small data, batches of
    ``AUTO_BATCH_MAX`` from 320 sequences on (and never more than the data)."""
    return min(n_samples, max(AUTO_BATCH_MIN, min(AUTO_BATCH_MAX, n_samples // 10)))


SHARED_PARAMETER_CONSTRAINTS = {
    "cell_type": [StrOptions(set(CELLS))],
    "units": [Interval(Integral, 1, None, closed="left")],
    "n_layers": [Interval(Integral, 1, None, closed="left")],
    "bidirectional": ["boolean"],
    "pooling": [StrOptions({"last", "mean", "max"})],
    "conv_filters": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
    "conv_kernel_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
    "conv_stride": [Interval(Integral, 1, None, closed="left"), tuple, list],
    "dense_units": [None, Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
    "spatial_dropout": [Interval(Real, 0, 1, closed="left")],
    "l2": [Interval(Real, 0, None, closed="left")],
    "embedding_dim": [None, Interval(Integral, 1, None, closed="left")],
    "vocab_size": [None, Interval(Integral, 2, None, closed="left")],
    "embedding_l2": [Interval(Real, 0, None, closed="left")],
    "mask_value": [None, Real],
    "optimizer": [StrOptions(set(OPTIMIZERS)), keras.optimizers.Optimizer],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "weight_decay": [None, Interval(Real, 0, None, closed="left")],
    "clipnorm": [None, Interval(Real, 0, None, closed="neither")],
    "lr_schedule": [None, StrOptions(set(SCHEDULE_NAMES)),
                    HasMethods(["keras_learning_rate", "keras_callbacks"])],
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [None, Interval(Real, 0, None, closed="left")],
    "restore_best_weights": ["boolean"],
    "augmentation": [None, HasMethods(["augment"])],
    "random_state": ["random_state"],
    "verbose": [Interval(Integral, 0, 2, closed="both")],
    "warm_start": ["boolean"],
    "jit_compile": [StrOptions({"auto"}), "boolean"],
}


def store_parameters(estimator, arguments):
    """Set each ``__init__`` argument (``locals()`` of ``__init__``) as an attribute
    of the same name, and the routed ``**kwargs`` as given, as scikit-learn
    estimators do: nothing is checked or changed before ``fit``."""
    for name, value in arguments.items():
        if name not in ("self", "kwargs", "__class__"):
            setattr(estimator, name, value)
    vars(estimator).update(arguments.get("kwargs", {}))


NETWORK_PARAMETERS_DOC = """\
    cell_type : {"lstm", "gru", "simple_rnn"}, default="lstm"
        Recurrent cell.
    units : int, default=64
        Units per recurrent layer (per direction when bidirectional).
    n_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=True
        Wrap each recurrent layer in ``Bidirectional(merge_mode="concat")``.
    pooling : {"last", "mean", "max"}, default="max"
        How the last recurrent layer's outputs become one vector: its final state,
        or the mean / max over timesteps. Masked (padded) steps are ignored.

        The defaults (bidirectional, max over time) come from the classifier's
        evidence in ``benchmarks/results/defaults.md``: the single-direction,
        last-state LSTM collapses on long univariate series with few samples
        (ArrowHead 0.48 against 0.56) and is behind on average over five real
        datasets (0.815 against 0.877), at ~1.3x the fit time.
        ``bidirectional=False, pooling="last", conv_filters=None`` is the plain
        LSTM (with ``lr_schedule=None, batch_size=32, epochs=100, tol=None``,
        trained as before the convolutional front-end).
    conv_filters : int, tuple of int or None, default=(64, 64, 64)
        A convolutional front-end before the recurrent layers: one block
        ``Conv1D -> BatchNormalization -> ReLU`` per entry, with that many filters.
        An int gives every block that many filters; the number of blocks is then
        the length of ``conv_kernel_size`` / ``conv_stride`` when they are tuples
        (3 with the defaults), else 1. None: the recurrent layers read the input
        directly.
        On long series with few samples the front-end is where the accuracy is
        (ArrowHead, OSULeaf: ``benchmarks/results/accuracy_full.md``); a block needs
        enough updates for its batch statistics (with 100 epochs of two batches it
        predicted one class on ArrowHead and GunPoint,
        ``benchmarks/results/defaults_front_end_screen.md``), hence the default
        ``batch_size="auto"``. Masks are respected: the convolution reads padded
        steps as zeros, batch statistics skip them, and padding never changes a
        prediction. Where the target is the order of a few short events, the
        strides blur them: on the synthetic imbalanced task of the benchmarks the
        classifier's defaults reach a balanced accuracy of 0.61 against 0.91 with
        ``conv_filters=None`` (``benchmarks/results/accuracy_quick.md``).
    conv_kernel_size : int or tuple of int, default=(8, 5, 3)
        Kernel size of each block (an int: every block).
    conv_stride : int or tuple of int, default=(2, 2, 1)
        Stride of each block (an int: every block): a block with stride ``s``
        turns ``n`` steps into ``ceil(n / s)``, and the mask with them, so the
        recurrent layers read a shorter sequence (the default: a quarter, about
        4x less recurrent work).
    dense_units : int or None, default=None
        Units of an optional hidden ReLU layer before the output layer.
    dropout : float in [0, 1), default=0.0
        Dropout on the output of each recurrent layer; on the last one, with
        ``"max"`` or ``"mean"`` pooling, on the pooled vector.
    recurrent_dropout : float in [0, 1), default=0.0
        Dropout on the recurrent state (Keras ``recurrent_dropout``).
    spatial_dropout : float in [0, 1), default=0.0
        ``SpatialDropout1D`` on the input (or on the embeddings): drops whole
        features / embedding channels.
    l2 : float, default=0.0
        L2 penalty on the kernels of the convolutional, recurrent and dense
        layers.
    embedding_dim : int or None, default=None
        When set, ``X`` holds integer token ids (0 = padding) that go through an
        ``Embedding`` of this size.
    vocab_size : int or None, default=None
        Size of the token vocabulary (ids ``0 .. vocab_size - 1``). None infers
        ``max id + 1`` at fit. Ids at predict beyond the vocabulary are mapped to
        id 1, the unknown token of :class:`~sklearn_rnn.preprocessing.TextSequenceVectorizer`.
    embedding_l2 : float, default=0.0
        L2 penalty on the embedding matrix.
    mask_value : float or None, default=None
        Timesteps whose features all equal this value are masked (for arrays that
        are already padded). Ragged lists are padded and masked automatically.
    optimizer : {"adam", "adamw", "rmsprop", "sgd"} or keras Optimizer, default="adam"
        Optimizer. Extra constructor arguments are routed with the prefix
        ``optimizer__`` (``optimizer__momentum=0.9``). An optimizer instance gives
        its settings except the learning rate, which ``learning_rate`` and
        ``lr_schedule`` set.
    learning_rate : float, default=1e-3
        Initial (or base) learning rate.
    weight_decay : float or None, default=None
        Decoupled weight decay, for optimizers that take it (all four named above).
    clipnorm : float or None, default=None
        Clip each gradient to this norm.
    lr_schedule : None, str or schedule object, default="plateau"
        Learning-rate schedule. A name (``"constant"``, ``"step"``,
        ``"exponential"``, ``"cosine"``, ``"cosine_restarts"``, ``"cyclic"``,
        ``"triangular2"``, ``"exp_range"``, ``"one_cycle"``, ``"plateau"``) or an
        object from :mod:`sklearn_rnn.schedules`, whose parameters are searchable
        as ``lr_schedule__<name>``. The default, ``"plateau"``, halves the
        learning rate after 10 epochs without improvement of the training loss
        (:class:`~sklearn_rnn.schedules.ReduceOnPlateau`); None keeps it constant.
    epochs : int, default=300
        Maximum number of epochs.
    batch_size : int or "auto", default="auto"
        Sequences per gradient update. ``"auto"`` takes a tenth of the training
        sequences, at least 4 and at most 32 (never more than the data): about ten
        updates per epoch on small data, as the published convolutional
        classifiers train (``min(n / 10, 16)``, Fawaz et al. 2019).
    shuffle : bool, default=True
        Shuffle the training sequences every epoch.
    early_stopping : bool, default=False
        Hold out a $split ``validation_fraction`` of the training
        data and stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the weights of the best epoch are restored.
        When False, training stops when the training loss has not improved by
        ``tol`` for ``n_iter_no_change`` epochs (it has converged), as in
        ``$mlp``, keeping the last weights; ``tol=None`` trains all
        ``epochs``.
    validation_fraction : float in (0, 1), default=0.1
        Fraction held out for early stopping.
    n_iter_no_change : int, default=30
        Epochs without an improvement of ``tol`` before training stops.
    tol : float or None, default=1e-4
        Minimum decrease of the loss (validation loss with early stopping, else
        training loss) that counts as an improvement. None: no convergence
        stopping without early stopping (and any decrease counts with it).
    restore_best_weights : bool, default=False
        Without early stopping: at the end of ``fit``, restore the weights of the
        epoch with the lowest training loss instead of keeping the last epoch's,
        as the published deep time-series classifiers do (FCN, ResNet,
        InceptionTime); ``best_epoch_`` says which epoch. With early stopping the
        best validation epoch is always restored. ``partial_fit`` keeps its
        epoch's weights.
"""

RUNTIME_PARAMETERS_DOC = """\
    augmentation : SequenceAugmenter or None, default=None
        Random augmentation of the training batches (never applied at predict).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling, the validation split and
        augmentation: two fits with the same int give identical predictions.
        ``partial_fit`` seeds on its first call and continues the random streams
        on later ones (the same calls in the same order repeat the same training).
    verbose : {0, 1, 2}, default=0
        0 silent, 1 a progress bar per epoch, 2 one line per epoch.
    warm_start : bool, default=False
        When True, ``fit`` continues training the existing model instead of
        building a new one.
    jit_compile : "auto" or bool, default="auto"
        Compile the train step with XLA (TensorFlow backend). ``"auto"`` compiles
        where it was measured to pay on the CPU: a one-direction, one-layer LSTM or
        GRU on unmasked input, with any pooling, in fits long enough to repay
        0.5-1 s of compilation per input shape (1.5-1.9x faster epochs); it keeps
        the graph executor for bidirectional or stacked layers, SimpleRNN, masked
        (variable-length or token) input, short fits, when a GPU is visible
        (Keras' cuDNN kernels, which XLA cannot compile, need ``jit_compile``
        False) and when TensorFlow uses more than one intra-op thread. True
        compiles every fit; False never does. Where XLA cannot compile the
        network, training falls back to the graph executor (with a warning when
        True was asked for). ``jit_compile_`` tells what the last fit used. On JAX
        every step is compiled; False there runs it uncompiled (slow). On
        PyTorch ``"auto"`` runs eagerly, the recurrent layers on PyTorch's fused
        kernels, and True compiles with ``torch.compile`` (slow to start).

        On TensorFlow the first fit also gives TensorFlow one intra-op thread
        (``tf.config.threading.set_intra_op_parallelism_threads(1)``), which trains
        these small recurrent networks faster, unless the environment variable
        ``TF_NUM_INTRAOP_THREADS`` is set or TensorFlow's runtime has already
        started.
    **kwargs
        Routed optimizer arguments, ``optimizer__<name>=value``.
"""

SHARED_ATTRIBUTES_DOC = """\
    n_features_in_ : int
        Features per timestep (1 for 2D input and for token ids).
    vocab_size_ : int or None
        Token vocabulary size used by the embedding (token input only).
    model_ : keras.Model
        The fitted network.
    n_iter_ : int
        Epochs run (fewer than ``epochs`` when training stopped early or
        converged).
    best_epoch_ : int
        The epoch (counted from 1) whose weights were kept: the best validation
        loss with early stopping, the lowest training loss with
        ``restore_best_weights=True``, else the last epoch.
    loss_curve_ : list of float
        Training loss per epoch.
    jit_compile_ : bool
        Whether the last fit's train step ran XLA-compiled.
    batch_size_ : int
        The batch size of the last fit (``batch_size="auto"`` resolved).
"""


FAILURE_NOTES_DOC = """\
    Notes
    -----
    Bad parameters or input raise ``ValueError`` before any training. A fit whose
    training loss becomes NaN or infinite (a learning rate far too high, inputs of
    huge scale, exploding gradients) stops at the end of that epoch and raises
    :class:`~sklearn_rnn.exceptions.DivergenceError` (a ``ValueError``) naming the
    epoch and the likely causes, instead of returning a model that predicts NaN.
    Whatever ends a ``fit`` or ``partial_fit`` early (a divergence, an exception in
    an augmenter, ``KeyboardInterrupt``) leaves the estimator as it was before the
    call: a fitted estimator keeps its model, weights, optimizer state and
    ``history_`` and predicts as before; an unfitted one stays unfitted.
"""


def estimator_doc(template, **fields):
    """A class docstring from a template with ``$network_parameters``,
    ``$runtime_parameters`` and ``$shared_attributes`` (and the fields given)."""
    network = string.Template(NETWORK_PARAMETERS_DOC).substitute(
        split=fields.pop("split"), mlp=fields.pop("mlp"))
    return string.Template(template).substitute(
        network_parameters=network, runtime_parameters=RUNTIME_PARAMETERS_DOC,
        shared_attributes=SHARED_ATTRIBUTES_DOC, failure_notes=FAILURE_NOTES_DOC,
        **fields)


class BaseRNNSequenceEstimator:
    """The shared machinery of the recurrent sequence estimators (a mixin: see the
    module docstring for what a subclass provides)."""

    _TASK = None
    """``"classification"`` or ``"regression"``: the output layer of the network."""

    _SCORE = None
    """The Keras metric logged per epoch (``history_[_SCORE]``), whose validation
    values are ``validation_scores_``."""

    # ---------------------------------------------------------- persistence
    def __getstate__(self):
        return with_version(super().__getstate__())

    def __setstate__(self, state):
        super().__setstate__(checked_state(state, type(self).__name__))

    # ------------------------------------------------------------------ fit
    def _fit_sequences(self, X, y, sample_weight, **target_options):
        seqs, y, sample_weight = self._check_fit_inputs(X, y, sample_weight,
                                                        **target_options)
        with self._all_or_nothing(continuing=self.warm_start):
            self._partial = False
            return super().fit(seqs, y, sample_weight=sample_weight)

    def _partial_fit_sequences(self, seqs, y, sample_weight, **kwargs):
        with self._all_or_nothing(continuing=True):
            self._partial = True
            return super().partial_fit(seqs, y, sample_weight=sample_weight, **kwargs)

    @contextlib.contextmanager
    def _all_or_nothing(self, *, continuing):
        """Training that fails or is interrupted (an exception in a callback or an
        augmenter, a divergence, ``KeyboardInterrupt``) leaves the estimator as it
        was: its attributes, and the weights and optimizer state of a model that
        the call continued to train (``warm_start``, ``partial_fit``)."""
        # Fitted containers (history_, loss_curve_) are extended in place by
        # partial_fit; parameters are the user's and left as they are.
        saved = {key: copy.deepcopy(value) if isinstance(value, (dict, list)) and (
                     key.startswith("_") or key.endswith("_")) else value
                 for key, value in vars(self).items()}
        model = self.model_ if continuing and self.initialized_ else None
        optimizer = None if model is None else model.optimizer
        variables = [] if model is None else [*model.variables, *(
            optimizer.variables if optimizer is not None else [])]
        values = [keras.ops.convert_to_numpy(v) for v in variables]
        try:
            yield
        except BaseException:
            vars(self).clear()
            vars(self).update(saved)
            if model is not None and model.optimizer is not optimizer:
                self._compile(model, optimizer=optimizer)  # a new fit compiled afresh
            for variable, value in zip(variables, values, strict=True):
                variable.assign(value)
            raise

    def _check_fit_inputs(self, X, y, sample_weight, **target_options):
        """Validate parameters and data before anything about the fit changes."""
        self._validate_params()
        self._check_routed_params()
        prefer_single_threaded_ops()  # before the first model starts TensorFlow
        conv_blocks(self.conv_filters, self.conv_kernel_size, self.conv_stride)
        if self.embedding_dim is None and self.vocab_size is not None:
            raise ValueError(
                f"vocab_size={self.vocab_size} needs embedding_dim to be set: token "
                "ids go through an embedding."
            )
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if self.augmentation is not None and self._uses_tokens():
            raise ValueError(
                "augmentation applies to float sequences; it cannot be combined with "
                f"token input (embedding_dim={self.embedding_dim}). Use "
                "spatial_dropout to regularise embeddings."
            )
        seqs = check_sequences(X, tokens=self._uses_tokens())
        if not self._uses_tokens():
            warn_if_channels_first(seqs, type(self).__name__)
            warn_if_scales_differ(seqs, self.mask_value, type(self).__name__)
        y = self._check_target(y, **target_options)
        check_consistent_length(seqs.data, y)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
            if sample_weight.shape != (len(y),):
                raise ValueError(
                    f"sample_weight must have shape ({len(y)},), got "
                    f"{sample_weight.shape}."
                )
            if not np.isfinite(sample_weight).all() or (sample_weight < 0).any():
                raise ValueError("sample_weight must be finite and non-negative.")
        if self.warm_start and self.initialized_ and not getattr(self, "_partial", False):
            self._check_sequences(seqs, reset=False)
        schedule = resolve_schedule(self.lr_schedule)
        if schedule is not None:
            schedule.check(self.learning_rate)
        return seqs, y, sample_weight

    def _check_routed_params(self):
        """Reject attributes passed as ``**kwargs`` that are not ``optimizer__*``."""
        names = self._get_param_names()
        for key in vars(self):
            if key.startswith("_") or key.endswith("_") or key in names:
                continue
            if not key.startswith(ROUTING_PREFIXES):
                close = difflib.get_close_matches(key, names, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ValueError(
                    f"Unknown parameter {key!r} for {type(self).__name__}; only "
                    f"optimizer__<argument> can be routed.{hint}"
                )

    # --------------------------------------------------------- data handling
    def _uses_tokens(self):
        return self.embedding_dim is not None

    def _check_sequences(self, X, *, reset):
        seqs = X if hasattr(X, "n_features") else check_sequences(
            X, tokens=self._uses_tokens()
        )
        if reset:
            self._fit_ragged = seqs.ragged
            if self._uses_tokens():
                self.vocab_size_ = self._infer_vocab_size(seqs)
            else:
                self._fit_input_mean = self._valid_step_mean(seqs)
            return seqs
        if seqs.n_features != self.n_features_in_:
            raise ValueError(
                f"X has {seqs.n_features} features per timestep, but "
                f"{type(self).__name__} was fitted with {self.n_features_in_}."
            )
        if self._uses_tokens():
            seqs = self._map_unknown_tokens(seqs)
        return seqs

    def _valid_step_mean(self, seqs):
        """Each feature's mean over the unmasked steps of float sequences: the
        ``baseline="mean"`` of :func:`sklearn_rnn.inspection.integrated_gradients`."""
        if seqs.ragged:
            return np.concatenate(seqs.data).mean(axis=0, dtype=np.float64)
        valid, _ = self._valid_steps(seqs.data)
        steps = seqs.data if valid is None else seqs.data[valid]
        if not steps.size:
            return np.zeros(seqs.n_features)
        return steps.reshape(-1, seqs.n_features).mean(axis=0, dtype=np.float64)

    def _infer_vocab_size(self, seqs):
        max_id = max(int(s.max()) for s in seqs.data) if seqs.ragged else int(
            seqs.data.max()
        )
        if self.vocab_size is not None and max_id >= self.vocab_size:
            raise ValueError(
                f"X holds token id {max_id}, but vocab_size={self.vocab_size} allows "
                f"ids 0 to {self.vocab_size - 1}. Increase vocab_size or set it to "
                "None to infer it."
            )
        vocab_size = (max(max_id + 1, UNKNOWN_TOKEN + 1) if self.vocab_size is None
                      else self.vocab_size)
        if vocab_size * self.embedding_dim > MAX_EMBEDDING_WEIGHTS:
            origin = (f"vocab_size={self.vocab_size}" if self.vocab_size is not None
                      else f"{vocab_size} token ids (the largest id in X is {max_id})")
            raise ValueError(
                f"An embedding of {origin} x embedding_dim={self.embedding_dim} would "
                f"hold {vocab_size * self.embedding_dim:.3g} weights, more than "
                f"{MAX_EMBEDDING_WEIGHTS:.3g} (1 GiB in float32). Map the ids to "
                "0 .. n_distinct - 1 first (np.unique(ids, return_inverse=True) or "
                "sklearn_rnn.preprocessing.TextSequenceVectorizer with max_features) "
                "and set vocab_size to fit them, or lower embedding_dim."
            )
        return vocab_size

    def _map_unknown_tokens(self, seqs):
        def mapped(ids):
            return np.where(ids >= self.vocab_size_, UNKNOWN_TOKEN, ids).astype(
                TOKEN_DTYPE, copy=False
            )

        if seqs.ragged:
            return type(seqs)([mapped(s) for s in seqs.data], seqs.n_features)
        return type(seqs)(mapped(seqs.data), seqs.n_features)

    def _model_mask_value(self):
        """The value the network masks, or None when it has no mask on float input."""
        if self.mask_value is not None:
            return float(self.mask_value)
        return PAD_VALUE if self._fit_ragged else None

    def _to_model_input(self, seqs):
        if not seqs.ragged:
            return seqs.data
        if not self._uses_tokens() and self._model_mask_value() is None:
            raise ValueError(
                "This model was fitted on equal-length sequences without masking, so "
                "it cannot continue training on sequences of different lengths. Set "
                "mask_value, or fit on the variable-length data from the start."
            )
        return self._pad(seqs.data)

    def _pad(self, seqs):
        if self._uses_tokens():
            return pad_sequences(seqs, value=0, dtype=TOKEN_DTYPE)
        return pad_sequences(seqs, value=self._model_mask_value(), dtype=FLOAT_DTYPE)

    # ----------------------------------------------------------- the network
    def _keras_build_fn(self, meta):
        params = {name: getattr(self, name) for name in NETWORK_PARAMS}
        network_meta = {
            "n_features": meta["n_features_in_"],
            "n_outputs": self._n_outputs(meta),
            "task": self._TASK,
            "vocab_size": meta.get("vocab_size_"),
            "mask_value": None if self._uses_tokens() else self._model_mask_value(),
            "pool_in_loop": not gpu_available(),
        }
        model = build_network(params, network_meta)
        self._compile(model, self.learning_rate)
        return model

    def _compile(self, model, learning_rate=None, *, optimizer=None):
        """Compile ``model`` with a new optimizer at ``learning_rate``, or with the
        (built) ``optimizer`` given."""
        if optimizer is None:
            routed = {
                key[len("optimizer__"):]: value
                for key, value in vars(self).items()
                if key.startswith("optimizer__")
            }
            optimizer = make_optimizer(
                self.optimizer,
                learning_rate=learning_rate,
                weight_decay=self.weight_decay,
                clipnorm=self.clipnorm,
                extra=routed,
            )
        model.compile(
            optimizer=optimizer,
            loss=self._keras_loss(),
            metrics=[self._keras_metric()],
            jit_compile=False,  # set per fit by _fit_keras_model
        )
        # Built here, the optimizer's variables are not created inside the first
        # train step, which TensorFlow would then trace twice (~10% of a small fit).
        if not optimizer.built:
            optimizer.build(model.trainable_variables)

    # ------------------------------------------------------------ training
    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch,
                         **kwargs):
        X = self._left_aligned(X)[0]  # the validation split too, as at predict
        X, y, sample_weight, validation_data = self._split_validation(X, y, sample_weight)
        self.batch_size_ = (auto_batch_size(len(X)) if self.batch_size == "auto"
                            else self.batch_size)
        if initial_epoch == 0:  # a new fit, or the first partial_fit: fresh optimizer
            self._compile(self.model_, self._scheduled_learning_rate(len(X)))
        build_loss_and_metrics(self.model_, y)
        schedule_callbacks = self._schedule_callbacks(initial_epoch)
        divergence = DivergenceGuard()  # after the logger: it reads the epoch's lr
        callbacks = [LearningRateLogger(), divergence, *schedule_callbacks]
        early_stopping = None
        if validation_data is not None:
            early_stopping = early_stopping_callback(self.n_iter_no_change, self.tol or 0.0)
            callbacks.append(early_stopping)
        elif self.tol is not None and not self._partial:
            callbacks.append(convergence_callback(self.n_iter_no_change, self.tol))
        best_training_epoch = None
        if validation_data is None and self.restore_best_weights and not self._partial:
            best_training_epoch = BestTrainingEpoch()
            callbacks.append(best_training_epoch)
        seed = self._epoch_seed(initial_epoch)
        inputs, steps_per_epoch, train_shapes = self._training_inputs(
            X, y, sample_weight, seed=seed)
        val_shapes = 0 if validation_data is None else len(
            {min(self.batch_size_, len(validation_data[0])),
             len(validation_data[0]) % self.batch_size_} - {0})
        jit_compile = resolve_jit_compile(
            self.jit_compile, cell_type=self.cell_type, n_layers=self.n_layers,
            bidirectional=self.bidirectional, masked=self._is_masked(),
            sequence_steps=epochs * steps_per_epoch, n_shapes=train_shapes + val_shapes,
        )
        try:
            history = self._fit_compiled_or_graph(jit_compile, seed, dict(
                **inputs, epochs=initial_epoch + epochs, initial_epoch=initial_epoch,
                validation_data=validation_data, validation_batch_size=self.batch_size_,
                callbacks=callbacks, verbose=self.verbose,
            ))
        finally:  # also after a failure: the model may live on (warm_start, partial_fit)
            predict_on_graph(self.model_)
            release_graphs_with_model(self.model_)
        if divergence.diverged:
            raise divergence_error(
                *divergence.diverged, learning_rate=self.learning_rate,
                lr_schedule=self.lr_schedule, clipnorm=self.clipnorm,
                max_abs_input=self._max_abs_input(X))
        batches = inputs.get("x")
        if isinstance(batches, SequenceBatches) and batches.bucketed:
            recalibrate_front_end(self.model_, X, self._valid_steps(X)[0])
        self._record_history(history.history, initial_epoch, early_stopping,
                             best_training_epoch)
        # Only partial_fit continues from where the last call left its schedule.
        self._schedule_states = [
            getattr(callback, "carried_state", lambda: None)()
            for callback in schedule_callbacks] if self._partial else None

    def _schedule_callbacks(self, initial_epoch):
        """The schedule's Keras callbacks; a ``partial_fit`` call after the first
        continues from the state the previous call left (a plateau's patience)."""
        schedule = resolve_schedule(self.lr_schedule)
        if schedule is None:
            return []
        callbacks = schedule.keras_callbacks(self.learning_rate)
        if self._continuing_partial_fit(initial_epoch):
            states = getattr(self, "_schedule_states", None) or []
            for callback, state in zip(callbacks, states, strict=False):
                if state is not None:
                    callback.carried = state
        return callbacks

    def _fit_compiled_or_graph(self, jit_compile, seed, fit_kwargs):
        """``model.fit`` (:func:`~._training.fit_on_batches` for length buckets and
        augmented batches), falling back to the graph executor when XLA cannot
        compile the train step (a failure before the first batch completes)."""
        set_train_step_compilation(self.model_, jit_compile)
        jit_compile = bool(self.model_.jit_compile)  # Keras may have declined it
        counter = BatchCounter()
        fit_kwargs["callbacks"] = [*fit_kwargs["callbacks"], counter]
        # A partial_fit call after the first seeds Python and NumPy for its epoch
        # only: seeding TensorFlow clears its kernel cache, and the next step would
        # re-instantiate the train function (0.3-0.6 s, every epoch).
        seeding = (host_seed if self._continuing_partial_fit(fit_kwargs["initial_epoch"])
                   else keras_seed)

        def fit():
            with seeding(seed):
                if isinstance(fit_kwargs.get("x"), SequenceBatches):
                    kwargs = dict(fit_kwargs)
                    return fit_on_batches(self.model_, kwargs.pop("x"), **kwargs)
                return self.model_.fit(**fit_kwargs)

        try:
            history = fit()
        except Exception as exc:
            # JAX compiles every step: there a failure is never XLA's alone.
            if (not jit_compile or counter.batches
                    or keras.backend.backend() != "tensorflow"):
                raise
            if self.jit_compile is True:
                warnings.warn(
                    f"XLA could not compile the train step ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0][:200]}); training on the graph "
                    "executor instead (jit_compile=False).", RuntimeWarning,
                    stacklevel=4,
                )
            jit_compile = False
            set_train_step_compilation(self.model_, False)
            if isinstance(fit_kwargs.get("x"), SequenceBatches):
                fit_kwargs["x"].restart()  # the same draws as a graph fit from the start
            history = fit()
        self.jit_compile_ = jit_compile
        return history

    def _continuing_partial_fit(self, initial_epoch):
        return self._partial and initial_epoch > 0

    def _epoch_seed(self, initial_epoch):
        """``random_state``, or for a ``partial_fit`` call after the first a seed
        derived from it and the epoch: each epoch draws anew, reproducibly."""
        if self._random_state is None or not self._continuing_partial_fit(initial_epoch):
            return self._random_state
        return int(np.random.SeedSequence([int(self._random_state), initial_epoch])
                   .generate_state(1)[0])

    def _split_validation(self, X, y, sample_weight):
        """Hold out the early-stopping set (fit only, not partial_fit)."""
        if not self.early_stopping or self._partial:
            return X, y, sample_weight, None
        train, val = self._validation_split(y)
        if sample_weight is None:
            return X[train], y[train], None, (X[val], y[val])
        return (X[train], y[train], sample_weight[train],
                (X[val], y[val], sample_weight[val]))

    def _scheduled_learning_rate(self, n_train):
        schedule = resolve_schedule(self.lr_schedule)
        if schedule is None:
            return self.learning_rate
        steps_per_epoch = math.ceil(n_train / self.batch_size_)
        return schedule.keras_learning_rate(self.learning_rate, steps_per_epoch, self.epochs)

    def _compiles_every_shape(self):
        """Whether each batch shape gets its own compilation: JAX (unless
        jit_compile=False), or XLA asked for. ``"auto"`` never compiles masked input
        on TensorFlow, the only input that gets length buckets."""
        if keras.backend.backend() == "jax":
            return self.jit_compile is not False
        return self.jit_compile is True

    def _is_masked(self):
        return self._uses_tokens() or self._model_mask_value() is not None

    def _training_inputs(self, X, y, sample_weight, *, seed):
        """``model.fit`` arguments for the left-aligned training data, the sequence
        steps of one epoch and the number of batch shapes it takes.

        Masked sequences of different lengths are batched by length and each batch
        is padded to its own length only (:class:`~._training.SequenceBatches`).
        """
        lengths = self._lengths(X)
        bucketed = self._is_masked() and lengths.min() < X.shape[1]
        if self.augmentation is None and not bucketed:
            partial = len(X) % self.batch_size_ and len(X) > self.batch_size_
            return ({"x": X, "y": y, "sample_weight": sample_weight,
                     "batch_size": self.batch_size_, "shuffle": self.shuffle},
                    len(X) * X.shape[1], 1 + bool(partial))
        batches = SequenceBatches(
            X, y, sample_weight, lengths, batch_size=self.batch_size_,
            shuffle=self.shuffle, seed=seed,
            augmenter=self.augmentation, bucketed=bucketed,
            compiled=self._compiles_every_shape(),
        )
        return {"x": batches}, batches.padded_steps(), len(batches.widths()) + 1

    def _valid_steps(self, X):
        """Which steps of each padded sequence are not masked, and the fill value
        of the others (None: nothing is masked)."""
        if self._uses_tokens():
            return X != 0, 0
        mask_value = self._model_mask_value()
        if mask_value is None:
            return None, None
        return (X != mask_value).any(axis=2), mask_value

    def _max_abs_input(self, X):
        """The largest magnitude among the unmasked float inputs (0 for tokens)."""
        if self._uses_tokens():
            return 0.0
        valid, _ = self._valid_steps(X)
        return float(np.abs(X if valid is None else X[valid]).max())

    def _lengths(self, X):
        valid, _ = self._valid_steps(X)
        return np.full(len(X), X.shape[1]) if valid is None else valid.sum(axis=1)

    def _left_aligned(self, X):
        """Move each sequence's unmasked steps to the front, in order, and return
        the lengths: augmenters work on ``X[i, :length_i]`` and length buckets cut
        ``X[:, :length]``. Masked steps are skipped by the network, so this does
        not change what it sees."""
        valid, fill = self._valid_steps(X)
        if valid is None:
            return X, np.full(len(X), X.shape[1])
        lengths = valid.sum(axis=1)
        if (valid == (np.arange(X.shape[1]) < lengths[:, None])).all():
            return X, lengths
        order = np.argsort(~valid, axis=1, kind="stable")
        index = order if X.ndim == 2 else order[:, :, np.newaxis]
        X = np.take_along_axis(X, index, axis=1)
        X[np.arange(X.shape[1]) >= lengths[:, None]] = fill
        return X, lengths

    def _record_history(self, epoch_logs, initial_epoch, early_stopping,
                        best_training_epoch=None):
        if initial_epoch == 0 or not hasattr(self, "history_"):
            self.history_ = {}
        for key, values in epoch_logs.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        self.n_iter_ = len(self.history_["loss"])
        self.loss_curve_ = list(self.history_["loss"])
        self.best_epoch_ = self.n_iter_
        self.validation_scores_ = None
        if early_stopping is not None:
            self.best_epoch_ = initial_epoch + early_stopping.best_epoch + 1
            self.validation_scores_ = list(self.history_[f"val_{self._SCORE}"])
        elif best_training_epoch is not None and best_training_epoch.best_epoch is not None:
            self.best_epoch_ = initial_epoch + best_training_epoch.best_epoch + 1

    @property
    def current_epoch(self):
        return len(getattr(self, "history_", {}).get("loss", []))

    # ------------------------------------------------------------- predict
    def _network_input(self, X):
        """``X`` with its masked steps after the valid ones when a convolutional
        front-end reads it (its windows span neighbouring steps), as in training."""
        if not self._is_masked() or not any(
                isinstance(layer, MaskedConvBlock) for layer in self.model_.layers):
            return X
        return self._left_aligned(X)[0]

    def _predict_network(self, seqs):
        """The network's output ``(n_samples, n_outputs)`` for checked sequences,
        in batches through the compiled predict step."""
        if not seqs.ragged:
            return predict_on_batches(self.model_, self._network_input(seqs.data))
        lengths = seqs.lengths
        order = np.argsort(lengths, kind="stable")
        if self._is_masked():
            # Masked padding does not change a prediction: batch by sorted length.
            batches = np.array_split(order, math.ceil(len(order) / 256))
        else:
            # No mask: only sequences of equal length share a batch.
            batches = np.split(order, np.flatnonzero(np.diff(lengths[order])) + 1)
        outputs = np.empty((len(seqs), self.model_.output_shape[-1]), dtype=FLOAT_DTYPE)
        for batch in batches:
            outputs[batch] = predict_on_batches(
                self.model_, self._network_input(self._pad([seqs.data[i] for i in batch]))
            )
        return outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
