"""RNNSequenceClassifier inside scikit-learn's meta-estimators and tools."""

import pickle

import joblib
import numpy as np
import pytest
from conftest import ONE_DIRECTION, ordered_sequences
from scipy.stats import uniform
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    cross_val_predict,
    cross_val_score,
)
from sklearn.pipeline import FunctionTransformer, make_pipeline

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn._network import CELLS

# Each value of cell_type, n_layers and bidirectional once, without the full
# 12-candidate product: tracing a deep bidirectional network costs seconds even for
# one tiny epoch.
ARCHITECTURE_GRID = [
    {"cell_type": ["gru"], "n_layers": [1], "bidirectional": [False]},
    {"cell_type": ["simple_rnn"], "n_layers": [2], "bidirectional": [True]},
]


def tiny(**kwargs):
    return RNNSequenceClassifier(**{"units": 3, "epochs": 1, "random_state": 0,
                                    **ONE_DIRECTION, **kwargs})


@pytest.fixture(scope="module")
def data():
    return ordered_sequences(n_samples=40, n_timesteps=6)


def test_pipeline(data):
    X, y = data
    pipe = make_pipeline(FunctionTransformer(lambda X: X * 2.0), tiny()).fit(X, y)
    assert pipe.predict_proba(X).shape == (len(X), 2)
    assert pipe.score(X, y) >= 0


def test_grid_search_over_architecture_in_worker_processes(data):
    X, y = data
    search = GridSearchCV(tiny(), ARCHITECTURE_GRID, cv=2, n_jobs=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.predict(X).shape == (len(X),)


def test_randomized_search_samples_a_distribution(data):
    X, y = data
    search = RandomizedSearchCV(
        tiny(), {"cell_type": list(CELLS), "dropout": uniform(0.0, 0.5)},
        n_iter=2, cv=2, random_state=0, refit=False,
    ).fit(X, y)
    dropouts = [params["dropout"] for params in search.cv_results_["params"]]
    assert len(set(dropouts)) == 2 and all(0.0 <= d <= 0.5 for d in dropouts)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_cross_val_score_and_predict_proba(data):
    X, y = data
    scores = cross_val_score(tiny(), X, y, cv=2)
    assert scores.shape == (2,)
    proba = cross_val_predict(tiny(), X, y, cv=2, method="predict_proba")
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_calibrated_classifier(data):
    X, y = data
    calibrated = CalibratedClassifierCV(tiny(), cv=2).fit(X, y)
    assert calibrated.predict_proba(X).shape == (len(X), 2)


def test_clone_is_unfitted_with_same_params(data):
    X, y = data
    clf = tiny(dropout=0.1, optimizer__momentum=0.5, optimizer="sgd").fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "model_")


@pytest.mark.parametrize("dump, load", [
    (pickle.dumps, pickle.loads),
    (lambda obj: joblib_roundtrip_dump(obj), lambda path: joblib.load(path)),
])
def test_pickle_and_joblib_round_trips(data, dump, load, tmp_path):
    X, y = data
    clf = tiny(pooling="max").fit(X, y)
    global _JOBLIB_PATH
    _JOBLIB_PATH = tmp_path / "clf.joblib"
    restored = load(dump(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.classes_, clf.classes_)


def joblib_roundtrip_dump(obj):
    joblib.dump(obj, _JOBLIB_PATH)
    return _JOBLIB_PATH


def test_seed_ensemble_one_liner_averages_the_members(data):
    X, y = data
    ensemble = VotingClassifier(
        [(f"seed{k}", clone(tiny()).set_params(random_state=k)) for k in range(3)],
        voting="soft",
    ).fit(X, y)
    members = [member.predict_proba(X[:5]) for member in ensemble.estimators_]
    assert not np.allclose(members[0], members[1])  # different seeds, different nets
    np.testing.assert_allclose(ensemble.predict_proba(X[:5]), np.mean(members, axis=0),
                               rtol=1e-6)
    ragged = [x[: 4 + i % 4] for i, x in enumerate(X)]  # variable length works too
    assert ensemble.fit(ragged, y).predict(ragged[:3]).shape == (3,)


def test_soft_voting_with_a_classical_model_on_2d_input(data):
    X, y = data
    X2d = X[:, :, 0]
    voting = VotingClassifier(
        [("rnn", tiny()), ("logreg", LogisticRegression())], voting="soft"
    ).fit(X2d, y)
    assert voting.predict_proba(X2d).shape == (len(X), 2)
