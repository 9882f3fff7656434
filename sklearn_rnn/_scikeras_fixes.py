"""Every fix for a scikeras 0.13 defect, in one module.

``SequenceKerasClassifier`` and ``SequenceKerasRegressor`` are scikeras'
``KerasClassifier`` and ``KerasRegressor`` with these defects fixed, each in its own
method and each covered by ``tests/test_scikeras_fixes.py`` (which also shows the
defect in the plain scikeras class). Fixes 3, 4, 5 and 7 are shared
(:class:`SequenceWrapperFixes`); ``KerasRegressor`` has its own version of fix 1
and none of fixes 2 and 6.

1. Tags: on scikit-learn >= 1.6 ``is_classifier(KerasClassifier())`` and
   ``is_regressor(KerasRegressor())`` are False, so ``cross_val_score`` /
   ``GridSearchCV`` silently use unstratified ``KFold`` for the classifier, and
   ``TransformedTargetRegressor`` / scoring helpers do not see a regressor.
   -> an explicit ``__sklearn_tags__``.
2. ``class_weight`` multiplies the caller's ``sample_weight`` array in place
   (classifier only: ``KerasRegressor`` has no ``class_weight``).
   -> ``fit`` / ``partial_fit`` build a new weight array.
3. ``random_state`` leaves TensorFlow op determinism switched on after ``fit`` when
   the model has random ops (dropout), so later unseeded Keras code in the process
   raises "Random ops require a seed to be set when determinism is enabled".
   -> :func:`keras_seed`, which seeds without touching op determinism.
4. ``n_features_in_`` is ``X.shape[1]``: the number of timesteps for 3D input.
   -> ``_validate_data`` checks sequences and sets features per timestep.
5. ``predict`` / ``predict_proba`` go through ``model.predict``, 80-100 ms per call
   even for one sequence. -> ``_predict_raw`` calls the compiled predict step per
   batch.
6. ``predict_proba`` of a single sequence returns a 1D array: scikeras'
   target encoder ends with ``np.squeeze``. -> ``predict_proba`` returns the
   network's ``(n_samples, n_classes)`` output as it is.
7. ``get_params`` lists every public attribute as a parameter (including anything
   set after ``__init__``). -> parameters come from the ``__init__`` signature, as
   in scikit-learn, plus the other keyword arguments (the routed ``optimizer__*``
   ones, and misspelt names, so that ``clone`` keeps them and ``fit`` rejects them
   in the copy too).

8. ``score`` checks ``y`` against the dtype of the labels seen at fit (a pandas
   Series of the same string labels, or int64 labels after a fit on int32, are
   rejected as unsafe to cast), indexes ``X`` with a boolean mask when
   ``sample_weight`` is given (a list of sequences raises ``TypeError``), and
   raises ``AttributeError`` instead of ``NotFittedError`` before ``fit``.
   -> ``score`` is scikit-learn's: the metric of the predictions.
9. A ``RandomState`` instance as ``random_state`` seeds everything with 0
   (``RandomState.randint(low=1)`` draws from [0, 1)), so two different states
   train identical networks, splits and augmentations. -> the seed is drawn from
   ``[0, 2**31 - 1)`` of a copy of the state (the caller's state is not advanced,
   and the same state gives the same seed, as scikeras intends).

Keras' ``validation_split`` (the last rows, unshuffled and unstratified) is never
used: early stopping makes its own split.

Keeping the fixes here, and the network builder in ``_network`` independent of
scikeras, means the base class can be swapped by changing this module and
``_scikeras_template`` (every call of the template into the package, and what a
swap would take) only.
"""

import contextlib
import random

import keras
import numpy as np
from scikeras.wrappers import BaseWrapper, KerasClassifier, KerasRegressor
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils import ClassifierTags, RegressorTags, column_or_1d
from sklearn.utils.class_weight import compute_sample_weight

from ._compiled_predict import bulk_step, predict_batch
from ._tensorflow_fixes import release_graphs_with_model

PREDICT_BATCH_SIZE = 1024


