"""Accuracy of RNNSequenceRegressor against classical baselines on real data.

Run from the repository root::

    python -m benchmarks --task regression           # every model, 3 seeds (~9 min)
    python -m benchmarks regression --models rnn_default,ridge --seeds 1

Datasets: the two regression datasets aeon ships (Covid3Month: 84 daily case counts
of a country -> its COVID death rate; CardanoSentiment: 24 hourly prices and volumes
-> the day's sentiment score), on their official train/test splits. Models: the
regressor's defaults, the same without target standardisation and with early
stopping, aeon's MiniRocket and 1-NN DTW regressors, ridge regression and a random
forest on the flattened series, and the training mean; every model but the mean
starts with ``SequenceScaler``. Stochastic models run once per seed, deterministic ones once.

Output (``--out``, default ``benchmarks/results/``): ``regression.csv`` (one row per
fit, written as it goes) and ``regression.md`` (RMSE, R^2, MAE and fit time, mean ±
std over seeds; the machine; the command).
"""

import argparse
import logging
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from . import _report  # noqa: E402
from ._data import REGRESSION_DATASETS, load_regression_dataset  # noqa: E402
from ._regression_models import REGRESSION_MODELS  # noqa: E402

COLUMNS = ("dataset", "model", "seed", "rmse", "r2", "mae", "fit_seconds",
           "predict_seconds", "epochs_run", "best_epoch", "n_train", "n_test",
           "family", "load_avg_1min", "error")
METRICS = ("rmse", "r2", "mae", "fit_seconds", "predict_seconds")


