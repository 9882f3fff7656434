"""The training side of the sequence estimators: compiling the network, the
training loop of one ``fit`` or ``partial_fit`` call and its callbacks
(schedules, convergence, early stopping, divergence), the compiled-or-graph
choice with its fallback, seeding, the early-stopping split, the training batches
(length buckets, augmentation), the recorded history, and restoring the estimator
when a call fails.

:class:`TrainingMixin` provides the steps; ``BaseRNNSequenceEstimator._train``
calls them in order. It expects the estimator's parameters, ``model_``,
``_random_state`` and ``_partial`` (set by the scikeras template and by
``_fit_sequences``), the input methods of :class:`~._inputs.SequenceInputMixin`,
and from the classifier or the regressor ``_keras_loss``, ``_keras_metric``,
``_validation_split`` and ``_SCORE``.
"""

import contextlib
import copy
import dataclasses
import math
import warnings

import keras
import numpy as np

from ._compilation import (
    BatchCounter,
    predict_on_graph,
    resolve_jit_compile,
    set_train_step_compilation,
)
from ._optimizers import make_optimizer
from ._parameters import auto_batch_size
from ._recalibration import recalibrate_front_end
from ._scikeras_fixes import host_seed, keras_seed
from ._tensorflow_fixes import fit_reshuffles_arrays, release_graphs_with_model
from ._training import (
    SORTED_TARGET_SHARE,
    BestTrainingEpoch,
    DivergenceGuard,
    LearningRateLogger,
    SequenceBatches,
    convergence_callback,
    divergence_error,
    early_stopping_callback,
    fit_on_batches,
    target_share_in_length_batches,
)
from .schedules import resolve_schedule, schedule_callbacks


@dataclasses.dataclass
class TrainingCallbacks:
    """The Keras callbacks of one training call (``keras``, in the order they
    run), and those read after it."""

    keras: list
    schedule: list
    divergence: DivergenceGuard
    early_stopping: object = None
    best_training_epoch: object = None


COMPILERS = {"tensorflow": "XLA", "torch": "torch.compile"}
"""The backends whose train step is compiled only on request (``jit_compile``), so
that a failure to compile it can fall back to running it uncompiled."""


