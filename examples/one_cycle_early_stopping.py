"""Realistic training runs: one-cycle and cyclic (triangular2) schedules with early
stopping on an order-dependent 4-class task; learning curves saved as PNG.

    python examples/one_cycle_early_stopping.py
"""

import time

from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.datasets import make_sequence_classification
from sklearn_rnn.preprocessing import SequenceScaler
from sklearn_rnn.schedules import CyclicLR, OneCycle


def main():
    X_train, y_train = make_sequence_classification(
        n_samples=800, n_timesteps=40, n_features=4, n_classes=4, noise=0.5, random_state=0
    )
    X_test, y_test = make_sequence_classification(
        n_samples=400, n_timesteps=40, n_features=4, n_classes=4, noise=0.5, random_state=1
    )
    runs = {
        "one_cycle": OneCycle(max_lr=1e-2),
        "triangular2": CyclicLR(max_lr=1e-2, step_size=4, mode="triangular2"),
    }
    for name, schedule in runs.items():
        clf = RNNSequenceClassifier(
            units=32, bidirectional=True, pooling="mean", epochs=60, learning_rate=1e-3,
            lr_schedule=schedule, early_stopping=True, n_iter_no_change=8, random_state=0,
        )
        start = time.perf_counter()
        pipe = make_pipeline(SequenceScaler(), clf).fit(X_train, y_train)
        seconds = time.perf_counter() - start
        lr = clf.history_["lr"]
        print(f"{name}: epochs run {clf.n_iter_} of {clf.epochs}, best epoch "
              f"{clf.best_epoch_}, best val_loss "
              f"{clf.history_['val_loss'][clf.best_epoch_ - 1]:.4f}, lr first/peak/last "
              f"{lr[0]:.1e}/{max(lr):.1e}/{lr[-1]:.1e}, test accuracy "
              f"{pipe.score(X_test, y_test):.3f}, fit {seconds:.0f} s")
        save_curves(clf, f"{name}_history.png")


def save_curves(clf, path):
    try:
        import matplotlib
    except ImportError:
        return
    matplotlib.use("Agg")
    from sklearn_rnn.plotting import plot_history

    plot_history(clf)[0].figure.savefig(path, dpi=80)


if __name__ == "__main__":
    main()
