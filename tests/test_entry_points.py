"""Every public entry point, called once on tiny data: each public class's public
methods and each public function of the API reference (``test_docstrings.PUBLIC``).

With the docstring examples and the modules that train no network, this is the fast
loop (``python -m pytest -q -n 2 -m fast``); the other modules test each entry point
in depth.
"""

import importlib
import inspect

import matplotlib
import numpy as np
import pytest
from conftest import ONE_DIRECTION, bump_sequences, ordered_sequences
from sklearn.pipeline import make_pipeline
from test_docstrings import METHODS, PUBLIC

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor, exceptions, schedules
from sklearn_rnn.augmentation import SequenceAugmenter
from sklearn_rnn.datasets import make_sequence_classification
from sklearn_rnn.inspection import integrated_gradients, permutation_importance
from sklearn_rnn.plotting import (
    plot_attribution,
    plot_history,
    plot_importance,
    plot_lr_schedule,
)
from sklearn_rnn.preprocessing import (
    FromChannelsFirst,
    SequencePadder,
    SequenceScaler,
    TextSequenceVectorizer,
)
from sklearn_rnn.resampling import SequenceOverSampler, SequenceUnderSampler

matplotlib.use("Agg")
pytestmark = pytest.mark.fast

TINY = {"units": 3, "epochs": 2, "random_state": 0, **ONE_DIRECTION}


@pytest.fixture(scope="module")
def classifier():
    X, y = ordered_sequences(n_samples=32)
    return RNNSequenceClassifier(**TINY).fit(X, y), X, y


@pytest.fixture(scope="module")
def regressor():
    X, y = bump_sequences(n_samples=32)
    return RNNSequenceRegressor(**TINY).fit(X, y), X, y


CALLED = set()
"""(public name, method) pairs the tests below called; the last test checks that
every pair of the API reference is among them."""


def called(name, *methods):
    CALLED.update((name, method) for method in methods or (None,))


def test_classifier(classifier):
    clf, X, y = classifier
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), atol=1e-4)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, y) == np.mean(clf.predict(X) == y)
    before = clf.n_iter_
    more = RNNSequenceClassifier(**TINY).partial_fit(X, y, classes=[0, 1])
    more.partial_fit(X, y)
    assert more.n_iter_ == 2 and clf.n_iter_ == before
    called("RNNSequenceClassifier", "fit", "partial_fit", "predict", "predict_proba",
           "predict_log_proba", "score")


def test_regressor(regressor):
    reg, X, y = regressor
    pred = reg.predict(X)
    assert pred.shape == y.shape and np.isfinite(pred).all()
    assert reg.score(X, y) <= 1
    more = RNNSequenceRegressor(**TINY).partial_fit(X, y)
    assert more.n_iter_ == 1 and more.predict(X[:2]).shape == (2,)
    called("RNNSequenceRegressor", "fit", "partial_fit", "predict", "score")


