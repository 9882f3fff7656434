import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rnn.datasets import make_sequence_classification

pytestmark = pytest.mark.fast


def order_blind_features(X):
    """Per-feature mean, std, min and max: unchanged by any permutation of time."""
    return np.concatenate([X.mean(1), X.std(1), X.min(1), X.max(1)], axis=1)


def test_shapes_dtype_and_labels():
    X, y = make_sequence_classification(
        n_samples=50, n_timesteps=20, n_features=4, n_classes=3, random_state=0
    )
    assert X.shape == (50, 20, 4)
    assert X.dtype == np.float32
    assert y.shape == (50,)
    assert np.issubdtype(y.dtype, np.integer)
    assert set(y.tolist()) == {0, 1, 2}


def test_reproducible_with_random_state():
    X1, y1 = make_sequence_classification(random_state=3)
    X2, y2 = make_sequence_classification(random_state=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make_sequence_classification(random_state=4)
    assert not np.array_equal(X1, X3)


def test_variable_length_returns_list_of_varying_lengths():
    X, y = make_sequence_classification(
        n_samples=40, n_timesteps=30, n_features=2, variable_length=True, random_state=0
    )
    assert isinstance(X, list) and len(X) == len(y) == 40
    lengths = {len(seq) for seq in X}
    assert len(lengths) > 1
    assert min(lengths) >= 15 and max(lengths) <= 30
    assert all(seq.shape[1] == 2 and seq.dtype == np.float32 for seq in X)


@pytest.mark.parametrize("weights", [[0.8, 0.2], [0.8]])
def test_weights_give_class_proportions(weights):
    _, y = make_sequence_classification(n_samples=200, weights=weights, random_state=0)
    np.testing.assert_array_equal(np.bincount(y), [160, 40])


def test_every_class_gets_a_sample_even_with_tiny_weights():
    _, y = make_sequence_classification(
        n_samples=20, n_classes=3, weights=[0.98, 0.01, 0.01], random_state=0
    )
    assert np.bincount(y).min() >= 1 and len(y) == 20


@pytest.mark.parametrize(
    "n_classes, n_features", [(2, 1), (3, 1), (6, 1), (4, 2), (7, 3)]
)
def test_many_classes_are_generated(n_classes, n_features):
    _, y = make_sequence_classification(
        n_samples=3 * n_classes, n_timesteps=40, n_features=n_features,
        n_classes=n_classes, random_state=0,
    )
    assert set(y.tolist()) == set(range(n_classes))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_class_depends_on_order_not_on_value_distribution(n_classes):
    X, y = make_sequence_classification(
        n_samples=300, n_classes=n_classes, random_state=0
    )
    blind = cross_val_score(
        make_pipeline(StandardScaler(), LogisticRegression()),
        order_blind_features(X), y, cv=5,
    ).mean()
    aware = cross_val_score(
        RandomForestClassifier(n_estimators=50, random_state=0),
        X.reshape(len(X), -1), y, cv=5,
    ).mean()
    chance = 1 / n_classes
    assert blind < chance + 0.15
    assert aware > 0.85


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, "'n_samples' parameter"),
        ({"n_samples": 2, "n_classes": 3}, "n_samples=2 must be at least n_classes=3"),
        ({"n_classes": 1}, "'n_classes' parameter"),
        ({"n_features": 0}, "'n_features' parameter"),
        ({"noise": -1.0}, "'noise' parameter"),
        ({"n_timesteps": 5}, "n_timesteps=5 is too short"),
        ({"weights": [0.2, 0.3, 0.5]}, "weights must have n_classes=2"),
        ({"weights": [0.0, 1.0]}, "weights must be positive"),
        ({"weights": [1.5]}, "weights must be positive"),
        ({"variable_length": "yes"}, "'variable_length' parameter"),
    ],
)
def test_invalid_parameters_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_sequence_classification(**kwargs)
