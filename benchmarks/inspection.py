"""Speed of :mod:`sklearn_rnn.inspection` on long sequences.

Run from the repository root::

    python -m benchmarks inspection            # 100 sequences x 300 steps
    KERAS_BACKEND=jax python -m benchmarks inspection --out benchmarks/results/inspection_jax

A default ``RNNSequenceClassifier`` (convolutional front-end, bidirectional LSTM,
max pooling) is trained for 40 epochs on synthetic univariate sequences
(:func:`sklearn_rnn.datasets.make_sequence_classification`), then:

* ``integrated_gradients`` of ``--n-sequences`` held-out sequences with
  ``n_steps=50``: the first call (tracing the gradient step included) and a
  second one, with the number of interpolated sequences whose gradients were
  computed (paths refined for completeness included) and the largest
  completeness error;
* ``permutation_importance(by="timestep", window=30, n_repeats=5)`` on the same
  sequences, against the same computation scored through Keras' ``model.predict``
  (its per-call set-up), as a reference.

Target: integrated gradients for 100 sequences of 300 steps in under 10 s on 2
cores. Results go to ``benchmarks/results/inspection.json`` and ``.md``.
"""

import argparse
import shlex
import sys
import time

import numpy as np

from . import _report

TARGET_SECONDS = 10.0


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks inspection",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-sequences", type=int, default=100)
    parser.add_argument("--n-timesteps", type=int, default=300)
    parser.add_argument("--n-steps", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--window", type=int, default=30)
    parser.add_argument("--n-repeats", type=int, default=5)
    parser.add_argument("--out", default=str(_report.RESULTS / "inspection"))
    return parser.parse_args(argv)


class _GradientCounter:
    """Counts the interpolated sequences sent through the gradient step."""

    def __init__(self):
        import sklearn_rnn._attribution as attribution

        self.module, self.original, self.rows = attribution, attribution.output_gradients, 0

    def __enter__(self):
        def counted(model, x, weights):
            self.rows += len(x)
            return self.original(model, x, weights)

        self.module.output_gradients = counted
        return self

    def __exit__(self, *exc):
        self.module.output_gradients = self.original


def _timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def run(args):
    from sklearn.metrics import accuracy_score

    from sklearn_rnn import RNNSequenceClassifier
    from sklearn_rnn._attribution import attribute
    from sklearn_rnn.datasets import make_sequence_classification
    from sklearn_rnn.inspection import integrated_gradients, permutation_importance

    n = args.n_sequences
    X, y = make_sequence_classification(n_samples=2 * n, n_timesteps=args.n_timesteps,
                                        n_features=1, random_state=0)
    X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    clf, fit_seconds = _timed(lambda: RNNSequenceClassifier(
        epochs=args.epochs, random_state=0).fit(X_train, y_train))
    accuracy = clf.score(X_test, y_test)

    results = {"settings": vars(args), "fit_seconds": fit_seconds,
               "test_accuracy": accuracy, "integrated_gradients": [],
               "permutation_importance": []}
    for call in ("first", "second"):
        with _GradientCounter() as counter:
            _, seconds = _timed(lambda: integrated_gradients(clf, X_test,
                                                             n_steps=args.n_steps))
        results["integrated_gradients"].append(
            {"call": call, "seconds": seconds, "gradient_rows": counter.rows})
    seqs = clf._check_sequences(X_test, reset=False)
    _, error, magnitude = attribute(clf, seqs, target=None, baseline="zeros",
                                    n_steps=args.n_steps, batch_size=None, X_form="3d")
    results["completeness_max_relative_error"] = float((error / magnitude).max())

    def keras_predict_scorer(estimator, X_scored, y_scored):
        proba = estimator.model_.predict(np.asarray(X_scored, dtype=np.float32),
                                         verbose=0)
        return accuracy_score(y_scored, estimator.classes_[proba.argmax(axis=1)])

    for label, scoring in (("sklearn_rnn (predict step)", None),
                           ("reference: Keras model.predict per copy",
                            keras_predict_scorer)):
        for call in ("first", "second"):
            result, seconds = _timed(lambda scoring=scoring: permutation_importance(
                clf, X_test, y_test, by="timestep", window=args.window,
                n_repeats=args.n_repeats, scoring=scoring, random_state=0))
            results["permutation_importance"].append({
                "scoring": label, "call": call, "seconds": seconds,
                "scored_copies": 1 + len(result.importances_mean) * args.n_repeats,
                "most_important_window": result.windows[
                    result.importances_mean.argmax()].tolist()})
    return results


def write_markdown(results, path):
    s = results["settings"]
    info = results["machine"]
    ig = results["integrated_gradients"]
    lines = [
        "# Speed of sklearn_rnn.inspection",
        "",
        _report.machine_markdown(info).rstrip(),
        f"- Command: `{results['command']}`",
        "",
        f"Model: `RNNSequenceClassifier(epochs={s['epochs']}, random_state=0)` (the "
        "defaults: convolutional front-end, bidirectional LSTM of 64 units, max "
        f"pooling), trained on {s['n_sequences']} synthetic univariate sequences of "
        f"{s['n_timesteps']} steps (`make_sequence_classification`) in "
        f"{results['fit_seconds']:.1f} s; test accuracy {results['test_accuracy']:.3f} "
        f"on {s['n_sequences']} more, the sequences inspected below.",
        "",
        f"## integrated_gradients: {s['n_sequences']} sequences x {s['n_timesteps']} "
        f"steps, n_steps={s['n_steps']}",
        "",
        "| call | seconds | rows through the gradient step (last batch padded) |",
        "|---|---|---|",
        *(f"| {r['call']} | {r['seconds']:.2f} | {r['gradient_rows']} |" for r in ig),
        "",
        f"Target: under {TARGET_SECONDS:.0f} s on 2 cores: "
        f"{'met' if ig[-1]['seconds'] < TARGET_SECONDS else 'NOT met'} "
        f"({ig[-1]['seconds']:.1f} s; the first call, which also traces the gradient "
        f"step, {ig[0]['seconds']:.1f} s). The first pass takes "
        f"{s['n_sequences'] * (s['n_steps'] + 1)} interpolated sequences; more are "
        "paths refined for completeness. Largest completeness error "
        "|sum(attributions) - (f(x) - f(baseline))| / max(|f(x)|, |f(baseline)|): "
        f"{results['completeness_max_relative_error']:.4f}.",
        "",
        f"## permutation_importance: by=\"timestep\", window={s['window']}, "
        f"n_repeats={s['n_repeats']}",
        "",
        "| scoring through | call | seconds | scored copies of X | most important window |",
        "|---|---|---|---|---|",
        *(f"| {r['scoring']} | {r['call']} | {r['seconds']:.2f} | {r['scored_copies']} | "
          f"{r['most_important_window']} |" for r in results["permutation_importance"]),
        "",
    ]
    path.write_text("\n".join(lines))


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    results = run(args)
    results["machine"] = _report.machine_info()
    results["command"] = "python -m benchmarks inspection " + shlex.join(argv)
    results["command"] = results["command"].rstrip()
    print(_report.write_results(args.out, results, write_markdown))
    for row in results["integrated_gradients"]:
        print(f"integrated_gradients ({row['call']} call): {row['seconds']:.2f} s")
    for row in results["permutation_importance"]:
        print(f"permutation_importance via {row['scoring']} ({row['call']} call): "
              f"{row['seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
