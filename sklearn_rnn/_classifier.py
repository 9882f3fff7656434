"""RNNSequenceClassifier: a scikit-learn classifier over LSTM / GRU / SimpleRNN networks."""

import numpy as np
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import column_or_1d

from ._base import BaseRNNSequenceEstimator
from ._docstrings import estimator_doc
from ._parameters import SHARED_PARAMETER_CONSTRAINTS, store_parameters
from ._scikeras_fixes import SequenceKerasClassifier
from ._training import stratified_validation_split

CLASSIFIER_DOC = """Recurrent neural network classifier for sequences (LSTM, GRU or SimpleRNN).

    A scikit-learn classifier: it works in ``Pipeline``, ``GridSearchCV``,
    ``cross_val_score`` and ``CalibratedClassifierCV``. The network is
    ``[Embedding | Masking] -> [SpatialDropout1D] -> [Conv1D -> BatchNorm -> ReLU
    blocks] -> n_layers x (recurrent layer [bidirectional] -> [Dropout]) -> pooling
    -> [Dense relu] -> Dense softmax``,
    trained with sparse categorical cross-entropy. On a machine without a GPU the
    last recurrent layer pools over time inside its loop (the same function and
    weights, faster compiled); with a GPU it returns its output sequence to a
    pooling layer, so that Keras can use its cuDNN kernels (which
    ``recurrent_dropout`` > 0 and compiled training forbid).

    TensorFlow / Keras are imported on first use, not by ``import sklearn_rnn``.

    Parameters
    ----------
$network_parameters\
    class_weight : None, "balanced" or dict, default=None
        Weights per class, keyed by the original labels; ``"balanced"`` uses
        ``n_samples / (n_classes * np.bincount(y))``. Multiplied with
        ``sample_weight``.
$runtime_parameters
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_classes_ : int
        Number of classes.
$shared_attributes\
    history_ : dict of lists
        Per-epoch ``loss``, ``accuracy``, ``lr`` and, with early stopping,
        ``val_loss`` and ``val_accuracy``.
    validation_scores_ : list of float or None
        Validation accuracy per epoch with early stopping, else None.

    See Also
    --------
    RNNSequenceRegressor : The same networks for sequence regression.
    sklearn.neural_network.MLPClassifier : Feed-forward network on tabular data.

$failure_notes
    Examples
    --------
    >>> from sklearn_rnn import RNNSequenceClassifier
    >>> from sklearn_rnn.datasets import make_sequence_classification
    >>> X, y = make_sequence_classification(n_samples=60, n_timesteps=12,
    ...                                     n_features=2, random_state=0)
    >>> clf = RNNSequenceClassifier(units=8, epochs=2, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """


