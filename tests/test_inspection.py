"""Tests for sklearn_rnn.inspection: permutation importance and integrated gradients
on every input form, completeness, padding, pipelines, bad input; and (slow) that
both rank the window and the feature that decide a synthetic task first."""

import doctest
import subprocess
import sys
import warnings

import numpy as np
import pytest
from conftest import ONE_DIRECTION, bump_sequences, ordered_sequences
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

import sklearn_rnn.inspection
from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor
from sklearn_rnn.inspection import integrated_gradients, permutation_importance
from sklearn_rnn.preprocessing import SequenceScaler

MASK = -1.0
TOLERANCE = 0.01  # completeness: of max(|f(x)|, |f(baseline)|)


def ragged_sequences(n_samples=30, n_features=2, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(int(n), n_features)).astype("float32")
         for n in rng.integers(3, 10, size=n_samples)]
    y = np.array([int(seq[:, 0].sum() > 0) for seq in X])
    return X, y


def padded(X, value=MASK, pre=False):
    width = max(len(seq) for seq in X)
    out = np.full((len(X), width, X[0].shape[1]), value, dtype="float32")
    for i, seq in enumerate(X):
        if pre:
            out[i, width - len(seq):] = seq
        else:
            out[i, :len(seq)] = seq
    return out


@pytest.fixture(scope="module")
def classifier():
    X, y = ordered_sequences()
    clf = RNNSequenceClassifier(units=4, epochs=2, random_state=0, **ONE_DIRECTION)
    return clf.fit(X, y), X, y


@pytest.fixture(scope="module")
def masked_conv_classifier():
    """Masked input read by a convolutional front-end: the network sees the valid
    steps first, whatever the padding."""
    X, y = ragged_sequences()
    clf = RNNSequenceClassifier(units=4, epochs=2, conv_filters=4, conv_kernel_size=3,
                                conv_stride=2, mask_value=MASK, random_state=0)
    return clf.fit(padded(X), y), X, y


@pytest.fixture(scope="module")
def token_classifier():
    rng = np.random.default_rng(1)
    X = [rng.integers(1, 12, size=int(n)) for n in rng.integers(3, 9, size=30)]
    y = np.array([int((seq == 3).any()) for seq in X])
    clf = RNNSequenceClassifier(units=4, epochs=2, embedding_dim=3, random_state=0,
                                **ONE_DIRECTION)
    return clf.fit(X, y), X, y


@pytest.fixture(scope="module")
def regressor():
    X, y = bump_sequences()
    reg = RNNSequenceRegressor(units=4, epochs=2, random_state=0, **ONE_DIRECTION)
    return reg.fit(X, 10 * y + 100), X, y


def assert_complete(attributions, f_x, f_b):
    totals = np.array([np.sum(a, dtype=np.float64) for a in attributions])
    bound = TOLERANCE * np.maximum(np.abs(f_x), np.abs(f_b))
    error = np.abs(totals - (f_x - f_b))
    assert np.all(error <= bound), (totals, f_x - f_b)
    # Not vacuous: there is a change to explain, and where it is large against the
    # tolerance, the sum explains most of it.
    change = np.abs(f_x - f_b)
    assert change.max() > 1e-3
    large = change > 10 * bound
    assert np.all(error[large] <= 0.1 * change[large]), (totals, f_x - f_b)


def proba_of(clf, X, columns):
    return clf.predict_proba(X)[np.arange(len(columns)), columns]


# ------------------------------------------------------------- completeness
@pytest.mark.parametrize("baseline", ["zeros", "mean", 0.5])
def test_integrated_gradients_completeness_classifier(classifier, baseline):
    clf, X, _ = classifier
    X = X[:6]
    attributions = integrated_gradients(clf, X, baseline=baseline)
    assert attributions.shape == X.shape
    predicted = clf.predict_proba(X).argmax(axis=1)
    values = {"zeros": np.zeros(2), "mean": clf._fit_input_mean, 0.5: np.full(2, 0.5)}
    base = np.broadcast_to(values[baseline], X.shape).astype("float32")
    assert_complete(attributions, proba_of(clf, X, predicted), proba_of(clf, base, predicted))


