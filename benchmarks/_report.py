"""Shared reporting for the benchmarks: the machine, measurements run in a fresh
interpreter, CSV rows, result files, Markdown tables (mean ± std over seeds) and
the plot."""

import csv
import datetime
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

COLUMNS = (
    "dataset", "model", "seed", "accuracy", "balanced_accuracy", "f1_macro",
    "fit_seconds", "predict_seconds", "epochs_run", "best_epoch",
    "train_accuracy_last_epoch", "n_train", "n_test",
    "n_classes", "family", "load_avg_1min", "error",
)
METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "fit_seconds", "predict_seconds")


# ---------------------------------------------------------------- machine
def _version(package, missing="not installed"):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return missing


def _cpu_model(cpuinfo="/proc/cpuinfo"):
    """The CPU's name, with its family, model and widest vector instructions when
    ``cpuinfo`` gives them: machines sold under one name ("AMD EPYC") differ in
    speed and, through the kernels oneDNN picks for AVX-512 or AVX2, in the rounding
    of a seeded fit, which then repeats exactly only on the same kind of CPU."""
    fields = {}
    try:
        with open(cpuinfo) as f:
            for line in f:
                if not line.strip():
                    break  # the first processor's block is enough
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    name = fields.get("model name") or platform.processor() or platform.machine()
    details = []
    if "cpu family" in fields and "model" in fields:
        details.append(f"family {fields['cpu family']} model {fields['model']}")
    flags = fields.get("flags", "").split()
    if "avx512f" in flags:
        details.append("AVX-512")
    elif "avx2" in flags:
        details.append("AVX2")
    return f"{name} ({', '.join(details)})" if details else name


def _ram_gb():
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def _git_commit():
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "sklearn_rnn"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10)
        commit = out.stdout.strip()
        return commit + (" + uncommitted changes in sklearn_rnn/" if dirty.stdout.strip()
                         else "") if commit else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine_info():
    """A description of the machine and software (Keras is imported here)."""
    import keras

    import sklearn_rnn

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": _ram_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "scikit-learn": _version("scikit-learn"),
        "tensorflow": _version("tensorflow"),
        "keras": _version("keras"),
        "keras_backend": keras.config.backend(),
        "aeon": _version("aeon"),
        "sklearn_rnn": f"{sklearn_rnn.__version__} (git {_git_commit()})",
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "load_at_start": _load(),
    }


def _load():
    """1-minute load average: above the core count, other jobs shared the CPU and
    the timings are inflated."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


load_average = _load


# ------------------------------------------------- measurements in subprocesses
def run_json_worker(module, args, env=None, timeout=None):
    """Run ``python -m <module> _worker *args <out.json>`` in a fresh interpreter
    (from the repository root, with ``env`` added to the environment) and return
    what the worker wrote to ``out.json``; RuntimeError with its stderr if it failed."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        proc = subprocess.run(
            [sys.executable, "-m", module, "_worker", *args, out], cwd=ROOT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
            capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"{module} worker {args} failed:\n{proc.stderr[-3000:]}")
        with open(out) as f:
            return json.load(f)
    finally:
        os.unlink(out)


