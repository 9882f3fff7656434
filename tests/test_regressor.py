"""RNNSequenceRegressor: targets, standardisation, training options, input forms,
scikit-learn interop and bad input. Tiny networks; the read-only tests share one
fitted model."""

import pickle

import joblib
import numpy as np
import pytest
from conftest import ONE_DIRECTION, bump_sequences
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import VotingRegressor
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold, check_cv, cross_val_predict
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNSequenceRegressor
from sklearn_rnn._training import shuffled_validation_split
from sklearn_rnn.preprocessing import SequenceScaler


def tiny(**kwargs):
    kwargs.setdefault("units", 4)
    kwargs.setdefault("epochs", 2)
    kwargs.setdefault("random_state", 0)
    return RNNSequenceRegressor(**{**ONE_DIRECTION, **kwargs})


@pytest.fixture(scope="module")
def fitted_regressor():
    X, y = bump_sequences()
    return tiny().fit(X, y), X, y


def test_is_a_regressor_with_unstratified_cv():
    reg = RNNSequenceRegressor()
    assert is_regressor(reg) and not is_classifier(reg)
    assert isinstance(check_cv(3, np.arange(10.0), classifier=is_classifier(reg)), KFold)
    tags = reg.__sklearn_tags__()
    assert tags.target_tags.multi_output and tags.input_tags.three_d_array
    assert not tags.input_tags.allow_nan


def test_defaults_are_the_classifiers_plus_loss_and_standardisation():
    from sklearn_rnn import RNNSequenceClassifier

    reg, clf = RNNSequenceRegressor().get_params(), RNNSequenceClassifier().get_params()
    assert set(clf) - set(reg) == {"class_weight"}
    assert set(reg) - set(clf) == {"loss", "standardize_target"}
    assert reg["loss"] == "mse" and reg["standardize_target"] is True
    # Only the classifier augments by default (it was measured on classification),
    # and only it averages the strided windows, which pays with the augmentation's
    # shifts (average_downsampling.md, regression_downsampling_screen.md).
    assert clf["augmentation"] == "auto" and reg["augmentation"] is None
    assert clf["conv_downsampling"] == "average" and reg["conv_downsampling"] == "stride"
    differing = {"augmentation", "conv_downsampling"}
    assert all(reg[name] == clf[name] for name in set(reg) & set(clf) - differing)


def test_fit_sets_fitted_attributes(fitted_regressor):
    reg, X, y = fitted_regressor
    assert reg.n_features_in_ == X.shape[2] and reg.n_outputs_ == 1
    assert reg.n_iter_ == 2 and reg.best_epoch_ == 2
    assert set(reg.history_) == {"loss", "r2", "lr"}
    assert reg.loss_curve_ == reg.history_["loss"] and reg.validation_scores_ is None
    assert reg.model_.output_shape == (None, 1)
    assert reg.model_.layers[-1].get_config()["activation"] == "linear"
    np.testing.assert_allclose(reg.target_encoder_.mean_, [y.mean()])
    np.testing.assert_allclose(reg.target_encoder_.scale_, [y.std()])


def test_predict_shape_dtype_and_score_is_r2(fitted_regressor):
    reg, X, y = fitted_regressor
    pred = reg.predict(X)
    assert pred.shape == (len(X),) and pred.dtype == np.float64
    assert reg.predict(X[:1]).shape == (1,)
    assert reg.score(X, y) == pytest.approx(r2_score(y, pred))


def test_predict_does_not_go_through_model_predict(fitted_regressor):
    reg, X, _ = fitted_regressor
    expected = reg.predict(X)
    reg = pickle.loads(pickle.dumps(reg))

    def forbidden(*args, **kwargs):
        raise AssertionError("model.predict was called")

    reg.model_.predict = forbidden
    np.testing.assert_allclose(reg.predict(X), expected, rtol=1e-6)


