import numpy as np
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from sklearn_rnn.resampling import SequenceOverSampler, SequenceUnderSampler

pytestmark = pytest.mark.fast

METHODS = ["duplicate", "jitter", "interpolate"]


@pytest.fixture
def dense():
    """12 sequences of shape (6, 2): 7 of class 0, 3 of class 1, 2 of class 2."""
    X = np.random.default_rng(0).normal(size=(12, 6, 2)).astype(np.float32)
    y = np.array([0] * 7 + [1] * 3 + [2] * 2)
    return X, y


@pytest.fixture
def ragged():
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(n, 2)).astype(np.float32) for n in (3, 4, 5, 6, 7, 8, 4, 9)]
    y = np.array(["a"] * 5 + ["b"] * 3)
    return X, y


def flatten(X):
    return np.asarray(X).reshape(len(X), -1)


def is_between(sequence, start, end, atol=1e-5):
    """Whether ``sequence == start + u * (end - start)`` for one u in [0, 1]."""
    direction = (end - start).ravel()
    if not direction.any():
        return np.allclose(sequence, start, atol=atol)
    u = np.dot((sequence - start).ravel(), direction) / np.dot(direction, direction)
    return -1e-6 <= u <= 1 + 1e-6 and np.allclose(
        sequence, start + u * (end - start), atol=atol
    )


