import os
import pickle
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import ONE_DIRECTION, ordered_sequences
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor
from sklearn_rnn._parameters import auto_batch_size
from sklearn_rnn._scikeras_fixes import predict_on_batches


def tiny(**kwargs):
    kwargs.setdefault("units", 4)
    kwargs.setdefault("epochs", 1)
    kwargs.setdefault("random_state", 0)
    return RNNSequenceClassifier(**{**ONE_DIRECTION, **kwargs})


def test_import_does_not_load_tensorflow_or_keras():
    code = (
        "import sys, sklearn_rnn, sklearn_rnn.preprocessing, sklearn_rnn.schedules\n"
        "loaded = [m for m in ('tensorflow', 'keras', 'jax') if m in sys.modules]\n"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_defaults_match_design_and_evidence():
    params = RNNSequenceClassifier().get_params()
    # Changed from the design's False / "last" by benchmarks/results/defaults.md.
    assert params["bidirectional"] is True and params["pooling"] == "max"
    assert params["cell_type"] == "lstm" and params["units"] == 64
    # The front-end and the small-data recipe, by defaults_front_end_screen.md and
    # accuracy_full.md; "auto": none on token ids, by text_task.md.
    assert params["conv_filters"] == "auto"
    assert params["conv_kernel_size"] == (8, 5, 3) and params["conv_stride"] == (2, 2, 1)
    # Averaged windows instead of skipped ones, by average_downsampling.md.
    assert params["conv_downsampling"] == "average"
    assert params["lr_schedule"] == "plateau" and params["batch_size"] == "auto"
    assert params["epochs"] == 300 and params["n_iter_no_change"] == 60
    assert params["tol"] == 1e-4
    # The step-to-step changes as input, by first_differences_screen.md.
    assert params["differences"] == "auto"
    assert RNNSequenceRegressor().get_params()["differences"] == "auto"
    assert params["verbose"] == 0 and params["optimizer"] == "adam"
    assert params["learning_rate"] == 1e-3 and params["validation_fraction"] == 0.1


def test_fit_3d_sets_fitted_attributes(fitted):
    clf, X, y = fitted
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    assert clf.n_classes_ == 2
    assert clf.n_features_in_ == X.shape[2]
    assert clf.n_iter_ == 2 and clf.best_epoch_ == 2
    assert set(clf.history_) == {"loss", "accuracy", "lr"}
    assert len(clf.history_["loss"]) == 2 and clf.loss_curve_ == clf.history_["loss"]
    assert clf.validation_scores_ is None


def test_predict_proba_shape_and_rows_sum_to_one(fitted):
    clf, X, _ = fitted
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-5)


def test_predict_is_deterministic_and_accepts_other_lengths(fitted):
    clf, X, _ = fitted
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    assert clf.predict_proba(X[:, :5]).shape == (len(X), 2)
    assert clf.predict_proba(np.concatenate([X, X], axis=1)).shape == (len(X), 2)


def test_univariate_2d_input():
    X, y = ordered_sequences(n_features=1)
    clf = tiny().fit(X[:, :, 0], y)
    assert clf.n_features_in_ == 1
    np.testing.assert_allclose(clf.predict_proba(X[:, :, 0]), clf.predict_proba(X))


def test_multiclass_string_labels():
    X, y = ordered_sequences(n_samples=60)
    labels = np.array(["cat", "dog", "emu"])[(y + np.arange(60) % 3) % 3]
    clf = tiny().fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    assert clf.predict_proba(X).shape == (60, 3)
    assert set(clf.predict(X)) <= set(labels)