def test_mean_baseline_is_training_mean(classifier):
    clf, X, _ = classifier
    np.testing.assert_allclose(clf._fit_input_mean, X.reshape(-1, 2).mean(axis=0),
                               rtol=1e-5)
    np.testing.assert_allclose(
        integrated_gradients(clf, X[:3], baseline="mean"),
        integrated_gradients(clf, X[:3], baseline=X.reshape(-1, 2).mean(axis=0)),
        atol=1e-6)
    np.testing.assert_array_equal(  # a list of one value per feature, like its array
        integrated_gradients(clf, X[:3], baseline=[0.0, 0.5]),
        integrated_gradients(clf, X[:3], baseline=np.array([0.0, 0.5])))


def test_integrated_gradients_given_class_and_per_sequence(classifier):
    clf, X, _ = classifier
    X = X[:4]
    zeros = np.zeros_like(X)
    for target in ([0, 1, 1, 0], 1):
        columns = np.broadcast_to(target, (4,))
        attributions = integrated_gradients(clf, X, target=target)
        assert_complete(attributions, proba_of(clf, X, columns),
                        proba_of(clf, zeros, columns))
    # The two classes' probabilities sum to 1: their attributions are opposite.
    np.testing.assert_allclose(integrated_gradients(clf, X, target=0),
                               -integrated_gradients(clf, X, target=1), atol=1e-5)


def test_integrated_gradients_regressor_in_units_of_y(regressor):
    reg, X, _ = regressor
    X = X[:5]
    attributions = integrated_gradients(reg, X)
    zeros = np.zeros_like(X)
    assert_complete(attributions, reg.predict(X), reg.predict(zeros))
    # The targets' offset (100) does not loosen the check: completeness holds
    # relative to the outputs measured from the training targets' mean, even
    # from a coarse start.
    mean = reg.target_encoder_.mean_[0]
    assert abs(mean) > 50
    coarse = integrated_gradients(reg, X, n_steps=2)
    assert_complete(coarse, reg.predict(X) - mean, reg.predict(zeros) - mean)


def test_integrated_gradients_2d_input(classifier):
    clf, X, y = classifier
    uni = RNNSequenceClassifier(units=4, epochs=1, random_state=0, **ONE_DIRECTION)
    uni.fit(X[:, :, 0], y)
    attributions = integrated_gradients(uni, X[:4, :, 0])
    assert attributions.shape == (4, X.shape[1])
    predicted = uni.predict_proba(X[:4, :, 0]).argmax(axis=1)
    assert_complete(attributions, proba_of(uni, X[:4, :, 0], predicted),
                    proba_of(uni, np.zeros((4, X.shape[1])), predicted))


def test_integrated_gradients_tokens(token_classifier):
    clf, X, _ = token_classifier
    X = X[:6]
    attributions = integrated_gradients(clf, X, baseline=1)
    assert [a.shape for a in attributions] == [seq.shape for seq in X]
    predicted = clf.predict_proba(X).argmax(axis=1)
    unknown = [np.ones_like(seq) for seq in X]
    assert_complete(attributions, proba_of(clf, X, predicted),
                    proba_of(clf, unknown, predicted))
    # A 2D array of ids, padded with 0: the same attributions, 0 on the padding.
    ids = np.zeros((len(X), max(map(len, X))), dtype=int)
    for i, seq in enumerate(X):
        ids[i, :len(seq)] = seq
    dense = integrated_gradients(clf, ids, baseline=1)
    assert dense.shape == ids.shape
    assert np.all(dense[ids == 0] == 0)
    for row, attribution in zip(dense, attributions, strict=True):
        np.testing.assert_allclose(row[:len(attribution)], attribution, atol=1e-6)
    for baseline in ("zeros", "mean"):
        assert integrated_gradients(clf, X[:2], baseline=baseline)[0].shape == X[0].shape


def test_integrated_gradients_tokens_through_a_branching_head(token_classifier):
    _, X, y = token_classifier
    options = {**ONE_DIRECTION, "conv_filters": (3,), "conv_kernel_size": 2,
               "conv_stride": 1}
    clf = RNNSequenceClassifier(units=4, epochs=1, embedding_dim=3, conv_shortcut=True,
                                length_feature=True, random_state=0, **options).fit(X, y)
    X = X[:4]
    attributions = integrated_gradients(clf, X, baseline=1)
    predicted = clf.predict_proba(X).argmax(axis=1)
    unknown = [np.ones_like(seq) for seq in X]
    assert_complete(attributions, proba_of(clf, X, predicted),
                    proba_of(clf, unknown, predicted))


