"""GridSearchCV on several cores: ``n_jobs=2`` against ``n_jobs=1``
(``python -m benchmarks throughput --parts gridsearch``)."""

import os
import time

from ._harness import backend_threads, cpu_seconds, fmt, median, run_worker
from ._models import PLAIN_LSTM
from ._network_a import BATCH_SIZE, UNITS, make_data


# --------------------------------------------------------- grid-search worker
def _thread_report(_):
    """Run inside a joblib worker: which threads does the framework use there?"""
    import keras
    import numpy as np

    keras.ops.convert_to_numpy(keras.ops.matmul(np.ones((64, 64)), np.ones((64, 64))))
    return {"pid": os.getpid(), **backend_threads()}


GRID = {"learning_rate": [1e-3, 3e-3], "dropout": [0.0, 0.2]}


def worker_gridsearch(spec):
    import joblib
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from sklearn_rnn import RNNSequenceClassifier

    X, y = make_data(spec["n_samples"])
    result = {"searches_seconds": [], "load_average_before": os.getloadavg()[0]}
    for _ in range(2):  # the first search starts the workers, the second reuses them
        search = GridSearchCV(
            RNNSequenceClassifier(units=UNITS, epochs=spec["epochs"], batch_size=BATCH_SIZE,
                                  random_state=0, **PLAIN_LSTM),
            GRID, cv=StratifiedKFold(spec["folds"], shuffle=True, random_state=0),
            n_jobs=spec["n_jobs"], refit=False,
        )
        start, cpu_start = time.perf_counter(), cpu_seconds()
        search.fit(X, y)
        result["searches_seconds"].append(time.perf_counter() - start)
        # CPU used by this process per second of the search: with n_jobs=1 how many
        # cores one fit keeps busy (TensorFlow's intra-op threads); ~0 with n_jobs=2.
        result.setdefault("main_process_cores_busy", []).append(
            (cpu_seconds() - cpu_start) / result["searches_seconds"][-1])
    if spec["n_jobs"] > 1:
        reports = joblib.Parallel(n_jobs=spec["n_jobs"])(
            joblib.delayed(_thread_report)(i) for i in range(2 * spec["n_jobs"]))
        result["worker_threads"] = list({r["pid"]: r for r in reports}.values())
    return result



def measure_gridsearch(backend, settings, log):
    variants = {"n_jobs=1": 1, "n_jobs=2": 2}
    rounds = {name: [] for name in variants}
    for r in range(settings["grid_rounds"]):
        names = list(variants) if r % 2 == 0 else list(variants)[::-1]
        for name in names:
            spec = {"n_jobs": variants[name], "n_samples": settings["grid_samples"],
                    "epochs": settings["grid_epochs"], "folds": settings["grid_folds"]}
            res = run_worker("gridsearch", spec, backend)
            rounds[name].append(res)
            log(f"  grid round {r + 1} {name:30s} cold {res['searches_seconds'][0]:.1f} s,"
                f" warm {res['searches_seconds'][1]:.1f} s")
    summary = {
        name: {"cold_seconds": median([x["searches_seconds"][0] for x in runs]),
               "warm_seconds": median([x["searches_seconds"][1] for x in runs]),
               "main_process_cores_busy_warm": median(
                   [x["main_process_cores_busy"][1] for x in runs
                    if "main_process_cores_busy" in x]),
               "load_average_before": [x.get("load_average_before") for x in runs],
               "worker_threads": runs[0].get("worker_threads")}
        for name, runs in rounds.items()
    }
    speedups = {
        f"n_jobs=2 vs n_jobs=1 ({label})": median([
            a["searches_seconds"][i] / b["searches_seconds"][i]
            for a, b in zip(rounds["n_jobs=1"], rounds["n_jobs=2"], strict=True)])
        for i, label in enumerate(("cold", "warm"))
    }
    return {"variants": summary, "speedups": speedups, "rounds": rounds,
            "grid": f"LSTM {UNITS} units, batch {BATCH_SIZE}, "
                    + " x ".join(f"{k} in {v}" for k, v in GRID.items())
                    + f", StratifiedKFold({settings['grid_folds']}), refit=False",
            "samples": settings["grid_samples"], "epochs": settings["grid_epochs"]}



def markdown(res, results):
    """The grid-search section of one backend's report."""
    lines = []
    g = res["gridsearch"]
    lines += [f"### GridSearchCV ({g['grid']}; {g['samples']} sequences, "
              f"{g['epochs']} epochs)", "",
              "| variant | first search s (cold workers) | second search s (warm) | "
              "cores busy in the main process (warm) |", "|---|---|---|---|"]
    for name, v in g["variants"].items():
        lines.append(f"| {name} | {fmt(v['cold_seconds'])} | "
                     f"{fmt(v['warm_seconds'])} | "
                     f"{fmt(v.get('main_process_cores_busy_warm'), 2)} |")
    lines += ["", "| speed-up | value |", "|---|---|"]
    for name, v in g["speedups"].items():
        lines.append(f"| {name} | {fmt(v, 2)} |")
    for name, v in g["variants"].items():
        if v["worker_threads"]:
            w = v["worker_threads"][0]
            lines.append("")
            lines.append(f"Threads in a joblib worker ({name}): "
                         + ", ".join(f"{k}={w[k]}" for k in w if k != "pid"))
    lines.append("")
    return lines


def evaluate_targets(backend, res):
    """The grid-search target of one backend."""
    targets = []
    g = res["gridsearch"]["speedups"]
    cold, warm = g["n_jobs=2 vs n_jobs=1 (cold)"], g["n_jobs=2 vs n_jobs=1 (warm)"]
    targets.append({
        "target": f"[{backend}] GridSearchCV n_jobs=2 >= 1.5x faster than n_jobs=1",
        "measured": f"{cold:.2f}x cold workers, {warm:.2f}x warm",
        "met": min(cold, warm) >= 1.5})
    return targets
