"""The README's three search recipes side by side on real data, with the same budget
of trials: ``RandomizedSearchCV``, ``HalvingRandomSearchCV(resource="epochs")`` and
``OptunaSearchCV`` with pruning (``partial_fit`` one epoch at a time).

Run from the repository root::

    python -m benchmarks tuning                         # ItalyPowerDemand, seed 0
    python -m benchmarks tuning --datasets ItalyPowerDemand,GunPoint --seeds 2

Each search draws ``--trials`` candidates from the same space, trains each for up to
``--epochs`` epochs on ``--cv`` folds of the official training split (standardised
once with ``SequenceScaler``), refits the best on the whole split and scores it on
the official test split. Reported per search: wall time (search and refit), epochs
trained over all folds, trials pruned, best cross-validated accuracy and test
accuracy. The searches run one after the other in this process, their order
rotating with the seed.

Output (``--out``, default ``benchmarks/results/``): ``<name>.json`` and
``<name>.md``.
"""

import argparse
import datetime
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from . import _report  # noqa: E402
from ._data import AEON_DATASETS, load_dataset  # noqa: E402

SPACE = {
    "cell_type": ("choice", ["lstm", "gru"]),
    "units": ("choice", [32, 64]),
    "conv_filters": ("choice", [None, 64]),
    "dropout": ("uniform", 0.0, 0.3),
    "learning_rate": ("loguniform", 3e-4, 1e-2),
}
"""The search space, once: turned into scipy / list form for scikit-learn's searches
and into optuna distributions (``conv_filters=64``: the default three blocks with 64
filters each; None: no front-end)."""

SEARCHES = ("random", "halving", "optuna")


def sklearn_space():
    from scipy.stats import loguniform, uniform

    out = {}
    for name, (kind, *args) in SPACE.items():
        if kind == "choice":
            out[name] = list(args[0])
        elif kind == "uniform":
            out[name] = uniform(args[0], args[1] - args[0])
        else:
            out[name] = loguniform(*args)
    return out


def optuna_space():
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    out = {}
    for name, (kind, *args) in SPACE.items():
        if kind == "choice":
            out[name] = CategoricalDistribution(args[0])
        else:
            out[name] = FloatDistribution(*args, log=kind == "loguniform")
    return out


def base_estimator(epochs, seed):
    """The package defaults, trained for exactly ``epochs`` (no convergence stopping,
    so every search spends the epochs it asks for)."""
    from sklearn_rnn import RNNSequenceClassifier

    return RNNSequenceClassifier(epochs=epochs, tol=None, random_state=seed)