@pytest.mark.parametrize("n_outputs", [None, 1, 3])
def test_targets_come_back_in_the_shape_of_y(n_outputs):
    X, y = bump_sequences(n_samples=24)
    if n_outputs is not None:
        y = np.column_stack([y * (k + 1) for k in range(n_outputs)])
    reg = tiny(epochs=1).fit(X, y)
    assert reg.predict(X[:5]).shape == (5,) + y.shape[1:]
    assert reg.n_outputs_ == (1 if n_outputs is None else n_outputs)
    assert reg.model_.output_shape == (None, reg.n_outputs_)


def test_scaling_y_scales_predictions_and_keeps_r2():
    X, y = bump_sequences(n_samples=32)
    small = tiny().fit(X, 0.04 * y)
    large = tiny().fit(X, 40_000 * y)
    np.testing.assert_allclose(large.predict(X), 1e6 * small.predict(X), rtol=1e-4)
    assert large.score(X, 40_000 * y) == pytest.approx(small.score(X, 0.04 * y), abs=1e-6)
    np.testing.assert_allclose(large.loss_curve_, small.loss_curve_, rtol=1e-4)


def test_standardisation_can_be_switched_off():
    X, y = bump_sequences(n_samples=24)
    reg = tiny(epochs=1, standardize_target=False).fit(X, 100 + y)
    np.testing.assert_array_equal(reg.target_encoder_.mean_, [0.0])
    np.testing.assert_array_equal(reg.target_encoder_.scale_, [1.0])
    # Unscaled targets far from 0: the untrained network predicts near 0.
    assert reg.score(X, 100 + y) < -100


def test_a_constant_target_is_only_centred():
    X, _ = bump_sequences(n_samples=16)
    reg = tiny(epochs=1).fit(X, np.full(16, 7.0))
    np.testing.assert_array_equal(reg.target_encoder_.scale_, [1.0])
    assert np.isfinite(reg.predict(X)).all()


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_each_loss_trains(loss):
    X, y = bump_sequences(n_samples=24)
    reg = tiny(epochs=1, loss=loss).fit(X, y)
    assert reg.model_.loss == loss and np.isfinite(reg.loss_curve_).all()


def test_unknown_loss_is_rejected_before_training():
    X, y = bump_sequences(n_samples=8)
    with pytest.raises(ValueError, match="'loss' parameter .*'huber'"):
        tiny(loss="cross_entropy").fit(X, y)


def test_early_stopping_scores_r2_on_a_shuffled_split():
    X, y = bump_sequences(n_samples=40)
    order = np.argsort(y)  # sorted targets: an unshuffled split would hold the largest
    X, y = X[order], y[order]
    reg = tiny(epochs=4, early_stopping=True, validation_fraction=0.25,
               n_iter_no_change=2).fit(X, y)
    assert {"val_loss", "val_r2"} <= set(reg.history_)
    assert reg.validation_scores_ == reg.history_["val_r2"]
    assert len(reg.validation_scores_) == reg.n_iter_
    train, val = shuffled_validation_split(len(y), 0.25, 0)
    assert len(val) == 10 and not np.array_equal(np.sort(val), np.arange(30, 40))
    # The logged R^2 of the kept epoch is the restored model's on that split.
    kept = reg.validation_scores_[reg.best_epoch_ - 1]
    assert kept == pytest.approx(r2_score(y[val], reg.predict(X[val])), abs=1e-4)


def test_shuffled_split_rejects_a_validation_set_r2_cannot_score():
    with pytest.raises(ValueError, match="validation_fraction=0.1 of 10 samples gives 1"):
        shuffled_validation_split(10, 0.1, 0)
    train, val = shuffled_validation_split(20, 0.1, 0)
    assert len(val) == 2 and len(train) == 18


def test_sample_weight_is_used_and_not_modified():
    X, y = bump_sequences(n_samples=24)
    weights = np.linspace(0.0, 2.0, len(y))
    original = weights.copy()
    weighted = tiny().fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights, original)
    assert not np.allclose(weighted.predict(X), tiny().fit(X, y).predict(X))


