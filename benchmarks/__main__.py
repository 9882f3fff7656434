"""``python -m benchmarks``: dispatch to the accuracy benchmark or a subcommand.

``python -m benchmarks [args]`` runs :func:`benchmarks.accuracy.main`;
``python -m benchmarks <subcommand> [args]`` runs ``benchmarks.<subcommand>.main``
with the remaining arguments; ``--task regression`` anywhere is the same as the
``regression`` subcommand (``--task classification``: the accuracy benchmark). Each
module is imported only when its subcommand is
chosen (the throughput benchmark, for example, does not need aeon).
"""

import importlib
import sys

SUBCOMMANDS = {
    "accuracy": "benchmarks.accuracy",
    "defaults": "benchmarks.defaults",
    "throughput": "benchmarks.throughput",
    "training_cost": "benchmarks.training_cost",
    "fit_profile": "benchmarks.fit_profile",
    "memory": "benchmarks.memory",
    "regression": "benchmarks.regression",
    "tuning": "benchmarks.tuning",
    "inspection": "benchmarks.inspection",
    "text_task": "benchmarks.text_task",
}
TASKS = {"classification": "accuracy", "regression": "regression"}


def _pop_task(argv):
    """Remove ``--task T`` / ``--task=T`` from ``argv``; return the subcommand of T."""
    for i, arg in enumerate(argv):
        if arg == "--task" or arg.startswith("--task="):
            value = arg.partition("=")[2] if "=" in arg else (
                argv[i + 1] if i + 1 < len(argv) else "")
            del argv[i:i + (1 if "=" in arg else 2)]
            if value not in TASKS:
                raise SystemExit(f"--task must be one of {', '.join(TASKS)}; "
                                 f"got {value!r}.")
            return TASKS[value]
    return None


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    task = _pop_task(argv)
    if task is not None:
        module = SUBCOMMANDS[task]
    elif argv and argv[0] in SUBCOMMANDS:
        module, argv = SUBCOMMANDS[argv[0]], argv[1:]
    else:
        module = SUBCOMMANDS["accuracy"]
    return importlib.import_module(module).main(argv)


if __name__ == "__main__":
    sys.exit(main())
