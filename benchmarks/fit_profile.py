"""Where the time of a short fit of the default network goes, on TensorFlow.

Run from the repository root::

    python -m benchmarks fit_profile                # 5 rounds, about 3 minutes
    python -m benchmarks fit_profile --epochs 1 --rounds 3

One ``RNNSequenceClassifier`` fit (the defaults' network as sklearn_rnn 0.2.0
first shipped it, strided and without the step-to-step changes; 512 random series x 300 steps x 1
feature, batch 32, a constant learning rate) per fresh interpreter, split into:
building and compiling the network, tracing the train step (the Python time spent
inside ``train_step``, which runs only while TensorFlow traces it), and the rest of
``model.fit`` (executing the traced steps, the data pipeline, callbacks). Two
variants take turns in each round: ``package`` as it is, and ``traced twice``,
the package with its build of the compiled loss and metrics before the first step
switched off (how every fit ran before version 0.2.0: Keras built them inside the
first step, so TensorFlow traced the step twice). Medians over rounds; results in
``benchmarks/results/fit_profile.json`` and ``.md``.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

from . import _report
from ._harness import machine_info, median, round_robin, wait_until_quiet

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

N_SERIES, N_STEPS, BATCH_SIZE = 512, 300, 32
VARIANTS = ("package", "traced twice")
PHASES = ("build_and_compile_seconds", "trace_seconds", "rest_of_fit_seconds")


def worker(spec):
    import keras
    import numpy as np

    import sklearn_rnn._classifier  # noqa: F401
    from sklearn_rnn import RNNSequenceClassifier, _base

    from ._models import EARLIER_NETWORK

    keras.utils.set_random_seed(0)
    if spec["variant"] == "traced twice":
        _base.build_loss_and_metrics = lambda model, y: None
    timers = {"build": 0.0, "trace": 0.0, "traces": 0}
    def timed(function, seconds, calls=None):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timers[seconds] += time.perf_counter() - start
                if calls:
                    timers[calls] += 1
        return wrapper

    _base.BaseRNNSequenceEstimator._keras_build_fn = timed(
        _base.BaseRNNSequenceEstimator._keras_build_fn, "build")
    keras.Model.train_step = timed(keras.Model.train_step, "trace", "traces")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_SERIES, N_STEPS, 1)).astype(np.float32)
    y = rng.integers(0, 4, N_SERIES)
    clf = RNNSequenceClassifier(epochs=spec["epochs"], batch_size=BATCH_SIZE,
                                lr_schedule=None, tol=None, augmentation=None,
                                **EARLIER_NETWORK, random_state=0)
    busy = wait_until_quiet() if spec.get("wait_until_quiet", True) else 0.0
    start = time.perf_counter()
    clf.fit(X, y)
    fit = time.perf_counter() - start
    return {"variant": spec["variant"], "fit_seconds": fit,
            "build_and_compile_seconds": timers["build"], "trace_seconds": timers["trace"],
            "rest_of_fit_seconds": fit - timers["build"] - timers["trace"],
            "traces": timers["traces"], "other_processes_cores_busy": busy,
            # Names the harness's round log reads.
            "steady_seq_per_s": N_SERIES * spec["epochs"] / fit,
            "first_epoch_seconds": fit}


def write_markdown(results, path):
    info = results["machine"]
    lines = ["# Where a short fit of the default network goes (TensorFlow)", "",
             f"Machine: {info['cpu']}, {info['cores']} cores, no GPU. Versions: "
             + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v) + ".",
             f"Command: `{results['command']}` ({results['date']}); 1-minute load average "
             f"{results['load_average_at_start'][0]:.1f} at the start, "
             f"{results['load_average_at_end'][0]:.1f} at the end (2 cores).", "",
             f"`RNNSequenceClassifier` defaults, {N_SERIES} series x {N_STEPS} steps x 1 "
             f"feature, batch {BATCH_SIZE}, {results['epochs']} epoch(s), a fresh process "
             "per fit, medians over "
             f"{results['rounds']} rounds. `traced twice`: the package with its build of "
             "the compiled loss and metrics switched off, as every fit ran before "
             "version 0.2.0.", "",
             "| variant | whole fit s | build + compile s | tracing the train step s | "
             "rest of model.fit s | traces |", "|---|---:|---:|---:|---:|---:|"]
    for variant, s in results["per_variant"].items():
        lines.append(f"| {variant} | {s['fit_seconds']:.2f} | "
                     f"{s['build_and_compile_seconds']:.2f} | {s['trace_seconds']:.2f} | "
                     f"{s['rest_of_fit_seconds']:.2f} | {s['traces']:.0f} |")
    lines += ["", f"The package is {results['speedup']:.2f} times faster than `traced twice` "
              "(median of per-round ratios of the whole fit).", ""]
    Path(path).write_text("\n".join(lines))


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_worker":
        with open(argv[2], "w") as f:
            json.dump(worker(json.loads(argv[1])), f)
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks fit_profile",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", default=str(RESULTS / "fit_profile"))
    parser.add_argument("--no-wait", action="store_true",
                        help="start each fit at once, without waiting for idle cores")
    args = parser.parse_args(argv)

    def run(variant):
        spec = {"variant": variant, "epochs": args.epochs, "wait_until_quiet": not args.no_wait}
        return _report.run_json_worker(
            "benchmarks.fit_profile", [json.dumps(spec)],
            env={"KERAS_BACKEND": "tensorflow"}, timeout=1800)

    results = {"machine": machine_info(), "epochs": args.epochs, "rounds": args.rounds,
               "command": " ".join(["python -m benchmarks fit_profile", *argv]),
               "date": datetime.datetime.now().isoformat(timespec="seconds"),
               "load_average_at_start": os.getloadavg()}
    rounds = round_robin(list(VARIANTS), args.rounds, run, print, "fit")
    results["rounds_data"] = rounds
    results["per_variant"] = {
        v: {key: median([r[key] for r in runs])
            for key in ("fit_seconds", *PHASES, "traces")} for v, runs in rounds.items()}
    results["speedup"] = median([b["fit_seconds"] / a["fit_seconds"] for a, b in
                                 zip(rounds["package"], rounds["traced twice"], strict=True)])
    results["load_average_at_end"] = os.getloadavg()
    print(_report.write_results(args.output, results, write_markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