def test_partial_fit_continues_and_keeps_the_first_standardisation():
    X, y = bump_sequences(n_samples=24)
    reg = tiny().partial_fit(X, y)
    mean = reg.target_encoder_.mean_.copy()
    reg.partial_fit(X, y + 50)
    assert reg.n_iter_ == 2
    np.testing.assert_array_equal(reg.target_encoder_.mean_, mean)
    with pytest.raises(ValueError, match="y has 2 dimensions, but this "
                                         "RNNSequenceRegressor is expecting 1"):
        reg.partial_fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="2 targets per sequence, but the regressor was "
                                         "fitted with 1"):
        tiny().partial_fit(X, y[:, None]).partial_fit(X, np.column_stack([y, y]))


def test_warm_start_continues_training():
    X, y = bump_sequences(n_samples=24)
    reg = tiny(warm_start=True).fit(X, y)
    weights = [w.copy() for w in reg.model_.get_weights()]
    reg.fit(X, y)
    assert any(not np.array_equal(a, b) for a, b in
               zip(weights, reg.model_.get_weights(), strict=True))
    with pytest.raises(ValueError, match=r"warm_start=True .* \(n_samples,\); this y "
                                         r"has shape \(n_samples, 2\)"):
        reg.fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match=r"this y has shape \(n_samples, 1\)"):
        reg.fit(X, y[:, None])


def test_every_input_form():
    rng = np.random.default_rng(0)
    X, y = bump_sequences(n_samples=24)
    univariate = tiny(epochs=1).fit(X[:, :, 0], y)
    assert univariate.n_features_in_ == 1 and univariate.predict(X[:3, :, 0]).shape == (3,)
    ragged = [x[: rng.integers(5, len(x))] for x in X]
    reg = tiny(epochs=1).fit(ragged, y)
    assert reg.predict(ragged[:4]).shape == (4,)
    tokens = [rng.integers(1, 20, size=rng.integers(3, 9)) for _ in range(24)]
    reg = tiny(epochs=1, embedding_dim=3).fit(tokens, [len(t) for t in tokens])
    assert reg.vocab_size_ == 20 and reg.predict(tokens[:2]).shape == (2,)


def test_default_network_with_front_end_and_masking():
    rng = np.random.default_rng(1)
    X, y = bump_sequences(n_samples=24)
    ragged = [x[: rng.integers(8, len(x))] for x in X]
    reg = RNNSequenceRegressor(units=4, conv_filters=4, epochs=1, random_state=0)
    pred = reg.fit(ragged, y).predict(ragged)
    assert pred.shape == (24,) and np.isfinite(pred).all()


def test_pipeline_grid_search_and_cross_val_predict():
    X, y = bump_sequences(n_samples=24)
    pipe = make_pipeline(SequenceScaler(), tiny(epochs=1))
    search = GridSearchCV(pipe, {"rnnsequenceregressor__units": [2, 4]}, cv=2,
                          scoring="neg_root_mean_squared_error").fit(X, y)
    assert search.best_params_["rnnsequenceregressor__units"] in (2, 4)
    assert search.best_score_ <= 0
    pred = cross_val_predict(tiny(epochs=1), X, y, cv=2)
    assert pred.shape == y.shape and np.isfinite(pred).all()


def test_transformed_target_and_multi_output_regressors():
    X, y = bump_sequences(n_samples=24)
    wrapped = TransformedTargetRegressor(tiny(epochs=1), func=np.log1p,
                                         inverse_func=np.expm1).fit(X, y)
    assert wrapped.predict(X[:3]).shape == (3,)
    # MultiOutputRegressor slices X as a 2D table: univariate sequences.
    Y = np.column_stack([y, -y])
    multi = MultiOutputRegressor(tiny(epochs=1)).fit(X[:, :, 0], Y)
    assert multi.predict(X[:3, :, 0]).shape == (3, 2)