class TrainingMixin:
    """The steps of training the network (see the module docstring)."""

    # --------------------------------------------------- all or nothing
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


    # ------------------------------------------------------------ compiling
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
            jit_compile=False,  # set per training call by _fit_compiled_or_graph
        )
        # Built here, the optimizer's variables are not created inside the first
        # train step, which TensorFlow would then trace twice (~10% of a small fit).
        if not optimizer.built:
            optimizer.build(model.trainable_variables)


    # ------------------------------------------------------- before training
    def _split_validation(self, X, y, sample_weight):
        """Hold out the early-stopping set (fit only, not partial_fit)."""
        if not self.early_stopping or self._partial:
            return X, y, sample_weight, None
        train, val = self._validation_split(y)
        if sample_weight is None:
            return X[train], y[train], None, (X[val], y[val])
        return (X[train], y[train], sample_weight[train],
                (X[val], y[val], sample_weight[val]))

    def _resolved_batch_size(self, n_train):
        return auto_batch_size(n_train) if self.batch_size == "auto" else self.batch_size

    def _scheduled_learning_rate(self, n_train):
        schedule = resolve_schedule(self.lr_schedule)
        if schedule is None:
            return self.learning_rate
        steps_per_epoch = math.ceil(n_train / self.batch_size_)
        return schedule.keras_learning_rate(self.learning_rate, steps_per_epoch, self.epochs)

    def _training_callbacks(self, initial_epoch, validation_data):
        """The schedule's callbacks, the divergence guard, and what stops training
        (early stopping, convergence) or picks the weights kept."""
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
        return TrainingCallbacks(callbacks, schedule_callbacks, divergence,
                                 early_stopping, best_training_epoch)

    def _schedule_callbacks(self, initial_epoch):
        """The schedule's Keras callbacks; a ``partial_fit`` call after the first
        continues from the state the previous call left (a plateau's patience)."""
        schedule = resolve_schedule(self.lr_schedule)
        if schedule is None:
            return []
        callbacks = schedule_callbacks(schedule, self.learning_rate, self.epochs)
        if self._continuing_partial_fit(initial_epoch):
            states = getattr(self, "_schedule_states", None) or []
            for callback, state in zip(callbacks, states, strict=False):
                if state is not None:
                    callback.carried = state
        return callbacks

    def _continuing_partial_fit(self, initial_epoch):
        return self._partial and initial_epoch > 0

    def _epoch_seed(self, initial_epoch):
        """``random_state``, or for a ``partial_fit`` call after the first a seed
        derived from it and the epoch: each epoch draws anew, reproducibly."""
        if self._random_state is None or not self._continuing_partial_fit(initial_epoch):
            return self._random_state
        return int(np.random.SeedSequence([int(self._random_state), initial_epoch])
                   .generate_state(1)[0])

    def _training_inputs(self, X, y, sample_weight, *, seed):
        """``model.fit`` arguments for the left-aligned training data, the sequence
        steps of one epoch and the number of batch shapes it takes.

        Masked sequences of different lengths are batched by length and each batch
        is padded to its own length only (:class:`~._training.SequenceBatches`),
        which also shuffles where Keras would repeat one order every epoch
        (:func:`~._tensorflow_fixes.fit_reshuffles_arrays`).
        """
        lengths = self._lengths(X)
        self.augmentation_ = self._resolved_augmentation()
        bucketed = self._is_masked() and lengths.min() < X.shape[1]
        self.length_buckets_ = bool(bucketed and self._batches_by_length(lengths, y))
        keras_shuffles = not self.shuffle or fit_reshuffles_arrays()
        partial = len(X) % self.batch_size_ and len(X) > self.batch_size_
        equal_length_shapes = 1 + bool(partial)  # full batches, and a last smaller one
        if self.augmentation_ is None and not bucketed and keras_shuffles:
            return ({"x": X, "y": y, "sample_weight": sample_weight,
                     "batch_size": self.batch_size_, "shuffle": self.shuffle},
                    len(X) * X.shape[1], equal_length_shapes)
        batches = SequenceBatches(
            X, y, sample_weight, lengths, batch_size=self.batch_size_,
            shuffle=self.shuffle, seed=seed,
            augmenter=self.augmentation_, bucketed=bucketed,
            by_length=self.length_buckets_,
            compiled=self._compiles_every_shape(),
        )
        n_shapes = len(batches.widths()) + 1 if bucketed else equal_length_shapes
        return {"x": batches}, batches.padded_steps(), n_shapes

    def _batches_by_length(self, lengths, y):
        """``length_buckets`` resolved: ``"auto"`` batches by length unless that
        would sort the targets too (:func:`~._training.target_share_in_length_batches`)."""
        if self.length_buckets != "auto":
            return bool(self.length_buckets)
        share = target_share_in_length_batches(
            lengths, y, self.batch_size_, classes=self._TASK == "classification")
        return share >= SORTED_TARGET_SHARE

    def _compiles_every_shape(self):
        """Whether each batch shape gets its own compilation: JAX (unless
        jit_compile=False), or XLA asked for. ``"auto"`` never compiles masked input
        on TensorFlow, the only input that gets length buckets."""
        if keras.backend.backend() == "jax":
            return self.jit_compile is not False
        return self.jit_compile is True

    def _jit_compile_for(self, sequence_steps, n_shapes):
        """Whether this training call compiles its train step with XLA."""
        return resolve_jit_compile(
            self.jit_compile, cell_type=self.cell_type, n_layers=self.n_layers,
            bidirectional=self.bidirectional, masked=self._is_masked(),
            sequence_steps=sequence_steps, n_shapes=n_shapes,
        )

    def _validation_shapes(self, validation_data):
        """The number of batch shapes the early-stopping set takes."""
        if validation_data is None:
            return 0
        n_val = len(validation_data[0])
        return len({min(self.batch_size_, n_val), n_val % self.batch_size_} - {0})

    # -------------------------------------------------------------- training
    def _run_training(self, inputs, callbacks, *, epochs, initial_epoch,
                      validation_data, jit_compile, seed):
        """Train ``epochs`` epochs from ``initial_epoch``; the Keras history."""
        try:
            return self._fit_compiled_or_graph(jit_compile, seed, dict(
                **inputs, epochs=initial_epoch + epochs, initial_epoch=initial_epoch,
                validation_data=validation_data, validation_batch_size=self.batch_size_,
                callbacks=callbacks, verbose=self.verbose,
            ))
        finally:  # also after a failure: the model may live on (warm_start, partial_fit)
            predict_on_graph(self.model_)
            release_graphs_with_model(self.model_)

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

        compiler = COMPILERS.get(keras.backend.backend())
        try:
            history = fit()
        except Exception as exc:
            # JAX compiles every step: there a failure is never XLA's alone.
            if not jit_compile or counter.batches or compiler is None:
                raise
            if self.jit_compile is True:
                first_line = (str(exc).splitlines() or [""])[0][:200]
                warnings.warn(
                    f"{compiler} could not compile the train step ({type(exc).__name__}: "
                    f"{first_line}); training uncompiled instead (jit_compile=False).",
                    RuntimeWarning, stacklevel=6,
                )
            jit_compile = False
            set_train_step_compilation(self.model_, False)
            if isinstance(fit_kwargs.get("x"), SequenceBatches):
                fit_kwargs["x"].restart()  # the same draws as a graph fit from the start
            history = fit()
        self.jit_compile_ = jit_compile
        return history

    # -------------------------------------------------------- after training
    def _raise_if_diverged(self, divergence, X):
        if divergence.diverged:
            raise divergence_error(
                *divergence.diverged, learning_rate=self.learning_rate,
                lr_schedule=self.lr_schedule, clipnorm=self.clipnorm,
                max_abs_input=self._max_abs_input(X))

    def _recalibrate_after_buckets(self, inputs, X):
        """Batch-norm statistics over every valid training step, after training in
        length buckets (see :func:`~._recalibration.recalibrate_front_end`)."""
        batches = inputs.get("x")
        if isinstance(batches, SequenceBatches) and batches.bucketed:
            recalibrate_front_end(self.model_, X, self._valid_steps(X)[0])

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


    def _carry_schedule_states(self, schedule_callbacks):
        # Only partial_fit continues from where the last call left its schedule.
        self._schedule_states = [
            getattr(callback, "carried_state", lambda: None)()
            for callback in schedule_callbacks] if self._partial else None
