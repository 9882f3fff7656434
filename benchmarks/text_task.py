"""Token input: does the convolutional front-end cost accuracy on short sentences?

A generated sentiment task: sentences of 8 tokens, one of which is a positive or a
negative word among neutral ones (its position random); 120 training sentences, 400
test sentences, ``TextSequenceVectorizer`` then ``RNNSequenceClassifier(embedding_dim=8)``.
Each front-end setting is trained with the package's epochs and with 15, over
``--seeds`` seeds; the test accuracy's mean and spread are reported
(``python -m benchmarks text_task``).
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from . import _report  # noqa: E402

NEUTRAL = [f"word{i}" for i in range(40)]
POSITIVE = ["great", "loved", "wonderful", "happy", "superb", "fun"]
NEGATIVE = ["boring", "hated", "terrible", "sad", "dull", "awful"]

SETTINGS = {
    "front-end strides (2, 2, 1)": {"conv_filters": (64, 64, 64), "conv_stride": (2, 2, 1)},
    'front-end conv_stride="auto"': {"conv_filters": (64, 64, 64), "conv_stride": "auto"},
    "no front-end": {"conv_filters": None},
}


def sentences(n, seed, length=8):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    texts = []
    for label in y:
        words = list(rng.choice(NEUTRAL, size=length - 1))
        words.insert(int(rng.integers(0, length)),
                     str(rng.choice(POSITIVE if label else NEGATIVE)))
        texts.append(" ".join(words))
    return texts, y


def run(settings, *, seed, epochs):
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import RNNSequenceClassifier
    from sklearn_rnn.preprocessing import TextSequenceVectorizer

    X_train, y_train = sentences(120, seed=100 + seed)
    X_test, y_test = sentences(400, seed=200 + seed)
    extra = {} if epochs is None else {"epochs": epochs}
    pipe = make_pipeline(TextSequenceVectorizer(), RNNSequenceClassifier(
        embedding_dim=8, random_state=seed, **settings, **extra))
    started = time.perf_counter()
    pipe.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - started
    clf = pipe[-1]
    return {"accuracy": float(pipe.score(X_test, y_test)), "fit_seconds": fit_seconds,
            "epochs_run": clf.n_iter_, "conv_stride_": clf.conv_stride_}


def main(argv=None):
    from .accuracy import _parse_seeds

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks text_task",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="3", help="a number of seeds or a list")
    parser.add_argument("--output", default=str(_report.RESULTS / "text_task"),
                        help="path prefix of the .json and .md results")
    args = parser.parse_args(argv)
    results = {"command": " ".join(["python -m benchmarks text_task", *argv]),
               "date": datetime.datetime.now().isoformat(timespec="seconds"),
               "machine": _report.machine_info(), "rows": []}
    for seed in _parse_seeds(args.seeds):
        for epochs in (None, 15):
            for name, settings in SETTINGS.items():
                row = {"setting": name, "epochs": epochs or "package default",
                       "seed": seed, **run(settings, seed=seed, epochs=epochs)}
                results["rows"].append(row)
                print(f"{name} epochs={row['epochs']} seed={seed}: "
                      f"{row['accuracy']:.3f} ({row['fit_seconds']:.0f} s, "
                      f"{row['epochs_run']} epochs)", flush=True)
    print(_report.write_results(args.output, results, write_markdown))
    return 0


def write_markdown(results, path):
    lines = ["# Token input: the front-end on short sentences", "",
             f"Command: `{results['command']}` ({results['date']})", "",
             _report.machine_markdown(results["machine"]),
             __doc__.split("\n\n")[1].replace("\n", " "), "",
             "| setting | epochs | test accuracy (mean ± std) | min | fit s (median) "
             "| strides used |", "|---|---|---:|---:|---:|---|"]
    for name in SETTINGS:
        for epochs in ("package default", 15):
            rows = [r for r in results["rows"]
                    if r["setting"] == name and r["epochs"] == epochs]
            acc = np.array([r["accuracy"] for r in rows])
            lines.append(
                f"| {name} | {epochs} | {acc.mean():.3f} ± {acc.std():.3f} | "
                f"{acc.min():.3f} | {np.median([r['fit_seconds'] for r in rows]):.1f} | "
                f"{rows[0]['conv_stride_']} |")
    Path(path).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
