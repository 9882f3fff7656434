"""What the sequence classifier and the sequence regressor share, composed from
one mixin per concern: the inputs (``_inputs``), training (``_fitting``),
prediction (``_prediction``) and the scikeras template's calls into the package
(``_scikeras_template``).

:class:`BaseRNNSequenceEstimator` is placed before the scikeras wrapper
(``_scikeras_fixes``) in each estimator's bases, as ``BaseMultilayerPerceptron``
is shared by ``MLPClassifier`` and ``MLPRegressor``; reading it shows the steps
of ``fit`` in order. A subclass says only what differs: its own parameters, how
``y`` is checked (``_check_target``), the output layer (``_TASK`` and
``_n_outputs``), the loss and metric (``_keras_loss``, ``_keras_metric``,
``_SCORE``) and how the early-stopping set is drawn (``_validation_split``).

Importing this module registers the package's Keras layers and its per-batch
schedule with Keras, so that a pickled estimator, or its ``model_`` saved as a
``.keras`` file, loads in a process that has not fitted one.
"""

from ._compilation import gpu_available
from ._fitting import TrainingMixin
from ._inputs import SequenceInputMixin
from ._keras_fixes import use_this_backends_optimizer
from ._keras_schedules import EpochLearningRateSchedule  # noqa: F401 (registered, see above)
from ._network import build_network
from ._parameters import NETWORK_PARAMS
from ._persistence import checked_state, with_version
from ._prediction import PredictionBatchingMixin
from ._scikeras_template import ScikerasTemplateHooks
from ._tensorflow_fixes import build_loss_and_metrics


class BaseRNNSequenceEstimator(SequenceInputMixin, TrainingMixin, PredictionBatchingMixin,
                               ScikerasTemplateHooks):
    """The shared machinery of the recurrent sequence estimators (a mixin: see the
    module docstring for what a subclass provides)."""

    _TASK = None
    """``"classification"`` or ``"regression"``: the output layer of the network."""

    _SCORE = None
    """The Keras metric logged per epoch (``history_[_SCORE]``), whose validation
    values are ``validation_scores_``."""

    # ------------------------------------------------------------------ fit
    def _fit_sequences(self, X, y, sample_weight, **target_options):
        """``fit``: check, then build and train through the scikeras template
        (which calls ``_build_model`` unless warm-starting, then ``_train``)."""
        seqs, y, sample_weight = self._check_fit_inputs(X, y, sample_weight,
                                                        **target_options)
        with self._all_or_nothing(continuing=self.warm_start):
            self._partial = False
            return self._template_fit(seqs, y, sample_weight)

    def _partial_fit_sequences(self, seqs, y, sample_weight, **kwargs):
        """``partial_fit`` on checked inputs: one epoch through the template."""
        with self._all_or_nothing(continuing=True):
            self._partial = True
            return self._template_partial_fit(seqs, y, sample_weight, **kwargs)

    def _build_model(self, *, n_features, n_outputs, vocab_size):
        """The network for these parameters and data, compiled."""
        params = {name: getattr(self, name) for name in NETWORK_PARAMS}
        params.update(conv_filters=self.conv_filters_, conv_stride=self.conv_stride_)
        network_meta = {
            "n_features": n_features,
            "n_outputs": n_outputs,
            "task": self._TASK,
            "vocab_size": vocab_size,
            "mask_value": None if self._uses_tokens() else self._model_mask_value(),
            "pool_in_loop": not gpu_available(),
            "length_scaling": self._length_scaling,
            "difference_scaling": self._difference_scaling,
        }
        model = build_network(params, network_meta)
        self._compile(model, self.learning_rate)
        return model

    def _train(self, X, y, sample_weight, *, epochs, initial_epoch):
        """One training call on the model input: ``epochs`` epochs from
        ``initial_epoch`` (0: a new fit, or the first ``partial_fit``)."""
        X = self._left_aligned(X)[0]  # the validation split too, as at predict
        X, y, sample_weight, validation_data = self._split_validation(X, y, sample_weight)
        self.batch_size_ = self._resolved_batch_size(len(X))
        if initial_epoch == 0:  # a new fit, or the first partial_fit: fresh optimizer
            self._compile(self.model_, self._scheduled_learning_rate(len(X)))
        build_loss_and_metrics(self.model_, y)
        callbacks = self._training_callbacks(initial_epoch, validation_data)
        seed = self._epoch_seed(initial_epoch)
        inputs, steps_per_epoch, n_shapes = self._training_inputs(
            X, y, sample_weight, seed=seed)
        jit_compile = self._jit_compile_for(
            epochs * steps_per_epoch, n_shapes + self._validation_shapes(validation_data))
        history = self._run_training(
            inputs, callbacks.keras, epochs=epochs, initial_epoch=initial_epoch,
            validation_data=validation_data, jit_compile=jit_compile, seed=seed)
        self._raise_if_diverged(callbacks.divergence, X)
        self._recalibrate_after_buckets(inputs, X)
        self._record_history(history.history, initial_epoch, callbacks.early_stopping,
                             callbacks.best_training_epoch)
        self._carry_schedule_states(callbacks.schedule)

    # ---------------------------------------------------------- persistence
    def __getstate__(self):
        return with_version(super().__getstate__())

    def __setstate__(self, state):
        super().__setstate__(checked_state(state, type(self).__name__))
        model = getattr(self, "model_", None)
        optimizer = use_this_backends_optimizer(model)
        if optimizer is not None and optimizer is not model.optimizer:
            self._compile(model, optimizer=optimizer)  # saved on another backend

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
