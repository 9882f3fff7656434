"""RNNSequenceRegressor: a scikit-learn regressor over LSTM / GRU / SimpleRNN networks."""

import keras
import numpy as np
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_array

from ._base import BaseRNNSequenceEstimator
from ._docstrings import estimator_doc
from ._parameters import SHARED_PARAMETER_CONSTRAINTS, store_parameters
from ._scikeras_fixes import SequenceKerasRegressor
from ._targets import TargetStandardizer
from ._training import shuffled_validation_split

LOSSES = ("mse", "mae", "huber")

REGRESSOR_DOC = """Recurrent neural network regressor for sequences (LSTM, GRU or SimpleRNN).

    A scikit-learn regressor with the networks and training of
    :class:`RNNSequenceClassifier`: it works in ``Pipeline``, ``GridSearchCV``
    (``scoring="neg_root_mean_squared_error"``), ``cross_val_predict``,
    ``TransformedTargetRegressor`` and ``MultiOutputRegressor``. The network is
    ``[Embedding | Masking] -> [SpatialDropout1D] -> [Conv1D -> BatchNorm -> ReLU
    blocks] -> n_layers x (recurrent layer [bidirectional] -> [Dropout]) -> pooling
    -> [Dense relu] -> Dense linear`` with one output per target, trained on the
    standardised targets with ``loss``; predictions are in the units of ``y``.

    TensorFlow / Keras are imported on first use, not by ``import sklearn_rnn``.

    Parameters
    ----------
$network_parameters\
    loss : {"mse", "mae", "huber"}, default="mse"
        Training loss: mean squared error, mean absolute error, or Huber (squared
        within one standard deviation of the target, absolute beyond: robust to
        outliers), on the standardised targets.
    standardize_target : bool, default=True
        Train on each target minus its mean, divided by its standard deviation
        (learned at fit, on the first call of ``partial_fit``), and turn the
        predictions back into the original units: multiplying ``y`` by 1,000
        multiplies the predictions by 1,000 and leaves R^2 unchanged, and targets
        whose spread is 0.04 or 40,000 train as well as unit-scale ones with the
        default learning rate. False trains on ``y`` as given (its scale then
        sets what the loss, ``tol`` and ``learning_rate`` mean).
$runtime_parameters
    Attributes
    ----------
    n_outputs_ : int
        Number of targets (1 for ``y`` of shape ``(n_samples,)``).
    target_encoder_ : TargetStandardizer
        The standardisation learned at fit: ``mean_`` and ``scale_`` per target.
$shared_attributes\
    history_ : dict of lists
        Per-epoch ``loss`` (in standardised units), ``r2`` (R^2 on the training
        batches, averaged over them), ``lr`` and, with early stopping,
        ``val_loss`` and ``val_r2``.
    validation_scores_ : list of float or None
        R^2 of the validation set per epoch with early stopping, else None.

    See Also
    --------
    RNNSequenceClassifier : The same networks for sequence classification.
    sklearn.neural_network.MLPRegressor : Feed-forward network on tabular data.

$failure_notes
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNSequenceRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 12, 2)).astype("float32")
    >>> y = 1000 * X[:, :, 0].sum(axis=1)
    >>> reg = RNNSequenceRegressor(units=8, epochs=2, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """


