"""GridSearchCV on a local dask.distributed cluster (two worker processes).

The estimator is pickled to the workers, fitted there (each worker imports Keras
on first use) and the scores come back: what a real cluster does, on this machine.
About 45-60 s on the shared 2-core machine, most of it the workers importing
TensorFlow.
Skipped when dask.distributed is not installed (``pip install "dask[distributed]"``).
"""

import os

import numpy as np
import pytest
from conftest import ONE_DIRECTION, ordered_sequences
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import RNNSequenceClassifier

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


def _worker_environment():
    """Runs on a dask worker: its pid, backend and thread settings."""
    import keras

    return {
        "pid": os.getpid(),
        "backend": keras.backend.backend(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
        # The workers inherit this process's environment, including KERAS_BACKEND.
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def test_grid_search_on_dask_cluster(client):
    X, y = ordered_sequences(n_samples=32, n_timesteps=6)
    grid = {"units": [2, 3]}
    search = GridSearchCV(
        RNNSequenceClassifier(**ONE_DIRECTION, epochs=1, batch_size=16, random_state=0),
        grid, cv=2, error_score="raise", refit=False,
    )
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        search.fit(X, y)

    assert len(search.cv_results_["params"]) == 2
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["units"] in (2, 3)
    # The candidates ran on the cluster's workers, with this process's Keras backend.
    assert tasks.data, "no task ran on the dask cluster"
    workers = client.run(_worker_environment)
    assert len(workers) == 2
    assert os.getpid() not in {w["pid"] for w in workers.values()}
    assert {w["backend"] for w in workers.values()} == {_worker_environment()["backend"]}
    # dask's nanny limits OpenMP / BLAS threads in its workers to one each.
    assert {w["omp_num_threads"] for w in workers.values()} == {"1"}