def make_search(kind, *, trials, epochs, cv, seed):
    from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold

    folds = StratifiedKFold(cv, shuffle=True, random_state=seed)
    estimator = base_estimator(epochs, seed)
    if kind == "random":
        return RandomizedSearchCV(estimator, sklearn_space(), n_iter=trials, cv=folds,
                                  random_state=seed)
    if kind == "halving":
        from sklearn.experimental import enable_halving_search_cv  # noqa: F401
        from sklearn.model_selection import HalvingRandomSearchCV

        rounds = int(math.log2(trials))  # trials, trials/2, ..., 1 candidates
        return HalvingRandomSearchCV(
            estimator, sklearn_space(), resource="epochs", n_candidates=trials,
            factor=2, min_resources=max(1, epochs >> rounds), max_resources=epochs,
            cv=folds, random_state=seed)
    import optuna
    from optuna_integration import OptunaSearchCV

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3,
                                           n_warmup_steps=max(1, epochs // 8)))
    return OptunaSearchCV(estimator, optuna_space(), cv=folds, n_trials=trials,
                          enable_pruning=True, max_iter=epochs, study=study,
                          random_state=seed, verbose=0)


def epochs_trained(kind, search, *, trials, epochs, cv):
    """Epochs trained over every fold of the search (the refit not counted)."""
    if kind == "random":
        return trials * epochs * cv
    if kind == "halving":
        return cv * sum(n * r for n, r in zip(search.n_candidates_, search.n_resources_,
                                              strict=True))
    return cv * sum(len(t.intermediate_values) for t in search.study_.trials)


def pruned_trials(kind, search):
    if kind != "optuna":
        return 0
    import optuna

    return sum(t.state == optuna.trial.TrialState.PRUNED for t in search.study_.trials)


def run_search(kind, data, *, trials, epochs, cv, seed):
    from sklearn.metrics import accuracy_score

    search = make_search(kind, trials=trials, epochs=epochs, cv=cv, seed=seed)
    started = time.perf_counter()
    search.fit(data.X_train, data.y_train)
    wall = time.perf_counter() - started
    best = {k: (round(v, 5) if isinstance(v, float) else v)
            for k, v in search.best_params_.items()}
    return {
        "search": kind, "dataset": data.name, "seed": seed, "wall_seconds": wall,
        "epochs_trained": int(epochs_trained(kind, search, trials=trials, epochs=epochs,
                                             cv=cv)),
        "pruned": int(pruned_trials(kind, search)),
        "best_cv_accuracy": float(search.best_score_),
        "test_accuracy": float(accuracy_score(data.y_test, search.predict(data.X_test))),
        "best_params": best, "load_avg_1min": _report.load_average(),
    }


def scaled(data):
    from sklearn_rnn.preprocessing import SequenceScaler

    scaler = SequenceScaler().fit(data.X_train)
    return type(data)(data.name, scaler.transform(data.X_train), data.y_train,
                      scaler.transform(data.X_test), data.y_test, data.info)


def write_markdown(results, path):
    s = results["settings"]
    lines = [
        "# Hyperparameter search: random vs successive halving on epochs vs Optuna "
        "with pruning", "",
        f"Command: `{results['command']}` ({results['date']}, "
        f"{results['wall_minutes']:.1f} min)", "",
        _report.machine_markdown(results["machine"]),
        f"Each search: {s['trials']} candidates from the same space, up to "
        f"{s['epochs']} epochs each, {s['cv']}-fold stratified cross-validation on the "
        "official training split, then the best refitted on all of it and scored on "
        "the official test split. Base estimator: `RNNSequenceClassifier(epochs="
        f"{s['epochs']}, tol=None)` (the package defaults otherwise). Halving: factor "
        "2 on `epochs`. Optuna: TPE sampler, `MedianPruner(n_startup_trials=3, "
        f"n_warmup_steps={max(1, s['epochs'] // 8)})`.", "",
        "Space: " + "; ".join(f"`{k}` {kind} {', '.join(map(str, args))}"
                              for k, (kind, *args) in SPACE.items()), "",
        "| dataset | seed | search | wall s | epochs trained | pruned | best CV accuracy "
        "| test accuracy | best parameters |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results["rows"]:
        params = ", ".join(f"{k}={v}" for k, v in r["best_params"].items())
        lines.append(
            f"| {r['dataset']} | {r['seed']} | {r['search']} | {r['wall_seconds']:.0f} | "
            f"{r['epochs_trained']:,} | {r['pruned']} | {r['best_cv_accuracy']:.3f} | "
            f"{r['test_accuracy']:.3f} | {params} |")
    lines += ["", "Relative to `random` on the same dataset and seed:", "",
              "| dataset | seed | search | wall time | epochs | test accuracy |",
              "|---|---:|---|---:|---:|---:|"]
    for r in results["rows"]:
        ref = next(x for x in results["rows"] if x["search"] == "random"
                   and x["dataset"] == r["dataset"] and x["seed"] == r["seed"])
        lines.append(
            f"| {r['dataset']} | {r['seed']} | {r['search']} | "
            f"{r['wall_seconds'] / ref['wall_seconds']:.2f}x | "
            f"{r['epochs_trained'] / ref['epochs_trained']:.2f}x | "
            f"{r['test_accuracy'] - ref['test_accuracy']:+.3f} |")
    Path(path).write_text("\n".join(lines) + "\n")


def main(argv=None):
    from .accuracy import _parse_list, _parse_seeds

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks tuning",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="ItalyPowerDemand",
                        help="comma-separated aeon datasets (default: ItalyPowerDemand)")
    parser.add_argument("--searches", default=",".join(SEARCHES),
                        help=f"comma-separated subset of {','.join(SEARCHES)}")
    parser.add_argument("--seeds", default="1", help="a number of seeds or a list")
    parser.add_argument("--trials", type=int, default=8, help="candidates per search")
    parser.add_argument("--epochs", type=int, default=64, help="epochs per full trial")
    parser.add_argument("--cv", type=int, default=3, help="cross-validation folds")
    parser.add_argument("--output", default=str(_report.RESULTS / "tuning"),
                        help="path prefix of the .json and .md results")
    args = parser.parse_args(argv)
    datasets = _parse_list(args.datasets, AEON_DATASETS, "datasets")
    searches = _parse_list(args.searches, SEARCHES, "searches")
    seeds = _parse_seeds(args.seeds)
    settings = {"trials": args.trials, "epochs": args.epochs, "cv": args.cv}
    results = {
        "command": " ".join(["python -m benchmarks tuning", *argv]),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": _report.machine_info(), "settings": settings, "rows": [],
    }
    started = time.perf_counter()
    for name in datasets:
        data = scaled(load_dataset(name))
        for seed in seeds:
            order = searches[seed % len(searches):] + searches[:seed % len(searches)]
            for kind in order:
                row = run_search(kind, data, seed=seed, **settings)
                results["rows"].append(row)
                print(f"{name} seed {seed} {kind}: {row['wall_seconds']:.0f} s, "
                      f"{row['epochs_trained']} epochs, {row['pruned']} pruned, CV "
                      f"{row['best_cv_accuracy']:.3f}, test {row['test_accuracy']:.3f}",
                      flush=True)
    results["wall_minutes"] = (time.perf_counter() - started) / 60
    print(_report.write_results(args.output, results, write_markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