def test_preprocessing():
    X, _ = ordered_sequences(n_samples=6)
    scaler = SequenceScaler().fit(X)
    Z = scaler.transform(X)
    np.testing.assert_allclose(Z.reshape(-1, 2).mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(scaler.inverse_transform(Z), X, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(SequenceScaler().fit_transform(X), Z)
    called("SequenceScaler", "fit", "transform", "fit_transform", "inverse_transform")

    ragged = [X[0, :3], X[1, :5]]
    padder = SequencePadder(value=-1.0).fit(ragged)
    padded = padder.transform(ragged)
    assert padded.shape == (2, 5, 2) and (padded[0, 3:] == -1.0).all()
    np.testing.assert_array_equal(SequencePadder(value=-1.0).fit_transform(ragged), padded)
    called("SequencePadder", "fit", "transform", "fit_transform")

    docs = ["the cat sat", "the dog ran far"]
    vectorizer = TextSequenceVectorizer().fit(docs)
    tokens = vectorizer.transform(docs)
    cat, far = vectorizer.vocabulary_["cat"], vectorizer.vocabulary_["far"]
    assert tokens.shape == (2, 4) and tokens[0, 1] == cat and tokens[1, 3] == far
    assert tokens[0, 3] == 0  # padding
    np.testing.assert_array_equal(TextSequenceVectorizer().fit_transform(docs), tokens)
    called("TextSequenceVectorizer", "fit", "transform", "fit_transform")

    channels_first = np.transpose(X, (0, 2, 1))
    np.testing.assert_array_equal(FromChannelsFirst().fit(channels_first)
                                  .transform(channels_first), X)
    np.testing.assert_array_equal(FromChannelsFirst().fit_transform(channels_first), X)
    called("FromChannelsFirst", "fit", "transform", "fit_transform")


@pytest.mark.parametrize("name", PUBLIC["sklearn_rnn.schedules"])
def test_schedule(name):
    schedule = getattr(schedules, name)()
    schedule.check(0.01)
    rates = schedule.lr_at(np.arange(40), 0.01, 2, 20)
    assert rates.shape == (40,) and ((rates >= 0) & (rates <= 0.1)).all()
    assert schedule.keras_learning_rate(0.01, 5, 20) is not None
    assert isinstance(schedule.keras_callbacks(0.01), list)
    called(name, "lr_at", "check", "keras_learning_rate", "keras_callbacks")


def test_augmentation_and_resampling():
    X, y = make_sequence_classification(n_samples=20, n_timesteps=10, n_features=2,
                                        weights=[0.75, 0.25], random_state=0)
    assert X.shape == (20, 10, 2) and set(y) == {0, 1}
    called("make_sequence_classification")
    augmented = SequenceAugmenter(jitter=0.1, p=1.0, random_state=0).augment(X)
    assert augmented.shape == X.shape and not np.allclose(augmented, X)
    called("SequenceAugmenter", "augment")
    X_over, y_over = SequenceOverSampler(random_state=0).fit_resample(X, y)
    X_under, y_under = SequenceUnderSampler(random_state=0).fit_resample(X, y)
    assert np.bincount(y_over).tolist() == [15, 15] and X_over.shape[1:] == (10, 2)
    assert np.bincount(y_under).tolist() == [5, 5] and len(X_under) == 10
    called("SequenceOverSampler", "fit_resample")
    called("SequenceUnderSampler", "fit_resample")


def test_inspection_and_plotting(classifier):
    clf, X, y = classifier
    result = permutation_importance(clf, X, y, n_repeats=2, random_state=0)
    assert result.importances.shape == (2, 2)
    attribution = integrated_gradients(clf, X[:2], n_steps=8)
    assert attribution.shape == X[:2].shape
    called("permutation_importance")
    called("integrated_gradients")
    assert plot_history(clf) is not None
    assert plot_lr_schedule(schedules.OneCycle(), epochs=4, steps_per_epoch=2) is not None
    assert plot_attribution(X[0], attribution[0]) is not None
    assert plot_importance(result) is not None
    called("plot_history")
    called("plot_lr_schedule")
    called("plot_attribution")
    called("plot_importance")


def test_pipeline_of_public_parts(classifier):
    _, X, y = classifier
    pipe = make_pipeline(SequenceScaler(), RNNSequenceClassifier(**TINY)).fit(X, y)
    assert pipe.predict(X[:3]).shape == (3,)


def test_exceptions_are_exported_with_their_bases():
    assert issubclass(exceptions.DivergenceError, ValueError)
    assert issubclass(exceptions.ChannelsFirstWarning, UserWarning)
    assert issubclass(exceptions.SequenceScaleWarning, UserWarning)
    for name in PUBLIC["sklearn_rnn.exceptions"]:
        called(name)


def test_every_public_entry_point_was_called(request):
    """Runs last: pytest runs a module's tests in order, in one process (xdist's
    ``--dist loadfile``, set in pyproject.toml)."""
    selected = {item.originalname for item in request.session.items
                if item.path == request.path}
    if selected != {name for name in globals() if name.startswith("test_")}:
        pytest.skip("checks what the whole module calls; part of it was selected")
    expected = set()
    for module_name, names in PUBLIC.items():
        module = importlib.import_module(module_name)
        for name in names:
            obj = getattr(module, name)
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                expected.update((name, m) for m in METHODS if hasattr(obj, m))
            else:
                expected.add((name, None))
    assert expected - CALLED == set()