# -------------------------------------------------------------------- over-sampling
@pytest.mark.parametrize("method", METHODS)
def test_over_sampler_balances_and_keeps_originals(dense, method):
    X, y = dense
    sampler = SequenceOverSampler(method=method, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (21, 6, 2) and X_res.dtype == np.float32
    np.testing.assert_array_equal(np.bincount(y_res), [7, 7, 7])
    np.testing.assert_array_equal(X_res[:12], X)
    np.testing.assert_array_equal(y_res[:12], y)
    assert sampler.sampling_strategy_ == {1: 4, 2: 5}


def test_duplicates_are_copies_of_same_class_sequences(dense):
    X, y = dense
    X_res, y_res = SequenceOverSampler(random_state=0).fit_resample(X, y)
    for sequence, label in zip(X_res[12:], y_res[12:], strict=True):
        assert any(np.array_equal(sequence, member) for member in X[y == label])


def test_jitter_adds_small_noise_to_copies(dense):
    X, y = dense
    X_res, y_res = SequenceOverSampler(method="jitter", jitter=0.01,
                                       random_state=0).fit_resample(X, y)
    for sequence, label in zip(X_res[12:], y_res[12:], strict=True):
        distances = [np.abs(sequence - member).max() for member in X[y == label]]
        assert 0 < min(distances) < 0.1


def test_interpolated_sequences_lie_between_two_same_class_sequences(dense):
    X, y = dense
    X_res, y_res = SequenceOverSampler(
        method="interpolate", random_state=0
    ).fit_resample(X, y)
    for sequence, label in zip(X_res[12:], y_res[12:], strict=True):
        members = X[y == label]
        assert any(
            is_between(sequence, a, b)
            for i, a in enumerate(members) for j, b in enumerate(members) if i != j
        )
        assert not any(np.array_equal(sequence, member) for member in members)


def test_interpolate_uses_nearest_neighbors():
    """With k_neighbors=1 a synthetic sequence comes from a sequence and its nearest."""
    X = np.array([0.0, 1.0, 10.0, 11.0, 50.0, 51.0, 52.0, 53.0]).reshape(-1, 1, 1)
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    X_res, _ = SequenceOverSampler(
        method="interpolate", k_neighbors=1, sampling_strategy={0: 40}, random_state=0
    ).fit_resample(X, y)
    synthetic = X_res[8:].ravel()
    assert np.all(((synthetic >= 0) & (synthetic <= 1))
                  | ((synthetic >= 10) & (synthetic <= 11)))


@pytest.mark.parametrize("method", METHODS)
def test_over_sampler_list_in_list_out(ragged, method):
    X, y = ragged
    X_res, y_res = SequenceOverSampler(method=method, random_state=0).fit_resample(X, y)
    assert isinstance(X_res, list) and len(X_res) == len(y_res) == 10
    assert list(y_res) == ["a"] * 5 + ["b"] * 3 + ["b"] * 2
    for original, kept in zip(X, X_res, strict=False):
        np.testing.assert_array_equal(kept, original)
    lengths_b = {len(seq) for seq, label in zip(X, y, strict=True) if label == "b"}
    assert all(len(seq) in lengths_b and seq.shape[1] == 2 for seq in X_res[8:])
    assert all(seq.dtype == np.float32 for seq in X_res)


@pytest.mark.parametrize("method", METHODS)
def test_padded_arrays_resample_their_valid_steps_and_keep_the_padding(ragged, method):
    # Without mask_value the padding of pre-padded arrays became data: noise on it,
    # interpolation with it, and a noise scale that counted it.
    X, y = ragged
    padded = np.full((len(X), 9, 2), -1.0, dtype=np.float32)
    for row, seq in zip(padded, X, strict=True):
        row[9 - len(seq):] = seq  # padding before the valid steps
    X_res, y_res = SequenceOverSampler(method=method, mask_value=-1.0, jitter=0.01,
                                       random_state=0).fit_resample(padded, y)
    np.testing.assert_array_equal(X_res[:len(X)], padded)
    lengths_b = {len(seq) for seq, label in zip(X, y, strict=True) if label == "b"}
    for row in X_res[len(X):]:
        valid = (row != -1.0).any(axis=1)
        n = int(valid.sum())
        assert n in lengths_b and valid[:n].all()  # valid steps first, then padding
        assert np.abs(row[:n]).max() < 5
    expected, _ = SequenceOverSampler(method=method, jitter=0.01,
                                      random_state=0).fit_resample(X, y)
    for row, seq in zip(X_res[len(X):], expected[len(X):], strict=True):
        np.testing.assert_allclose(row[:len(seq)], seq, rtol=1e-6)
    padded[6] = -1.0  # a row without any valid step
    sampler = SequenceOverSampler(method=method, mask_value=-1.0, random_state=0)
    if method == "interpolate":
        with pytest.raises(ValueError, match=r"Rows \[6\] of X are all mask_value"):
            sampler.fit_resample(padded, y)
    else:
        assert sampler.fit_resample(padded, y)[0].shape == (10, 9, 2)
    padded[6] = padded[7]
    padded[0] = -1.0  # a row without valid steps in the class that is not resampled
    assert sampler.fit_resample(padded, y)[0].shape == (10, 9, 2)


def test_ragged_interpolation_stretches_the_neighbor_to_the_start_length():
    X = [np.zeros((2, 1)), np.array([[0.0], [1.0], [2.0], [3.0]]), np.ones((5, 1))]
    y = np.array([1, 1, 0])
    X_res, _ = SequenceOverSampler(method="interpolate", sampling_strategy={1: 6},
                                   random_state=0).fit_resample(X, y)
    for sequence in X_res[3:]:
        if len(sequence) == 2:
            assert is_between(sequence, X[0], np.array([[0.0], [3.0]]))
        else:
            assert is_between(sequence, X[1], np.zeros((4, 1)))


@pytest.mark.parametrize("sampler", [SequenceOverSampler(), SequenceUnderSampler()])
def test_forms_are_preserved(dense, sampler):
    X, y = dense
    X2d, _ = sampler.fit_resample(X[..., 0], y)
    assert X2d.ndim == 2 and X2d.shape[1] == 6
    X_list, _ = sampler.fit_resample(list(X), y)
    assert isinstance(X_list, list) and X_list[0].shape == (6, 2)
    X_1d, _ = sampler.fit_resample([seq[:, 0] for seq in X], y)
    assert isinstance(X_1d, list) and X_1d[0].shape == (6,)


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("minority", [7, 3, 7]),
        ("not minority", [7, 7, 2]),
        ("all", [7, 7, 7]),
        ({1: 5, 2: 4}, [7, 5, 4]),
    ],
)
def test_over_sampling_strategies(dense, strategy, expected):
    X, y = dense
    _, y_res = SequenceOverSampler(sampling_strategy=strategy).fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), expected)


def test_over_sampling_float_ratio_binary(dense):
    X, y = dense
    binary = y < 2
    _, y_res = SequenceOverSampler(sampling_strategy=0.86).fit_resample(
        X[binary], y[binary]
    )
    np.testing.assert_array_equal(np.bincount(y_res), [7, 6])


def test_over_sampler_reproducible(dense):
    X, y = dense
    sampler = SequenceOverSampler(method="interpolate", random_state=3)
    first, _ = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(first, clone(sampler).fit_resample(X, y)[0])


def test_over_sampler_does_not_modify_input(ragged):
    X, y = ragged
    copies = [seq.copy() for seq in X]
    X_res, _ = SequenceOverSampler(random_state=0).fit_resample(X, y)
    for seq in X_res:
        seq += 1
    for seq, copy in zip(X, copies, strict=True):
        np.testing.assert_array_equal(seq, copy)


# ------------------------------------------------------------------- under-sampling
def test_under_sampler_balances_with_a_subset(dense):
    X, y = dense
    sampler = SequenceUnderSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), [2, 2, 2])
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])
    assert np.all(np.diff(sampler.sample_indices_) > 0)
    assert sampler.sampling_strategy_ == {0: 2, 1: 2}