def _warm_up(specs, log):
    """Load TensorFlow and compile aeon's numba kernels (per input form: univariate
    and multivariate) before anything is timed."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 16, 2)).astype("float32")
    y = rng.normal(size=16)
    started = time.perf_counter()
    for spec in specs:
        for data in (X, X[:, :, :1]) if spec.family == "baseline" else (X,):
            model = spec.make(0, 1)
            model.fit(data, y)
            model.predict(data)
    _clear_keras()
    log(f"warm-up (TensorFlow start-up, numba compilation): "
        f"{time.perf_counter() - started:.1f}s")


def _clear_keras():
    import keras

    keras.backend.clear_session()


def fit_and_score(data, spec, seed, epochs=None):
    """Fit one model on the training split and score it on the test split."""
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    model = spec.make(seed, epochs)
    started = time.perf_counter()
    model.fit(data.X_train, data.y_train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    y_pred = model.predict(data.X_test)
    predict_seconds = time.perf_counter() - started
    final = model.steps[-1][1]
    neural = spec.family == "rnn"
    row = {
        "dataset": data.name, "model": spec.name, "seed": seed,
        "rmse": root_mean_squared_error(data.y_test, y_pred),
        "r2": r2_score(data.y_test, y_pred),
        "mae": mean_absolute_error(data.y_test, y_pred),
        "fit_seconds": fit_seconds, "predict_seconds": predict_seconds,
        "epochs_run": final.n_iter_ if neural else "",
        "best_epoch": final.best_epoch_ if neural else "",
        "n_train": len(data.y_train), "n_test": len(data.y_test),
        "family": spec.family, "load_avg_1min": _report.load_average(), "error": "",
    }
    if neural:
        _clear_keras()
    return row


def run_benchmark(datasets, models, seeds, *, epochs=None, csv_path=None,
                  warm_up=True, log=print):
    """Fit every model on every dataset, once per seed (once for deterministic
    models); every row is appended to ``csv_path`` as soon as it exists."""
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    specs = [REGRESSION_MODELS[m] for m in models]
    plan = [(d, s, seed) for d in datasets for s in specs
            for seed in (seeds if s.stochastic else seeds[:1])]
    if warm_up:
        _warm_up(specs, log)
    rows, loaded = [], {}
    for i, (name, spec, seed) in enumerate(plan, 1):
        if name not in loaded:
            loaded = {name: load_regression_dataset(name)}
        try:
            row = fit_and_score(loaded[name], spec, seed, epochs)
        except Exception as exc:  # keep the run going; the row records the error
            row = {"dataset": name, "model": spec.name, "seed": seed,
                   "family": spec.family, "error": f"{type(exc).__name__}: {exc}"[:300],
                   **{k: math.nan for k in METRICS}}
            log(f"[{i}/{len(plan)}] {name} {spec.name} seed={seed} FAILED: {row['error']}")
        else:
            epochs_text = f" epochs={row['epochs_run']}" if row["epochs_run"] != "" else ""
            log(f"[{i:>3}/{len(plan)}] {name:<17} {spec.name:<16} seed={seed} "
                f"rmse={row['rmse']:.4f} r2={row['r2']:+.3f} "
                f"fit={row['fit_seconds']:.1f}s{epochs_text}")
        rows.append(row)
        if csv_path is not None:
            _report.append_row(csv_path, row, COLUMNS)
    return rows


def summary_markdown(rows, *, datasets, models, seeds, epochs, command, machine,
                     wall_seconds):
    models = _report.ordered([r["model"] for r in rows], models)
    datasets = _report.ordered([r["dataset"] for r in rows], datasets)
    out = ["# Regression: RNNSequenceRegressor vs classical baselines", "",
           f"Command: `{command}`  ", f"Wall time: {wall_seconds / 60:.1f} min", "",
           _report.machine_markdown(machine, rows), "## Protocol", "",
           f"- Official train/test splits. Stochastic models: seeds "
           f"{', '.join(map(str, seeds))} (cells: mean ± std over seeds); "
           "deterministic ones (1-NN DTW, ridge, mean) run once. Best mean in bold.",
           "- Every model but `mean` starts with `SequenceScaler` (per-channel "
           "standardisation fitted on the training split).",
           "- Epochs: " + (f"every neural network capped at {epochs}" if epochs
                           else "each model's own setting") + ".", "",
           "| dataset | train | test | length | channels | target mean | target std |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for d in datasets:
        i = load_regression_dataset(d).info
        out.append(f"| {d} | {i['n_train']} | {i['n_test']} | {i['length']} | "
                   f"{i['channels']} | {i['target_mean']:.4f} | {i['target_std']:.4f} |")
    out += ["", "| model | what it is |", "|---|---|"]
    out += [f"| {m} | {REGRESSION_MODELS[m].description} |" for m in models]
    out.append("")
    for metric, title, kwargs in (
        ("rmse", "Test RMSE (lower is better)", {"digits": 4, "higher_is_better": False}),
        ("r2", "Test R^2 (higher is better)", {}),
        ("mae", "Test MAE (lower is better)", {"digits": 4, "higher_is_better": False}),
        ("fit_seconds", "Fit time (seconds)", {"digits": 1, "higher_is_better": False}),
    ):
        out += [f"## {title}", "",
                _report.metric_table(rows, metric, datasets, models, **kwargs)]
    errors = [r for r in rows if r.get("error")]
    if errors:
        out += ["## Failed fits", ""]
        out += [f"- {r['dataset']} / {r['model']} / seed {r['seed']}: {r['error']}"
                for r in errors]
        out.append("")
    return "\n".join(out)


def build_parser(prog="python -m benchmarks regression"):
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", help="comma-separated (default: "
                                           f"{','.join(REGRESSION_DATASETS)})")
    parser.add_argument("--models", help="comma-separated (default: all). Known: "
                                         f"{', '.join(REGRESSION_MODELS)}")
    parser.add_argument("--seeds", help="a number of seeds (3 = seeds 0,1,2) or a "
                                        "comma-separated list (default: 3)")
    parser.add_argument("--epochs", type=int,
                        help="cap on the neural networks' epochs (default: their own)")
    parser.add_argument("--out", default=str(_report.RESULTS),
                        help="output directory (default: benchmarks/results/)")
    parser.add_argument("--name", default="regression",
                        help="file stem of the outputs (default: regression)")
    return parser


def main(argv=None, *, command_prefix="python -m benchmarks regression"):
    from .accuracy import _parse_list, _parse_seeds

    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    datasets = (_parse_list(args.datasets, REGRESSION_DATASETS, "datasets")
                if args.datasets else list(REGRESSION_DATASETS))
    models = (_parse_list(args.models, list(REGRESSION_MODELS), "models")
              if args.models else list(REGRESSION_MODELS))
    seeds = _parse_seeds(args.seeds) if args.seeds else [0, 1, 2]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"{args.name}.csv"
    if csv_path.exists():
        csv_path.unlink()
    command = " ".join([command_prefix, *argv])
    machine = _report.machine_info()
    print(f"{command}\n{machine['cpu']}, {machine['cores']} cores; {len(datasets)} "
          f"datasets x {len(models)} models, seeds {seeds}; writing {csv_path}",
          flush=True)
    started = time.perf_counter()
    rows = run_benchmark(datasets, models, seeds, epochs=args.epochs, csv_path=csv_path,
                         log=lambda message: print(message, flush=True))
    wall = time.perf_counter() - started
    md_path = out / f"{args.name}.md"
    md_path.write_text(summary_markdown(
        rows, datasets=datasets, models=models, seeds=seeds, epochs=args.epochs,
        command=command, machine=machine, wall_seconds=wall))
    print(f"done in {wall / 60:.1f} min: {csv_path}, {md_path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
