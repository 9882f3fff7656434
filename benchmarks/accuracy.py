"""Accuracy of RNNSequenceClassifier against classical baselines on real data.

Run from the repository root::

    python -m benchmarks --quick                       # < 10 minutes on 2 CPU cores
    python -m benchmarks                               # every model, 3 seeds (hours)
    python -m benchmarks --name accuracy_full --long-seeds 0 --datasets ItalyPowerDemand,\
GunPoint,ArrowHead,BasicMotions,JapaneseVowels,PickupGestureWiimoteZ,OSULeaf,ACSF1 \
        --models rnn_default,rnn_accurate,minirocket,dtw_1nn   # the committed full run
    python -m benchmarks --datasets ArrowHead,GunPoint --models rnn_default,dtw_1nn --seeds 5

Datasets: every classification dataset aeon ships (they load offline) on its
official train/test split, plus an imbalanced synthetic task
(``make_sequence_classification``, class weights 0.8/0.15/0.05). Models: presets of
``RNNSequenceClassifier``, the default network written by hand in Keras, and
MiniRocket, 1-NN DTW, logistic regression and random forest; every model starts
with a ``SequenceScaler``. Stochastic models run once per seed; deterministic ones
(1-NN DTW, logistic regression) once.

``--quick``: the five small real datasets (ItalyPowerDemand, GunPoint, ArrowHead,
BasicMotions, JapaneseVowels) and the synthetic one; one seed (0); the package
defaults (``rnn_default``), the defaults before the front-end (``rnn_no_front_end``) and
the same network by hand in Keras, beside the four baselines; every neural network
capped at 100 epochs (the defaults converge in 40-150). Under 10 minutes on 2 cores,
of which about 70 s is the one-off numba compilation of aeon's kernels on a fresh
install. The full run: all nine datasets, seeds 0, 1, 2 (neural networks on the
long OSULeaf and ACSF1: seed 0 only unless ``--long-seeds 0``), every model at its
own settings.

On request only: ``--datasets ACSF1Ragged``, variable-length recordings whose
scales span six orders of magnitude, cut from ACSF1 (``_data.ragged_recordings``).
``--per-sequence`` puts every model behind ``SequenceScaler(per_sequence=True)``
(each series on its own scale, the UCR/UEA convention) instead of the scaler fitted
over the training split.

Output (``--out``, default ``benchmarks/results/``): ``accuracy.csv`` (one row per
fit, written as it goes), ``accuracy.md`` (tables of mean ± std over seeds, the
machine, the command), ``accuracy.png`` and ``accuracy.runs.json`` (each run's
command, machine and wall time, written before the first fit and after each one,
so that a report finished with ``--resume`` still names the run that started it,
even one stopped part way); ``accuracy_quick.*`` with ``--quick``.
"""

import argparse
import logging
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from . import _report  # noqa: E402
from ._data import (  # noqa: E402
    ALL_DATASETS,
    EXTRA_DATASETS,
    LONG_DATASETS,
    RAGGED,
    RAGGED_PARAMS,
    SYNTHETIC,
    SYNTHETIC_PARAMS,
    Dataset,
    load_dataset,
)
from ._models import MODELS  # noqa: E402

QUICK_DATASETS = ("ItalyPowerDemand", "GunPoint", "ArrowHead", "BasicMotions",
                  "JapaneseVowels", SYNTHETIC)
QUICK_MODELS = ("rnn_default", "rnn_no_front_end", "keras_by_hand", "minirocket",
                "dtw_1nn", "logistic_regression", "random_forest")
QUICK_EPOCHS = 100
QUICK_OVERRIDES = {"rnn_bilstm2": {"epochs": 20, "n_iter_no_change": 10}}  # --models
"""Extra parameter changes of the RNN presets in quick mode (shorter patience to
match the shorter budget)."""