@pytest.mark.parametrize("cell_type", ["lstm", "gru", "simple_rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_every_cell_and_direction_trains(cell_type, bidirectional, data3d):
    X, y = data3d
    clf = tiny(cell_type=cell_type, bidirectional=bidirectional, n_layers=2,
               pooling="mean", dense_units=3, dropout=0.1, l2=1e-4).fit(X, y)
    assert clf.predict_proba(X).shape == (len(X), 2)


def test_same_random_state_gives_identical_predictions(data3d):
    X, y = data3d
    params = dict(units=4, epochs=2, dropout=0.2, recurrent_dropout=0.1, random_state=7,
                  **ONE_DIRECTION)
    first = RNNSequenceClassifier(**params).fit(X, y).predict_proba(X)
    second = RNNSequenceClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    other = RNNSequenceClassifier(**{**params, "random_state": 8}).fit(X, y)
    assert not np.array_equal(first, other.predict_proba(X))


def test_callers_arrays_are_not_modified(data3d):
    X, y = data3d
    y = y.astype(float)
    weights = np.linspace(1, 2, len(y))
    copies = X.copy(), y.copy(), weights.copy()
    clf = tiny(class_weight="balanced", early_stopping=True, validation_fraction=0.25)
    clf.fit(X, y, sample_weight=weights)
    clf.predict_proba(X)
    for original, copy in zip((X, y, weights), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


def test_large_inputs_are_predicted_in_batches(fitted):
    clf, X, _ = fitted
    whole = predict_on_batches(clf.model_, X)
    batched = predict_on_batches(clf.model_, X, batch_size=7)
    np.testing.assert_allclose(whole, batched, rtol=1e-5, atol=1e-6)


def test_verbose_zero_prints_nothing(capsys, data3d):
    X, y = data3d
    tiny(verbose=0).fit(X, y).predict(X)
    captured = capsys.readouterr()
    assert captured.out == ""


def test_verbose_two_prints_a_line_per_epoch(capsys, data3d):
    X, y = data3d
    tiny(verbose=2, epochs=2).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 2 and "loss" in out


def test_sample_weight_changes_training(data3d):
    X, y = data3d
    plain = tiny(epochs=2).fit(X, y).predict_proba(X)
    weights = np.where(y == 1, 5.0, 0.2)
    weighted = tiny(epochs=2).fit(X, y, sample_weight=weights).predict_proba(X)
    assert weighted[:, 1].mean() > plain[:, 1].mean()


def test_optimizers_and_routed_arguments(data3d):
    X, y = data3d
    for optimizer in ["adam", "adamw", "rmsprop", "sgd"]:
        clf = tiny(optimizer=optimizer, weight_decay=1e-4, clipnorm=1.0).fit(X, y)
        assert clf.model_.optimizer.clipnorm == 1.0
    clf = tiny(optimizer="sgd", optimizer__momentum=0.9, optimizer__nesterov=True)
    clf.fit(X, y)
    assert clf.model_.optimizer.momentum == 0.9 and clf.model_.optimizer.nesterov


def test_optimizer_instance_is_cloned_not_shared(data3d):
    import keras

    X, y = data3d
    optimizer = keras.optimizers.RMSprop(rho=0.8)
    clf = tiny(optimizer=optimizer, learning_rate=0.01).fit(X, y)
    assert clf.model_.optimizer is not optimizer
    assert clf.model_.optimizer.rho == 0.8
    assert np.isclose(keras.ops.convert_to_numpy(clf.model_.optimizer.learning_rate), 0.01)


def test_warm_start_continues_the_same_model(data3d):
    X, y = data3d
    clf = tiny(warm_start=True).fit(X, y)
    model, weights = clf.model_, [w.copy() for w in clf.model_.get_weights()]
    clf.fit(X, y)
    assert clf.model_ is model
    np.testing.assert_array_equal(clf.classes_, np.unique(y))  # was None after a warm fit
    assert any(not np.array_equal(a, b) for a, b in zip(weights, model.get_weights(), strict=True))
    cold = tiny().fit(X, y)
    first_model = cold.model_
    cold.fit(X, y)
    assert cold.model_ is not first_model
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match=r"warm_start=True .* labels \[2\]"):
        clf.fit(X, np.where(np.arange(len(y)) < 3, 2, y))
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_partial_fit_runs_one_epoch_per_call(data3d):
    X, y = data3d
    clf = tiny()
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:20], y[:20], classes=[0, 1, 2])
    clf.partial_fit(X[20:], y[20:])
    assert clf.n_iter_ == 2
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict_proba(X).shape == (len(X), 3)
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported"):
        tiny(class_weight="balanced").partial_fit(X, y, classes=np.unique(y))


def test_variable_length_lists_are_masked():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 3)) for n in rng.integers(2, 9, size=30)]
    y = np.arange(30) % 2
    for pooling in ["last", "mean", "max"]:
        # Masking needs no training to check: initialize builds the network only.
        clf = tiny(pooling=pooling, bidirectional=True).initialize(X, y)
        alone = clf.predict_proba(X[:1])
        # The same sequence batched with a much longer one needs padding.
        padded = clf.predict_proba([X[0], rng.normal(size=(40, 3))])[:1]
        np.testing.assert_allclose(alone, padded, rtol=1e-5, atol=1e-6)


