"""
Text classification with TextSequenceVectorizer
===============================================

:class:`~sklearn_rnn.preprocessing.TextSequenceVectorizer` turns raw strings into
padded arrays of token ids (0 is padding, 1 an unknown word), with
``CountVectorizer``-style parameters; with ``embedding_dim`` set, the classifier
reads them through an ``Embedding`` layer. The task below depends on word order
("not good" against "good, not bad"), which a bag of words cannot see.
"""

# %%
# Short reviews whose label depends on negation
# ---------------------------------------------
import numpy as np

rng = np.random.default_rng(0)
adjectives = {"good": 1, "great": 1, "fun": 1, "bad": 0, "boring": 0, "awful": 0}
subjects = ["the film", "this book", "the show", "our trip", "the meal"]
texts, labels = [], []
for _ in range(600):
    word = rng.choice(list(adjectives))
    negated = rng.random() < 0.5
    texts.append(f"{rng.choice(subjects)} was {'not ' if negated else ''}{word}")
    labels.append(adjectives[word] ^ negated)
labels = np.array(labels)
print(texts[:3], labels[:3])

# %%
# A bag of words against the recurrent network
# --------------------------------------------
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.preprocessing import TextSequenceVectorizer

X_train, X_test, y_train, y_test = train_test_split(texts, labels, random_state=0)
bag = make_pipeline(CountVectorizer(), LogisticRegression()).fit(X_train, y_train)
rnn = make_pipeline(
    TextSequenceVectorizer(maxlen=8),
    RNNSequenceClassifier(embedding_dim=8, units=8, conv_filters=None, epochs=20,
                          random_state=0),
).fit(X_train, y_train)
scores = {"bag of words": bag.score(X_test, y_test),
          "RNN over token ids": rnn.score(X_test, y_test)}
print(scores)
print(rnn[0].transform(["the film was not good"]))
print(rnn.predict_proba(["the film was not good", "the film was good"]).round(3))

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
ax.bar(list(scores), list(scores.values()), color=["tab:gray", "tab:blue"])
ax.set(ylabel="test accuracy", ylim=(0, 1), title="negation needs word order")
plt.show()
