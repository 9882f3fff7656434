"""The README's tuning recipes: successive halving on epochs, and Optuna with pruning."""

import numpy as np
import pytest
from conftest import ONE_DIRECTION, bump_sequences, ordered_sequences
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingRandomSearchCV, StratifiedKFold

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor


def tiny(estimator=RNNSequenceClassifier, **kwargs):
    # tol=None: every epoch the search asks for is trained (no convergence stopping).
    return estimator(**{"units": 4, "random_state": 0, "tol": None, "lr_schedule": None,
                        **ONE_DIRECTION, **kwargs})


def test_halving_search_spends_epochs_as_its_resource():
    X, y = ordered_sequences(n_samples=48)
    search = HalvingRandomSearchCV(
        tiny(), {"learning_rate": [1e-3, 1e-2, 3e-2], "units": [3, 4]},
        resource="epochs", min_resources=1, max_resources=2, factor=2, n_candidates=2,
        cv=2, random_state=0,
    ).fit(X, y)
    assert search.n_resources_ == [1, 2]
    assert search.n_candidates_ == [2, 1]
    assert search.best_params_["epochs"] == 2
    assert search.best_estimator_.n_iter_ == 2
    assert search.predict_proba(X[:3]).shape == (3, 2)


@pytest.fixture
def optuna():
    return pytest.importorskip("optuna")


@pytest.fixture
def OptunaSearchCV(optuna):
    return pytest.importorskip("optuna_integration").OptunaSearchCV


def test_optuna_search_prunes_hopeless_trials_epoch_by_epoch(optuna, OptunaSearchCV):
    distributions = optuna.distributions
    X, y = ordered_sequences(n_samples=64)
    max_epochs = 4
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1))
    search = OptunaSearchCV(
        tiny(epochs=max_epochs),
        # 1e-7 cannot learn in 4 epochs; 3e-2 learns this task in 2-3.
        {"learning_rate": distributions.CategoricalDistribution([1e-7, 3e-2]),
         "cell_type": distributions.CategoricalDistribution(["lstm", "gru"])},
        cv=StratifiedKFold(2), n_trials=4, enable_pruning=True, max_iter=max_epochs,
        study=study, random_state=0, verbose=0,
    ).fit(X, y)
    states = [trial.state for trial in study.trials]
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned, states
    # A pruned trial stopped before its last epoch, and it was a hopeless one.
    assert all(len(t.intermediate_values) < max_epochs for t in pruned)
    assert all(t.params["learning_rate"] == 1e-7 for t in pruned)
    assert search.best_params_["learning_rate"] == 3e-2
    assert search.best_score_ > 0.9
    # The refit trains with fit(): the estimator's own epochs.
    assert search.best_estimator_.n_iter_ == max_epochs


def test_optuna_search_drives_the_regressor(optuna, OptunaSearchCV):
    distributions = optuna.distributions
    X, y = bump_sequences(n_samples=40)
    search = OptunaSearchCV(
        tiny(RNNSequenceRegressor, epochs=2),
        {"learning_rate": distributions.FloatDistribution(1e-3, 3e-2, log=True)},
        cv=2, n_trials=2, enable_pruning=True, max_iter=2, random_state=0,
        scoring="neg_root_mean_squared_error", verbose=0,
    ).fit(X, y)
    assert len(search.trials_) == 2
    assert search.predict(X[:3]).shape == (3,)
    assert np.isfinite(search.best_score_)
