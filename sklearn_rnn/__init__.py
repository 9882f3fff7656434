"""sklearn_rnn: scikit-learn classifiers over recurrent neural networks (LSTM, GRU,
SimpleRNN) built with Keras 3.

``import sklearn_rnn`` does not import TensorFlow or Keras: they load when
``RNNSequenceClassifier`` is first used.
"""

import importlib
import os

__version__ = "0.1.0"
__all__ = ["RNNSequenceClassifier"]

_LAZY = {"RNNSequenceClassifier": "._classifier"}


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
