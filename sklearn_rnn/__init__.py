"""sklearn_rnn: scikit-learn classifiers and regressors over recurrent neural
networks (LSTM, GRU, SimpleRNN) built with Keras 3.

``import sklearn_rnn`` does not import TensorFlow or Keras: they load when
``RNNSequenceClassifier`` or ``RNNSequenceRegressor`` is first used.
"""

import importlib
import os

__version__ = "0.2.0"
__all__ = ["RNNSequenceClassifier", "RNNSequenceRegressor"]

_LAZY = {"RNNSequenceClassifier": "._classifier", "RNNSequenceRegressor": "._regressor"}


def _match_openmp_thread_limit():
    """Give TensorFlow the thread limit set for OpenMP, unless it has its own.

    joblib's process workers get ``OMP_NUM_THREADS = cpu_count // n_jobs`` and dask
    workers ``OMP_NUM_THREADS=1``, but TensorFlow ignores it and sizes its intra-
    and inter-op thread pools to every core in every worker, so ``n_jobs`` workers
    oversubscribe the CPU. TensorFlow reads ``TF_NUM_INTRAOP_THREADS`` /
    ``TF_NUM_INTEROP_THREADS`` when its runtime starts (the first op, after this
    import: unpickling the estimator in a worker imports this package first).
    """
    limit = os.environ.get("OMP_NUM_THREADS", "").strip()
    if limit.isdigit() and int(limit) > 0:
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", limit)
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", limit)


_match_openmp_thread_limit()


def __getattr__(name):
    if name in _LAZY:
        # Quieten TensorFlow's C++ start-up logging unless the user chose a level.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
