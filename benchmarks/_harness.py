"""The small harness the throughput parts share: one measurement per fresh
interpreter, contestants in alternating rounds, per-round ratios, the machine's
load and what it runs, number formatting.

A part module (``train``, ``varlen``, ``predict``, ``search``, ``import_time``)
holds its workers (run in a fresh interpreter by :func:`run_worker`), its
``measure`` function, its Markdown section and its targets;
:mod:`benchmarks.throughput` is the command line that runs them.
"""

import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

from . import _report

WORKER_MODULE = "benchmarks.throughput"
"""The module whose ``_worker`` command runs one measurement of any part."""

BATCH_PATHS = {"keras_arrays": True, "own_batches": False}
"""How a shuffled fit without augmentation gets its batches: through Keras' array
shuffling, which on TensorFlow repeats one order every epoch after a seed (sklearn_rnn
before 0.2.0), or through the package's own batches (since); the value is what
``_fitting.fit_reshuffles_arrays`` answers."""


@contextlib.contextmanager
def batch_path(path):
    """Train shuffled fits without augmentation through ``BATCH_PATHS[path]``."""
    import sklearn_rnn._fitting as fitting

    saved = fitting.fit_reshuffles_arrays
    fitting.fit_reshuffles_arrays = lambda: BATCH_PATHS[path]
    try:
        yield
    finally:
        fitting.fit_reshuffles_arrays = saved


def rss_mb():
    """Current resident set size of this process, in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds():
    """User + system CPU time of this process (all threads)."""
    t = os.times()
    return t.user + t.system


def n_threads():
    return len(os.listdir("/proc/self/task"))


def median(values):
    return float(statistics.median(values)) if values else None


def backend_threads():
    """What the framework of this process uses for its thread pools."""
    info = {"omp_num_threads_env": os.environ.get("OMP_NUM_THREADS"),
            "tf_num_intraop_threads_env": os.environ.get("TF_NUM_INTRAOP_THREADS"),
            "tf_num_interop_threads_env": os.environ.get("TF_NUM_INTEROP_THREADS"),
            "process_threads": n_threads()}
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        info["tf_intra_op"] = tf.config.threading.get_intra_op_parallelism_threads()
        info["tf_inter_op"] = tf.config.threading.get_inter_op_parallelism_threads()
    if "torch" in sys.modules:
        import torch

        info["torch_threads"] = torch.get_num_threads()
        info["torch_interop_threads"] = torch.get_num_interop_threads()
    return info


def other_processes_busy(seconds=0.5):
    """Cores kept busy by processes other than this one over ``seconds``
    (from /proc/stat and this process's own CPU time): a shared machine's load
    at the moment a measurement starts."""
    def snapshot():
        with open("/proc/stat") as f:
            fields = [float(v) for v in f.readline().split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, cpu_seconds()

    (busy0, own0), start = snapshot(), time.perf_counter()
    time.sleep(seconds)
    (busy1, own1), wall = snapshot(), time.perf_counter() - start
    ticks = os.sysconf("SC_CLK_TCK")
    return max(0.0, ((busy1 - busy0) / ticks - (own1 - own0)) / wall)


QUIET_CORES = 0.25
"""A run starts once other processes keep fewer than this many cores busy."""


def wait_until_quiet(timeout=120):
    """Wait (up to ``timeout`` s) until other processes leave the cores idle, and
    return how busy they kept the cores just before the run.

    Other CPU-bound processes distort the contestants unequally: with four of them
    on the 2 cores, PyTorch's OpenMP threads fell from 7,366 to 263 seq/s
    (they spin at every barrier while the other thread waits for a time slice),
    TensorFlow's thread pools from 2,036 to 1,536 (``PERFORMANCE.md``). That is
    how an earlier committed run measured PyTorch at 290-1,024 seq/s, at a 1-minute
    load average of 3-4."""
    deadline = time.monotonic() + timeout
    busy = other_processes_busy()
    while busy > QUIET_CORES and time.monotonic() < deadline:
        time.sleep(2)
        busy = other_processes_busy()
    return busy


def epoch_figures(n, start, epoch_ends, cpu_ends, end):
    steady = epoch_ends[-1] - epoch_ends[0]
    steady_cpu = cpu_ends[-1] - cpu_ends[0]
    return {
        "fit_seconds": end - start,
        "first_epoch_seconds": epoch_ends[0] - start,
        "steady_seconds": steady,
        "steady_seq_per_s": n * (len(epoch_ends) - 1) / steady,
        "steady_seq_per_cpu_s": n * (len(epoch_ends) - 1) / steady_cpu,
        "fit_seq_per_s": n * len(epoch_ends) / (end - start),
        "epochs": len(epoch_ends),
    }


def run_worker(kind, spec, backend, timeout=1800, env=None):
    """Run one measurement of kind ``kind`` in a fresh interpreter with
    KERAS_BACKEND=backend (and ``env`` on top)."""
    return _report.run_json_worker(WORKER_MODULE, [kind, json.dumps(spec)],
                                   env={"KERAS_BACKEND": backend, **(env or {})},
                                   timeout=timeout)


def round_robin(contestants, n_rounds, run, log, label):
    """``run(contestant)`` for every contestant in every round, the order reversed
    every other round; the per-contestant lists of results."""
    rounds = {c: [] for c in contestants}
    for r in range(n_rounds):
        order = contestants if r % 2 == 0 else contestants[::-1]
        for contestant in order:
            res = run(contestant)
            rounds[contestant].append(res)
            log(f"  {label} round {r + 1} {contestant:20s} steady "
                f"{res['steady_seq_per_s']:7.0f} seq/s, fit {res['fit_seconds']:.2f} s, "
                f"first epoch {res['first_epoch_seconds']:.2f} s, other processes "
                f"{res['other_processes_cores_busy']:.2f} cores")
    return rounds


RATIO_KEYS = ("steady_seq_per_s", "steady_seq_per_cpu_s", "fit_seq_per_s")


def per_round_ratio(rounds, a, b, key):
    """Median over rounds of the per-round ratio a/b, and its range."""
    per_round = [x[key] / y[key] for x, y in zip(rounds[a], rounds[b], strict=True)]
    return {"median": median(per_round), "min": min(per_round), "max": max(per_round)}


def summarize(rounds, keys):
    summary = {}
    for c, runs in rounds.items():
        summary[c] = {key: median([run[key] for run in runs]) for key in keys}
        for flag in ("jit_compile_", "jit_compile", "threads", "lengths"):
            if flag in runs[0]:
                summary[c][flag] = runs[0][flag]
    return summary


@contextlib.contextmanager
def background_load(n_processes):
    """``n_processes`` busy loops in other processes for the duration of the block."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(n_processes)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def machine_info():
    versions = {"python": platform.python_version()}
    for pkg in ("numpy", "scikit-learn", "tensorflow", "keras", "scikeras", "torch",
                "jax", "jaxlib", "joblib"):
        versions[pkg] = _report._version(pkg, missing=None)
    return {"cpu": _report._cpu_model(), "cores": os.cpu_count(),
            "platform": platform.platform(), "versions": versions}


def fmt(value, digits=1):
    return "-" if value is None else f"{value:,.{digits}f}"


def ranged(ratio, digits=2):
    return (f"{ratio['median']:.{digits}f} ({ratio['min']:.{digits}f}-"
            f"{ratio['max']:.{digits}f})")

