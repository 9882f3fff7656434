"""
Where the network looks: GunPoint
=================================

GunPoint (shipped with aeon, no download): the x coordinate of an actor's hand,
150 steps, while the actor either draws a gun from a holster and points it, or
points a finger. 50 training and 150 test series. The two motions differ mostly
around the draw and the return, when the hand goes to and from the hip. Does the
network look there?

:func:`~sklearn_rnn.inspection.permutation_importance` answers for the test set
as a whole (which windows of time the accuracy depends on),
:func:`~sklearn_rnn.inspection.integrated_gradients` for each series (which steps
moved its prediction).
"""

# %%
# Fit a small network
# -------------------
# A narrow version of the default network (a convolutional front-end, a
# bidirectional LSTM, max over time), trained for few epochs so that this
# example runs in seconds (in so short a budget the test accuracy depends on the
# seed: 0.75 to 0.99 over seeds 0 to 3). aeon stores series channels first,
# ``(n_samples, 1, 150)``; the univariate series are the 2D arrays ``X[:, 0]``.
import matplotlib.pyplot as plt
import numpy as np
from aeon.datasets import load_classification

from sklearn_rnn import RNNSequenceClassifier

X_train, y_train = load_classification("GunPoint", split="train")
X_test, y_test = load_classification("GunPoint", split="test")
X_train, X_test = X_train[:, 0], X_test[:, 0]

clf = RNNSequenceClassifier(units=8, conv_filters=(16, 16), conv_kernel_size=(5, 3),
                            conv_stride=(2, 2), epochs=60, random_state=1)
clf.fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# Which windows of time the accuracy depends on
# ---------------------------------------------
# Each window of 10 steps is shuffled across the test series (5 times) and the
# drop of accuracy recorded. The mean test series of each class is drawn above.
from sklearn_rnn.inspection import permutation_importance
from sklearn_rnn.plotting import plot_importance

result = permutation_importance(clf, X_test, y_test, by="timestep", window=10,
                                n_repeats=5, random_state=0)
fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(8, 5),
                                  layout="constrained")
for label in clf.classes_:
    top.plot(X_test[y_test == label].mean(axis=0), label=f"class {label} (mean)")
top.set_ylabel("hand x")
top.legend()
plot_importance(result, ax=bottom)
bottom.set_title("permutation importance of each 10-step window")
best = result.windows[result.importances_mean.argmax()]
print(f"most important window: steps {best[0]} to {best[1] - 1}")

# %%
# Which steps moved each prediction
# ---------------------------------
# Integrated gradients of the predicted class's probability, from a flat series
# (``baseline="mean"``: the training mean at every step). One series of each
# class: red steps pushed the prediction up, blue ones down.
from sklearn_rnn.inspection import integrated_gradients
from sklearn_rnn.plotting import plot_attribution

examples = [int(np.flatnonzero(y_test == label)[0]) for label in clf.classes_]
attributions = integrated_gradients(clf, X_test[examples], baseline="mean")
fig, axes = plt.subplots(2, 1, sharex=True, figsize=(8, 4.5), layout="constrained")
for axis, i, attribution in zip(axes, examples, attributions, strict=True):
    plot_attribution(X_test[i], attribution, feature_names=[f"class {y_test[i]}"],
                     ax=[axis])
axes[0].set_xlabel("")

# %%
# Where the network looks, over the test set
# ------------------------------------------
# The mean absolute attribution per step over 40 test series, next to the
# permutation importance of each window. Both weigh the draw most (steps 20 to
# 60, the hand leaving the hip and rising), its end around step 55 above all; the
# hand's return (around steps 90 to 115) and the stretch where the arm is raised
# in both motions matter little: the network decides on the draw alone. Single
# steps' attributions jitter from one step to the next; the 10-step windows of
# the permutation importance read more steadily.
attributions = integrated_gradients(clf, X_test[:40], baseline="mean")
fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
ax.plot(np.abs(attributions).mean(axis=0), label="mean |integrated gradients|")
ax.set_xlabel("timestep")
ax.set_ylabel("attribution")
twin = ax.twinx()
twin.stairs(result.importances_mean, np.r_[result.windows[:, 0], result.windows[-1, 1]],
            color="tab:orange", label="permutation importance")
twin.set_ylabel("drop in accuracy")
fig.legend(loc="outside upper center", ncols=2)
plt.show()