# ---------------------------------------------------------------- padding
def test_padding_gets_exactly_zero_and_ragged_equals_padded(masked_conv_classifier):
    clf, X, _ = masked_conv_classifier
    X = X[:8]
    from_list = integrated_gradients(clf, X)
    post = integrated_gradients(clf, padded(X))
    pre = integrated_gradients(clf, padded(X, pre=True))
    width = post.shape[1]
    for i, seq in enumerate(X):
        n = len(seq)
        assert from_list[i].shape == seq.shape
        assert np.all(post[i, n:] == 0) and np.all(pre[i, :width - n] == 0)
        np.testing.assert_allclose(post[i, :n], from_list[i], atol=1e-6)
        np.testing.assert_allclose(pre[i, width - n:], from_list[i], atol=1e-6)
    predicted = clf.predict_proba(X).argmax(axis=1)
    zeros = [np.zeros_like(seq) for seq in X]
    assert_complete(from_list, proba_of(clf, X, predicted), proba_of(clf, zeros, predicted))


def test_ragged_without_mask_grouped_by_length(classifier):
    clf, X, _ = classifier
    ragged = [X[0], X[1, :5], X[2, :5], X[3]]
    attributions = integrated_gradients(clf, ragged)
    np.testing.assert_allclose(attributions[0], integrated_gradients(clf, X[:1])[0],
                               atol=1e-6)
    np.testing.assert_allclose(attributions[1],
                               integrated_gradients(clf, X[1:2, :5])[0], atol=1e-6)


def test_baseline_equal_to_mask_value_is_rejected(masked_conv_classifier):
    clf, X, _ = masked_conv_classifier
    with pytest.raises(ValueError, match="mask_value"):
        integrated_gradients(clf, X[:2], baseline=MASK)


def test_permutation_importance_ragged_equals_padded(masked_conv_classifier):
    clf, X, y = masked_conv_classifier
    for by, window in (("timestep", 3), ("feature", 1)):
        from_list = permutation_importance(clf, X, y, by=by, window=window,
                                           n_repeats=2, random_state=0)
        for array in (padded(X), padded(X, pre=True)):  # windows count from the first step
            from_array = permutation_importance(clf, array, y, by=by, window=window,
                                                n_repeats=2, random_state=0)
            np.testing.assert_array_equal(from_list.importances, from_array.importances)


def test_permutation_never_moves_padding(masked_conv_classifier):
    clf, X, y = masked_conv_classifier
    seen = []

    def spy(estimator, X_scored, y_scored):
        seen.append(X_scored)
        return estimator.score(X_scored, y_scored)

    for method in ("permute", "occlude"):
        seen.clear()
        permutation_importance(clf, X, y, by="timestep", window=4, method=method,
                               scoring=spy, n_repeats=2, random_state=0)
        assert len(seen) == 1 + 3 * (2 if method == "permute" else 1)
        original = padded(X, np.nan)
        for copy in seen[1:]:
            assert [len(s) for s in copy] == [len(s) for s in X]
            values = padded(copy, np.nan)
            # At each step, the same values among the sequences that have it.
            for t in range(original.shape[1]):
                have = ~np.isnan(original[:, t, 0])
                if method == "permute":
                    assert sorted(map(tuple, values[have, t])) == sorted(
                        map(tuple, original[have, t]))
        changed = [not all(np.array_equal(a, b) for a, b in zip(copy, X, strict=True))
                   for copy in seen[1:]]
        assert all(changed)


def test_permutation_importance_shapes_and_windows(classifier):
    clf, X, y = classifier
    result = permutation_importance(clf, X, y, n_repeats=3, random_state=0)
    assert result.importances.shape == (2, 3)
    np.testing.assert_allclose(result.importances_mean, result.importances.mean(axis=1))
    np.testing.assert_allclose(result.importances_std, result.importances.std(axis=1))
    again = permutation_importance(clf, X, y, n_repeats=3, random_state=0)
    np.testing.assert_array_equal(result.importances, again.importances)
    by_time = permutation_importance(clf, X, y, by="timestep", window=3, random_state=0)
    assert by_time.windows.tolist() == [[0, 3], [3, 6], [6, 8]]
    assert by_time.importances.shape == (3, 5)
    occluded = permutation_importance(clf, X, y, by="timestep", window=3,
                                      method="occlude")
    assert occluded.importances.shape == (3, 1)
    assert np.all(occluded.importances_std == 0)


