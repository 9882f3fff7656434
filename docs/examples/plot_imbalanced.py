"""
An imbalanced problem: class weights and resampling
===================================================

A 3-class task whose smallest class is 5% of the data. Plain accuracy hides a
classifier that ignores the small classes; balanced accuracy (the mean recall per
class) does not. Two remedies: ``class_weight="balanced"`` and over-sampling the
small classes with :class:`~sklearn_rnn.resampling.SequenceOverSampler` inside an
imbalanced-learn pipeline, which resamples during ``fit`` only.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from imblearn.pipeline import make_pipeline
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.datasets import make_sequence_classification
from sklearn_rnn.preprocessing import SequenceScaler
from sklearn_rnn.resampling import SequenceOverSampler

X, y = make_sequence_classification(n_samples=600, n_timesteps=30, n_features=2,
                                    n_classes=3, weights=[0.8, 0.15, 0.05], noise=0.5,
                                    random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y,
                                                    random_state=0)
print("training class counts:", np.bincount(y_train))

# %%
# Three fits of the same network
# ------------------------------
network = dict(units=16, conv_filters=None, epochs=20, tol=None, random_state=0)
models = {
    "no help": make_pipeline(SequenceScaler(), RNNSequenceClassifier(**network)),
    "class_weight='balanced'": make_pipeline(
        SequenceScaler(), RNNSequenceClassifier(class_weight="balanced", **network)),
    "SequenceOverSampler": make_pipeline(
        SequenceScaler(), SequenceOverSampler(method="interpolate", random_state=0),
        RNNSequenceClassifier(**network)),
}
results = {}
for name, model in models.items():
    predicted = model.fit(X_train, y_train).predict(X_test)
    results[name] = (accuracy_score(y_test, predicted),
                     balanced_accuracy_score(y_test, predicted))
    print(f"{name:>24}: accuracy {results[name][0]:.3f}, "
          f"balanced accuracy {results[name][1]:.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
positions = np.arange(len(results))
ax.bar(positions - 0.2, [r[0] for r in results.values()], 0.4, label="accuracy")
ax.bar(positions + 0.2, [r[1] for r in results.values()], 0.4,
       label="balanced accuracy")
ax.set_xticks(positions, list(results))
ax.set(ylim=(0, 1), title="test scores, smallest class 5%")
ax.legend(loc="lower right")
plt.show()
