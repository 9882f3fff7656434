"""What repeated training batches did: the defaults without augmentation on ACSF1
(seed 0, 60 epochs, no convergence stopping), trained through Keras' array
shuffling, which on TensorFlow repeats one batch order every epoch after a seed
(sklearn_rnn before 0.2.0), and through the package's own batches (since).

Run: ``python -m benchmarks.repeated_batches``; results are in
``benchmarks/results/repeated_batches.md``.
"""

import json

import numpy as np

from benchmarks._data import load_dataset
from benchmarks._harness import BATCH_PATHS, batch_path
from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.preprocessing import SequenceScaler


def main(dataset="ACSF1", epochs=60, seed=0):
    data = load_dataset(dataset)
    scaler = SequenceScaler().fit(data.X_train)
    X_train = np.asarray(scaler.transform(data.X_train), dtype="float32")
    X_test = np.asarray(scaler.transform(data.X_test), dtype="float32")
    for path in BATCH_PATHS:
        with batch_path(path):
            clf = RNNSequenceClassifier(augmentation=None, epochs=epochs, tol=None,
                                        random_state=seed).fit(X_train, data.y_train)
        print(json.dumps({
            "path": path,
            "training accuracy in fit, last epoch": round(clf.history_["accuracy"][-1], 3),
            "training loss in fit, last epoch": round(clf.history_["loss"][-1], 4),
            "training accuracy at predict": round(float(np.mean(
                clf.predict(X_train) == data.y_train)), 3),
            "test accuracy": round(float(np.mean(clf.predict(X_test) == data.y_test)), 3),
        }), flush=True)


if __name__ == "__main__":
    main()