def test_permutation_importance_scoring_and_tokens(token_classifier, regressor):
    clf, X, y = token_classifier
    result = permutation_importance(clf, X, y, by="timestep", window=2,
                                    scoring="neg_log_loss", n_repeats=2, random_state=0)
    assert result.importances.shape == (4, 2)
    reg, Xr, yr = regressor
    result = permutation_importance(reg, Xr, 10 * yr + 100, n_repeats=2, random_state=0)
    assert result.importances.shape == (2, 2)


# --------------------------------------------------------------- pipelines
def test_pipeline_attributes_the_final_estimators_input(classifier):
    _, X, y = classifier
    pipe = make_pipeline(SequenceScaler(), RNNSequenceClassifier(
        units=4, epochs=1, random_state=0, **ONE_DIRECTION)).fit(X * 5 + 3, y)
    raw = X[:4] * 5 + 3
    transformed = pipe[0].transform(raw)
    np.testing.assert_array_equal(integrated_gradients(pipe, raw),
                                  integrated_gradients(pipe[-1], transformed))
    from_pipe = permutation_importance(pipe, raw, y[:4], by="timestep", window=4,
                                       n_repeats=2, random_state=0)
    from_final = permutation_importance(pipe[-1], transformed, y[:4], by="timestep",
                                        window=4, n_repeats=2, random_state=0)
    np.testing.assert_array_equal(from_pipe.importances, from_final.importances)


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, match", [
    ({"by": "step"}, "by='step'"),
    ({"method": "shuffle"}, "method='shuffle'"),
    ({"window": 9, "by": "timestep"}, "window=9 is longer than the sequences"),
    ({"window": 0, "by": "timestep"}, "window=0"),
    ({"n_repeats": 0}, "n_repeats=0"),
    ({"scoring": ["accuracy"]}, "scoring="),
])
def test_permutation_importance_bad_parameters(classifier, kwargs, match):
    clf, X, y = classifier
    with pytest.raises(ValueError, match=match):
        permutation_importance(clf, X, y, **kwargs)


@pytest.mark.parametrize("function", ["permutation", "gradients"])
def test_bad_input_raises_value_error_naming_it(classifier, function):
    clf, X, y = classifier

    def call(estimator, X_given, y_given=y):
        if function == "permutation":
            return permutation_importance(estimator, X_given, y_given)
        return integrated_gradients(estimator, X_given)

    with pytest.raises(ValueError, match="dimensions"):
        call(clf, X[:, :, :, np.newaxis])
    with pytest.raises(ValueError, match="features per timestep"):
        call(clf, X[:, :, :1])
    with pytest.raises(ValueError, match="not fitted"):
        call(RNNSequenceClassifier(), X)
    with pytest.raises(NotFittedError):
        call(make_pipeline(SequenceScaler(), RNNSequenceClassifier()), X)
    if function == "permutation":
        with pytest.raises(ValueError, match="inconsistent numbers of samples"):
            call(clf, X, y[:-1])


@pytest.mark.parametrize("kwargs, match", [
    ({"baseline": "median"}, "baseline='median'"),
    ({"baseline": np.zeros(3)}, "does not match the 2 feature"),
    ({"baseline": np.zeros((2, 8, 2))}, "shaped like X"),
    ({"target": "spam"}, "target='spam' is not a class"),
    ({"target": [0, 1]}, "one label per sequence"),
    ({"n_steps": 0}, "n_steps=0"),
    ({"batch_size": 0}, "batch_size=0"),
])
def test_integrated_gradients_bad_parameters(classifier, kwargs, match):
    clf, X, _ = classifier
    with pytest.raises(ValueError, match=match):
        integrated_gradients(clf, X[:3], **kwargs)


def test_integrated_gradients_bad_regressor_target(regressor):
    reg, X, _ = regressor
    with pytest.raises(ValueError, match="target=2"):
        integrated_gradients(reg, X[:2], target=2)


def test_integrated_gradients_needs_a_package_estimator(classifier):
    from sklearn.dummy import DummyClassifier

    _, X, y = classifier
    dummy = DummyClassifier().fit(X.reshape(len(X), -1), y)
    with pytest.raises(ValueError, match="needs an RNNSequenceClassifier"):
        integrated_gradients(dummy, X)


