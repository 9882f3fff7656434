"""``python -m benchmarks``: dispatch to the accuracy benchmark or a subcommand.

``python -m benchmarks [args]`` runs :func:`benchmarks.accuracy.main`;
``python -m benchmarks <subcommand> [args]`` runs ``benchmarks.<subcommand>.main``
with the remaining arguments. Each module is imported only when its subcommand is
chosen (the throughput benchmark, for example, does not need aeon).
"""

import importlib
import sys

SUBCOMMANDS = {
    "accuracy": "benchmarks.accuracy",
    "defaults": "benchmarks.defaults",
    "throughput": "benchmarks.throughput",
    "memory": "benchmarks.memory",
}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        module, argv = SUBCOMMANDS[argv[0]], argv[1:]
    else:
        module = SUBCOMMANDS["accuracy"]
    return importlib.import_module(module).main(argv)


if __name__ == "__main__":
    sys.exit(main())
