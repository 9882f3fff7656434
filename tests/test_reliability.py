"""Failing fits say why and leave the estimator as it was: divergence, exceptions and
interruptions inside training."""

import numpy as np
import pytest
from conftest import ONE_DIRECTION, bump_sequences, ordered_sequences
from sklearn.exceptions import NotFittedError

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor
from sklearn_rnn.augmentation import SequenceAugmenter
from sklearn_rnn.exceptions import DivergenceError
from sklearn_rnn.schedules import CyclicLR

DIVERGING = {"optimizer": "sgd", "learning_rate": 1e38, "augmentation": None,
             "shuffle": False, "differences": False}
"""Plain SGD at this rate overflows the weights in the first epoch: loss NaN (in the
training set's order; shuffled or augmented batches may take a few epochs). With the
step-to-step changes the same rate gave one-direction networks losses of 1e36, large
but finite, and then 0: not the overflow these tests need."""


def tiny(estimator=RNNSequenceClassifier, **kwargs):
    return estimator(**{"units": 3, "epochs": 2, "random_state": 0, **ONE_DIRECTION,
                        **kwargs})


class FailingAugmenter(SequenceAugmenter):
    """Raises ``error`` on its ``fail_at``-th batch (a user's augmenter with a bug, or
    Ctrl-C arriving mid-epoch)."""

    def __init__(self, error=None, fail_at=3):
        super().__init__()
        self.error = error
        self.fail_at = fail_at

    def augment(self, X, lengths=None, rng=None):
        self.calls_ = getattr(self, "calls_", 0) + 1
        if self.calls_ == self.fail_at:
            raise self.error
        return X


def snapshot(estimator, X):
    import keras

    optimizer = [keras.ops.convert_to_numpy(v) for v in estimator.model_.optimizer.variables]
    return ((estimator.predict_proba(X) if hasattr(estimator, "predict_proba")
             else estimator.predict(X)),
            {k: list(v) for k, v in estimator.history_.items()}, estimator.n_iter_, optimizer)


def assert_unchanged(estimator, X, before):
    proba, history, n_iter, optimizer = snapshot(estimator, X)
    np.testing.assert_array_equal(proba, before[0])
    assert history == before[1] and n_iter == before[2]
    assert len(optimizer) == len(before[3])  # the same optimizer, in the same state
    for value, expected in zip(optimizer, before[3], strict=True):
        np.testing.assert_array_equal(value, expected)


@pytest.fixture(scope="module")
def data():
    return ordered_sequences(n_samples=32)


@pytest.fixture(scope="module")
def fitted_clf(data):
    return tiny(batch_size=8).fit(*data)


@pytest.mark.parametrize("network", [{}, ONE_DIRECTION], ids=["default network", "lstm"])
def test_diverging_fit_raises_naming_the_epoch_and_causes(data, network):
    X, y = data
    clf = RNNSequenceClassifier(units=3, epochs=5, random_state=0, **{**network,
                                                                     **DIVERGING})
    with pytest.raises(DivergenceError, match=r"epoch 1\b") as info:
        clf.fit(X, y)
    message = str(info.value)
    assert "learning_rate=1e+38" in message and "clipnorm" in message
    assert info.value.epoch == 1 and not np.isfinite(info.value.loss)
    with pytest.raises(NotFittedError):  # unfitted, not a model that predicts NaN
        clf.predict(X)
    with pytest.raises(DivergenceError):
        clf.set_params(augmentation="auto").fit(X, y)


def test_divergence_error_survives_pickling_across_processes():
    import pickle

    error = pickle.loads(pickle.dumps(DivergenceError("diverged", epoch=3, loss=np.inf)))
    assert isinstance(error, DivergenceError) and isinstance(error, ValueError)
    assert (str(error), error.epoch, error.loss) == ("diverged", 3, np.inf)


def test_divergence_under_a_schedule_names_the_epochs_learning_rate(data):
    X, y = data
    clf = tiny(optimizer="sgd", learning_rate=1.0, lr_schedule=CyclicLR(max_lr=1e38),
               epochs=4, batch_size=8)
    with pytest.raises(DivergenceError, match=r"in that epoch, set by lr_schedule="):
        clf.fit(X, y)


def test_diverging_regressor_names_a_large_input_scale():
    X, y = bump_sequences(n_samples=24)
    reg = tiny(RNNSequenceRegressor, optimizer="sgd", learning_rate=10.0, epochs=5)
    with pytest.raises(DivergenceError, match="Training diverged") as info:
        reg.fit(X * 1e4, y)
    assert "largest |value| in X is" in str(info.value)  # ~4e4: standardise it
    assert "SequenceScaler" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_divergence_in_a_warm_start_fit_keeps_the_fitted_model(data):
    X, y = data
    clf = tiny(differences=False).fit(X, y)  # warm start keeps the network's input
    before = snapshot(clf, X)
    clf.set_params(warm_start=True, **DIVERGING)
    with pytest.raises(DivergenceError):
        clf.fit(X, y)
    assert_unchanged(clf, X, before)
    assert clf.partial_fit(X, y).n_iter_ == before[2] + 1  # its own optimizer again


def test_divergence_in_partial_fit_keeps_the_epochs_before_it():
    X, y = bump_sequences(n_samples=24)
    reg = tiny(RNNSequenceRegressor, optimizer="sgd", learning_rate=10.0)
    diverged = None
    for calls in range(1, 11):  # finite for an epoch or more, then NaN
        before = snapshot(reg, X) if calls > 1 else None
        try:
            reg.partial_fit(X * 100, y)
        except DivergenceError as error:
            diverged = error
            break
    assert calls > 1 and diverged is not None and diverged.epoch == calls
    assert_unchanged(reg, X, before)


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("augmenter bug")],
                         ids=["KeyboardInterrupt", "RuntimeError"])
@pytest.mark.parametrize("call", ["fit", "warm_start fit", "partial_fit"])
def test_interrupted_training_leaves_the_fitted_estimator_as_it_was(data, fitted_clf,
                                                                    error, call):
    # One fitted estimator for every case: each must leave it exactly as it was.
    X, y = data
    before = snapshot(fitted_clf, X)
    fitted_clf.set_params(augmentation=FailingAugmenter(error),
                          warm_start=call == "warm_start fit")
    try:
        with pytest.raises(type(error)):
            if call == "partial_fit":
                fitted_clf.partial_fit(X, y)
            else:
                fitted_clf.fit(X, y)
    finally:
        fitted_clf.set_params(augmentation=None, warm_start=False)
    assert_unchanged(fitted_clf, X, before)


def test_interrupted_first_fit_leaves_the_estimator_unfitted(data):
    X, y = data
    clf = tiny(batch_size=8, augmentation=FailingAugmenter(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert not hasattr(clf, "model_") and not hasattr(clf, "history_")
    with pytest.raises(NotFittedError):
        clf.predict(X)
    clf.set_params(augmentation=None)
    assert clf.fit(X, y).n_iter_ == 2