@contextlib.contextmanager
def keras_seed(seed):
    """Seed Python, NumPy and the Keras backend for the duration of the block.

    Python's and NumPy's global random states are restored afterwards; TensorFlow
    op determinism is left as it was (fix 3).
    """
    if seed is None:
        yield
        return
    with host_seed(seed):
        keras.utils.set_random_seed(int(seed))
        yield


@contextlib.contextmanager
def host_seed(seed):
    """Seed Python's and NumPy's global random states for the duration of the
    block, and restore them afterwards (None: no seeding). Unlike
    :func:`keras_seed` this leaves TensorFlow alone: seeding it clears its kernel
    cache, and the next train step re-instantiates the train function."""
    if seed is None:
        yield
        return
    python_state, numpy_state = random.getstate(), np.random.get_state()
    random.seed(int(seed))
    np.random.seed(int(seed))
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def combined_sample_weight(y, sample_weight, class_weight):
    """``sample_weight`` times the class weights, as a new array (fix 2)."""
    if class_weight is None:
        return None if sample_weight is None else np.array(sample_weight, dtype=float)
    weights = compute_sample_weight(class_weight=class_weight, y=y)
    if sample_weight is not None:
        weights = weights * np.asarray(sample_weight, dtype=float)
    return weights


class SequenceWrapperFixes:
    """The fixes shared by both wrappers (a mixin placed before the scikeras class).

    Subclasses implement ``_keras_build_fn(meta)`` returning a compiled model,
    ``_check_sequences(X, reset)`` returning checked :class:`~._sequences.Sequences`,
    ``_to_model_input(seqs)`` returning the array the model trains on, and
    ``_predict_network(seqs)`` returning the network's outputs.
    """

    # scikeras reads these attributes; they are not parameters of these estimators.
    model = None
    build_fn = None
    metrics = None
    callbacks = None
    validation_split = 0.0
    validation_batch_size = None
    run_eagerly = False

    # Fix 1, the part both share ---------------------------------------------
    def _sequence_tags(self):
        tags = BaseEstimator.__sklearn_tags__(self)
        tags.target_tags.required = True
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        tags.non_deterministic = True
        return tags

    # Fix 7 -----------------------------------------------------------------
    @classmethod
    def _get_param_names(cls):
        return BaseEstimator._get_param_names.__func__(cls)

    def get_params(self, deep=True):
        params = BaseEstimator.get_params(self, deep=deep)
        given = getattr(self, "_keyword_arguments", ())
        params.update(
            (key, value)
            for key, value in vars(self).items()
            if key in given
            or any(key.startswith(prefix + "__") for prefix in self._routing_prefixes)
        )
        return params

    # Fixes 3 and 9 --------------------------------------------------------
    def _build_keras_model(self):
        # scikeras' _initialize has just set _random_state; correct it (fix 9)
        # before the network and everything after it read it.
        if isinstance(self.random_state, np.random.RandomState):
            state = np.random.RandomState()
            state.set_state(self.random_state.get_state())
            self._random_state = int(state.randint(np.iinfo(np.int32).max))
        with keras_seed(self._random_state):
            return self._keras_build_fn(meta=self._get_metadata())

    # Fix 4 -----------------------------------------------------------------
    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        if X is not None:
            seqs = self._check_sequences(X, reset=reset)
            if reset:
                self.n_features_in_ = seqs.n_features
            X = self._to_model_input(seqs)
        if y is not None:
            _, y = super()._validate_data(X=None, y=y, reset=reset, y_numeric=y_numeric)
        return X, y

    # Fix 5 -----------------------------------------------------------------
    def _predict_raw(self, X, **kwargs):
        self._check_fitted()
        outputs = self._predict_network(self._check_sequences(X, reset=False))
        release_graphs_with_model(self.model_, ("predict_function",))
        return outputs

    def _check_fitted(self):
        if not self.initialized_:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' "
                "before using this estimator."
            )

    # Fix 8 -----------------------------------------------------------------
    def score(self, X, y, sample_weight=None):
        """The accuracy (classifier) or the coefficient of determination R^2
        (regressor) of ``predict(X)`` against ``y``.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, in any form ``predict`` accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels or targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sequence weights.

        Returns
        -------
        score : float
            The accuracy (classifier) or R^2 (regressor), weighted by
            ``sample_weight`` when given.
        """
        self._check_fitted()
        if sample_weight is not None:
            sample_weight = column_or_1d(sample_weight)
        return self.scorer(y, self.predict(X), sample_weight=sample_weight)


