"""
Learning-rate schedules and training curves
===========================================

Every learning-rate schedule of :mod:`sklearn_rnn.schedules`, drawn with
:func:`~sklearn_rnn.plotting.plot_lr_schedule` before any training, then two real
fits with early stopping, a one-cycle and a cyclic (``triangular2``) schedule, whose
training and validation curves :func:`~sklearn_rnn.plotting.plot_history` draws.
"""

# %%
# The schedules
# -------------
# Durations are in epochs; every schedule but ``ReduceOnPlateau`` is evaluated at
# every optimizer step (here 10 batches per epoch). ``learning_rate`` (1e-3) is the
# base rate each schedule starts from.
import matplotlib.pyplot as plt

from sklearn_rnn.plotting import plot_history, plot_lr_schedule
from sklearn_rnn.schedules import (
    CosineAnnealing,
    CosineRestarts,
    CyclicLR,
    ExponentialDecay,
    OneCycle,
    StepDecay,
)

schedules = {
    "StepDecay(step_size=10, gamma=0.5)": StepDecay(step_size=10, gamma=0.5),
    "ExponentialDecay(gamma=0.9)": ExponentialDecay(gamma=0.9),
    "CosineAnnealing()": CosineAnnealing(),
    "CosineRestarts(first_cycle=10)": CosineRestarts(first_cycle=10),
    "CyclicLR(max_lr=1e-2, step_size=5, 'triangular2')":
        CyclicLR(max_lr=1e-2, step_size=5, mode="triangular2"),
    "OneCycle(max_lr=1e-2)": OneCycle(max_lr=1e-2),
}
fig, axes = plt.subplots(2, 3, figsize=(11, 5.5), sharex=True, layout="constrained")
for ax, (name, schedule) in zip(axes.ravel(), schedules.items(), strict=True):
    plot_lr_schedule(schedule, epochs=40, steps_per_epoch=10, base_lr=1e-3, ax=ax)
    ax.set_title(name, fontsize=9)

# %%
# Two fits with early stopping
# ----------------------------
# An order-dependent 4-class task. ``early_stopping=True`` holds out a stratified
# tenth, stops after ``n_iter_no_change`` epochs without improvement of the
# validation loss and restores the best weights; ``history_["lr"]`` holds the rate
# each epoch started with.
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.datasets import make_sequence_classification
from sklearn_rnn.preprocessing import SequenceScaler

X_train, y_train = make_sequence_classification(
    n_samples=200, n_timesteps=20, n_features=3, n_classes=4, noise=0.5, random_state=0)
X_test, y_test = make_sequence_classification(
    n_samples=200, n_timesteps=20, n_features=3, n_classes=4, noise=0.5, random_state=1)

fig, axes = plt.subplots(2, 2, figsize=(10, 6), layout="constrained")
for row, schedule in zip(axes, [OneCycle(max_lr=1e-2),
                                CyclicLR(max_lr=1e-2, step_size=4, mode="triangular2")],
                         strict=True):
    clf = RNNSequenceClassifier(units=8, conv_filters=None, epochs=20,
                                lr_schedule=schedule, early_stopping=True,
                                n_iter_no_change=5, random_state=0)
    pipe = make_pipeline(SequenceScaler(), clf).fit(X_train, y_train)
    plot_history(clf, ax=row)
    row[0].set_title(f"{type(schedule).__name__}: loss", fontsize=9)
    print(f"{type(schedule).__name__}: {clf.n_iter_} epochs run, best epoch "
          f"{clf.best_epoch_}, test accuracy {pipe.score(X_test, y_test):.3f}")
plt.show()
