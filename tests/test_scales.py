"""Per-sequence standardisation (``SequenceScaler(per_sequence=True)``) and the
warning the estimators give when the sequences' scales differ by orders of
magnitude (``_scales``)."""

import warnings

import numpy as np
import pytest
from conftest import ONE_DIRECTION
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks
from test_preprocessing import expected_failed_checks

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor
from sklearn_rnn._scales import scale_span, sequence_moments
from sklearn_rnn.exceptions import SequenceScaleWarning
from sklearn_rnn.preprocessing import SequenceScaler

pytestmark = pytest.mark.fast


@parametrize_with_checks(
    [SequenceScaler(per_sequence=True),
     SequenceScaler(per_sequence=True, mask_value=-1.0, with_mean=False)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_per_sequence_scaler(estimator, check):
    check(estimator)


def scales_apart(n=40, n_steps=30, n_features=2, seed=0):
    """Series whose standard deviations span six orders of magnitude."""
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.uniform(-4, 2, size=(n, 1, n_features))
    level = rng.normal(0, 5, size=(n, 1, n_features))
    return (level + scale * rng.normal(size=(n, n_steps, n_features))).astype(np.float32)


def test_each_sequence_and_feature_standardised_on_its_own():
    X = scales_apart()
    Xt = SequenceScaler(per_sequence=True).fit_transform(X)
    assert Xt.dtype == np.float32 and Xt.shape == X.shape
    np.testing.assert_allclose(Xt.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(Xt.std(axis=1), 1, atol=1e-4)
    # Statistics come from the sequence at transform, not from fit.
    other = SequenceScaler(per_sequence=True).fit(X[:3])
    np.testing.assert_allclose(other.transform(X), Xt)


def test_padding_ignored_and_left_as_it_was():
    X = scales_apart(n=6)
    padded = X.copy()
    padded[0, 20:] = -1.0
    Xt = SequenceScaler(per_sequence=True, mask_value=-1.0).fit_transform(padded)
    assert (Xt[0, 20:] == -1.0).all()
    expected = SequenceScaler(per_sequence=True).fit_transform([X[0, :20]])[0]
    np.testing.assert_allclose(Xt[0, :20], expected, rtol=1e-5, atol=1e-5)


def test_every_input_form_kept():
    X = scales_apart(n=5, n_features=1)
    ragged = [X[0, :10], X[1], X[2, :7]]
    out = SequenceScaler(per_sequence=True).fit_transform(ragged)
    assert isinstance(out, list) and [len(s) for s in out] == [10, 30, 7]
    np.testing.assert_allclose(out[2].mean(), 0, atol=1e-5)
    assert SequenceScaler(per_sequence=True).fit_transform(X[:, :, 0]).shape == (5, 30)
    univariate_list = [s[:, 0] for s in ragged]
    out = SequenceScaler(per_sequence=True).fit_transform(univariate_list)
    assert out[0].ndim == 1


def test_constant_sequence_becomes_zeros():
    X = np.ones((3, 8, 1), np.float32)
    X[1] = np.arange(8)[:, None]
    Xt = SequenceScaler(per_sequence=True).fit_transform(X)
    assert (Xt[0] == 0).all() and np.isfinite(Xt).all()


def test_with_mean_false_only_divides():
    X = scales_apart(n=4)
    Xt = SequenceScaler(per_sequence=True, with_mean=False).fit_transform(X)
    np.testing.assert_allclose(Xt * X.std(axis=1, keepdims=True), X, rtol=1e-4, atol=1e-4)


def test_level_and_scale_appended_as_standardised_features():
    X = scales_apart(n=20, n_features=2)
    scaler = SequenceScaler(per_sequence=True, append_level_and_scale=True).fit(X)
    Xt = scaler.transform(X)
    assert Xt.shape == (20, 30, 6)
    extra = Xt[:, 0, 2:]
    assert (Xt[:, :, 2:] == extra[:, None]).all()  # constant along each sequence
    np.testing.assert_allclose(extra.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(extra.std(axis=0), 1, atol=1e-4)
    # log(std) ranks the sequences by their scale.
    order = np.argsort(X[:, :, 0].std(axis=1))
    assert (np.diff(extra[order, 2]) > 0).all()
    # Univariate 2D input becomes 3D; lists stay lists.
    assert SequenceScaler(per_sequence=True, append_level_and_scale=True).fit_transform(
        X[:, :, 0]).shape == (20, 30, 3)
    out = SequenceScaler(per_sequence=True, append_level_and_scale=True).fit_transform(
        [X[0, :5, 0], X[1, :, 0]])
    assert [s.shape for s in out] == [(5, 3), (30, 3)]


def test_appended_features_masked_with_the_padding():
    X = scales_apart(n=4)
    X[0, 25:] = -1.0
    Xt = SequenceScaler(per_sequence=True, append_level_and_scale=True,
                        mask_value=-1.0).fit_transform(X)
    assert (Xt[0, 25:] == -1.0).all()


def test_invalid_combinations_raise():
    X = scales_apart(n=4)
    with pytest.raises(ValueError, match="append_level_and_scale=True .*per_sequence=True"):
        SequenceScaler(append_level_and_scale=True).fit(X)
    scaler = SequenceScaler(per_sequence=True).fit(X)
    with pytest.raises(ValueError, match="inverse_transform .*per_sequence=True"):
        scaler.inverse_transform(X)


def test_sequence_moments_over_valid_steps_only():
    X = np.array([[[1.0], [3.0], [100.0]]])
    mean, std = sequence_moments(X, np.array([[True, True, False]]))
    np.testing.assert_allclose(mean, [[2.0]])
    np.testing.assert_allclose(std, [[1.0]])


def test_scale_span_ignores_constant_sequences():
    assert scale_span(np.array([0.0, 1.0, 1.0])) == pytest.approx(1.0)
    assert scale_span(np.geomspace(1e-4, 1e2, 50)) > 1e3


# ------------------------------------------------------------------ the warning
@pytest.fixture(scope="module")
def tiny():
    return {"units": 2, "epochs": 1, "batch_size": 16, "conv_filters": None,
            **ONE_DIRECTION}


@pytest.mark.parametrize("Estimator", [RNNSequenceClassifier, RNNSequenceRegressor])
def test_estimators_warn_when_scales_span_orders_of_magnitude(Estimator, tiny):
    X = scales_apart()
    y = np.arange(len(X)) % 2
    with pytest.warns(SequenceScaleWarning, match=r"per_sequence=True") as record:
        Estimator(**tiny).fit(X, y)
    assert record[0].filename == __file__  # points at the caller's line


def test_no_warning_on_ordinary_data_or_after_the_fix(tiny):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 30, 2)).astype(np.float32) * rng.uniform(0.5, 3, (40, 1, 1))
    y = np.arange(40) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", SequenceScaleWarning)
        RNNSequenceClassifier(**tiny).fit(X, y)
        make_pipeline(SequenceScaler(per_sequence=True),
                      RNNSequenceClassifier(**tiny)).fit(scales_apart(), y)


def test_warning_reads_ragged_input_and_skips_padding(tiny):
    X = scales_apart()
    y = np.arange(len(X)) % 2
    with pytest.warns(SequenceScaleWarning):
        RNNSequenceClassifier(**tiny).fit([x[: 10 + i % 5] for i, x in enumerate(X)], y)
    # A huge mask value on ordinary data is padding, not scale.
    rng = np.random.default_rng(1)
    padded = rng.normal(size=(40, 30, 1)).astype(np.float32)
    padded[::2, 20:] = 1e6
    with warnings.catch_warnings():
        warnings.simplefilter("error", SequenceScaleWarning)
        RNNSequenceClassifier(mask_value=1e6, **tiny).fit(padded, y)