def test_variable_length_at_predict_without_mask(fitted):
    clf, X, _ = fitted
    ragged = [X[0], X[1, :5], X[2, :3]]
    expected = np.vstack([clf.predict_proba(s[np.newaxis]) for s in ragged])
    np.testing.assert_allclose(clf.predict_proba(ragged), expected, rtol=1e-5)


def test_mask_value_masks_prepadded_arrays(data3d):
    X, y = data3d
    padded = np.concatenate([np.full((len(X), 4, 2), -5.0, "float32"), X], axis=1)
    clf = tiny(mask_value=-5.0).fit(padded, y)
    np.testing.assert_allclose(
        clf.predict_proba(padded), clf.predict_proba(X), rtol=1e-5, atol=1e-6
    )


def test_token_input_with_embedding():
    rng = np.random.default_rng(0)
    X = [list(rng.integers(1, 20, size=n)) for n in rng.integers(3, 10, size=40)]
    y = np.array([int(seq[0] > 10) for seq in X])
    clf = tiny(embedding_dim=4, embedding_l2=1e-4, spatial_dropout=0.1).fit(X, y)
    assert clf.vocab_size_ == max(max(s) for s in X) + 1
    assert clf.n_features_in_ == 1
    unseen = [[1, 2, 500, 3]]  # 500 is beyond the vocabulary: read as id 1
    assert clf.predict_proba(unseen).shape == (1, 2)
    np.testing.assert_allclose(clf.predict_proba(unseen), clf.predict_proba([[1, 2, 1, 3]]))


@pytest.mark.parametrize(
    "X, message",
    [
        (np.full((10, 5, 2), np.nan), "NaN or infinity"),
        (np.full((10, 5, 2), np.inf), "NaN or infinity"),
        (np.zeros(10), "2 or 3 dimensions"),
        (np.zeros((10, 5, 2, 1)), "2 or 3 dimensions"),
        (np.zeros((0, 5, 2)), "0 samples"),
        (np.zeros((10, 0, 2)), "length 0"),
        ([np.zeros((3, 2))] * 5 + [np.zeros((0, 2))] * 5, "empty sequence"),
        ([np.zeros((3, 2))] * 5 + [np.zeros((4, 3))] * 5, "same number of features"),
        (np.array([["a", "b"]] * 10), "strings"),
    ],
)
def test_bad_X_raises_before_training(X, message):
    y = np.arange(10) % 2
    with pytest.raises(ValueError, match=message):
        tiny().fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"cell_type": "transformer"}, "'cell_type' parameter"),
        ({"units": 0}, "'units' parameter"),
        ({"dropout": 1.0}, "'dropout' parameter"),
        ({"optimizer": "adagrad"}, "'optimizer' parameter"),
        ({"unit": 3}, "Did you mean 'units'"),
        # NaN never equals itself: it masked nothing, and ragged padding of NaN diverged
        ({"mask_value": np.nan}, "'mask_value' parameter"),
        ({"vocab_size": 10}, "needs embedding_dim"),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(params, message, data3d):
    X, y = data3d
    with pytest.raises(ValueError, match=message):
        tiny(**params).fit(X, y)


def test_a_misspelt_parameter_survives_clone_so_model_selection_rejects_it(data3d):
    # clone dropped the name, so every fold of a search trained with the default.
    X, y = data3d
    clf = tiny(unit=3)
    assert clone(clf).get_params()["unit"] == 3
    with pytest.raises(ValueError, match="Did you mean 'units'"):
        clone(clf).fit(X, y)
    with pytest.raises(ValueError, match="Did you mean 'units'"):
        cross_val_score(clf, X, y, cv=2, error_score="raise")


def test_bad_y_raises(data3d):
    X, y = data3d
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        tiny().fit(X, y[:-1])
    with pytest.raises(ValueError, match="1 class"):
        tiny().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type"):
        tiny().fit(X, np.linspace(0, 1, len(X)))


def test_failed_fit_leaves_fitted_model_usable(fitted):
    clf, X, y = fitted
    clf = clone(clf).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError):
        clf.fit(np.full_like(X, np.nan), y)
    with pytest.raises(ValueError):
        clf.fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError):
        clf.set_params(units=-1).fit(X, y)
    with pytest.raises(ValueError):
        clf.predict(X[:, :, :1])
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_predict_with_other_feature_count_raises(fitted):
    clf, X, _ = fitted
    with pytest.raises(ValueError, match="3 features per timestep.*fitted with 2"):
        clf.predict(np.zeros((2, 5, 3)))


