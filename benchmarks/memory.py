"""Memory growth over many consecutive fits in one process (as in a grid search).

Run from the repository root::

    python -m benchmarks.memory                  # 50 fits per variant
    python -m benchmarks.memory --fits 20 --variants ours,keras
    KERAS_BACKEND=jax python -m benchmarks.memory

Each variant runs in a fresh interpreter: it fits a new model on tiny data for one
epoch, predicts on held-out data, drops the model (as ``GridSearchCV`` does with
every candidate), and records the resident set size (RSS, after
``gc.collect()``) after every fit. Growth is measured from the end of the first
fit (which loads the framework and traces its functions for the first time) to
the end of the last one.

Variants:

``ours``
    ``clone(RNNSequenceClassifier(...)).fit(X, y)`` then ``predict_proba``.
``ours+clear_session``
    the same followed by ``keras.backend.clear_session()`` after each fit.
``keras``
    the same network hand-written in Keras: build, compile, ``fit``,
    ``predict_on_batch`` (the baseline: what Keras itself retains).
``scikeras``
    scikeras ``KerasClassifier`` with the same model-building function.

Target (DESIGN.md): less than 300 MB growth over 50 fits.
Results go to ``benchmarks/results/memory.json`` and ``memory.md``.
"""

import argparse
import datetime
import gc
import json
import os
import platform
import sys
import time
from pathlib import Path

from . import _report
from ._models import PLAIN_LSTM

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
VARIANTS = ("ours", "ours+clear_session", "keras", "scikeras")
TARGET_MB = 300


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def tiny_data(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 20, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=64)
    return X, y


def keras_network():
    import keras

    model = keras.Sequential([
        keras.Input((None, 3)), keras.layers.LSTM(8),
        keras.layers.Dense(2, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def one_fit(variant, X, y, X_test):
    import keras

    if variant.startswith("ours"):
        from sklearn.base import clone

        from sklearn_rnn import RNNSequenceClassifier

        clf = clone(RNNSequenceClassifier(units=8, epochs=1, batch_size=16, **PLAIN_LSTM))
        clf.fit(X, y).predict_proba(X_test)
    elif variant == "keras":
        model = keras_network()
        model.fit(X, y, batch_size=16, epochs=1, verbose=0)
        model.predict_on_batch(X_test)
    elif variant == "scikeras":
        from scikeras.wrappers import KerasClassifier

        clf = KerasClassifier(keras_network, loss="sparse_categorical_crossentropy",
                              epochs=1, batch_size=16, verbose=0)
        clf.fit(X, y).predict_proba(X_test)
    else:
        raise ValueError(variant)
    if variant.endswith("+clear_session"):
        keras.backend.clear_session()


def worker(variant, n_fits):
    import keras  # noqa: F401

    if variant.startswith("ours"):
        import sklearn_rnn._classifier  # noqa: F401
    if variant == "scikeras":
        import scikeras.wrappers  # noqa: F401
    gc.collect()
    rss = [rss_mb()]  # after imports, before any fit
    seconds = []
    for i in range(n_fits):
        X, y = tiny_data(i)
        X_test, _ = tiny_data(1000 + i)
        start = time.perf_counter()
        one_fit(variant, X, y, X_test)
        seconds.append(time.perf_counter() - start)
        gc.collect()
        rss.append(rss_mb())
    return {"variant": variant, "rss_mb": rss, "fit_seconds": seconds}


def summarize(run):
    rss = run["rss_mb"]
    n = len(rss) - 1
    last = rss[-min(n, 10):]
    first = rss[-min(n, 20):-10] if n > 20 else rss[1:2]
    return {
        "rss_after_imports_mb": rss[0],
        "rss_after_first_fit_mb": rss[1],
        "rss_after_last_fit_mb": rss[-1],
        "growth_first_to_last_fit_mb": rss[-1] - rss[1],
        "growth_per_fit_mb": (rss[-1] - rss[1]) / max(n - 1, 1),
        "late_growth_per_fit_mb": (sum(last) / len(last) - sum(first) / len(first)) / 10
        if n > 20 else None,
        "median_fit_seconds": sorted(run["fit_seconds"])[len(run["fit_seconds"]) // 2],
    }


def write_markdown(results, path):
    lines = ["# Memory over consecutive fits", "",
             f"Machine: {results['machine']}. Versions: {results['versions']}.",
             f"Command: `{results['command']}` ({results['date']}); backend "
             f"{results['backend']}, {results['fits']} fits per variant (tiny data: 64 "
             "sequences x 20 steps x 3 features, LSTM 8 units, 1 epoch, predict on 64 "
             "more; the model is dropped after each fit).", "",
             "| variant | RSS after imports MB | after fit 1 | after last fit | growth MB "
             "| MB per fit | MB per fit (last 20 fits) | median s per fit |",
             "|---|---|---|---|---|---|---|---|"]
    for name, s in results["summary"].items():
        late = "-" if s["late_growth_per_fit_mb"] is None else \
            f"{s['late_growth_per_fit_mb']:.2f}"
        lines.append(
            f"| {name} | {s['rss_after_imports_mb']:.0f} | {s['rss_after_first_fit_mb']:.0f} "
            f"| {s['rss_after_last_fit_mb']:.0f} | {s['growth_first_to_last_fit_mb']:.0f} | "
            f"{s['growth_per_fit_mb']:.2f} | {late} | {s['median_fit_seconds']:.2f} |")
    lines += ["", f"Target: growth < {TARGET_MB} MB over 50 fits (ours).", ""]
    path.write_text("\n".join(lines))


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "_worker":
        result = worker(argv[1], int(argv[2]))
        with open(argv[3], "w") as f:
            json.dump(result, f)
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks memory",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--fits", type=int, default=50)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--output", default=None,
                        help="path prefix of the results (default "
                             "benchmarks/results/memory[_<backend>])")
    args = parser.parse_args(argv)
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    output = Path(args.output) if args.output else RESULTS / (
        "memory" if backend == "tensorflow" else f"memory_{backend}")
    versions = {pkg: _report._version(pkg, missing=None)
                for pkg in ("tensorflow", "keras", "jax", "scikeras", "scikit-learn")}
    results = {
        "machine": f"{os.cpu_count()} cores, {platform.platform()}",
        "versions": ", ".join(f"{pkg} {v}" for pkg, v in versions.items() if v),
        "command": " ".join(["python -m benchmarks memory", *argv]),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "backend": backend, "fits": args.fits, "runs": {}, "summary": {},
    }
    for variant in args.variants.split(","):
        try:
            run = _report.run_json_worker("benchmarks.memory", [variant, str(args.fits)])
        except RuntimeError as error:
            print(error)
            continue
        results["runs"][variant] = run
        s = results["summary"][variant] = summarize(run)
        print(f"{variant:20s} RSS {s['rss_after_first_fit_mb']:.0f} -> "
              f"{s['rss_after_last_fit_mb']:.0f} MB: growth "
              f"{s['growth_first_to_last_fit_mb']:.0f} MB "
              f"({s['growth_per_fit_mb']:.2f} MB/fit), {s['median_fit_seconds']:.2f} s/fit",
              flush=True)
    print(_report.write_results(output, results, write_markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
