"""Which RNN hyperparameters work: the evidence behind the classifier's defaults.

Run from the repository root::

    python -m benchmarks defaults                 # all candidates, 3 seeds (about 2.5 hours)
    python -m benchmarks defaults --candidates design_defaults,mean --seeds 1
    python -m benchmarks defaults --report-only   # rewrite defaults.md from the CSV

Candidate settings of ``RNNSequenceClassifier`` (each behind a ``SequenceScaler``)
on five small real datasets (official splits): ArrowHead and GunPoint (long
univariate series, few training samples), ItalyPowerDemand (short univariate),
BasicMotions (multivariate) and JapaneseVowels (multivariate, variable length);
1-NN DTW and MiniRocket are shown for reference. Output:
``benchmarks/results/defaults.csv`` and ``defaults.md`` (a table of test accuracy,
mean ± std over seeds, one row per candidate).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from sklearn_rnn.augmentation import SequenceAugmenter
from sklearn_rnn.schedules import OneCycle, ReduceOnPlateau

from . import _report
from ._data import ALL_DATASETS, load_dataset
from ._models import MODELS, PLAIN_LSTM, rnn_spec

DATASETS = ("ArrowHead", "GunPoint", "ItalyPowerDemand", "BasicMotions", "JapaneseVowels")
ONE_CYCLE = "one_cycle"  # peak 10 x learning_rate, 30% warm-up, cosine-shaped
NEW_DEFAULTS = {"bidirectional": True, "pooling": "max"}
BEFORE_ISSUE_13 = {"conv_filters": None, "conv_kernel_size": 5, "conv_stride": 1,
                   "batch_size": 32, "epochs": 100, "lr_schedule": None,
                   "n_iter_no_change": 10, "tol": None}
"""What every candidate starts from besides ``PLAIN_LSTM``: the defaults before the
convolutional front-end and the training recipe (no convergence stopping), so that
a candidate means the same whatever the package's defaults are now."""
RECIPE = {"lr_schedule": ReduceOnPlateau(factor=0.1, patience=5), "batch_size": "auto",
          "epochs": 300, "tol": 1e-4}
SLOW_PLATEAU = {"lr_schedule": ReduceOnPlateau(factor=0.5, patience=10),
                "batch_size": "auto", "epochs": 300, "tol": 1e-4}
FRONT_END = {"conv_filters": (64, 64, 64), "conv_kernel_size": (8, 5, 3),
             "conv_stride": (2, 2, 1)}