def test_predict_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        tiny().predict_proba(np.zeros((2, 5, 2)))


# ------------------------------------------------- convolutional front-end, recipe
FRONT_END = {"conv_filters": (4, 4), "conv_kernel_size": (3, 2), "conv_stride": (2, 1)}


@pytest.mark.parametrize("cell_type, n_layers, bidirectional, pooling", [
    ("lstm", 1, True, "max"), ("gru", 2, False, "last"), ("simple_rnn", 1, True, "mean"),
])
def test_front_end_works_with_every_cell_depth_direction_and_pooling(
        cell_type, n_layers, bidirectional, pooling, data3d):
    X, y = data3d
    clf = tiny(cell_type=cell_type, n_layers=n_layers, bidirectional=bidirectional,
               pooling=pooling, l2=1e-3, **FRONT_END).fit(X, y)
    blocks = [layer for layer in clf.model_.layers if layer.name.startswith("conv_block")]
    assert [(b.filters, b.kernel_size, b.stride) for b in blocks] == [(4, 3, 2), (4, 2, 1)]
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert clf.predict_proba(X[:3, :2]).shape == (3, 2)  # as short as the kernels


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_front_end_padding_never_changes_a_prediction(pooling):
    rng = np.random.default_rng(0)
    # As short as the kernels, odd and even lengths against the stride of 2.
    X = [rng.normal(size=(n, 2)) for n in [2, 5, 8] * 8]
    y = np.arange(len(X)) % 2
    clf = tiny(pooling=pooling, bidirectional=True, epochs=1, **FRONT_END).fit(X, y)
    alone = np.vstack([clf.predict_proba([x]) for x in X[:3]])
    batched = clf.predict_proba([*X[:3], rng.normal(size=(40, 2))])[:3]
    np.testing.assert_allclose(batched, alone, rtol=1e-5, atol=1e-6)


def test_front_end_reads_prepadded_arrays_like_the_unpadded_ones(data3d):
    X, y = data3d
    padded = np.concatenate([np.full((len(X), 5, 2), -5.0, "float32"), X], axis=1)
    clf = tiny(mask_value=-5.0, **FRONT_END).fit(padded, y)
    np.testing.assert_allclose(clf.predict_proba(padded), clf.predict_proba(X),
                               rtol=1e-5, atol=1e-6)


def test_front_end_validation_loss_does_not_depend_on_where_the_padding_is(data3d):
    X, y = data3d
    pad = np.full((len(X), 5, 2), -5.0, "float32")
    settings = dict(mask_value=-5.0, early_stopping=True, validation_fraction=0.25,
                    epochs=2, **FRONT_END)
    before = tiny(**settings).fit(np.concatenate([pad, X], axis=1), y)
    after = tiny(**settings).fit(np.concatenate([X, pad], axis=1), y)
    np.testing.assert_allclose(before.history_["val_loss"], after.history_["val_loss"],
                               rtol=1e-5)


def test_front_end_model_pickles_with_identical_predictions(data3d):
    X, y = data3d
    clf = tiny(epochs=2, **FRONT_END).fit(X, y)
    clone_ = pickle.loads(pickle.dumps(clf))
    # JAX recompiles the restored model's predict step: float32 rounding (6e-8).
    np.testing.assert_allclose(clone_.predict_proba(X), clf.predict_proba(X),
                               rtol=1e-6, atol=1e-7)


def test_an_int_conv_filters_spreads_over_the_tuples_blocks(data3d):
    X, y = data3d
    clf = tiny(conv_filters=4, conv_kernel_size=(3, 2), conv_stride=(2, 1)).fit(X, y)
    blocks = [layer for layer in clf.model_.layers if layer.name.startswith("conv_block")]
    assert [(b.filters, b.kernel_size, b.stride) for b in blocks] == [(4, 3, 2), (4, 2, 1)]