def test_under_sampler_list_in_list_out(ragged):
    X, y = ragged
    sampler = SequenceUnderSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert isinstance(X_res, list) and list(y_res).count("a") == 3
    for index, seq in zip(sampler.sample_indices_, X_res, strict=True):
        np.testing.assert_array_equal(seq, X[index])


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("majority", [2, 3, 2]),
        ("not majority", [7, 2, 2]),
        ("all", [2, 2, 2]),
        ({0: 4}, [4, 3, 2]),
    ],
)
def test_under_sampling_strategies(dense, strategy, expected):
    X, y = dense
    _, y_res = SequenceUnderSampler(sampling_strategy=strategy).fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), expected)


def test_under_sampling_float_ratio_binary(dense):
    X, y = dense
    binary = y < 2
    _, y_res = SequenceUnderSampler(sampling_strategy=0.75).fit_resample(
        X[binary], y[binary]
    )
    np.testing.assert_array_equal(np.bincount(y_res), [4, 3])


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "sampler, match",
    [
        (SequenceOverSampler(sampling_strategy=0.5), "only for binary targets"),
        (SequenceOverSampler(sampling_strategy={1: 2}), r"sampling_strategy\[1\]=2"),
        (SequenceOverSampler(sampling_strategy={5: 9}), r"labels \[5\] that are not"),
        (SequenceOverSampler(sampling_strategy={1: 4.5}), "must be a non-negative int"),
        (SequenceUnderSampler(sampling_strategy={0: 9}), r"sampling_strategy\[0\]=9"),
        (SequenceOverSampler(sampling_strategy=1.5), "'sampling_strategy' parameter"),
        (SequenceOverSampler(sampling_strategy="most"), "'sampling_strategy' parameter"),
        (SequenceUnderSampler(sampling_strategy="minority"),
         "'sampling_strategy' parameter"),
        (SequenceOverSampler(method="smote"), "'method' parameter"),
        (SequenceOverSampler(jitter=-1.0), "'jitter' parameter"),
        (SequenceOverSampler(k_neighbors=0), "'k_neighbors' parameter"),
    ],
)
def test_invalid_settings_raise_value_error(dense, sampler, match):
    X, y = dense
    with pytest.raises(ValueError, match=match):
        sampler.fit_resample(X, y)


def test_float_ratio_that_would_remove_samples(dense):
    X, y = dense
    binary = y < 2
    with pytest.raises(ValueError, match="an over-sampler only adds"):
        SequenceOverSampler(sampling_strategy=0.2).fit_resample(X[binary], y[binary])


def test_interpolate_needs_two_sequences_per_class():
    X = np.zeros((4, 3, 1))
    with pytest.raises(ValueError, match="needs at least 2 sequences of class 1"):
        SequenceOverSampler(method="interpolate").fit_resample(X, [0, 0, 0, 1])


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.zeros((4, 3, 1)), [0, 1, 0], "inconsistent numbers of samples"),
        (np.zeros((4, 3, 1)), [0.5, 1.2, 0.1, 3.3], "Unknown label type"),
        ([np.zeros((3, 2)), np.zeros((2, 1))], [0, 1], "same number of features"),
        ([np.zeros((3, 2)), np.zeros((0, 2))], [0, 1], "empty sequence"),
    ],
)
def test_invalid_data_raises_value_error(X, y, match):
    with pytest.raises(ValueError, match=match):
        SequenceUnderSampler().fit_resample(X, y)


# ------------------------------------------------------- imbalanced-learn Pipeline
@pytest.mark.parametrize(
    "sampler", [SequenceOverSampler(method="interpolate"), SequenceUnderSampler()]
)
def test_resamples_in_imblearn_pipeline_fit_only(sampler):
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    y = np.array([0] * 30 + [1] * 10)
    pipe = imblearn_pipeline.make_pipeline(
        clone(sampler).set_params(random_state=0), DummyClassifier(strategy="prior")
    ).fit(X, y)
    np.testing.assert_allclose(pipe[-1].class_prior_, [0.5, 0.5])
    assert pipe.predict(X).shape == (40,)
    assert pipe.predict_proba(X[:7]).shape == (7, 2)


def test_imblearn_pipeline_with_3d_sequences_and_a_classifier():
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 8, 2))
    y = np.array([0] * 45 + [1] * 15)
    X[y == 1, :, 0] += 1.5
    pipe = imblearn_pipeline.make_pipeline(
        SequenceOverSampler(method="jitter", random_state=0),
        FunctionTransformer(flatten),
        LogisticRegression(),
    ).fit(X, y)
    assert pipe.score(X, y) > 0.9
    assert len(pipe.predict(X[:5])) == 5