CANDIDATES = {
    "design_defaults": ("the design's defaults, before this evidence: LSTM(64), one "
                        "direction, last step, Adam 1e-3, 100 epochs", {}),
    "mean": ("pooling='mean'", {"pooling": "mean"}),
    "onecycle": ("lr_schedule='one_cycle' (1e-3 -> 1e-2 -> 1e-7)",
                 {"lr_schedule": ONE_CYCLE}),
    "mean_onecycle": ("pooling='mean', one_cycle (1e-3 -> 1e-2)",
                      {"pooling": "mean", "lr_schedule": ONE_CYCLE}),
    "mean_lr3e-3": ("pooling='mean', learning_rate=3e-3 constant",
                    {"pooling": "mean", "learning_rate": 3e-3}),
    "mean_onecycle_lr3e-3": ("pooling='mean', one_cycle (3e-3 -> 3e-2)",
                             {"pooling": "mean", "lr_schedule": ONE_CYCLE,
                              "learning_rate": 3e-3}),
    "gru": ("cell_type='gru'", {"cell_type": "gru"}),
    "gru_mean_onecycle": ("GRU, pooling='mean', one_cycle (1e-3 -> 1e-2)",
                          {"cell_type": "gru", "pooling": "mean",
                           "lr_schedule": ONE_CYCLE}),
    "batch16": ("batch_size=16 (twice the updates per epoch)", {"batch_size": 16}),
    "cosine": ("lr_schedule='cosine' (1e-3 -> 0)", {"lr_schedule": "cosine"}),
    "onecycle_3e-3": ("one_cycle with max_lr=3e-3 (1e-3 -> 3e-3 -> 1e-7)",
                      {"lr_schedule": OneCycle(max_lr=3e-3)}),
    "clipnorm": ("clipnorm=1.0", {"clipnorm": 1.0}),
    "epochs200": ("epochs=200", {"epochs": 200}),
    "bidirectional": ("bidirectional=True", {"bidirectional": True}),
    "early_stopping": ("early_stopping=True (20% held out, patience 20), up to 200 "
                       "epochs", {"early_stopping": True, "validation_fraction": 0.2,
                                  "n_iter_no_change": 20, "epochs": 200, "tol": 1e-4}),
    "gru_onecycle_3e-3": ("GRU, one_cycle with max_lr=3e-3",
                          {"cell_type": "gru", "lr_schedule": OneCycle(max_lr=3e-3)}),
    "max": ("pooling='max'", {"pooling": "max"}),
    "bidirectional_max": ("bidirectional=True, pooling='max' (the package defaults "
                          "since this evidence)", NEW_DEFAULTS),
    "dropout": ("dropout=0.3", {"dropout": 0.3}),
    "augment": ("augmentation=SequenceAugmenter(jitter=0.05, scaling=0.1, time_shift=10)",
                {"augmentation": SequenceAugmenter(jitter=0.05, scaling=0.1,
                                                   time_shift=10)}),
    "bimax_units32": ("the pre-front-end defaults with units=32",
                      {**NEW_DEFAULTS, "units": 32}),
    "bimax_units128": ("the pre-front-end defaults with units=128",
                       {**NEW_DEFAULTS, "units": 128}),
    "bimax_epochs200": ("the pre-front-end defaults with epochs=200",
                        {**NEW_DEFAULTS, "epochs": 200}),
    "bimax_onecycle": ("the pre-front-end defaults with lr_schedule='one_cycle'",
                       {**NEW_DEFAULTS, "lr_schedule": ONE_CYCLE}),
    "bimax_dropout": ("the pre-front-end defaults with dropout=0.3",
                      {**NEW_DEFAULTS, "dropout": 0.3}),
    "bimax_lr3e-3": ("the pre-front-end defaults with learning_rate=3e-3",
                     {**NEW_DEFAULTS, "learning_rate": 3e-3}),
    "bimax_l2": ("the pre-front-end defaults with l2=1e-3", {**NEW_DEFAULTS, "l2": 1e-3}),
    "bilstm2_preset": ("the rnn_bilstm2 preset of the accuracy benchmark",
                       {**MODELS["rnn_bilstm2"].params, "tol": 1e-4}),
    # The convolutional front-end and the small-data training recipe.
    "today_defaults": ("the package defaults before the front-end (bidirectional LSTM, max "
                       "pooling, 100 epochs, batch 32, no convergence stopping)",
                       NEW_DEFAULTS),
    "recipe": ("a first small-data recipe on today's network: "
               "ReduceOnPlateau(factor=0.1, patience=5), batch_size='auto', up to 300 "
               "epochs, convergence stopping after 10 epochs without a 1e-4 "
               "improvement of the training loss", {**NEW_DEFAULTS, **RECIPE}),
    "conv_today": ("front-end 3 x Conv1D(64), kernels 8/5/3, strides 2/2/1, with "
                   "today's training", {**NEW_DEFAULTS, **FRONT_END}),
    "conv_recipe": ("front-end 3 x Conv1D(64), kernels 8/5/3, strides 2/2/1, and the "
                    "recipe", {**NEW_DEFAULTS, **FRONT_END, **RECIPE}),
    "conv_k5_recipe": ("front-end 3 x Conv1D(64), kernel 5, stride 1, and the recipe",
                       {**NEW_DEFAULTS, "conv_filters": (64, 64, 64), **RECIPE}),
    "conv_plateau": ("front-end 3 x Conv1D(64), kernels 8/5/3, strides 2/2/1; "
                     "ReduceOnPlateau(factor=0.5, patience=10) on the training loss, "
                     "batch_size='auto', 300 epochs, no convergence stopping",
                     {**NEW_DEFAULTS, **FRONT_END, **SLOW_PLATEAU, "tol": None}),
    "conv_plateau_stop": ("conv_plateau with convergence stopping after 30 epochs "
                          "without a 1e-4 improvement of the training loss",
                          {**NEW_DEFAULTS, **FRONT_END, **SLOW_PLATEAU,
                           "n_iter_no_change": 30}),
    "accurate_wide": ("conv_plateau_stop with 128 filters per block and 128 units, up "
                      "to 600 epochs, convergence patience 50",
                      {**NEW_DEFAULTS, **FRONT_END, **SLOW_PLATEAU,
                       "conv_filters": (128, 128, 128), "units": 128, "epochs": 600,
                       "n_iter_no_change": 50}),
    "accurate_long": ("conv_plateau_stop trained longer: plateau patience 20, up to "
                      "1000 epochs, convergence patience 50",
                      {**NEW_DEFAULTS, **FRONT_END, **SLOW_PLATEAU,
                       "lr_schedule": ReduceOnPlateau(factor=0.5, patience=20),
                       "epochs": 1000, "n_iter_no_change": 50}),
    "conv_s2_recipe": ("front-end 3 x Conv1D(64), kernel 5, stride 2, and the recipe",
                       {**NEW_DEFAULTS, "conv_filters": (64, 64, 64), "conv_stride": 2,
                        **RECIPE}),
}
REFERENCES = ("dtw_1nn", "minirocket")


