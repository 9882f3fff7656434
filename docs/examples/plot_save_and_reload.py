"""
Saving and reloading a fitted pipeline
======================================

A fitted pipeline (scaler and classifier) saved with :func:`joblib.dump`, loaded in a
new Python process, predicts exactly what the original predicted. The network inside
is also a plain ``keras.Model`` that Keras saves in its own format.
"""

# %%
# Fit and save
# ------------
import subprocess
import sys
import tempfile
from pathlib import Path

import joblib
import numpy as np
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.datasets import make_sequence_classification
from sklearn_rnn.preprocessing import SequenceScaler

X, y = make_sequence_classification(n_samples=200, n_timesteps=20, n_features=3,
                                    n_classes=3, random_state=0)
pipe = make_pipeline(SequenceScaler(),
                     RNNSequenceClassifier(units=16, conv_filters=None, epochs=10,
                                           random_state=0)).fit(X, y)
folder = Path(tempfile.mkdtemp())
joblib.dump(pipe, folder / "pipe.joblib")
np.save(folder / "X.npy", X)
expected = pipe.predict_proba(X)

# %%
# Load in a new Python process
# ----------------------------
# The new process imports neither the training code nor the data generator: only
# joblib, which imports ``sklearn_rnn`` (and Keras) to rebuild the pipeline.
code = f"""
import joblib, numpy as np
pipe = joblib.load({str(folder / "pipe.joblib")!r})
np.save({str(folder / "reloaded.npy")!r}, pipe.predict_proba(np.load({str(folder / "X.npy")!r})))
"""
subprocess.run([sys.executable, "-c", code], check=True)
reloaded = np.load(folder / "reloaded.npy")
print("identical probabilities:", np.array_equal(reloaded, expected))

# %%
# The network in Keras' own format
# --------------------------------
# ``model_`` expects the pipeline's preprocessed float32 input and returns the
# probabilities in the order of ``classes_``.
import keras

pipe[-1].model_.save(folder / "network.keras")
network = keras.models.load_model(folder / "network.keras")
from_keras = network.predict(pipe[0].transform(X).astype("float32"), verbose=0)
print("largest difference:", np.abs(from_keras - expected).max())

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(4.5, 4), layout="constrained")
ax.scatter(expected.ravel(), reloaded.ravel(), s=8)
ax.set(xlabel="probability, fitted pipeline", ylabel="probability, new process",
       title="joblib round trip")
plt.show()
