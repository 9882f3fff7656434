"""The benchmark datasets: aeon's offline UCR/UEA classification sets, a synthetic
imbalanced task and aeon's two offline regression sets, as channels-last float32
sequences on their official splits."""

from dataclasses import dataclass, field

import numpy as np

AEON_DATASETS = (
    "ItalyPowerDemand",
    "GunPoint",
    "ArrowHead",
    "BasicMotions",
    "JapaneseVowels",
    "PickupGestureWiimoteZ",
    "OSULeaf",
    "ACSF1",
)
"""Every classification dataset aeon 1.x ships inside the package (loads offline)."""

LONG_DATASETS = ("OSULeaf", "ACSF1")
"""Series of 427 and 1460 steps: one LSTM fit takes 4-6 minutes (a bidirectional
2-layer one 10-20) on 2 CPU cores, so the full run gives neural networks fewer seeds
there (``--long-seeds``)."""

SYNTHETIC = "SyntheticImbalanced"
SYNTHETIC_PARAMS = dict(
    n_samples=600, n_timesteps=50, n_features=2, n_classes=3,
    weights=[0.8, 0.15, 0.05], noise=0.5, random_state=0,
)
"""``make_sequence_classification`` settings of the synthetic task; split 50/50,
stratified (``train_test_split(random_state=0)``)."""

RAGGED = "ACSF1Ragged"
RAGGED_PARAMS = dict(min_length=100, max_length=1344, min_gain=3e-5, max_gain=100.0,
                     crops_per_series=3, random_state=0)
"""How ``ACSF1Ragged`` is cut from ACSF1 (see :func:`ragged_recordings`)."""

ALL_DATASETS = (*AEON_DATASETS, SYNTHETIC)
EXTRA_DATASETS = (RAGGED,)
"""Run only when named (``--datasets``): not part of the default or quick runs."""

REGRESSION_DATASETS = ("Covid3Month", "CardanoSentiment")
"""Every regression dataset aeon 1.x ships inside the package (loads offline)."""


@dataclass
class Dataset:
    """One train/test task. ``X_*`` are 3D float32 arrays ``(n, length, channels)``
    or, for variable-length data, lists of ``(length_i, channels)`` arrays."""

    name: str
    X_train: object
    y_train: np.ndarray
    X_test: object
    y_test: np.ndarray
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.info:
            self.info = describe(self)

    @property
    def variable_length(self):
        return isinstance(self.X_train, list)


def lengths(X):
    if isinstance(X, list):
        return np.array([len(x) for x in X])
    return np.full(len(X), X.shape[1])


def describe(data):
    """Shape facts shown in the summary."""
    train_len, test_len = lengths(data.X_train), lengths(data.X_test)
    first = data.X_train[0]
    length = (f"{train_len.min()}-{max(train_len.max(), test_len.max())}"
              if data.variable_length else str(train_len[0]))
    classes, counts = np.unique(data.y_train, return_counts=True)
    return {
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
        "length": length,
        "channels": first.shape[1] if first.ndim == 2 else 1,
        "n_classes": len(classes),
        "min_class_share": round(float(counts.min() / counts.sum()), 3),
        # test sequences longer than the longest training one: the padded
        # baselines truncate them to the training length.
        "n_test_truncated": int((test_len > train_len.max()).sum()),
    }


def describe_regression(X_train, y_train, y_test):
    """Shape and target facts of a regression task (equal-length series)."""
    return {
        "n_train": len(y_train), "n_test": len(y_test),
        "length": str(X_train.shape[1]), "channels": X_train.shape[2],
        "target_mean": float(np.mean(y_train)), "target_std": float(np.std(y_train)),
    }


def channels_last(X):
    """aeon's channels-first collection -> channels-last float32."""
    if isinstance(X, np.ndarray):
        return np.ascontiguousarray(X.transpose(0, 2, 1), dtype=np.float32)
    return [np.ascontiguousarray(x.T, dtype=np.float32) for x in X]


def load_dataset(name):
    """Load one benchmark dataset by name (offline)."""
    if name == SYNTHETIC:
        return _synthetic()
    if name == RAGGED:
        return _ragged_acsf1()
    if name not in AEON_DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose from "
                         f"{', '.join((*ALL_DATASETS, *EXTRA_DATASETS))}.")
    from aeon.datasets import load_classification

    X_train, y_train = load_classification(name, split="train")
    X_test, y_test = load_classification(name, split="test")
    return Dataset(name, channels_last(X_train), np.asarray(y_train),
                   channels_last(X_test), np.asarray(y_test))


def _synthetic():
    from sklearn.model_selection import train_test_split

    from sklearn_rnn.datasets import make_sequence_classification

    X, y = make_sequence_classification(**SYNTHETIC_PARAMS)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    return Dataset(SYNTHETIC, X_train, y_train, X_test, y_test)


def ragged_recordings(X, y, *, min_length, max_length, min_gain, max_gain,
                      crops_per_series, random_state):
    """Variable-length recordings on scales that span orders of magnitude, cut from
    equal-length series: each series gives ``crops_per_series`` windows of a
    log-uniform length in ``[min_length, max_length]`` at a uniform start, each
    window multiplied by a log-uniform gain in ``[min_gain, max_gain]`` and shifted
    by an offset of the same size (a sensor's units and zero). The class does not
    depend on the gain: only the shape of the window carries it.

    ``X`` is channels last ``(n, length, channels)``; returns a list of
    ``(length_i, channels)`` float32 arrays and the repeated labels.
    """
    rng = np.random.default_rng(random_state)
    n, length = X.shape[:2]
    seqs, labels = [], []
    for i in range(n):
        for _ in range(crops_per_series):
            size = int(np.exp(rng.uniform(np.log(min_length),
                                          np.log(min(max_length, length) + 1))))
            size = min(size, length)
            start = int(rng.integers(0, length - size + 1))
            gain = np.exp(rng.uniform(np.log(min_gain), np.log(max_gain)))
            offset = gain * rng.normal()
            seqs.append((X[i, start:start + size] * gain + offset).astype(np.float32))
            labels.append(y[i])
    return seqs, np.asarray(labels)


def _ragged_acsf1():
    """ACSF1 (home appliances' power over a day, 10 classes) as variable-length
    recordings on scales six orders of magnitude apart (:func:`ragged_recordings`,
    ``RAGGED_PARAMS``), cut from the official train and test splits separately."""
    acsf1 = load_dataset("ACSF1")
    params = dict(RAGGED_PARAMS)
    seed = params.pop("random_state")
    X_train, y_train = ragged_recordings(acsf1.X_train, acsf1.y_train,
                                         random_state=seed, **params)
    X_test, y_test = ragged_recordings(acsf1.X_test, acsf1.y_test,
                                       random_state=seed + 1, **params)
    return Dataset(RAGGED, X_train, y_train, X_test, y_test)


def load_regression_dataset(name):
    """Load one of aeon's regression datasets by name (offline), float64 targets."""
    if name not in REGRESSION_DATASETS:
        raise ValueError(f"Unknown regression dataset {name!r}; choose from "
                         f"{', '.join(REGRESSION_DATASETS)}.")
    from aeon.datasets import load_regression

    X_train, y_train = load_regression(name, split="train")
    X_test, y_test = load_regression(name, split="test")
    X_train, X_test = channels_last(X_train), channels_last(X_test)
    y_train, y_test = np.asarray(y_train, dtype=float), np.asarray(y_test, dtype=float)
    return Dataset(name, X_train, y_train, X_test, y_test,
                   info=describe_regression(X_train, y_train, y_test))