class RNNSequenceRegressor(BaseRNNSequenceEstimator, SequenceKerasRegressor):
    __doc__ = estimator_doc(
        REGRESSOR_DOC, split="shuffled (not stratified)", mlp="MLPRegressor",
        conv_downsampling_default='"stride"',
        conv_downsampling_evidence=(
            "The regressor keeps the strided blocks: with averaged windows the test "
            "RMSE rose on Covid3Month (0.0445 -> 0.0553) and fell on "
            "CardanoSentiment (0.3290 -> 0.3175), 3 seeds "
            "(``benchmarks/results/regression_downsampling_screen.md``); the "
            "classifier gains with them on series that oscillate, whose time "
            "shifts by its default augmentation the strided blocks cannot follow "
            "(``average_downsampling.md``)."),
        differences_default='"auto"',
        differences_evidence=(
            "On by default since sklearn_rnn 0.2.0: on both aeon regression "
            "datasets (3 seeds) the test RMSE falls, Covid3Month 0.0524 -> 0.0445 "
            "and CardanoSentiment 0.3442 -> 0.3290, at the same fit time "
            "(``benchmarks/results/regression_differences_screen.md``)."),
        augmentation_default="None",
        augmentation_evidence=(
            "Off by default for regression: a random gain or shift can change what "
            "the target measures, and it has not been measured on regression data."))

    _TASK = "regression"
    _SCORE = "r2"

    _parameter_constraints = {
        **SHARED_PARAMETER_CONSTRAINTS,
        "loss": [StrOptions(set(LOSSES))],
        "standardize_target": ["boolean"],
    }

    def __init__(
        self,
        cell_type="lstm",
        *,
        units=64,
        n_layers=1,
        bidirectional=True,
        pooling="max",
        conv_filters="auto",
        conv_kernel_size=(8, 5, 3),
        conv_stride=(2, 2, 1),
        conv_shortcut=False,
        conv_downsampling="stride",
        length_feature=False,
        differences="auto",
        dense_units=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        spatial_dropout=0.0,
        l2=0.0,
        embedding_dim=None,
        vocab_size=None,
        embedding_l2=0.0,
        mask_value=None,
        optimizer="adam",
        learning_rate=1e-3,
        weight_decay=None,
        clipnorm=None,
        lr_schedule="plateau",
        epochs=300,
        batch_size="auto",
        shuffle=True,
        length_buckets="auto",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=60,
        tol=1e-4,
        restore_best_weights=False,
        loss="mse",
        standardize_target=True,
        augmentation=None,
        random_state=None,
        verbose=0,
        warm_start=False,
        jit_compile="auto",
        **kwargs,
    ):
        store_parameters(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Train the network on sequences ``X`` with real targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of arrays of shape (length_i, n_features)
            Training sequences (token ids when ``embedding_dim`` is set).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; predictions take the same shape.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sequence weights.

        Returns
        -------
        self : RNNSequenceRegressor
            The fitted estimator.

        Raises
        ------
        ValueError
            Invalid parameters or input, before any training.
        sklearn_rnn.exceptions.DivergenceError
            The training loss became NaN or infinite; the estimator is left as it
            was before the call.
        """
        return self._fit_sequences(X, y, sample_weight)

    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch, keeping the network and the optimizer state.

        The first call learns the target standardisation from its ``y``. A
        per-batch ``lr_schedule`` counts an epoch as the first call's number of
        batches: calls of other sizes move it faster or slower (the plateau
        schedule counts calls). Early stopping does not apply to ``partial_fit``.

        Parameters
        ----------
        X : array-like or list of arrays
            Training sequences in any form accepted by :meth:`fit`.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sequence weights.

        Returns
        -------
        self : RNNSequenceRegressor
            The fitted estimator.

        Raises
        ------
        ValueError, sklearn_rnn.exceptions.DivergenceError
            As :meth:`fit`; a failed call leaves the model as it was.
        """
        seqs, y, sample_weight = self._check_fit_inputs(X, y, sample_weight,
                                                        partial=True)
        return self._partial_fit_sequences(seqs, y, sample_weight)

    def predict(self, X):
        """Predicted targets of each sequence, in the units of ``y``.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences in any form accepted by :meth:`fit`; lengths may differ from
            those seen in training.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The shape of the ``y`` given to fit.
        """
        return super().predict(X)

    # ------------------------------------------------------- what differs
    @property
    def target_encoder(self):
        return TargetStandardizer(standardize=self.standardize_target)

    def _check_target(self, y):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 0:
            raise ValueError("y has 0 targets per sequence; give at least one.")
        try:
            y = check_array(y, ensure_2d=False, dtype=np.float64, estimator=self,
                            input_name="y")
        except ValueError as exc:
            raise ValueError(
                f"y must hold finite numbers, one row per sequence, of shape "
                f"(n_samples,) or (n_samples, n_outputs): {exc}"
            ) from None
        return y

    def _check_warm_start_target(self, y):
        fitted = "(n_samples,)" if self.y_ndim_ == 1 else \
            f"(n_samples, {self.target_encoder_.n_outputs_})"
        given = "(n_samples,)" if y.ndim == 1 else f"(n_samples, {y.shape[1]})"
        if given != fitted:
            raise ValueError(
                f"warm_start=True continues training the fitted network, fitted on y "
                f"of shape {fitted}; this y has shape {given}. Pass y in the shape of "
                "the first fit, or fit with warm_start=False to train a new network."
            )

    def _n_outputs(self, meta):
        return meta["n_outputs_"]

    def _keras_loss(self):
        return self.loss

    def _keras_metric(self):
        return keras.metrics.R2Score(name=self._SCORE)

    def _validation_split(self, y):
        return shuffled_validation_split(len(y), self.validation_fraction,
                                         self._random_state)
