"""
Successive halving with epochs as the resource
==============================================

``HalvingRandomSearchCV(resource="epochs")`` trains every candidate a few epochs,
keeps the best ``1 / factor`` of them and trains those ``factor`` times as long, and so
on: only the last candidates train the full ``max_resources`` epochs. ``tol=None`` makes every
candidate train the epochs it is given (no convergence stopping).
"""

# %%
import matplotlib.pyplot as plt
import pandas as pd
from scipy.stats import loguniform
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingRandomSearchCV

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.datasets import make_sequence_classification
from sklearn_rnn.preprocessing import SequenceScaler

X, y = make_sequence_classification(n_samples=90, n_timesteps=16, n_features=2,
                                    n_classes=3, noise=0.5, random_state=0)
X = SequenceScaler().fit_transform(X)

search = HalvingRandomSearchCV(
    RNNSequenceClassifier(units=8, conv_filters=None, tol=None, random_state=0),
    {"cell_type": ["lstm", "gru"], "learning_rate": loguniform(3e-3, 3e-2)},
    resource="epochs", min_resources=5, max_resources=15, factor=3, n_candidates=3,
    cv=2, random_state=0)
search.fit(X, y)
print("epochs per round:", search.n_resources_)
print("candidates per round:", search.n_candidates_)
print("best:", search.best_params_, f"CV accuracy {search.best_score_:.3f}")

# %%
# Every candidate's cross-validated accuracy per round
# ----------------------------------------------------
results = pd.DataFrame(search.cv_results_)
results["candidate"] = results["params"].map(
    lambda p: f"{p['cell_type']}, lr {p['learning_rate']:.1e}")
fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
for name, rows in results.groupby("candidate"):
    ax.plot(rows["n_resources"], rows["mean_test_score"], "o-", label=name)
ax.set(xscale="log", xlabel="epochs trained", ylabel="CV accuracy",
       xticks=search.n_resources_, xticklabels=search.n_resources_,
       title="successive halving on epochs")
ax.legend(fontsize=7, loc="lower right")
plt.show()