def write_results(prefix, results, write_markdown):
    """``<prefix>.json`` (everything) and ``<prefix>.md`` (``write_markdown``)."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    prefix.with_suffix(".json").write_text(json.dumps(results, indent=1))
    write_markdown(results, prefix.with_suffix(".md"))
    return f"wrote {prefix.with_suffix('.json')} and {prefix.with_suffix('.md')}"


def machine_markdown(info, rows=None):
    loads = [float(r["load_avg_1min"]) for r in rows or ()
             if r.get("load_avg_1min") not in (None, "")]
    during = (f"; mean over the fits {statistics.fmean(loads):.2f}, max {max(loads):.2f}"
              if loads else "")
    return (
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM, "
        f"{info['os']}; CPU only\n"
        f"- Software: Python {info['python']}, numpy {info['numpy']}, scikit-learn "
        f"{info['scikit-learn']}, TensorFlow {info['tensorflow']}, Keras {info['keras']} "
        f"(backend: {info['keras_backend']}), aeon {info['aeon']}, sklearn_rnn "
        f"{info['sklearn_rnn']}\n"
        f"- Date: {info['date']}; 1-minute load average at start "
        f"{info.get('load_at_start')}{during}, at end {_load()} (on {info['cores']} cores: a "
        "load above that means other jobs shared the CPU and inflated the timings)\n"
    )


# ------------------------------------------------------------------ runs
def previous_runs(path, resume):
    """The runs recorded in ``path`` (``<name>.runs.json``: each run's command,
    machine, wall time and the rows it found) when ``resume``; otherwise the record
    is removed, as the CSV is, and the list is empty."""
    path = Path(path)
    if not resume:
        path.unlink(missing_ok=True)
        return []
    return json.loads(path.read_text()) if path.exists() else []


class RunRecord:
    """This run's entry in ``<name>.runs.json`` (its command, machine, wall time,
    the rows it kept from earlier runs and the fits it added), written before the
    first fit and again after each one, so that a run stopped part way (a killed
    job, Ctrl-C) still says which command wrote its rows; ``--resume`` continues
    from them."""

    def __init__(self, path, runs, *, command, machine, kept_rows):
        self.path = Path(path)
        self._started = time.perf_counter()
        self.runs = [*runs, {"command": command, "machine": machine, "wall_seconds": 0.0,
                             "kept_rows": kept_rows, "new_rows": 0, "finished": False}]
        self._write()

    def row_written(self, row=None):
        self.runs[-1]["new_rows"] += 1
        self._write()

    def finish(self):
        """Mark the run complete and return all the runs."""
        self.runs[-1]["finished"] = True
        self._write()
        return self.runs

    def _write(self):
        self.runs[-1]["wall_seconds"] = time.perf_counter() - self._started
        self.path.write_text(json.dumps(self.runs, indent=1) + "\n")


def runs_markdown(runs, rows=None):
    """The report's header: the first run's command, machine and date, the wall
    time added up over the ``--resume`` runs that completed the CSV."""
    first, resumed = runs[0], runs[1:]
    total = sum(run["wall_seconds"] for run in runs)
    out = [f"Command: `{first['command']}`  ",
           f"Wall time: {total / 60:.1f} min"
           + (f" over {len(runs)} runs" if resumed else ""), ""]
    if resumed:
        out += [f"Resumed {len(resumed)} time(s) with `--resume`, which kept the rows "
                "already in the CSV: "
                + "; ".join(f"`{run['command']}` on {run['machine']['date']} "
                            f"({run['machine']['cpu']}, {run['wall_seconds'] / 60:.1f} min)"
                            for run in resumed)
                + ". The machine and date below are the first run's.", ""]
    stopped = [run for run in runs if not run.get("finished", True)]
    if stopped:
        out += ["Stopped part way (wall time up to the last finished fit): "
                + "; ".join(f"`{run['command']}` on {run['machine']['date']} after "
                            f"{run['new_rows']} fit(s)" for run in stopped)
                + ".", ""]
    if first["kept_rows"]:
        out += [f"The first recorded run kept {first['kept_rows']} rows already in the "
                "CSV, written by earlier runs that recorded neither command nor wall "
                "time.", ""]
    return "\n".join(out) + "\n" + machine_markdown(first["machine"], rows)


# -------------------------------------------------------------------- CSV
def append_row(path, row, columns=COLUMNS):
    path = Path(path)
    new = not path.exists() or path.stat().st_size == 0
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerow(row)


def read_rows(path, metrics=METRICS):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["seed"] = int(row["seed"])
        for key in metrics:
            row[key] = float(row[key]) if row[key] not in ("", None) else math.nan
    return rows


# ----------------------------------------------------------------- tables
def ordered(values, preferred):
    """Unique values in the order of ``preferred``, unknown ones last."""
    seen = list(dict.fromkeys(values))
    return [v for v in preferred if v in seen] + [v for v in seen if v not in preferred]


def aggregate(rows, metric):
    """{(dataset, model): (mean, std or None, n)} over seeds; std is None for one run."""
    groups = {}
    for row in rows:
        if row.get("error"):
            continue
        groups.setdefault((row["dataset"], row["model"]), []).append(float(row[metric]))
    out = {}
    for key, values in groups.items():
        std = statistics.stdev(values) if len(values) > 1 else None
        out[key] = (statistics.fmean(values), std, len(values))
    return out


def _fmt(mean, std, digits):
    text = f"{mean:.{digits}f}"
    return text if std is None else f"{text} ± {std:.{digits}f}"


def best_marked_cell(stats, key, best, digits):
    """``mean ± std`` of ``stats[key]``, in bold when it rounds to ``best``; a dash
    when there is no such result."""
    if key not in stats:
        return "—"
    mean, std, _ = stats[key]
    text = _fmt(mean, std, digits)
    return f"**{text}**" if round(mean, digits) == round(best, digits) else text


def metric_table(rows, metric, datasets, models, *, digits=3, higher_is_better=True,
                 summary_rows=True):
    """Markdown table datasets x models; the best mean of each row in bold."""
    stats = aggregate(rows, metric)
    lines = ["| dataset | " + " | ".join(models) + " |",
             "|---|" + "---:|" * len(models)]
    for dataset in datasets:
        means = {m: stats[(dataset, m)][0] for m in models if (dataset, m) in stats}
        best = (max if higher_is_better else min)(means.values()) if means else None
        cells = [best_marked_cell(stats, (dataset, model), best, digits)
                 for model in models]
        lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
    if summary_rows and len(datasets) > 1:
        complete = [d for d in datasets if all((d, m) in stats for m in models)]
        if complete:
            avg = [statistics.fmean(stats[(d, m)][0] for d in complete) for m in models]
            lines.append(f"| *mean over {len(complete)} datasets* | "
                         + " | ".join(f"*{v:.{digits}f}*" for v in avg) + " |")
            if higher_is_better:
                ranks = _mean_ranks(stats, complete, models)
                lines.append("| *mean rank (1 = best)* | "
                             + " | ".join(f"*{r:.1f}*" for r in ranks) + " |")
    return "\n".join(lines) + "\n"


def _mean_ranks(stats, datasets, models):
    totals = [0.0] * len(models)
    for d in datasets:
        means = [stats[(d, m)][0] for m in models]
        for i, value in enumerate(means):
            better = sum(v > value for v in means)
            ties = sum(v == value for v in means)
            totals[i] += better + (ties + 1) / 2
    return [t / len(datasets) for t in totals]


# ------------------------------------------------------------------- plot
def plot(rows, datasets, models, path, title):
    """Accuracy per dataset and model (bars, error bars = std over seeds), and
    accuracy against fit + predict time (one point per dataset and model: 1-NN DTW
    does its work at predict time)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    acc = aggregate(rows, "accuracy")
    fit = aggregate([{**r, "total": float(r["fit_seconds"]) + float(r["predict_seconds"])}
                     for r in rows], "total")
    cmap = plt.get_cmap("tab10" if len(models) <= 10 else "tab20")
    colors = {m: cmap(i % cmap.N) for i, m in enumerate(models)}
    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(max(10, 1.3 * len(datasets) + 3), 10),
        gridspec_kw={"height_ratios": [1.1, 1]},
    )
    width = 0.85 / len(models)
    for j, model in enumerate(models):
        xs, ys, es = [], [], []
        for i, dataset in enumerate(datasets):
            if (dataset, model) in acc:
                mean, std, _ = acc[(dataset, model)]
                xs.append(i + (j - (len(models) - 1) / 2) * width)
                ys.append(mean)
                es.append(std or 0.0)
        ax1.bar(xs, ys, width, yerr=es, capsize=1.5, label=model, color=colors[model],
                error_kw={"elinewidth": 0.8})
    ax1.set_xticks(range(len(datasets)))
    ax1.set_xticklabels(datasets, rotation=15, ha="right")
    ax1.set_ylabel("test accuracy")
    ax1.set_ylim(0, 1.05)
    ax1.grid(axis="y", alpha=0.3)
    ax1.set_title(title)
    ax1.legend(ncol=min(len(models), 5), fontsize=8, loc="lower left",
               bbox_to_anchor=(0, 1.06), frameon=False)

    markers = "osD^vP*Xh<>"
    for model in models:
        for i, dataset in enumerate(datasets):
            if (dataset, model) in acc and (dataset, model) in fit:
                ax2.scatter(fit[(dataset, model)][0], acc[(dataset, model)][0],
                            color=colors[model], marker=markers[i % len(markers)], s=40,
                            alpha=0.85, edgecolors="none")
    handles = [Patch(color=colors[m], label=m) for m in models]  # colour = model
    handles += [Line2D([], [], color="grey", marker=markers[i % len(markers)],
                       linestyle="none", label=d)  # marker = dataset
                for i, d in enumerate(datasets)]
    ax2.set_xscale("log")
    ax2.set_xlabel("fit + predict time, seconds (log scale; predict = the whole test "
                   "split; mean over seeds)")
    ax2.set_ylabel("test accuracy (mean over seeds)")
    ax2.grid(alpha=0.3, which="both")
    ax2.legend(handles=handles, fontsize=8, ncol=1, loc="center left",
               bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
