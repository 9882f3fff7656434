"""Each scikeras 0.13 defect fixed in sklearn_rnn/_scikeras_fixes.py.

Every test first shows the defect on plain ``scikeras.wrappers.KerasClassifier``
or ``KerasRegressor`` (so we notice when scikeras changes), then shows that
RNNSequenceClassifier / RNNSequenceRegressor is free of it.
"""

import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import ONE_DIRECTION, ordered_sequences
from scikeras.wrappers import KerasClassifier, KerasRegressor
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold, check_cv

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor

TF_BACKEND = keras.backend.backend() == "tensorflow"


def plain_network(dropout=0.0):
    return keras.Sequential([
        keras.Input((None, 2)),
        keras.layers.LSTM(4),
        keras.layers.Dropout(dropout),
        keras.layers.Dense(2, activation="softmax"),
    ])


def plain_classifier(**kwargs):
    return KerasClassifier(
        plain_network, loss="sparse_categorical_crossentropy", epochs=1, verbose=0,
        **kwargs,
    )


@pytest.fixture(scope="module")
def plain_fitted():
    """A plain KerasClassifier fitted on the data of ``fitted``, for read-only tests."""
    X, y = ordered_sequences()
    return plain_classifier().fit(X, y)


def forbid_model_predict(estimator):
    """Make ``estimator.model_.predict`` raise; undo with :func:`allow_model_predict`."""
    def forbidden(*args, **kwargs):
        raise AssertionError("model.predict was called")

    estimator.model_.predict = forbidden


def allow_model_predict(estimator):
    del estimator.model_.predict


def sees_estimator_type(check, estimator):
    """``is_classifier`` / ``is_regressor`` of a plain scikeras wrapper: False on
    scikit-learn >= 1.6.1; scikit-learn 1.6.0 cannot read its tags at all."""
    try:
        return check(estimator)
    except AttributeError:
        return False


def test_tags_make_it_a_classifier_with_stratified_cv(data3d):
    _, y = data3d
    assert not sees_estimator_type(is_classifier, plain_classifier())  # the defect
    clf = RNNSequenceClassifier()
    assert is_classifier(clf)
    assert isinstance(check_cv(3, y, classifier=is_classifier(clf)), StratifiedKFold)


def test_class_weight_does_not_modify_callers_sample_weight(data3d):
    X, y = data3d
    weights = np.linspace(0.5, 1.5, len(y))
    original = weights.copy()
    y_unbalanced = np.where(np.arange(len(y)) < 10, 1, 0)
    plain_classifier(class_weight="balanced").fit(X, y_unbalanced, sample_weight=weights)
    assert not np.array_equal(weights, original)  # the defect

    weights = original.copy()
    RNNSequenceClassifier(**ONE_DIRECTION, units=2, epochs=1, class_weight="balanced").fit(
        X, y_unbalanced, sample_weight=weights
    )
    np.testing.assert_array_equal(weights, original)


SCIKERAS_SEEDED_FIT_THEN_UNSEEDED_KERAS = """
import numpy as np, keras
from scikeras.wrappers import KerasClassifier

def network():
    return keras.Sequential([keras.Input((5, 2)), keras.layers.Flatten(),
                             keras.layers.Dropout(0.5),
                             keras.layers.Dense(2, activation="softmax")])

X = np.random.rand(16, 5, 2).astype("float32"); y = np.arange(16) % 2
KerasClassifier(network, loss="sparse_categorical_crossentropy", random_state=0,
                verbose=0).fit(X, y)
model = network()
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(X, y, epochs=1, verbose=0)
print("UNSEEDED-OK")
"""


@pytest.mark.skipif(not TF_BACKEND, reason="op determinism is a TensorFlow setting")
def test_scikeras_random_state_leaves_tf_determinism_on():
    # In a subprocess: the defect breaks every later unseeded fit in its process.
    result = subprocess.run(
        [sys.executable, "-c", SCIKERAS_SEEDED_FIT_THEN_UNSEEDED_KERAS],
        capture_output=True, text=True, timeout=300,
    )
    assert "UNSEEDED-OK" not in result.stdout
    assert "Random ops require a seed" in result.stderr


@pytest.mark.skipif(not TF_BACKEND, reason="op determinism is a TensorFlow setting")
def test_random_state_leaves_unseeded_keras_working(data3d):
    from tensorflow.python.framework import config

    X, y = data3d
    RNNSequenceClassifier(**ONE_DIRECTION, units=2, epochs=1, dropout=0.5, random_state=0).fit(X, y)
    assert not config.is_op_determinism_enabled()
    model = plain_network(dropout=0.5)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, verbose=0)  # raised "Random ops require a seed" before


def test_random_state_instances_give_their_own_seeds(data3d):
    X, y = data3d
    plain = [plain_classifier(random_state=np.random.RandomState(s)).fit(X, y)
             for s in (1, 2)]
    assert plain[0]._random_state == plain[1]._random_state == 0  # the defect

    def probabilities(random_state):
        clf = RNNSequenceClassifier(**ONE_DIRECTION, units=2, epochs=1,
                                    random_state=random_state).fit(X, y)
        return clf._random_state, clf.predict_proba(X)

    state = np.random.RandomState(1)
    (seed_1, p_1), (seed_2, p_2) = probabilities(state), probabilities(np.random.RandomState(2))
    assert seed_1 != seed_2 and not np.array_equal(p_1, p_2)
    seed_again, p_again = probabilities(state)  # the caller's state is not advanced
    assert seed_again == seed_1 and np.array_equal(p_again, p_1)