# ----------------------------------------------------------------- running
def _warm_up(specs, log):
    """Load TensorFlow and compile aeon's numba kernels before anything is timed,
    so that one-off start-up costs do not land on the first dataset's fit."""
    from sklearn_rnn.datasets import make_sequence_classification

    X, y = make_sequence_classification(n_samples=16, n_timesteps=16, n_features=2,
                                        random_state=0)
    X_ragged, y_ragged = make_sequence_classification(
        n_samples=16, n_timesteps=16, n_features=1, variable_length=True, random_state=0)
    started = time.perf_counter()
    warmed = set()
    for spec in specs:
        if spec.family in warmed:
            continue
        if spec.family == "baseline":  # numba compiles per input form
            forms = ((X, y), (X_ragged, y_ragged), (X[:, :, :1], y))
        else:
            warmed.add(spec.family)  # one fit loads TensorFlow
            forms = ((X, y),)
        for data, labels in forms:
            model = spec.make(0, 1)
            model.fit(data, labels)
            model.predict(data)
        _clear_keras(spec)
    log(f"warm-up (TensorFlow start-up, numba compilation): "
        f"{time.perf_counter() - started:.1f}s")


def _clear_keras(spec):
    if spec.family in ("rnn", "keras"):
        import keras

        keras.backend.clear_session()


def _with_overrides(spec, overrides):
    """A spec whose estimator gets extra RNN parameters (quick mode)."""
    if not overrides:
        return spec

    def make(seed, epochs=None):
        pipe = spec.make(seed, epochs)
        step = pipe.steps[-1][0]
        return pipe.set_params(**{f"{step}__{k}": v for k, v in overrides.items()})

    return type(spec)(spec.name, make, spec.stochastic, spec.family, spec.description,
                      {**spec.params, **overrides})


def _per_sequence(spec):
    """A spec whose ``SequenceScaler`` scales each series on its own
    (``per_sequence=True``, the UCR/UEA convention) instead of each feature over
    the training set."""

    def make(seed, epochs=None):
        return spec.make(seed, epochs).set_params(sequencescaler__per_sequence=True)

    return type(spec)(spec.name, make, spec.stochastic, spec.family, spec.description,
                      spec.params)