def candidate_specs(names):
    return [rnn_spec(name, CANDIDATES[name][0],
                     **{**PLAIN_LSTM, **BEFORE_ISSUE_13, **CANDIDATES[name][1]})
            for name in names]


def candidate_table(rows, names, datasets, digits=3):
    """Rows = candidates (then references), columns = datasets, mean, worst (the
    lowest dataset mean), mean rank, mean fit seconds; the best mean of each dataset
    in bold."""
    acc = _report.aggregate(rows, "accuracy")
    fit = _report.aggregate(rows, "fit_seconds")
    names = [n for n in names if any((d, n) in acc for d in datasets)]
    # Summaries over the datasets that every candidate run on more than one covers;
    # a candidate probed on one dataset only gets none.
    multi = [n for n in names if sum((d, n) in acc for d in datasets) > 1] or names
    complete = [d for d in datasets if all((d, n) in acc for n in multi)]
    ranked = [n for n in names if complete and all((d, n) in acc for d in complete)]
    best = {d: max(acc[(d, n)][0] for n in names if (d, n) in acc)
            for d in datasets if any((d, n) in acc for n in names)}
    ranks = dict(zip(ranked, _report._mean_ranks(acc, complete, ranked), strict=True))
    lines = ["| candidate | " + " | ".join(datasets)
             + " | mean | worst | mean rank | fit s (mean) |",
             "|---|" + "---:|" * (len(datasets) + 4)]
    for n in names:
        cells = [_report.best_marked_cell(acc, (d, n), best.get(d), digits)
                 for d in datasets]
        mean_acc = (f"{statistics.fmean(acc[(d, n)][0] for d in complete):.3f}"
                    if n in ranks else "—")
        worst = f"{min(acc[(d, n)][0] for d in complete):.3f}" if n in ranks else "—"
        rank = f"{ranks[n]:.1f}" if n in ranks else "—"
        fits = [fit[(d, n)][0] for d in datasets if (d, n) in fit]
        lines.append(f"| {n} | " + " | ".join(cells)
                     + f" | {mean_acc} | {worst} | {rank} | {statistics.fmean(fits):.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    from .accuracy import _parse_list, _parse_seeds, run_benchmark

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks defaults",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="seed 0 only, on ArrowHead and GunPoint")
    parser.add_argument("--datasets", help=f"comma-separated (default: {','.join(DATASETS)};"
                                           " any of the accuracy benchmark's)")
    parser.add_argument("--candidates", help="comma-separated (default: all). Known: "
                                             + ", ".join(CANDIDATES))
    parser.add_argument("--seeds", help="a number of seeds or a comma-separated list "
                                        "(default: 3)")
    parser.add_argument("--no-references", action="store_true",
                        help="skip the 1-NN DTW and MiniRocket reference rows")
    parser.add_argument("--out", default=str(_report.RESULTS))
    parser.add_argument("--name", help="file stem (default: defaults, or defaults_quick)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows already in the CSV; run only missing "
                             "fits (the report keeps the first run's command and "
                             "machine, recorded in <name>.runs.json)")
    parser.add_argument("--report-only", action="store_true",
                        help="no fits: rewrite the Markdown table from the CSV")
    args = parser.parse_args(argv)
    datasets = (_parse_list(args.datasets, ALL_DATASETS, "datasets") if args.datasets
                else list(("ArrowHead", "GunPoint") if args.quick else DATASETS))
    names = (_parse_list(args.candidates, list(CANDIDATES), "candidates")
             if args.candidates else [] if args.report_only else list(CANDIDATES))
    seeds = _parse_seeds(args.seeds) if args.seeds else ([0] if args.quick else [0, 1, 2])
    refs = [] if args.no_references else list(REFERENCES)
    name = args.name or ("defaults_quick" if args.quick else "defaults")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"{name}.csv"
    runs_path = out / f"{name}.runs.json"
    runs = ([] if args.report_only else
            _report.previous_runs(runs_path, args.resume and csv_path.exists()))
    previous, done = [], set()
    if (args.resume or args.report_only) and csv_path.exists():
        previous = [r for r in _report.read_rows(csv_path) if not r.get("error")]
        done = {(r["dataset"], r["model"], r["seed"]) for r in previous}
    csv_path.unlink(missing_ok=True)
    for row in previous:
        _report.append_row(csv_path, row)
    command = "python -m benchmarks defaults " + " ".join(argv)

    def log(message):
        print(message, flush=True)

    started = time.perf_counter()
    machine = _report.machine_info()
    log(f"{command}: {len(names)} candidates x {len(datasets)} datasets, seeds {seeds}")
    specs = [MODELS[r] for r in refs] + candidate_specs(names)
    if args.report_only:
        rows = previous
        seeds = sorted({int(r["seed"]) for r in rows})
    else:
        record = _report.RunRecord(runs_path, runs, command=command, machine=machine,
                                   kept_rows=len(previous))
        rows = previous + run_benchmark(datasets, specs, seeds, csv_path=csv_path,
                                        done=done, log=log, on_row=record.row_written)
        runs = record.finish()
    wall = time.perf_counter() - started
    info = {d: load_dataset(d).info for d in datasets}
    # with --resume, the table also shows the candidates of earlier runs
    names = [n for n in CANDIDATES if n in names or any(r["model"] == n for r in rows)]
    header = (f"Command: `{command}`  \nRows collected by several runs of "
              "`python -m benchmarks defaults --candidates ...` (one row per fit in the "
              f"CSV)\n\n{_report.machine_markdown(machine, rows)}" if args.report_only
              else _report.runs_markdown(runs, rows))
    md = ["# Default hyperparameters of RNNSequenceClassifier: the evidence", "",
          header,
          "Test accuracy on the official splits, mean ± std over seeds "
          f"{', '.join(map(str, seeds))}; every candidate is `RNNSequenceClassifier` "
          "behind a `SequenceScaler`, with the design's defaults except what the "
          "candidate changes (LSTM, 64 units, 1 layer, one direction, last-step "
          "pooling, no convolutional front-end, Adam, learning_rate=1e-3 constant, "
          "100 epochs, batch_size=32, no convergence stopping: `tol=None`). "
          "one_cycle: `OneCycle()` defaults, peak = 10 x learning_rate after 30% of the "
          "epochs, then cosine down to learning_rate / 1e4. Reference rows: 1-NN DTW "
          "(deterministic) and MiniRocket.", "",
          "| dataset | train | test | length | channels | classes |",
          "|---|---:|---:|---|---:|---:|"]
    md += [f"| {d} | {i['n_train']} | {i['n_test']} | {i['length']} | {i['channels']} | "
           f"{i['n_classes']} |" for d, i in info.items()]
    md += ["", "## Test accuracy", "", candidate_table(rows, names + refs, datasets),
           "## Balanced accuracy", "",
           candidate_table([{**r, "accuracy": r["balanced_accuracy"]} for r in rows],
                           names + refs, datasets),
           "## Candidates", "", "| candidate | change from the defaults |", "|---|---|"]
    md += [f"| {n} | {CANDIDATES[n][0]} |" for n in names]
    (out / f"{name}.md").write_text("\n".join(md) + "\n")
    log(f"done in {wall / 60:.1f} min: {csv_path}, {out / f'{name}.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