def test_a_block_of_several_kernel_sizes_fits_pads_pickles_and_saves(tmp_path):
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in [2, 5, 8] * 8]
    y = np.arange(len(X)) % 2
    clf = tiny(epochs=1, conv_filters=(5, 4), conv_kernel_size=((1, 3, 4), 2),
               conv_stride=(2, 1)).fit(X, y)
    blocks = [layer for layer in clf.model_.layers if layer.name.startswith("conv_block")]
    assert [(b.filters, b.kernel_size, b.stride) for b in blocks] == [
        (5, (1, 3, 4), 2), (4, 2, 1)]
    assert [c.filters for c in blocks[0].convs] == [2, 2, 1]
    alone = np.vstack([clf.predict_proba([x]) for x in X[:3]])
    batched = clf.predict_proba([*X[:3], rng.normal(size=(40, 2))])[:3]
    np.testing.assert_allclose(batched, alone, rtol=1e-5, atol=1e-6)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X),
                               rtol=1e-6, atol=1e-7)
    clf.model_.save(tmp_path / "network.keras")
    network = keras.models.load_model(tmp_path / "network.keras")
    assert network.get_layer("conv_block_0").get_config() == blocks[0].get_config()
    for loaded, fitted in zip(network.weights, clf.model_.weights, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded),
                                      keras.ops.convert_to_numpy(fitted))


def test_auto_stride_keeps_every_step_of_short_series_and_halves_long_ones():
    rng = np.random.default_rng(0)
    short = [rng.normal(size=(n, 2)) for n in [5, 9, 200] * 6]  # median 9
    long = rng.normal(size=(12, 80, 2))
    y = np.arange(18) % 2
    for X, y_, expected in ((short, y, (1, 1)), (long, y[:12], (2, 1))):
        clf = tiny(conv_filters=(2, 2), conv_kernel_size=3, conv_stride="auto").fit(X, y_)
        blocks = [layer for layer in clf.model_.layers
                  if layer.name.startswith("conv_block")]
        assert clf.conv_stride_ == expected
        assert [b.stride for b in blocks] == list(expected)
    assert clf.get_params()["conv_stride"] == "auto"
    assert tiny(conv_filters=None, conv_stride="auto").fit(long, y[:12]).conv_stride_ is None


def test_length_feature_auto_is_on_for_masked_sequences_of_different_lengths(data3d):
    rng = np.random.default_rng(0)
    lengths = [3, 6, 12] * 4
    ragged = [rng.normal(size=(n, 2)) for n in lengths]
    y = np.arange(12) % 2
    assert tiny().fit(ragged, y).length_feature_ is False  # off by default
    clf = tiny(length_feature="auto").fit(ragged, y)
    log = np.log(lengths)
    assert clf.length_feature_ is True
    layer = clf.model_.get_layer("sequence_length")
    assert (layer.mean, layer.scale) == pytest.approx((log.mean(), log.std()))
    padded = np.full((12, 12, 2), -5.0)
    for i, x in enumerate(ragged):
        padded[i, :len(x)] = x
    masked = tiny(mask_value=-5.0, length_feature="auto").fit(padded, y)
    assert masked.length_feature_ is True
    assert masked.model_.get_layer("sequence_length").mean == pytest.approx(log.mean())
    X, y3 = data3d  # equal lengths: nothing to learn from the length
    for clf, expected in ((tiny(length_feature="auto").fit(X, y3), False),
                          (tiny(length_feature=True).fit(X, y3), True),
                          (tiny(length_feature=False).fit(ragged, y), False)):
        names = [layer.name for layer in clf.model_.layers]
        assert clf.length_feature_ is expected
        assert ("sequence_length" in names) is expected


def test_length_feature_scale_has_a_floor_for_lengths_that_barely_differ():
    rng = np.random.default_rng(2)
    X = [rng.normal(size=(n, 2)) for n in [100] * 11 + [99]]
    clf = tiny(length_feature="auto").fit(X, np.arange(12) % 2)
    assert clf.model_.get_layer("sequence_length").scale == 0.25