def test_n_features_in_counts_features_per_timestep(fitted, plain_fitted):
    fixed, X, _ = fitted
    assert plain_fitted.n_features_in_ == X.shape[1]  # the defect
    assert fixed.n_features_in_ == X.shape[2]


def test_predict_proba_does_not_go_through_model_predict(fitted, plain_fitted):
    clf, X, _ = fitted
    expected = clf.predict_proba(X)
    for estimator in (clf, plain_fitted):
        forbid_model_predict(estimator)
    try:
        np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-6)
        with pytest.raises(AssertionError, match="model.predict was called"):
            plain_fitted.predict_proba(X)  # the defect: ~80 ms of set-up per call
    finally:
        for estimator in (clf, plain_fitted):
            allow_model_predict(estimator)


def test_predict_proba_of_one_sequence_is_2d(fitted, plain_fitted):
    clf, X, _ = fitted
    assert plain_fitted.predict_proba(X[:1]).shape == (2,)  # the defect
    assert clf.predict_proba(X[:1]).shape == (1, 2)


def test_get_params_lists_only_constructor_parameters(data3d):
    plain = plain_classifier()
    plain.not_a_parameter = 1
    assert "not_a_parameter" in plain.get_params()  # the defect

    clf = RNNSequenceClassifier(optimizer__momentum=0.9)
    clf.not_a_parameter = 1
    params = clf.get_params()
    assert "not_a_parameter" not in params
    assert params["optimizer__momentum"] == 0.9
    assert clone(clf).get_params()["optimizer__momentum"] == 0.9


def test_score_takes_labels_and_sequences_in_any_form_predict_does(plain_fitted, fitted):
    plain = plain_fitted
    fixed, X, y = fitted
    with pytest.raises(ValueError, match="not safe"):  # the defect: int64 after int32
        clone(plain).fit(X, y.astype(np.int32)).score(X, y.astype(np.int64))
    with pytest.raises(TypeError):  # the defect: lists cannot be masked
        plain.score(list(X), y, sample_weight=np.ones(len(y)))
    with pytest.raises(AttributeError):  # the defect: not NotFittedError
        plain_classifier().score(X, y)

    expected = np.mean(fixed.predict(X) == y)
    on_int32 = clone(fixed).fit(X, y.astype(np.int32))
    assert on_int32.score(X, y) == pytest.approx(np.mean(on_int32.predict(X) == y))
    assert fixed.score(list(X), y, sample_weight=np.ones(len(y))) == pytest.approx(expected)
    weights = (y == y[0]).astype(float)
    assert fixed.score(X, y, sample_weight=weights) == pytest.approx(
        np.mean(fixed.predict(X)[y == y[0]] == y[0]))
    with pytest.raises(NotFittedError):
        RNNSequenceClassifier().score(X, y)


# KerasRegressor: its versions of fixes 1, 4, 5 and 7 (fix 2 does not apply) -----
def plain_regressor():
    def network():
        return keras.Sequential([keras.Input((None, 2)), keras.layers.LSTM(4),
                                 keras.layers.Dense(1)])

    return KerasRegressor(network, loss="mse", epochs=1, verbose=0)


@pytest.fixture(scope="module")
def regression_data():
    X, y = ordered_sequences()
    return X, y.astype(float) + 0.1 * np.arange(len(y))


def tiny_regressor():
    return RNNSequenceRegressor(**ONE_DIRECTION, units=2, epochs=1, random_state=0)


@pytest.fixture(scope="module")
def regressors_fitted(regression_data):
    """The plain KerasRegressor and the tiny RNNSequenceRegressor, fitted."""
    X, y = regression_data
    return plain_regressor().fit(X, y), tiny_regressor().fit(X, y)


def test_regressor_tags_make_it_a_regressor():
    assert not sees_estimator_type(is_regressor, plain_regressor())  # the defect
    assert is_regressor(RNNSequenceRegressor())
    assert RNNSequenceRegressor().__sklearn_tags__().estimator_type == "regressor"


def test_regressor_n_features_in_counts_features_per_timestep(regression_data,
                                                              regressors_fitted):
    X, _ = regression_data
    plain, fixed = regressors_fitted
    assert plain.n_features_in_ == X.shape[1]  # the defect
    assert fixed.n_features_in_ == X.shape[2]


def test_regressor_predict_does_not_go_through_model_predict(regression_data,
                                                             regressors_fitted):
    X, _ = regression_data
    plain, fixed = regressors_fitted
    expected = fixed.predict(X)
    for estimator in regressors_fitted:
        forbid_model_predict(estimator)
    try:
        with pytest.raises(AssertionError, match="model.predict was called"):
            plain.predict(X)  # the defect
        np.testing.assert_allclose(fixed.predict(X), expected, rtol=1e-6)
    finally:
        for estimator in regressors_fitted:
            allow_model_predict(estimator)


def test_regressor_get_params_lists_only_constructor_parameters():
    plain = plain_regressor()
    plain.not_a_parameter = 1
    assert "not_a_parameter" in plain.get_params()  # the defect
    reg = RNNSequenceRegressor(optimizer__momentum=0.9)
    reg.not_a_parameter = 1
    params = reg.get_params()
    assert "not_a_parameter" not in params and params["optimizer__momentum"] == 0.9


def test_regressor_sample_weight_is_not_modified_in_either(regression_data):
    # KerasRegressor has no class_weight, so fix 2's defect is absent there: this
    # test notices if scikeras ever starts modifying the weights.
    X, y = regression_data
    weights = np.linspace(0.5, 1.5, len(y))
    original = weights.copy()
    plain_regressor().fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights, original)
    tiny_regressor().fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights, original)