def fit_and_score(data, spec, seed, epochs=None):
    """Fit one model on the training split and score it on the test split."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    model = spec.make(seed, epochs)
    started = time.perf_counter()
    model.fit(data.X_train, data.y_train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    y_pred = model.predict(data.X_test)
    predict_seconds = time.perf_counter() - started
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    neural = spec.family in ("rnn", "keras")
    row = {
        "dataset": data.name, "model": spec.name, "seed": seed,
        "accuracy": accuracy_score(data.y_test, y_pred),
        "balanced_accuracy": balanced_accuracy_score(data.y_test, y_pred),
        "f1_macro": f1_score(data.y_test, y_pred, average="macro"),
        "fit_seconds": fit_seconds, "predict_seconds": predict_seconds,
        "epochs_run": getattr(final, "n_iter_", "") if neural else "",
        "best_epoch": getattr(final, "best_epoch_", "") if neural else "",
        "train_accuracy_last_epoch": _last_train_accuracy(final) if neural else "",
        "n_train": len(data.y_train), "n_test": len(data.y_test),
        "n_classes": len(np.unique(data.y_train)), "family": spec.family,
        "load_avg_1min": _report.load_average(), "error": "",
    }
    _clear_keras(spec)
    return row


def _last_train_accuracy(estimator):
    """Training accuracy of the last epoch (a running average over its batches):
    tells underfitting from overfitting."""
    history = getattr(estimator, "history_", None) or {}
    values = history.get("accuracy") or []
    return round(values[-1], 4) if values else ""


def run_benchmark(datasets, models, seeds, *, epochs=None, csv_path=None, done=(),
                  overrides=None, long_seeds=None, per_sequence=False, warm_up=True,
                  log=print, on_row=None):
    """Fit every model on every dataset, once per seed (once for deterministic
    models), and return the rows; each row is appended to ``csv_path`` as soon as
    it exists.

    Parameters
    ----------
    datasets : list of str or Dataset
    models : list of str or ModelSpec
    seeds : list of int
    epochs : int or None
        Cap on the epochs of every neural network; None keeps each model's own.
    csv_path : path or None
    done : set of (dataset, model, seed)
        Fits to skip (``--resume``).
    overrides : dict or None
        ``{model name: {parameter: value}}`` set on the RNN estimators.
    long_seeds : int or None
        Number of seeds for neural networks on the long datasets (OSULeaf, ACSF1);
        None: all of ``seeds``.
    per_sequence : bool
        Every model's ``SequenceScaler`` scales each series on its own.
    on_row : callable or None
        Called with each row once it is in ``csv_path``.
    """
    # tf.function retracing warnings: expected, every fit builds a new model.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    specs = [MODELS[m] if isinstance(m, str) else m for m in models]
    specs = [_with_overrides(s, (overrides or {}).get(s.name)) for s in specs]
    if per_sequence:
        specs = [_per_sequence(s) for s in specs]
    seeds = list(seeds)
    def seeds_for(dataset, spec):
        if not spec.stochastic:
            return seeds[:1]
        name = dataset.name if isinstance(dataset, Dataset) else dataset
        if long_seeds and spec.family != "baseline" and name in LONG_DATASETS:
            return seeds[:long_seeds]
        return seeds

    plan = [(d, s, seed) for d in datasets for s in specs for seed in seeds_for(d, s)]
    if warm_up:
        _warm_up(specs, log)
    rows, loaded = [], {}
    for i, (dataset, spec, seed) in enumerate(plan, 1):
        name = dataset.name if isinstance(dataset, Dataset) else dataset
        if (name, spec.name, seed) in done:
            continue
        if name not in loaded:
            loaded.clear()
            loaded[name] = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
        data = loaded[name]
        try:
            row = fit_and_score(data, spec, seed, epochs)
        except Exception as exc:  # keep a long run going; the row records the error
            row = {"dataset": name, "model": spec.name, "seed": seed,
                   "family": spec.family, "error": f"{type(exc).__name__}: {exc}"[:300],
                   **{k: math.nan for k in _report.METRICS}}
            log(f"[{i}/{len(plan)}] {name} {spec.name} seed={seed} FAILED: {row['error']}")
        else:
            epochs_text = f" epochs={row['epochs_run']}" if row["epochs_run"] != "" else ""
            log(f"[{i:>3}/{len(plan)}] {name:<21} {spec.name:<19} seed={seed} "
                f"acc={row['accuracy']:.3f} bal_acc={row['balanced_accuracy']:.3f} "
                f"fit={row['fit_seconds']:.1f}s predict={row['predict_seconds']:.2f}s"
                f"{epochs_text}")
        rows.append(row)
        if csv_path is not None:
            _report.append_row(csv_path, row)
        if on_row is not None:
            on_row(row)
    return rows


# ----------------------------------------------------------------- summary
def summary_markdown(rows, *, datasets, models, seeds, epochs, runs, quick,
                     overrides=None, dataset_info=None, long_seeds=None,
                     per_sequence=False):
    """The report; ``runs`` (:class:`~._report.RunRecord`) say which runs wrote the
    rows."""
    from ._report import metric_table, ordered, runs_markdown

    datasets = ordered([r["dataset"] for r in rows], datasets)
    models = ordered([r["model"] for r in rows], models)
    specs = {m: MODELS[m] for m in models if m in MODELS}
    out = ["# Accuracy: RNNSequenceClassifier vs classical baselines"
           + (" (quick run)" if quick else ""), ""]
    out += [runs_markdown(runs, rows)]
    seeds_text = ", ".join(map(str, seeds))
    out += ["## Protocol", "",
            "- Official train/test splits; test accuracy. "
            + (f"Stochastic models: seeds {seeds_text} (table cells: mean ± std over "
               "seeds); deterministic models (1-NN DTW, logistic regression) run once."
               if len(seeds) > 1 else f"One seed ({seeds_text}): no ± in the tables."),
            *([f"- Long series ({', '.join(d for d in LONG_DATASETS if d in datasets)}): "
               f"the neural networks ran with {long_seeds} seed(s) only (one LSTM fit "
               "takes minutes there); the baselines with all seeds."]
              if long_seeds and len(seeds) > long_seeds
              and any(d in datasets for d in LONG_DATASETS) else []),
            ("- Every model starts with `SequenceScaler(per_sequence=True)` (each "
             "series and channel to zero mean and unit variance over its own steps, "
             "the UCR/UEA convention)." if per_sequence else
             "- Every model starts with `SequenceScaler` (per-channel standardisation "
             "fitted on the training split)."),
            "- Epochs: " + (f"every neural network capped at {epochs} epochs"
                            if epochs else "each model's own setting") + "."
            + (f" Quick-mode changes: {overrides}." if overrides else ""),
            "- Padding: MiniRocket, logistic regression and random forest need equal "
            "lengths: variable-length series are padded at the end with 0 (the mean "
            "after scaling) to the longest training series with `SequencePadder`; "
            "longer test series are truncated at the end. 1-NN DTW compares the "
            "variable-length series as they are (aeon supports unequal length); "
            "RNNSequenceClassifier pads and masks internally; keras_by_hand pads and "
            "uses a `Masking` layer.",
            *([f"- {SYNTHETIC}: `make_sequence_classification("
               f"{_kwargs(SYNTHETIC_PARAMS)})`, split 50/50 stratified; the class is "
               "the order of three events, so models must read the order; its minority "
               "class is 5% (see balanced accuracy)."] if SYNTHETIC in datasets else []),
            *([f"- {RAGGED}: variable-length recordings on scales six orders of "
               "magnitude apart, cut from ACSF1's official train and test splits "
               f"(`benchmarks._data.ragged_recordings({_kwargs(RAGGED_PARAMS)})`): "
               "each series gives 3 windows of log-uniform length, each multiplied by "
               "a log-uniform gain and shifted by an offset of the same size; only "
               "the shape carries the class."] if RAGGED in datasets else []),
            ""]
    if dataset_info:
        out += ["| dataset | train | test | length | channels | classes | smallest class "
                "| test series truncated by padding |", "|---|---:|---:|---|---:|---:|---:|---:|"]
        for d in datasets:
            if d in dataset_info:
                i = dataset_info[d]
                out.append(f"| {d} | {i['n_train']} | {i['n_test']} | {i['length']} | "
                           f"{i['channels']} | {i['n_classes']} | {i['min_class_share']:.0%} "
                           f"| {i['n_test_truncated']} |")
        out.append("")
    out += ["| model | what it is |", "|---|---|"]
    out += [f"| {m} | {specs[m].description} |" for m in models if m in specs]
    out.append("")
    for metric, title, kwargs in (
        ("accuracy", "Test accuracy", {}),
        ("balanced_accuracy", "Balanced accuracy", {}),
        ("f1_macro", "Macro-F1", {}),
        ("fit_seconds", "Fit time (seconds)", {"digits": 1, "higher_is_better": False}),
        ("predict_seconds", "Predict time for the whole test split (seconds)",
         {"digits": 2, "higher_is_better": False}),
    ):
        out += [f"## {title}", "", metric_table(rows, metric, datasets, models, **kwargs)]
    out += accuracy_targets(rows, [d for d in datasets if d != SYNTHETIC])
    out += _wrapper_cost(rows)
    errors = [r for r in rows if r.get("error")]
    if errors:
        out += ["## Failed fits", ""]
        out += [f"- {r['dataset']} / {r['model']} / seed {r['seed']}: {r['error']}"
                for r in errors]
        out.append("")
    return "\n".join(out)


def accuracy_targets(rows, datasets, reference="dtw_1nn", best="minirocket"):
    """The design's accuracy targets for every RNN preset, on the datasets where it,
    ``reference`` and ``best`` all have results: the number at or above
    ``reference``, the mean against ``best``'s mean, and the number ahead of
    ``best``; with the mean fit time."""
    acc = _report.aggregate(rows, "accuracy")
    fit = _report.aggregate(rows, "fit_seconds")
    presets = _report.ordered([r["model"] for r in rows if r.get("family") == "rnn"], [])
    lines = []
    for model in presets:
        covered = [d for d in datasets
                   if all((d, m) in acc for m in (model, reference, best))]
        if not covered:
            continue
        ours = [acc[(d, model)][0] for d in covered]
        mean, best_mean = statistics.fmean(ours), statistics.fmean(
            acc[(d, best)][0] for d in covered)
        at_reference = sum(acc[(d, model)][0] >= acc[(d, reference)][0] for d in covered)
        ahead = sum(acc[(d, model)][0] > acc[(d, best)][0] for d in covered)
        seconds = statistics.fmean(fit[(d, model)][0] for d in covered)
        lines.append(f"| {model} | {len(covered)} | {at_reference} of {len(covered)} | "
                     f"{mean:.3f} | {best_mean:.3f} | {mean - best_mean:+.3f} | "
                     f"{ahead} | {seconds:.0f} |")
    if not lines:
        return []
    return ["## Accuracy targets", "",
            f"Means over seeds, then over the datasets where the model, {reference} and "
            f"{best} all ran (the design's targets: at or above 1-NN DTW on every "
            "dataset; the defaults within 0.04 of MiniRocket's mean, the most accurate "
            "configuration within 0.015).", "",
            f"| model | datasets | at or above {reference} | mean | {best} mean | "
            f"difference | ahead of {best} | fit s (mean) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|", *lines, ""]


def _wrapper_cost(rows, ours="rnn_no_front_end", theirs="keras_by_hand"):
    """What the wrapper costs: rnn_no_front_end against the same network by hand,
    fit by fit (same dataset and seed)."""
    pairs = {}
    for row in rows:
        if not row.get("error") and row["model"] in (ours, theirs):
            pairs.setdefault((row["dataset"], row["seed"]), {})[row["model"]] = row
    pairs = [p for p in pairs.values() if len(p) == 2]
    if not pairs:
        return []
    diffs = [float(p[ours]["accuracy"]) - float(p[theirs]["accuracy"]) for p in pairs]
    ratio = [float(p[ours]["fit_seconds"]) / float(p[theirs]["fit_seconds"]) for p in pairs]
    same = sum(d == 0 for d in diffs)
    return ["## What the wrapper costs", "",
            f"`{ours}` against `{theirs}` (the same network written directly in Keras), "
            f"{len(pairs)} fits with the same dataset and seed: identical test accuracy in "
            f"{same}; mean accuracy difference {statistics.fmean(diffs):+.4f} (largest "
            f"{max(diffs, key=abs):+.4f}); fit time ratio median "
            f"{statistics.median(ratio):.2f} (range {min(ratio):.2f}-{max(ratio):.2f}; "
            "the wrapper's time includes input validation and seeding).", ""]


def _kwargs(params):
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


# --------------------------------------------------------------------- CLI
def _parse_list(text, allowed, what):
    items = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in items if t not in allowed]
    if unknown:
        raise SystemExit(f"Unknown {what}: {', '.join(unknown)}. "
                         f"Choose from: {', '.join(allowed)}.")
    return items


def _parse_seeds(text):
    """``"3"`` means seeds 0, 1, 2; ``"0,5,7"`` lists them."""
    if "," in text:
        seeds = [int(t) for t in text.split(",") if t.strip()]
    else:
        seeds = list(range(int(text)))
    if not seeds:
        raise SystemExit(f"--seeds {text!r} runs no seed: give a positive number of "
                         "seeds (3 = seeds 0, 1, 2) or a list (0,5,7; one seed: 0,).")
    return seeds


def build_parser(prog="python -m benchmarks"):
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__.split("\n\n")[0],
        epilog="Subcommands: `python -m benchmarks defaults|throughput|memory|regression|"
               "tuning [...]`.",
    )
    parser.add_argument("--quick", action="store_true",
                        help=f"datasets {', '.join(QUICK_DATASETS)}; seed 0; neural "
                             f"networks capped at {QUICK_EPOCHS} epochs")
    parser.add_argument("--datasets", help="comma-separated (default: all, or the quick "
                                           f"ones). Known: {', '.join(ALL_DATASETS)}; "
                                           f"on request: {', '.join(EXTRA_DATASETS)}")
    parser.add_argument("--models", help="comma-separated (default: all). Known: "
                                         f"{', '.join(MODELS)}")
    parser.add_argument("--seeds", help="a number of seeds (3 = seeds 0,1,2) or a "
                                        "comma-separated list (default: 3, quick: 1)")
    parser.add_argument("--epochs", type=int,
                        help="cap on every neural network's epochs (default: none, "
                             f"quick: {QUICK_EPOCHS})")
    parser.add_argument("--long-seeds", type=int, default=1,
                        help="seeds for the neural networks on the long datasets "
                             f"({', '.join(LONG_DATASETS)}): the first N of --seeds "
                             "(default: 1; 0 = all)")
    parser.add_argument("--out", default=str(_report.RESULTS),
                        help="output directory (default: benchmarks/results/)")
    parser.add_argument("--name", help="file stem of the outputs (default: accuracy, "
                                       "or accuracy_quick with --quick)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows already in the CSV and run only the "
                             "missing fits; the report keeps the first run's command, "
                             "machine and date (recorded in <name>.runs.json) and adds "
                             "up the runs' wall times")
    parser.add_argument("--per-sequence", action="store_true",
                        help="every model's SequenceScaler scales each series on its "
                             "own (per_sequence=True) instead of each feature over the "
                             "training split")
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    return parser


def main(argv=None, *, prog="python -m benchmarks", default_models=None,
         default_name="accuracy"):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(prog).parse_args(argv)
    all_models = list(default_models or MODELS)
    datasets = (_parse_list(args.datasets, (*ALL_DATASETS, *EXTRA_DATASETS), "datasets")
                if args.datasets
                else list(QUICK_DATASETS if args.quick else ALL_DATASETS))
    models = (_parse_list(args.models, list(MODELS), "models") if args.models
              else [m for m in all_models if m in QUICK_MODELS or not args.quick])
    seeds = _parse_seeds(args.seeds) if args.seeds else ([0] if args.quick else [0, 1, 2])
    epochs = args.epochs or (QUICK_EPOCHS if args.quick else None)
    overrides = QUICK_OVERRIDES if args.quick else None
    name = args.name or (default_name + ("_quick" if args.quick else ""))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"{name}.csv"
    runs_path = out / f"{name}.runs.json"
    runs = _report.previous_runs(runs_path, args.resume and csv_path.exists())
    done, previous = set(), []
    if args.resume and csv_path.exists():
        previous = [r for r in _report.read_rows(csv_path) if not r.get("error")]
        done = {(r["dataset"], r["model"], r["seed"]) for r in previous}
        csv_path.unlink()  # rewritten without the failed rows
        for row in previous:
            _report.append_row(csv_path, row)
    elif csv_path.exists():
        csv_path.unlink()
    command = "python -m benchmarks " + " ".join(argv)

    def log(message):
        print(message, flush=True)

    machine = _report.machine_info()
    record = _report.RunRecord(runs_path, runs, command=command, machine=machine,
                               kept_rows=len(previous))
    log(f"{command}\n{machine['cpu']}, {machine['cores']} cores; Keras {machine['keras']} "
        f"({machine['keras_backend']}); {len(datasets)} datasets x {len(models)} models, "
        f"seeds {seeds}, epochs cap {epochs}; writing {csv_path}")
    rows = run_benchmark(datasets, models, seeds, epochs=epochs, csv_path=csv_path,
                         done=done, overrides=overrides, long_seeds=args.long_seeds,
                         per_sequence=args.per_sequence, log=log,
                         on_row=record.row_written)
    rows = previous + rows
    runs = record.finish()
    wall = runs[-1]["wall_seconds"]
    info = {}
    # Shape facts for the protocol table, of every dataset in the report (a resumed
    # run may add to rows of other datasets); cheap: cached loaders.
    for d in _report.ordered([r["dataset"] for r in rows], datasets):
        info[d] = load_dataset(d).info
    md = summary_markdown(rows, datasets=datasets, models=models, seeds=seeds,
                          epochs=epochs, quick=args.quick, overrides=overrides,
                          dataset_info=info, long_seeds=args.long_seeds,
                          per_sequence=args.per_sequence, runs=runs)
    md_path = out / f"{name}.md"
    png_path = out / f"{name}.png"
    if not args.no_plot:
        title = f"{name}: test accuracy (mean ± std over seeds {', '.join(map(str, seeds))})"
        _report.plot(rows, _report.ordered([r["dataset"] for r in rows], datasets),
                     _report.ordered([r["model"] for r in rows], models), png_path, title)
        md += f"\n![accuracy per dataset and model; accuracy vs fit time]({png_path.name})\n"
    md_path.write_text(md)
    log(f"done in {wall / 60:.1f} min: {csv_path}, {md_path}"
        + ("" if args.no_plot else f", {png_path}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