def test_differences_are_scaled_by_the_changes_within_each_training_sequence():
    rng = np.random.default_rng(3)
    ragged = [np.cumsum(rng.normal(size=(n, 2)), axis=0) * [1.0, 10.0]
              for n in [3, 6, 12] * 4]
    y = np.arange(12) % 2
    changes = np.concatenate([np.diff(x, axis=0) for x in ragged])
    padded = np.full((12, 12, 2), -99.0)
    for i, x in enumerate(ragged):
        padded[i, -len(x):] = x  # padding first: changes never cross it
    for clf in (tiny(differences=True).fit(ragged, y),
                tiny(differences="auto", mask_value=-99.0).fit(padded, y)):
        layer = clf.model_.get_layer("first_differences")
        assert clf.differences_ is True
        np.testing.assert_allclose(layer.mean, changes.mean(axis=0))
        np.testing.assert_allclose(layer.scale, changes.std(axis=0))
    clf = tiny(differences=False).fit(ragged, y)
    assert clf.differences_ is False
    assert "first_differences" not in [layer.name for layer in clf.model_.layers]
    # A feature that barely changes in training keeps a floor under its scale.
    ramp = [np.arange(n, dtype=float)[:, None] * 1e-5 for n in (4, 1, 6, 2)]
    layer = tiny(differences=True).fit(ramp, [0, 1, 0, 1]).model_.get_layer(
        "first_differences")
    assert layer.mean == pytest.approx([1e-5]) and layer.scale == [1e-3]
    # Steps equal to mask_value inside a ragged sequence are skipped, as the
    # network skips them.
    gaps = [np.array([[0.0], [-9.0], [1.0], [2.0]]), np.array([[5.0], [7.0]])]
    layer = tiny(mask_value=-9.0).fit(gaps, [0, 1]).model_.get_layer("first_differences")
    assert layer.mean == pytest.approx([4 / 3])


def test_differences_need_float_sequences():
    ids = np.array([[1, 2, 3], [3, 2, 0], [2, 2, 1], [1, 3, 0]])
    y = [0, 1, 0, 1]
    for value in (True, np.True_):
        with pytest.raises(ValueError, match="differences=True .* token ids"):
            tiny(embedding_dim=2, differences=value).fit(ids, y)
    assert tiny(embedding_dim=2, differences="auto").fit(ids, y).differences_ is False
    with pytest.raises(ValueError, match="differences"):
        tiny(differences="yes").fit(np.zeros((4, 3, 1)), y)


@pytest.mark.parametrize("options", [dict(length_feature=True), dict(conv_shortcut=True),
                                     dict(differences=True),
                                     dict(conv_downsampling="stride")])
def test_head_inputs_keep_predictions_independent_of_the_padding(options):
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(n, 2)) for n in [4, 9, 30] * 4]
    clf = tiny(epochs=2, conv_filters=(3, 3), conv_kernel_size=3, conv_stride=(2, 1),
               **options).fit(X, np.arange(12) % 3)
    alone = clf.predict_proba(X[:1])
    beside_a_long_one = clf.predict_proba([X[0], rng.normal(size=(60, 2))])[:1]
    np.testing.assert_allclose(alone, beside_a_long_one, rtol=1e-5, atol=1e-6)


def test_auto_front_end_on_float_sequences_only(fitted):
    X = [[1, 2, 3], [3, 2, 1, 4]] * 4
    y = [0, 1] * 4
    tokens = tiny(embedding_dim=2, conv_filters="auto").fit(X, y)
    assert tokens.conv_filters_ is None and tokens.conv_stride_ is None
    assert not [layer for layer in tokens.model_.layers
                if layer.name.startswith("conv_block")]
    floats = tiny(conv_filters="auto", epochs=1).fit(*fitted[1:])
    assert floats.conv_filters_ == (64, 64, 64) and floats.conv_stride_ == (2, 2, 1)
    blocks = [layer for layer in floats.model_.layers if layer.name.startswith("conv_block")]
    assert [b.filters for b in blocks] == [64, 64, 64]