def test_seed_ensemble_one_liner_averages_the_members():
    X, y = bump_sequences(n_samples=24)
    ensemble = VotingRegressor(
        [(f"seed{k}", tiny(epochs=1, random_state=k)) for k in range(2)]).fit(X, y)
    members = [member.predict(X[:4]) for member in ensemble.estimators_]
    assert not np.allclose(members[0], members[1])  # different seeds, different nets
    np.testing.assert_allclose(ensemble.predict(X[:4]), np.mean(members, axis=0),
                               rtol=1e-6)


def test_pickle_and_joblib_round_trips_predict_identically(fitted_regressor, tmp_path):
    reg, X, _ = fitted_regressor
    expected = reg.predict(X)
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_allclose(restored.predict(X), expected, rtol=1e-6, atol=1e-6)
    joblib.dump(reg, tmp_path / "reg.joblib")
    np.testing.assert_allclose(joblib.load(tmp_path / "reg.joblib").predict(X), expected,
                               rtol=1e-6, atol=1e-6)
    assert clone(reg).get_params() == reg.get_params()


BAD_TARGETS = [
    (lambda y: np.where(np.arange(len(y)) == 3, np.nan, y), "y must hold finite numbers"),
    (lambda y: np.where(np.arange(len(y)) == 3, np.inf, y), "infinity"),
    (lambda y: np.array(["a"] * len(y), dtype=object), "could not convert string"),
    (lambda y: y.reshape(len(y), 1, 1), "dim 3"),
    (lambda y: y[:-1], "inconsistent numbers of samples"),
    (lambda y: y.reshape(len(y), 1)[:, :0], "0 targets"),
]


@pytest.mark.parametrize("make_bad, message", BAD_TARGETS)
def test_bad_targets_raise_before_training_and_leave_the_model(fitted_regressor,
                                                               make_bad, message):
    reg, X, y = fitted_regressor
    expected = reg.predict(X)
    with pytest.raises(ValueError, match=message):
        reg.fit(X, make_bad(y))
    np.testing.assert_array_equal(reg.predict(X), expected)


@pytest.mark.parametrize("make_bad, message", [
    (lambda X: np.where(np.arange(X.shape[1])[:, None] == 2, np.nan, X), "NaN"),
    (lambda X: X[..., None], "dim"),
    (lambda X: X.astype(str), "numbers|numeric|convert"),
])
def test_bad_sequences_raise_before_training(fitted_regressor, make_bad, message):
    reg, X, y = fitted_regressor
    expected = reg.predict(X)
    with pytest.raises(ValueError, match=message):
        reg.fit(make_bad(X), y)
    with pytest.raises(ValueError, match=message):
        reg.predict(make_bad(X))
    np.testing.assert_array_equal(reg.predict(X), expected)


def test_sample_weight_of_the_wrong_shape_or_sign(fitted_regressor):
    reg, X, y = fitted_regressor
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(48,\)"):
        reg.fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="non-negative"):
        reg.fit(X, y, sample_weight=-np.ones(48))


def test_class_weight_is_not_a_regressor_parameter():
    with pytest.raises(ValueError, match="Unknown parameter 'class_weight'"):
        tiny(class_weight="balanced").fit(*bump_sequences(n_samples=8))


@pytest.mark.slow
def test_learns_the_time_of_a_bump_far_better_than_the_mean():
    X, y = bump_sequences(n_samples=400, n_timesteps=40, seed=1)
    X_test, y_test = bump_sequences(n_samples=200, n_timesteps=40, seed=2)
    reg = RNNSequenceRegressor(random_state=0, epochs=50).fit(X, 1000 * y)
    mean_rmse = np.sqrt(np.mean((1000 * y_test - 1000 * y.mean()) ** 2))
    rmse = np.sqrt(np.mean((reg.predict(X_test) - 1000 * y_test) ** 2))
    assert reg.score(X_test, 1000 * y_test) > 0.9
    assert rmse < 0.3 * mean_rmse
