"""Throughput and latency of RNNSequenceClassifier against its peers.

Run from the repository root::

    python -m benchmarks.throughput --quick          # a few minutes
    python -m benchmarks.throughput                  # the full run
    python -m benchmarks.throughput --backends tensorflow,jax --parts train,predict

Measured side by side in one run, on one network (LSTM 64 units over 100 timesteps
x 6 features, batch 64, softmax over 4 classes) and one data set:

``train``
    Training sequences/s of ``RNNSequenceClassifier.fit``, the same network
    hand-written in Keras (``model.fit`` on numpy arrays), scikeras'
    ``KerasClassifier`` with the same model-building function, and PyTorch
    ``nn.LSTM`` trained by hand (skipped when torch is not installed). Every run
    is a fresh subprocess (so peak RSS is the training run's own); the
    contestants take turns in each round. Reported: the steady rate (epochs 2..E,
    the first epoch traces / compiles), the first epoch's time, the rate of the
    whole ``fit`` call (building, tracing, data conversion included) and the peak
    RSS.
``predict``
    ``predict_proba`` latency for 1 and 32 sequences and throughput for 10,000:
    ours, scikeras ``predict_proba``, Keras ``model.predict``,
    ``model.predict_on_batch`` and ``model(x)``; plus the cost of the first call
    and of calls on input shapes not seen before (new batch sizes / lengths).
    Ours is timed in the steady state of a serving loop (a recurring small shape
    runs an XLA-compiled step, see ``sklearn_rnn/_compiled_predict.py``) and with
    the graph step only; the time until the compiled step is ready is reported.
``import``
    ``import sklearn_rnn`` in a fresh interpreter.
``gridsearch``
    ``GridSearchCV`` over the same network and data (learning rate x dropout, 4
    candidates x 3 folds) with ``n_jobs=1`` and ``n_jobs=2``: the first search of a
    process (workers start cold: they import the framework) and a second one (warm
    workers), and the thread pools the framework uses inside a worker.

Every figure is a median over repeats; ratios compare runs of the same round.
Results go to ``benchmarks/results/throughput.json`` and ``throughput.md``.

Each part lives in its own module over one harness (:mod:`benchmarks._harness`):
:mod:`~benchmarks.train`, :mod:`~benchmarks.varlen`, :mod:`~benchmarks.predict`,
:mod:`~benchmarks.search` and :mod:`~benchmarks.import_time`; this module is the
command line that runs them, and the entry point of their fresh-interpreter workers.
"""


import argparse
import datetime
import importlib.util
import json
import os
import sys
from pathlib import Path

from . import _harness, _report, import_time, predict, search, train, varlen

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

SETTINGS = {
    "quick": {
        "train_samples": 1024, "train_epochs": 4, "train_rounds": 3,
        "predict_rounds": 3, "latency_calls": 10, "bulk_rounds": 2,
        "import_repeats": 7, "grid_samples": 1024, "grid_epochs": 4, "grid_folds": 3,
        "grid_rounds": 1, "varlen_samples": 384, "varlen_epochs": 3, "varlen_rounds": 3,
        "vowels_epochs": 6,
    },
    "full": {
        "train_samples": 2048, "train_epochs": 5, "train_rounds": 5,
        "predict_rounds": 7, "latency_calls": 30, "bulk_rounds": 5,
        "import_repeats": 15, "grid_samples": 2048, "grid_epochs": 6, "grid_folds": 3,
        "grid_rounds": 3, "varlen_samples": 512, "varlen_epochs": 3, "varlen_rounds": 5,
        "vowels_epochs": 10,
    },
}



WORKERS = {"train": train.worker_train, "predict": predict.worker_predict,
           "gridsearch": search.worker_gridsearch, "varlen": varlen.worker_varlen}
"""The measurements :func:`benchmarks._harness.run_worker` runs in a fresh
interpreter, by kind."""

PARTS = (("train", train), ("varlen", varlen), ("predict", predict),
         ("gridsearch", search))
"""The per-backend parts, by their key in a backend's results."""


def write_markdown(results, path):
    lines = ["# Throughput and latency", ""]
    m = results["machine"]
    lines += [f"Machine: {m['cpu']}, {m['cores']} cores, no GPU ({m['platform']}).",
              "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
              + ".", f"Command: `{results['command']}` ({results['mode']} mode, "
              f"{results['date']}).", "",
              "Medians over repeats; ratios are taken per round (contestants run side by "
              "side) and their median reported. The machine is shared and noisy: 1-minute "
              f"load average {results['load_average_at_start'][0]:.1f} at the start, "
              f"{results['load_average_at_end'][0]:.1f} at the end (2 cores).", ""]
    for backend, res in results["backends"].items():
        lines += [f"## Keras backend: {backend}", ""]
        for key, part in PARTS:
            if key in res:
                lines += part.markdown(res, results)
    if "import" in results:
        lines += import_time.markdown(results)
    if results.get("targets"):
        lines += ["## Targets (DESIGN.md)", "", "| target | measured | met |", "|---|---|---|"]
        for t in results["targets"]:
            lines.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else 'no'} |")
        lines.append("")
    path.write_text("\n".join(lines))


