"""Fit time without augmentation through Keras' array shuffling (sklearn_rnn before
0.2.0) and through the package's own batches (since), alternating which goes first.

Run: ``python -m benchmarks.reshuffle_speed``; results are in
``benchmarks/results/reshuffle_speed.md``.
"""

import json
import statistics
import time

import numpy as np

from benchmarks._harness import BATCH_PATHS, batch_path
from sklearn_rnn import RNNSequenceClassifier

SHAPES = {"36 x 251 x 1": (36, 251, 1), "256 x 100 x 6": (256, 100, 6)}


def main(rounds=4, epochs=20):
    rng = np.random.default_rng(0)
    for name, (n, steps, features) in SHAPES.items():
        X = rng.normal(size=(n, steps, features)).astype("float32")
        y = np.arange(n) % 3
        times = {path: [] for path in BATCH_PATHS}
        for r in range(rounds):
            order = list(BATCH_PATHS) if r % 2 == 0 else list(BATCH_PATHS)[::-1]
            for path in order:
                clf = RNNSequenceClassifier(augmentation=None, epochs=epochs, tol=None,
                                            random_state=r)
                with batch_path(path):
                    start = time.perf_counter()
                    clf.fit(X, y)
                    times[path].append(time.perf_counter() - start)
        medians = {path: statistics.median(t) for path, t in times.items()}
        print(name, json.dumps({"median_s": medians,
                                "now_over_before": medians["own_batches"]
                                / medians["keras_arrays"], "all": times}), flush=True)


if __name__ == "__main__":
    main()
