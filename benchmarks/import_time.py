"""``import sklearn_rnn`` in a fresh interpreter, and whether it imports Keras or TensorFlow
(``python -m benchmarks throughput --parts import``)."""

import subprocess
import sys
import time
from pathlib import Path

from ._harness import median

ROOT = Path(__file__).resolve().parents[1]

SUBMODULES_SNIPPET = (
    "import time; t = time.perf_counter(); "
    "import sklearn_rnn.preprocessing, sklearn_rnn.schedules, sklearn_rnn.datasets; "
    "print(time.perf_counter() - t)"
)
IMPORT_SNIPPET = (
    "import sys, time; t = time.perf_counter(); import sklearn_rnn; "
    "t = time.perf_counter() - t; "
    "print(t, 'keras' in sys.modules, 'tensorflow' in sys.modules)"
)


def measure_import(settings):
    times, heavy = [], False
    wall, wall_base = [], []
    for _ in range(settings["import_repeats"]):
        for snippet, sink in (("pass", wall_base), (IMPORT_SNIPPET, wall)):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", snippet], cwd=ROOT,
                                  capture_output=True, text=True, check=True)
            sink.append(time.perf_counter() - start)
        seconds, keras_loaded, tf_loaded = proc.stdout.split()
        times.append(float(seconds))
        heavy = heavy or keras_loaded == "True" or tf_loaded == "True"
    submodules = [
        float(subprocess.run([sys.executable, "-c", SUBMODULES_SNIPPET], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout)
        for _ in range(settings["import_repeats"])]
    return {
        "import_seconds_median": median(times),
        "submodules_import_seconds_median": median(submodules),
        "import_seconds_all": times,
        "subprocess_wall_seconds_median": median(wall),
        "interpreter_start_seconds_median": median(wall_base),
        "imports_keras_or_tensorflow": heavy,
    }



def markdown(results):
    """The import section of the report."""
    lines = []
    i = results["import"]
    lines += ["## `import sklearn_rnn`", "",
              f"In-process import time, median of {len(i['import_seconds_all'])}: "
              f"{i['import_seconds_median'] * 1e3:.0f} ms (whole subprocess "
              f"{i['subprocess_wall_seconds_median'] * 1e3:.0f} ms, bare interpreter "
              f"{i['interpreter_start_seconds_median'] * 1e3:.0f} ms). Imports Keras or "
              f"TensorFlow: {i['imports_keras_or_tensorflow']}. `import "
              "sklearn_rnn.preprocessing, sklearn_rnn.schedules, sklearn_rnn.datasets` "
              f"(scikit-learn, no Keras): {i['submodules_import_seconds_median'] * 1e3:.0f}"
              " ms.", ""]
    return lines


def evaluate_targets(results):
    """The import-time target."""
    targets = []
    t = results["import"]["import_seconds_median"]
    targets.append({"target": "import sklearn_rnn < 0.3 s", "measured": f"{t:.3f} s",
                    "met": t < 0.3 and not results["import"]["imports_keras_or_tensorflow"]})
    return targets