def evaluate_targets(results):
    """Every part's targets, for each backend measured."""
    targets = []
    for backend, res in results["backends"].items():
        for key, part in PARTS:
            if key in res:
                targets += part.evaluate_targets(backend, res)
    if "import" in results:
        targets += import_time.evaluate_targets(results)
    return targets


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks throughput",
                                     description=__doc__.split("\n\n")[0])
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "_worker":
        kind, spec, out = argv[1], json.loads(argv[2]), argv[3]
        result = WORKERS[kind](spec)
        with open(out, "w") as f:
            json.dump(result, f)
        return 0
    parser.add_argument("--quick", action="store_true",
                        help="fewer samples, epochs and repeats (a few minutes)")
    parser.add_argument("--backends", default="tensorflow",
                        help="comma-separated Keras backends (tensorflow, jax)")
    parser.add_argument("--parts", default="train,varlen,predict,import,gridsearch",
                        help="comma-separated subset of train,varlen,predict,import,"
                             "gridsearch")
    parser.add_argument("--contestants", default=",".join(train.TRAIN_CONTESTANTS),
                        help="training contestants (" + ",".join(train.TRAIN_CONTESTANTS) + ")")
    parser.add_argument("--output", default=str(RESULTS / "throughput"),
                        help="path prefix of the .json and .md results")
    parser.add_argument("--background-load", type=int, default=0,
                        help="run the training part beside this many CPU-bound "
                             "processes (how contestants degrade on a busy machine)")
    parser.add_argument("--grid-epochs", type=int,
                        help="epochs per grid-search fit (default: those of the training "
                             "benchmark, 4 quick, 6 full); more epochs make a longer search")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    settings = dict(SETTINGS[mode])
    if args.grid_epochs:
        settings["grid_epochs"] = args.grid_epochs
    settings["background_load"] = args.background_load
    parts = args.parts.split(",")
    contestants = args.contestants.split(",")
    if "torch" in contestants and importlib.util.find_spec("torch") is None:
        print("torch is not installed: skipping the PyTorch contestant")
        contestants.remove("torch")
    if "ours_jax" in contestants and importlib.util.find_spec("jax") is None:
        print("jax is not installed: skipping the ours_jax contestant")
        contestants.remove("ours_jax")

    def log(message):
        print(message, flush=True)

    results = {
        "machine": _harness.machine_info(), "mode": mode, "settings": settings,
        "command": " ".join(["python -m benchmarks throughput", *argv]),
        "date": datetime.datetime.now().isoformat(timespec="seconds"), "backends": {},
        "load_average_at_start": os.getloadavg(),
    }
    for backend in args.backends.split(","):
        if backend == "jax" and importlib.util.find_spec("jax") is None:
            log("jax is not installed: skipping the jax backend")
            continue
        res = results["backends"][backend] = {}
        if "train" in parts:
            log(f"[{backend}] training throughput"
                + (f" beside {args.background_load} busy processes"
                   if args.background_load else ""))
            with _harness.background_load(args.background_load):
                res["train"] = train.measure_train(backend, settings, contestants, log)
            for name, ratio in res["train"]["ratios"].items():
                log(f"  {name}: steady {ratio['steady_seq_per_s']['median']:.3f}, "
                    f"whole fit {ratio['fit_seq_per_s']['median']:.3f}")
        if "varlen" in parts:
            log(f"[{backend}] variable-length training")
            res["varlen"] = varlen.measure_varlen(backend, settings, log)
            for dataset, v in res["varlen"].items():
                for name, ratio in v["ratios"].items():
                    log(f"  {dataset} {name}: steady "
                        f"{ratio['steady_seq_per_s']['median']:.2f}, whole fit "
                        f"{ratio['fit_seq_per_s']['median']:.2f}")
        if "predict" in parts:
            log(f"[{backend}] prediction latency and throughput")
            res["predict"] = predict.measure_predict(backend, settings)
            for n in ("1", "32"):
                log(f"  n={n}: " + ", ".join(
                    f"{k} {v:.2f} ms" for k, v in res["predict"]["latency_ms"][n].items()))
            log("  10,000: " + ", ".join(
                f"{k} {v:.0f} seq/s"
                for k, v in res["predict"]["bulk_10000_seq_per_s"].items()))
        if "gridsearch" in parts:
            log(f"[{backend}] GridSearchCV n_jobs=1 vs 2")
            res["gridsearch"] = search.measure_gridsearch(backend, settings, log)
            for name, v in res["gridsearch"]["speedups"].items():
                log(f"  {name}: {v:.2f}x")
    if "import" in parts:
        log("import sklearn_rnn")
        results["import"] = import_time.measure_import(settings)
        log(f"  {results['import']['import_seconds_median'] * 1e3:.0f} ms")
    results["load_average_at_end"] = os.getloadavg()
    results["targets"] = evaluate_targets(results)
    for t in results["targets"]:
        log(f"{'MET ' if t['met'] else 'MISS'} {t['target']}: {t['measured']}")
    log(_report.write_results(args.output, results, write_markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