def test_front_end_on_token_input():
    rng = np.random.default_rng(0)
    X = [list(rng.integers(1, 20, size=n)) for n in rng.integers(3, 10, size=40)]
    y = np.array([int(seq[0] > 10) for seq in X])
    clf = tiny(embedding_dim=4, **FRONT_END).fit(X, y)
    alone = clf.predict_proba([X[0]])
    with_zeros_inside = clf.predict_proba([[X[0][0], 0, *X[0][1:]]])
    np.testing.assert_allclose(with_zeros_inside, alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("params, message", [
    ({"conv_filters": 0}, "'conv_filters' parameter"),
    ({"conv_filters": "wide"}, "'conv_filters' parameter"),
    ({"conv_filters": (8, 8), "conv_kernel_size": 3, "conv_stride": (2, 2, 2)},
     "conv_stride=.* has 3 entries"),
    ({"conv_filters": (8, 8)}, r"conv_kernel_size=\(8, 5, 3\) has 3 entries.*or an int"),
    ({"conv_filters": (8, -1)}, "conv_filters must be a positive int"),
    ({"conv_filters": 2, "conv_kernel_size": [(3, 5, 7)]},
     "gives a block of 2 filters 3 parallel convolutions"),
    ({"conv_filters": 4, "conv_kernel_size": ((3, 0),)}, "an entry may be a non-empty tuple"),
    ({"conv_downsampling": "max"}, "'conv_downsampling' parameter.*'average'"),
    ({"batch_size": "big"}, "'batch_size' parameter"),
    ({"tol": -1.0}, "'tol' parameter"),
])
def test_bad_front_end_and_recipe_parameters_raise_before_training(params, message,
                                                                   data3d):
    X, y = data3d
    with pytest.raises(ValueError, match=message):
        tiny(**params).fit(X, y)


@pytest.mark.parametrize("n, expected", [(1, 1), (3, 3), (36, 4), (67, 6), (200, 20),
                                          (320, 32), (10_000, 32)])
def test_auto_batch_size_takes_a_tenth_of_the_data_within_bounds(n, expected):
    assert auto_batch_size(n) == expected


def test_auto_batch_size_sets_the_updates_per_epoch(data3d):
    X, y = data3d  # 48 sequences: batches of 4, 12 updates per epoch
    counter = tiny(batch_size="auto")
    counter.fit(X, y)
    assert counter.batch_size_ == 4
    assert counter.model_.optimizer.iterations.numpy() == 12


def test_training_stops_when_the_training_loss_has_converged(data3d):
    X, y = data3d
    # Frozen weights on the same batches every epoch: a constant training loss.
    frozen = {"learning_rate": 1e-12, "epochs": 8, "n_iter_no_change": 2,
              "augmentation": None}
    stopped = tiny(**frozen).fit(X, y)
    assert stopped.n_iter_ == 3 and stopped.best_epoch_ == 3
    assert tiny(**frozen, tol=None).fit(X, y).n_iter_ == 8


@pytest.mark.slow
def test_learns_order_dependent_task():
    X, y = ordered_sequences(n_samples=200, n_timesteps=12)
    clf = RNNSequenceClassifier(units=16, epochs=25, learning_rate=0.01, random_state=0)
    clf.fit(X[:150], y[:150])
    assert clf.score(X[150:], y[150:]) >= 0.9


class RowModel:
    """Stands in for a Keras model: records batch sizes, returns one row per row."""

    def __init__(self):
        self.batch_sizes = []

    def predict_on_batch(self, x):
        self.batch_sizes.append(len(x))
        return np.stack([x[:, 0, 0], -x[:, 0, 0]], axis=1)


@pytest.mark.parametrize("n, tf_sizes, jax_sizes", [
    (1, [1], [1]),
    (5, [5], [8]),
    (2500, [1024, 1024, 452], [1024, 1024, 512]),
])
def test_predict_batches_padded_to_powers_of_two_on_jax(n, tf_sizes, jax_sizes):
    # JAX compiles the predict step once per input shape; TensorFlow relaxes shapes.
    X = np.random.default_rng(0).normal(size=(n, 3, 2)).astype("float32")
    model = RowModel()
    proba = predict_on_batches(model, X)
    expected = jax_sizes if keras.backend.backend() == "jax" else tf_sizes
    assert model.batch_sizes == expected
    np.testing.assert_array_equal(proba, np.stack([X[:, 0, 0], -X[:, 0, 0]], axis=1))


def test_tensorflow_threads_follow_the_openmp_limit():
    # joblib's and dask's process workers set OMP_NUM_THREADS; TensorFlow ignores it
    # and would start thread pools of every core in every worker.
    code = ("import os, sklearn_rnn; print(os.environ.get('TF_NUM_INTRAOP_THREADS'), "
            "os.environ.get('TF_NUM_INTEROP_THREADS'))")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TF_NUM_") and k != "OMP_NUM_THREADS"}

    def threads(**extra):
        return subprocess.run([sys.executable, "-c", code], env={**env, **extra},
                              capture_output=True, text=True, check=True).stdout.split()

    assert threads(OMP_NUM_THREADS="1") == ["1", "1"]
    assert threads(OMP_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS="2") == ["2", "1"]
    assert threads() == ["None", "None"]
