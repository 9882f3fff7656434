"""aeon / sktime channels-first data: FromChannelsFirst and the channels-first warning."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import ONE_DIRECTION
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rnn._channels import looks_channels_first, warn_if_channels_first
from sklearn_rnn._sequences import check_sequences
from sklearn_rnn.datasets import make_sequence_classification
from sklearn_rnn.preprocessing import ChannelsFirstWarning, FromChannelsFirst, SequenceScaler

pytestmark = pytest.mark.fast

aeon_datasets = pytest.importorskip("aeon.datasets")

CLASSIFICATION = ("JapaneseVowels", "BasicMotions", "GunPoint", "ItalyPowerDemand",
                  "ArrowHead", "OSULeaf", "PickupGestureWiimoteZ", "ACSF1")
REGRESSION = ("Covid3Month", "CardanoSentiment")

TWO_D_IS_UNIVARIATE = (
    "2D input is (n_samples, n_timesteps) of univariate series: n_features_in_ is 1, "
    "not X.shape[1]"
)
LENGTH_MAY_CHANGE = (
    "dropping a column of 2D input shortens the series, which is valid: the series "
    "length may differ between fit and transform"
)
LIST_STAYS_LIST = (
    "a list of series is returned as a list of arrays (the form of the input), not as "
    "one array"
)


@parametrize_with_checks(
    [FromChannelsFirst()],
    expected_failed_checks=lambda estimator: {
        "check_n_features_in": TWO_D_IS_UNIVARIATE,
        "check_n_features_in_after_fitting": TWO_D_IS_UNIVARIATE,
        "check_transformer_general": LENGTH_MAY_CHANGE,
        "check_transformer_data_not_an_array": LIST_STAYS_LIST,
    },
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def aeon_train_split(name):
    load = (aeon_datasets.load_regression if name in REGRESSION
            else aeon_datasets.load_classification)
    return load(name, split="train")


@pytest.mark.parametrize("name", CLASSIFICATION + REGRESSION)
def test_every_aeon_dataset_becomes_channels_last(name):
    X, _ = aeon_train_split(name)
    out = FromChannelsFirst().fit_transform(X)
    if isinstance(X, np.ndarray):  # equal length: (n, channels, length)
        assert out.shape == (X.shape[0], X.shape[2], X.shape[1])
        assert out.dtype == np.float32 and out.flags.c_contiguous
        np.testing.assert_allclose(out, X.transpose(0, 2, 1), rtol=1e-6)
        assert not looks_channels_first(*out.shape[1:])
    else:  # unequal length: a list of (channels, length_i)
        assert isinstance(out, list) and len(out) == len(X)
        for series, converted in zip(X, out, strict=True):
            assert converted.shape == series.shape[::-1]
            np.testing.assert_allclose(converted, series.T, rtol=1e-6)


@pytest.mark.parametrize("name", ["BasicMotions", "CardanoSentiment", "GunPoint"])
def test_aeon_arrays_as_they_come_look_channels_first(name):
    X, _ = aeon_train_split(name)
    assert looks_channels_first(X.shape[1], X.shape[2])


def test_ordinary_channels_last_data_never_warns():
    shapes = [(30, 2), (30, 3), (12, 2), (100, 6), (29, 12), (7, 12), (1000, 1),
              (24, 2), (84, 1), (251, 1), (5, 30), (10, 64)]
    assert not any(looks_channels_first(*shape) for shape in shapes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChannelsFirstWarning)
        for n_features in (1, 3, 8):
            X, y = make_sequence_classification(n_samples=20, n_timesteps=30,
                                                n_features=n_features, random_state=0)
            SequenceScaler().fit_transform(X)
            warn_if_channels_first(check_sequences(X), "RNNSequenceClassifier")


@pytest.fixture(scope="module")
def basic_motions():
    X, y = aeon_train_split("BasicMotions")
    return X[::2], y[::2]  # 20 series, 6 channels, 100 steps


def test_pipeline_reads_aeon_data_channels_last(basic_motions):
    from sklearn_rnn import RNNSequenceClassifier

    X, y = basic_motions
    pipe = make_pipeline(FromChannelsFirst(), SequenceScaler(), RNNSequenceClassifier(
        units=2, epochs=1, random_state=0, **ONE_DIRECTION))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChannelsFirstWarning)
        pipe.fit(X, y)
    assert pipe[-1].n_features_in_ == 6
    assert pipe.predict_proba(X[:3]).shape == (3, len(np.unique(y)))


def test_channels_first_array_warns_naming_the_fix(basic_motions):
    from sklearn_rnn import RNNSequenceClassifier

    X, y = basic_motions
    with pytest.warns(ChannelsFirstWarning, match=r"FromChannelsFirst\(\)") as record:
        clf = RNNSequenceClassifier(units=2, epochs=1, random_state=0,
                                    **ONE_DIRECTION).fit(X, y)
    (warning,) = [w for w in record if issubclass(w.category, ChannelsFirstWarning)]
    assert "6 timestep(s) with 100 features" in str(warning.message)
    assert warning.filename == __file__  # points at the caller's fit
    assert clf.n_features_in_ == 100  # a warning, not a refusal


def test_unequal_channels_first_list_errors_naming_the_fix():
    from sklearn_rnn import RNNSequenceClassifier

    rng = np.random.default_rng(0)  # JapaneseVowels' form: 12 channels, 7-29 steps
    X = [rng.normal(size=(12, length)) for length in (20, 26, 22, 29)]
    with pytest.raises(ValueError, match=r"channels-first.*FromChannelsFirst"):
        RNNSequenceClassifier(epochs=1).fit(X, [0, 1, 0, 1])


def test_nested_dataframe_and_its_errors():
    frame = pd.DataFrame({
        "dim_0": [pd.Series([1.0, 2.0, 3.0]), pd.Series([4.0, 5.0])],
        "dim_1": [pd.Series([0.0, 0.5, 1.0]), pd.Series([2.0, 3.0])],
    })
    out = FromChannelsFirst().fit(frame).transform(frame)
    np.testing.assert_array_equal(out[0], [[1.0, 0.0], [2.0, 0.5], [3.0, 1.0]])
    np.testing.assert_array_equal(out[1], [[4.0, 2.0], [5.0, 3.0]])
    frame.iloc[1, 1] = pd.Series([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Row 1 .* different lengths"):
        FromChannelsFirst().fit(frame)


def test_univariate_2d_and_lists_of_1d_pass_unchanged():
    X = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(FromChannelsFirst().fit_transform(X), X)
    ragged = [np.arange(3.0), np.arange(5.0)]
    out = FromChannelsFirst().fit_transform(ragged)
    assert [x.shape for x in out] == [(3,), (5,)]


def test_bad_input_and_channel_count_errors_leave_input_alone():
    X = np.random.default_rng(0).normal(size=(4, 3, 10))
    before = X.copy()
    transformer = FromChannelsFirst().fit(X)
    assert transformer.n_features_in_ == 3
    with pytest.raises(ValueError, match="X has 2 channels, but FromChannelsFirst was "
                                         "fitted with 3"):
        transformer.transform(X[:, :2])
    np.testing.assert_array_equal(X, before)
    with pytest.raises(ValueError, match="NaN"):
        FromChannelsFirst().fit(np.full((2, 2, 3), np.nan))
    with pytest.raises(ValueError, match="2 or 3 dimensions"):
        FromChannelsFirst().fit(np.zeros((2, 2, 3, 1)))
    with pytest.raises(ValueError, match=r"X\[1\] must be a 2D array"):
        FromChannelsFirst().fit([np.zeros((2, 3)), np.zeros((2, 3, 1))])