class _SklearnTagsTail:
    """The last base before ``object`` (fix 1, scikit-learn 1.6): there, any
    ``_more_tags`` in the hierarchy (scikeras' ``BaseWrapper``) makes scikit-learn
    call each class's ``__sklearn_tags__`` in turn, and ``ClassifierMixin`` /
    ``RegressorMixin``, which scikeras places after ``BaseEstimator``, call
    ``super().__sklearn_tags__()`` on ``object``: the lookup fails, and
    scikit-learn falls back to default tags, an estimator that is neither a
    classifier nor a regressor. Behind the mixins, this class answers that call."""

    def __sklearn_tags__(self):
        return BaseEstimator.__sklearn_tags__(self)


class SequenceKerasClassifier(SequenceWrapperFixes, KerasClassifier, _SklearnTagsTail):
    """scikeras' ``KerasClassifier`` for sequence input, with its defects fixed."""

    loss = "sparse_categorical_crossentropy"

    # Fix 1 -----------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = self._sequence_tags()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        return tags

    # Fix 2 -----------------------------------------------------------------
    def fit(self, X, y, sample_weight=None, **kwargs):
        if not (self.warm_start and self.initialized_):
            self.classes_ = None  # a warm start keeps its network, and so its classes
        weights = combined_sample_weight(y, sample_weight, self.class_weight)
        BaseWrapper.fit(self, X, y, sample_weight=weights, **kwargs)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        self.classes_ = classes if classes is not None else getattr(self, "classes_", None)
        weights = combined_sample_weight(y, sample_weight, self.class_weight)
        BaseWrapper.partial_fit(self, X, y, sample_weight=weights, **kwargs)
        return self

    # Fix 6 -----------------------------------------------------------------
    def predict_proba(self, X):
        # The softmax columns follow the ordinal encoding of y, i.e. classes_.
        return self._predict_raw(X)


class SequenceKerasRegressor(SequenceWrapperFixes, KerasRegressor, _SklearnTagsTail):
    """scikeras' ``KerasRegressor`` for sequence input, with its defects fixed."""

    # Fix 1 -----------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = self._sequence_tags()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.target_tags.multi_output = True
        return tags


def predict_on_batches(model, X, batch_size=PREDICT_BATCH_SIZE):
    """Class probabilities for a dense array, through the model's compiled predict
    step, without ``model.predict``'s per-call set-up (fix 5).

    On JAX the predict step is compiled again for every new input shape (0.5-1 s
    each), so batches are padded, by repeating their last row, to a power of two
    rows: at most ``log2(batch_size) + 1`` compilations per sequence length.
    TensorFlow relaxes the shapes it traces by itself and gets no padding; there,
    small batch shapes that recur, and large calls, get an XLA-compiled step
    (``_compiled_predict``).
    """
    pad = keras.backend.backend() == "jax"
    n_full = len(X) // batch_size
    bulk = bulk_step(model, X[:batch_size], n_full) if n_full else None
    outputs = []
    for start in range(0, len(X), batch_size):
        batch = X[start:start + batch_size]
        n = len(batch)
        if bulk is not None:
            size = batch_size
        else:
            size = min(1 << (n - 1).bit_length(), batch_size) if pad else n
        if size > n:
            batch = np.concatenate([batch, np.repeat(batch[-1:], size - n, axis=0)])
        if bulk is not None:
            outputs.append(np.asarray(bulk((batch,)))[:n])
        else:
            outputs.append(predict_batch(model, batch)[:n])
    return outputs[0] if len(outputs) == 1 else np.concatenate(outputs)
