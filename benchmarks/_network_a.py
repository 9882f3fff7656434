"""Network A of the throughput parts (one LSTM of 64 units read at its last step,
over 100 timesteps x 6 features, softmax over 4 classes), its data, and the same
networks written by hand in Keras."""

N_TIMESTEPS = 100
N_FEATURES = 6
N_CLASSES = 4
UNITS = 64
BATCH_SIZE = 64
LEARNING_RATE = 1e-3


def make_data(n_samples, seed=0):
    """Sequences whose class sets where (in time) a bump sits on feature 0."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, N_TIMESTEPS, N_FEATURES)).astype(np.float32)
    y = rng.integers(0, N_CLASSES, size=n_samples)
    where = (y + 0.5) * N_TIMESTEPS / N_CLASSES
    X[np.arange(n_samples), where.astype(int), 0] += 3.0
    return X, y



def keras_model(n_features=N_FEATURES, n_classes=N_CLASSES, units=UNITS, *,
                network="A", mask_value=None, jit_compile="auto", regression=False):
    """The benchmark network written by hand in Keras (compiled as the estimator
    compiles its own: Adam, sparse categorical cross-entropy, accuracy; with
    ``regression``, one linear output, mean squared error and MAE).

    ``network="A"``: one LSTM read at its last step; ``"default"``: the package's
    default network, a bidirectional LSTM with max pooling over time (Keras'
    ``GlobalMaxPooling1D``: no mask, so masked input takes ``"default"`` only
    with ``mask_value`` None)."""
    import keras

    layers = [keras.Input((None, n_features))]
    if mask_value is not None:
        layers.append(keras.layers.Masking(mask_value))
    if network == "A":
        layers.append(keras.layers.LSTM(units))
    else:
        layers.append(keras.layers.Bidirectional(
            keras.layers.LSTM(units, return_sequences=True)))
        layers.append(keras.layers.GlobalMaxPooling1D() if mask_value is None
                      else _masked_max_pooling())
    layers.append(keras.layers.Dense(1) if regression
                  else keras.layers.Dense(n_classes, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="mse" if regression else "sparse_categorical_crossentropy",
        metrics=["mae" if regression else "accuracy"],
        jit_compile=jit_compile,
    )
    return model


def _masked_max_pooling():
    """Max over unmasked steps, as a tutorial writes it (Keras' GlobalMaxPooling1D
    ignores the mask)."""
    from sklearn_rnn._layers import MaskedGlobalMaxPooling1D

    return MaskedGlobalMaxPooling1D()