def test_steep_paths_refined_until_complete(classifier, monkeypatch):
    import sklearn_rnn._attribution

    clf, X, _ = classifier
    X = X[:8] * 20  # steep paths: one interval misses completeness
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        attributions = integrated_gradients(clf, X, n_steps=1)
    predicted = clf.predict_proba(X).argmax(axis=1)
    assert_complete(attributions, proba_of(clf, X, predicted),
                    proba_of(clf, np.zeros_like(X), predicted))
    monkeypatch.setattr(sklearn_rnn._attribution, "MAX_REFINEMENTS", 0)
    with pytest.warns(RuntimeWarning, match="increase n_steps"):
        integrated_gradients(clf, X, n_steps=1)


def test_inputs_left_unchanged(masked_conv_classifier):
    clf, X, y = masked_conv_classifier
    copies = [seq.copy() for seq in X]
    integrated_gradients(clf, X[:4], baseline="mean")
    permutation_importance(clf, X, y, by="timestep", window=3, n_repeats=1)
    assert all(np.array_equal(a, b) for a, b in zip(X, copies, strict=True))


def test_import_does_not_load_keras():
    code = ("import sys, sklearn_rnn.inspection; "
            "print(any(m.startswith(('keras', 'tensorflow', 'jax')) for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_docstring_examples():
    failures, tried = doctest.testmod(sklearn_rnn.inspection, verbose=False)[:2]
    assert tried > 0 and failures == 0


# ------------------------------------------------------------ real learning
def window_and_feature_task(n_samples=240, n_timesteps=20, seed=0):
    """The class is the sign of a bump in feature 1 at steps 8-11 (window 2 of
    4 steps); everything else is noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_timesteps, 3)).astype("float32")
    y = rng.integers(0, 2, size=n_samples)
    X[:, 8:12, 1] += np.where(y == 1, 1.5, -1.5)[:, np.newaxis]
    return X, y


@pytest.fixture(scope="module")
def learned():
    X, y = window_and_feature_task()
    clf = RNNSequenceClassifier(units=8, epochs=30, conv_filters=None, bidirectional=False,
                                pooling="max", learning_rate=5e-3, random_state=0)
    clf.fit(X[:160], y[:160])
    assert clf.score(X[160:], y[160:]) >= 0.9
    return clf, X[160:], y[160:]


@pytest.mark.slow
@pytest.mark.parametrize("method", ["permute", "occlude"])
def test_permutation_importance_finds_window_and_feature(learned, method):
    clf, X, y = learned
    by_time = permutation_importance(clf, X, y, by="timestep", window=4, method=method,
                                     random_state=0)
    assert by_time.importances_mean.argmax() == 2
    by_feature = permutation_importance(clf, X, y, method=method, random_state=0)
    assert by_feature.importances_mean.argmax() == 1


@pytest.mark.slow
def test_integrated_gradients_finds_window_and_feature(learned):
    clf, X, _ = learned
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no completeness warning
        attributions = integrated_gradients(clf, X)
    # A confident network: paths that rise steeply, refined until complete.
    predicted = clf.predict_proba(X).argmax(axis=1)
    assert_complete(attributions, proba_of(clf, X, predicted),
                    proba_of(clf, np.zeros_like(X), predicted))
    magnitude = np.abs(attributions).sum(axis=0)  # (steps, features)
    assert magnitude.sum(axis=0).argmax() == 1
    assert magnitude.reshape(5, 4, 3).sum(axis=(1, 2)).argmax() == 2


@pytest.mark.guide
def test_user_guide_code_runs(capsys):
    """The code of docs/user_guide/inspection.rst runs and prints what it says."""
    import re
    import textwrap
    from pathlib import Path

    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "inspection.rst"
    blocks = re.findall(r"::\n\n((?:    .*\n|\n)+)", path.read_text())
    code = "\n".join(textwrap.dedent(block) for block in blocks)
    try:
        exec(compile(code, str(path), "exec"), {"__name__": "user_guide"})
    finally:
        plt.close("all")
    printed = capsys.readouterr().out.split("\n")
    assert float(printed[0]) >= 0.9
    assert printed[2] == "[ 8 12]"
    feature, step = map(int, printed[3].split())
    assert feature == 1 and 8 <= step <= 11
    assert float(printed[4]) < 0.01
