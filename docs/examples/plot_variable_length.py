"""
Variable-length sequences
=========================

JapaneseVowels (shipped with aeon): nine speakers saying a vowel, 12 cepstral
coefficients per frame, 7 to 29 frames per utterance. The series are a list of
arrays of different lengths; the classifier pads and masks them internally (a
prediction never depends on the padding), and trains on batches of similar length,
each padded only to its own longest sequence.
"""

# %%
# A ragged dataset
# ----------------
import matplotlib.pyplot as plt
import numpy as np
from aeon.datasets import load_classification

X_train, y_train = load_classification("JapaneseVowels", split="train")
X_test, y_test = load_classification("JapaneseVowels", split="test")
lengths = [x.shape[1] for x in X_train]       # channels first: (12, length_i)
print(f"{len(X_train)} training series of {min(lengths)}-{max(lengths)} frames")

# %%
# Fit without padding anything yourself
# -------------------------------------
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.preprocessing import FromChannelsFirst, SequenceScaler

pipe = make_pipeline(
    FromChannelsFirst(), SequenceScaler(),
    RNNSequenceClassifier(units=16, conv_filters=None, epochs=15, random_state=0))
pipe.fit(X_train, y_train)
predicted = pipe.predict(X_test)
print(f"test accuracy {np.mean(predicted == y_test):.3f} "
      "(the benchmarks' full defaults: 0.993)")

# %%
# Accuracy by length
# ------------------
# Short and long utterances are classified about equally well.
test_lengths = np.array([x.shape[1] for x in X_test])
bins = np.array([7, 12, 16, 20, 30])
which = np.digitize(test_lengths, bins[1:-1])
accuracy = [np.mean(predicted[which == k] == y_test[which == k]) for k in range(4)]

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
axes[0].hist(lengths, bins=range(6, 31), color="tab:blue")
axes[0].set(xlabel="frames", ylabel="training series", title="lengths")
axes[1].bar([f"{a}-{b - 1}" for a, b in zip(bins[:-1], bins[1:], strict=True)], accuracy,
            color="tab:green")
axes[1].set(xlabel="frames", ylabel="test accuracy", ylim=(0, 1),
            title="accuracy by length")
plt.show()
