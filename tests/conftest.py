import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Most tests predict a few times on one tiny model; compiling their shapes in the
# background would cost the suite about a minute. test_compiled_predict switches it on.
os.environ["SKLEARN_RNN_COMPILED_PREDICT"] = "0"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ONE_DIRECTION = {"bidirectional": False, "pooling": "last", "conv_filters": None}
"""For API tests: a one-direction network without the convolutional front-end traces
about twice as fast as the default one. The defaults themselves are pinned in
test_classifier and trained in test_sequence_workflows; the front-end has tests of
its own."""

TINY_NETWORK = dict(cell_type="lstm", units=3, n_layers=1, bidirectional=False,
                    pooling="max", dense_units=None, dropout=0.0, recurrent_dropout=0.0,
                    spatial_dropout=0.0, l2=0.0, embedding_dim=None, embedding_l2=0.0,
                    conv_filters=None, conv_kernel_size=5, conv_stride=1,
                    conv_downsampling="stride", conv_shortcut=False)
"""Every parameter ``build_network`` reads, for tests that build networks directly: a
one-direction LSTM of 3 units, max over time, no front-end (tests override what they
vary)."""


def ordered_sequences(n_samples=48, n_timesteps=8, n_features=2, seed=0):
    """Tiny data whose label depends on order: does the last feature's peak come
    before or after the first feature's peak (up or down for one feature)?"""
    rng = np.random.default_rng(seed)
    X = rng.normal(scale=0.1, size=(n_samples, n_timesteps, n_features)).astype("float32")
    y = rng.integers(0, 2, size=n_samples)
    early, late = 1, n_timesteps - 2
    for i, label in enumerate(y):
        X[i, early if label else late, 0] += 2.0
        X[i, late if label else early, -1] -= 4.0
    return X, y


@pytest.fixture
def data3d():
    return ordered_sequences()


@pytest.fixture(scope="module")
def fitted(request):
    """A small fitted classifier shared by read-only tests of one module."""
    from sklearn_rnn import RNNSequenceClassifier

    X, y = ordered_sequences()
    clf = RNNSequenceClassifier(units=4, epochs=2, random_state=0, **ONE_DIRECTION)
    return clf.fit(X, y), X, y


def bump_sequences(n_samples=48, n_timesteps=16, n_features=2, seed=0):
    """Tiny regression data with a structured target: the time (in steps) of a
    bump in the first feature, among noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(scale=0.1, size=(n_samples, n_timesteps, n_features)).astype("float32")
    y = rng.uniform(1, n_timesteps - 2, size=n_samples)
    steps = np.arange(n_timesteps)
    X[:, :, 0] += np.exp(-0.5 * (steps[None, :] - y[:, None]) ** 2).astype("float32")
    return X, y


def pytest_collection_modifyitems(config, items):
    """The user guide's code runs with the documentation (``-m guide``), not in the
    README's test command: it repeats what the API tests cover, at several minutes."""
    if "guide" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="runs with the documentation: python -m pytest -m guide")
    for item in items:
        if "guide" in item.keywords:
            item.add_marker(skip)
