"""Variable-length training: length buckets against padding to the longest
(``python -m benchmarks throughput --parts varlen``)."""

import statistics
import time

from ._harness import (
    epoch_figures,
    fmt,
    per_round_ratio,
    ranged,
    round_robin,
    run_worker,
    summarize,
    wait_until_quiet,
)
from ._models import DEFAULT_RECURRENT
from ._network_a import N_CLASSES, N_FEATURES, UNITS, keras_model
from .train import _clocked_keras_fits, _EpochClock

VARLEN_CONTESTANTS = ("ours", "keras_padded", "keras_padded_1thread")
VARLEN_BATCH_SIZE = 32  # the package's default: more batches, so more to gain from buckets
VARLEN_ENV = {"keras_padded_1thread": {"TF_NUM_INTRAOP_THREADS": "1"}}


def variable_length_data(dataset, n_samples, seed=0):
    """Variable-length sequences: ``"synthetic"`` (lengths uniform in 50-1000, the
    class sets where a bump sits, as ``make_data``) or ``"JapaneseVowels"`` (aeon's
    training split, lengths 7-29, 12 channels)."""
    import numpy as np

    if dataset == "JapaneseVowels":
        from aeon.datasets import load_classification

        X, y = load_classification("JapaneseVowels", split="train")
        X = [np.asarray(x, dtype=np.float32).T for x in X]
        return X, np.unique(y, return_inverse=True)[1]
    rng = np.random.default_rng(seed)
    lengths = rng.integers(50, 1001, size=n_samples)
    y = rng.integers(0, N_CLASSES, size=n_samples)
    X = []
    for length, label in zip(lengths, y, strict=True):
        x = rng.normal(size=(length, N_FEATURES)).astype(np.float32)
        x[int((label + 0.5) * length / N_CLASSES), 0] += 3.0
        X.append(x)
    return X, y


def worker_varlen(spec):
    """One variable-length training run: ours (length buckets) or hand-written
    Keras on the sequences padded to the longest and masked (what the package did
    before buckets), both on the package's default network."""
    import keras

    from sklearn_rnn import RNNSequenceClassifier
    from sklearn_rnn._inputs import PAD_VALUE
    from sklearn_rnn._sequences import pad_sequences

    X, y = variable_length_data(spec["dataset"], spec["n_samples"])
    keras.utils.set_random_seed(0)
    clock = _EpochClock()
    busy_before = wait_until_quiet()
    with _clocked_keras_fits(clock):
        start = time.perf_counter()
        if spec["contestant"] == "ours":
            clf = RNNSequenceClassifier(units=UNITS, epochs=spec["epochs"],
                                        batch_size=VARLEN_BATCH_SIZE, random_state=0,
                                        **DEFAULT_RECURRENT).fit(X, y)
            extra = {"jit_compile_": bool(clf.jit_compile_)}
        else:
            padded = pad_sequences(X, value=PAD_VALUE)
            model = keras_model(X[0].shape[1], int(y.max()) + 1, network="default",
                                mask_value=PAD_VALUE)
            model.fit(padded, y, batch_size=VARLEN_BATCH_SIZE, epochs=spec["epochs"],
                      shuffle=True, verbose=0)
            extra = {}
        end = time.perf_counter()
    lengths = [len(x) for x in X]
    return {"contestant": spec["contestant"], "dataset": spec["dataset"],
            **epoch_figures(len(X), start, clock.epoch_ends, clock.cpu_ends, end),
            "lengths": [min(lengths), int(statistics.median(lengths)), max(lengths)],
            "other_processes_cores_busy": busy_before, **extra}



def measure_varlen(backend, settings, log):
    results = {}
    for dataset in ("synthetic", "JapaneseVowels"):
        epochs = settings["varlen_epochs"] if dataset == "synthetic" \
            else settings["vowels_epochs"]

        def run(contestant, dataset=dataset, epochs=epochs):
            spec = {"contestant": contestant, "dataset": dataset, "epochs": epochs,
                    "n_samples": settings["varlen_samples"]}
            return run_worker("varlen", spec, backend, env=VARLEN_ENV.get(contestant))

        rounds = round_robin(VARLEN_CONTESTANTS, settings["varlen_rounds"], run, log,
                              f"variable length, {dataset}")
        results[dataset] = {
            "per_contestant": summarize(rounds, (
                "steady_seq_per_s", "fit_seq_per_s", "fit_seconds", "first_epoch_seconds",
                "other_processes_cores_busy")),
            "ratios": {f"ours/{b}": {key: per_round_ratio(rounds, "ours", b, key)
                                     for key in ("steady_seq_per_s", "fit_seq_per_s")}
                       for b in VARLEN_CONTESTANTS[1:]},
            "rounds": rounds, "epochs": epochs,
        }
    return results



def markdown(res, results):
    """The variable-length section of one backend's report."""
    lines = []
    lines += ["### Variable-length training (the package's default network, batch "
              f"{VARLEN_BATCH_SIZE})", "",
              "`ours` trains in length buckets (each batch padded to its own "
              "length); `keras_padded` is hand-written Keras on the sequences "
              "padded to the longest and masked, which is what the package did "
              "before buckets (within 2.5% of hand-written Keras, "
              "`train_quick.md`); `keras_padded_1thread` the same with one "
              "intra-op thread, to separate the buckets' share from the "
              "threads'.", "",
              "| data | lengths (min / median / max) | epochs | contestant | "
              "steady seq/s | whole fit s |", "|---|---|---|---|---|---|"]
    for dataset, v in res["varlen"].items():
        for c, figures in v["per_contestant"].items():
            lengths = " / ".join(str(n) for n in figures.get("lengths", []))
            lines.append(f"| {dataset} | {lengths} | {v['epochs']} | {c} | "
                         f"{fmt(figures['steady_seq_per_s'], 0)} | "
                         f"{fmt(figures['fit_seconds'], 2)} |")
    lines += ["", "| data | ratio, median of per-round ratios (range) | steady | "
              "whole fit |", "|---|---|---|---|"]
    for dataset, v in res["varlen"].items():
        for name, r in v["ratios"].items():
            lines.append(f"| {dataset} | {name} | {ranged(r['steady_seq_per_s'])}"
                         f" | {ranged(r['fit_seq_per_s'])} |")
    lines.append("")
    return lines


def evaluate_targets(backend, res):
    """The variable-length target of one backend."""
    targets = []
    if "synthetic" not in res["varlen"]:
        return targets
    v = res["varlen"]["synthetic"]["ratios"]["ours/keras_padded"]["steady_seq_per_s"]
    targets.append({"target": f"[{backend}] variable-length training (lengths "
                    "50-1000): >= 2x faster than padding to the longest",
                    "measured": f"ours/keras_padded = {ranged(v)}",
                    "met": v["median"] >= 2})
    return targets