class RNNSequenceClassifier(BaseRNNSequenceEstimator, SequenceKerasClassifier):
    __doc__ = estimator_doc(
        CLASSIFIER_DOC, split="stratified, shuffled", mlp="MLPClassifier",
        conv_downsampling_default='"average"',
        conv_downsampling_evidence=(
            "The default since sklearn_rnn 0.2.0: over the eight aeon datasets (3 "
            "seeds, one 2-core AMD EPYC) the mean accuracy rises from 0.925 to 0.933 "
            "at about 1.15 times the fit time, with ACSF1 (1,460 steps that "
            "oscillate) 0.833 ± 0.060 -> 0.920 ± 0.035, OSULeaf 0.971 -> 0.978 and "
            "ArrowHead 0.857 -> 0.859, against PickupGestureWiimoteZ 0.800 -> 0.767 "
            "(``benchmarks/results/average_downsampling.md``). ``\"stride\"`` is "
            "the front-end of earlier versions."),
        differences_default='"auto"',
        differences_evidence=(
            "On by default since sklearn_rnn 0.2.0: over the eight aeon datasets (3 "
            "seeds, one 2-core AMD EPYC) the mean accuracy rises from 0.912 to 0.925 "
            "at 0.8 times the fit time, with OSULeaf 0.882 -> 0.971 and ArrowHead "
            "0.796 -> 0.857 (level with MiniRocket), against ACSF1 0.863 -> 0.833 and "
            "PickupGestureWiimoteZ 0.813 -> 0.800 "
            "(``benchmarks/results/first_differences.md``)."),
        augmentation_default='"auto"',
        augmentation_evidence=(
            "Measured before the step-to-step changes (``differences=False``): "
            "over the eight aeon classification datasets, 3 seeds, mean test "
            "accuracy 0.922 against 0.900 without it: ahead on six, behind on "
            "ACSF1 (0.890 against 0.913) and ItalyPowerDemand (0.959 against "
            "0.966) (``benchmarks/results/no_augmentation_patient_screen.md``). "
            "Without the time shift (noise and gain only) the mean is 0.909: ACSF1 "
            "gains (0.910 against 0.863 on the same machine), PickupGestureWiimoteZ "
            "(0.760 against 0.813) and OSULeaf (0.858 against 0.882) lose "
            "(``benchmarks/results/augment_no_shift_patient_screen.md``); a shift "
            "capped at 20 steps leaves ACSF1 at 0.860 "
            "(``benchmarks/results/shift_cap_screen.md``). With the changes, the "
            "gain alone (``SequenceAugmenter(scaling=0.1, p=0.5)``) lifts ACSF1 "
            "from 0.833 to 0.903 and drops ArrowHead from 0.857 to 0.722 and "
            "PickupGestureWiimoteZ from 0.800 to 0.640 "
            "(``benchmarks/results/augment_gain_screen.md``); shifts in multiples "
            "of the front-end's total stride (``time_shift_step=4``) score as the "
            "gain alone on both ACSF1 and ArrowHead "
            "(``benchmarks/results/shift_on_stride_screen.md``): the shift by less "
            "than the stride is what helps on smooth series and costs, on series "
            "that oscillate from step to step, a network whose convolutions skip "
            "steps. The default front-end averages instead "
            "(``conv_downsampling=\"average\"``), and keeps the shift's gains "
            "there too: ACSF1 0.920 "
            "(``benchmarks/results/average_downsampling.md``)."))

    _TASK = "classification"
    _SCORE = "accuracy"

    _parameter_constraints = {
        **SHARED_PARAMETER_CONSTRAINTS,
        "class_weight": [None, StrOptions({"balanced"}), dict],
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
        conv_downsampling="average",
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
        class_weight=None,
        augmentation="auto",
        random_state=None,
        verbose=0,
        warm_start=False,
        jit_compile="auto",
        **kwargs,
    ):
        store_parameters(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Train the network on sequences ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of arrays of shape (length_i, n_features)
            Training sequences (token ids when ``embedding_dim`` is set).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sequence weights, multiplied with ``class_weight``.

        Returns
        -------
        self : RNNSequenceClassifier
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

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch, keeping the network and the optimizer state.

        ``classes`` (all labels that will ever be seen) is required on the first
        call. A per-batch ``lr_schedule`` counts an epoch as the first call's
        number of batches: calls of other sizes move it faster or slower (the
        plateau schedule counts calls). Early stopping does not apply to
        ``partial_fit``, nor does
        ``class_weight="balanced"``, which would weight each call by its own
        batch's class counts: pass the weights of the whole training set as a
        dict instead (``sklearn.utils.class_weight.compute_class_weight``).

        Parameters
        ----------
        X : array-like or list of arrays
            Training sequences in any form accepted by :meth:`fit`.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            Every label that will ever be seen; required on the first call,
            ignored afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sequence weights, multiplied with ``class_weight``.

        Returns
        -------
        self : RNNSequenceClassifier
            The fitted estimator.

        Raises
        ------
        ValueError, sklearn_rnn.exceptions.DivergenceError
            As :meth:`fit`; a failed call leaves the model as it was.
        """
        first_call = not self.initialized_
        if first_call and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: each call "
                "would weight its batch by the batch's own class counts. Compute the "
                "weights once from all the training labels and pass them as a dict: "
                "class_weight=dict(zip(classes, compute_class_weight('balanced', "
                "classes=classes, y=y_all)))."
            )
        known = np.unique(column_or_1d(classes)) if first_call else self.classes_
        seqs, y, sample_weight = self._check_fit_inputs(
            X, y, sample_weight, partial=True, classes=known
        )
        return self._partial_fit_sequences(seqs, y, sample_weight, classes=known)

    # ------------------------------------------------------- what differs
    def _check_target(self, y, classes=None):
        y = np.asarray(y)
        if y.ndim != 1 and not (y.ndim == 2 and y.shape[1] == 1):
            raise ValueError(
                f"y should be a 1d array with one label per sequence, got shape {y.shape}."
            )
        y = column_or_1d(y, warn=True)
        target_type = type_of_target(y, input_name="y")
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: y is {target_type!r}; RNNSequenceClassifier "
                "needs class labels (binary or multiclass)."
            )
        if classes is None and len(np.unique(y)) < 2:
            raise ValueError(
                f"y contains 1 class ({np.unique(y)[0]!r}); a classifier needs at "
                "least 2 classes."
            )
        if classes is not None:
            unknown = _unknown_labels(y, classes)
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown.tolist()} not in classes "
                    f"{np.asarray(classes).tolist()}."
                )
        return y

    def _check_warm_start_target(self, y):
        classes = self.classes_
        unknown = _unknown_labels(y, classes)
        if unknown.size:
            raise ValueError(
                f"warm_start=True continues training the fitted network, whose outputs "
                f"are the classes {classes.tolist()}; y has labels "
                f"{unknown.tolist()} it cannot predict. Fit with warm_start=False to "
                "train a network for these classes."
            )

    def _n_outputs(self, meta):
        return meta["n_classes_"]

    def _keras_loss(self):
        return self.loss

    def _keras_metric(self):
        return "accuracy"

    def _validation_split(self, y):
        return stratified_validation_split(y, self.validation_fraction, self._random_state,
                                           labels=self.classes_)

    def _fit_keras_model(self, X, y, sample_weight, **kwargs):
        super()._fit_keras_model(X, np.asarray(y).reshape(-1), sample_weight, **kwargs)

    # ------------------------------------------------------------- predict
    def predict_proba(self, X):
        """Class probabilities of each sequence.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences in any form accepted by :meth:`fit`; lengths may differ from
            those seen in training.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.

        Notes
        -----
        Batches of up to 1024 sequences go through the model's predict step. On
        TensorFlow a batch shape of up to 64 sequences that recurs (the 5th call
        with it on this model, as in a serving loop) is compiled with XLA in a
        background thread, and later calls with that shape use the compiled step
        once it is ready: about 1 ms instead of 5-7 ms for one sequence of 100
        steps on a 2-core CPU. A call of at least 8 full batches of 1024 (or the
        second call of such a batch shape) compiles that shape at once: 10,000
        sequences 1.8x faster than ``model.predict``. The two steps agree to
        float32 rounding. Set the environment variable
        ``SKLEARN_RNN_COMPILED_PREDICT=0`` to keep every call on the graph step.
        """
        return super().predict_proba(X)

    def predict(self, X):
        """Predicted class label of each sequence.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences in any form accepted by :meth:`fit`; lengths may differ from
            those seen in training.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The most probable class of each sequence, from ``classes_``.
        """
        return super().predict(X)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities of each sequence.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences in any form accepted by :meth:`fit`; lengths may differ from
            those seen in training.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``; columns follow ``classes_``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


def _unknown_labels(y, classes):
    """The labels of ``y`` that are not among ``classes``."""
    return np.setdiff1d(np.unique(y), classes)
