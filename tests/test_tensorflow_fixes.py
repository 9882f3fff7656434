"""The TensorFlow graph leak that ``_tensorflow_fixes`` works around, and the fix."""

import gc

import keras
import numpy as np
import pytest
from conftest import ONE_DIRECTION

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn._tensorflow_fixes import release_graphs_with_model

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                reason="a TensorFlow defect")


def registered_functions():
    from tensorflow.python.eager import context

    gc.collect()
    return len(context.context().list_function_names())


def fit_and_drop(fix, rng):
    X = rng.normal(size=(16, 5, 2)).astype("float32")
    y = np.arange(16) % 2
    model = keras.Sequential([keras.Input((None, 2)), keras.layers.LSTM(2),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    model.predict_on_batch(X)
    if fix:
        release_graphs_with_model(model)
        # The model keeps working after the hand-over, and later traces are covered.
        model.fit(X, y, epochs=1, batch_size=8, verbose=0)
        model.predict_on_batch(X[:3])
        release_graphs_with_model(model)


def test_defect_plain_keras_leaks_the_graphs_of_every_dropped_model():
    rng = np.random.default_rng(0)
    fit_and_drop(False, rng)
    before = registered_functions()
    fit_and_drop(False, rng)
    # The LSTM's while loop, the optimizer's conds, ... of a model nobody holds.
    assert registered_functions() - before > 10


def test_fix_released_graphs_are_freed_with_their_model():
    rng = np.random.default_rng(0)
    fit_and_drop(True, rng)
    before = registered_functions()
    fit_and_drop(True, rng)
    fit_and_drop(True, rng)
    assert registered_functions() == before


def test_classifier_fits_and_predicts_leave_nothing_behind(data3d):
    X, y = data3d

    def fit_predict_drop():
        clf = RNNSequenceClassifier(**ONE_DIRECTION, units=3, epochs=1, early_stopping=True,
                                    validation_fraction=0.25, random_state=0)
        clf.fit(X, y).predict_proba(X[:3])
        clf.partial_fit(X, y)
        return clf.predict(X)

    first = fit_predict_drop()
    before = registered_functions()
    np.testing.assert_array_equal(fit_predict_drop(), first)
    assert registered_functions() == before
