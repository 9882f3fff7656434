import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rnn.preprocessing import (
    SequencePadder,
    SequenceScaler,
    TextSequenceVectorizer,
)

pytestmark = pytest.mark.fast

TWO_D_IS_UNIVARIATE = (
    "2D input is (n_samples, n_timesteps) of univariate sequences: n_features_in_ "
    "is 1, not X.shape[1]"
)
LENGTH_MAY_CHANGE = (
    "dropping a column of 2D input shortens the sequences, which is valid: the "
    "sequence length may differ between fit and transform"
)

LIST_STAYS_LIST = (
    "a list of sequences is returned as a list of arrays (the form of the input), "
    "not as one array"
)


def expected_failed_checks(estimator):
    failures = {
        "check_n_features_in": TWO_D_IS_UNIVARIATE,
        "check_n_features_in_after_fitting": TWO_D_IS_UNIVARIATE,
        "check_transformer_general": LENGTH_MAY_CHANGE,
    }
    if isinstance(estimator, SequenceScaler):
        failures["check_transformer_data_not_an_array"] = LIST_STAYS_LIST
    return failures


# TextSequenceVectorizer takes raw text, not numeric arrays, so the common checks
# do not apply to it (scikit-learn skips its own CountVectorizer there too).
@parametrize_with_checks(
    [SequenceScaler(), SequenceScaler(mask_value=-1.0), SequencePadder()],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


@pytest.fixture
def ragged():
    rng = np.random.default_rng(0)
    return [rng.normal(3.0, 2.0, size=(n, 2)).astype(np.float32) for n in (4, 7, 5)]


# ------------------------------------------------------------------ SequenceScaler
def test_scaler_matches_standard_scaler_over_all_timesteps():
    X = np.random.default_rng(0).normal(5.0, 3.0, size=(10, 6, 3))
    scaler = SequenceScaler().fit(X)
    reference = StandardScaler().fit(X.reshape(-1, 3))
    np.testing.assert_allclose(scaler.mean_, reference.mean_, rtol=1e-6)
    np.testing.assert_allclose(scaler.scale_, reference.scale_, rtol=1e-5)
    Xt = scaler.transform(X)
    assert Xt.shape == X.shape and Xt.dtype == np.float32
    np.testing.assert_allclose(
        Xt.reshape(-1, 3), reference.transform(X.reshape(-1, 3)), atol=1e-5
    )
    assert scaler.n_features_in_ == 3


def test_scaler_list_in_list_out(ragged):
    scaler = SequenceScaler().fit(ragged)
    Xt = scaler.transform(ragged)
    assert isinstance(Xt, list)
    assert [seq.shape for seq in Xt] == [seq.shape for seq in ragged]
    steps = np.concatenate(Xt)
    np.testing.assert_allclose(steps.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(steps.std(axis=0), 1.0, atol=1e-5)


def test_scaler_keeps_forms_2d_and_list_of_1d():
    X2d = np.arange(12.0).reshape(3, 4)
    assert SequenceScaler().fit_transform(X2d).shape == (3, 4)
    X1d = [np.arange(3.0), np.arange(5.0)]
    out = SequenceScaler().fit_transform(X1d)
    assert isinstance(out, list) and [seq.shape for seq in out] == [(3,), (5,)]
    equal_lengths = [np.ones((4, 2)), np.zeros((4, 2))]
    assert isinstance(SequenceScaler().fit_transform(equal_lengths), list)


def test_scaler_accepts_array_likes_that_are_not_lists():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.arange(12.0).reshape(3, 4))
    out = SequenceScaler().fit_transform(frame)
    assert isinstance(out, np.ndarray) and out.shape == (3, 4)


def test_scaler_inverse_transform_round_trip(ragged):
    scaler = SequenceScaler().fit(ragged)
    back = scaler.inverse_transform(scaler.transform(ragged))
    for original, restored in zip(ragged, back, strict=True):
        np.testing.assert_allclose(restored, original, rtol=1e-5, atol=1e-5)


def test_scaler_ignores_masked_steps_and_leaves_them_unchanged(ragged):
    padded = np.full((3, 7, 2), -99.0, dtype=np.float32)
    for i, seq in enumerate(ragged):
        padded[i, : len(seq)] = seq
    masked = SequenceScaler(mask_value=-99.0).fit(padded)
    unpadded = SequenceScaler().fit(ragged)
    np.testing.assert_allclose(masked.mean_, unpadded.mean_, rtol=1e-6)
    np.testing.assert_allclose(masked.scale_, unpadded.scale_, rtol=1e-6)
    assert masked.n_steps_seen_ == 16
    Xt = masked.transform(padded)
    np.testing.assert_array_equal(Xt[0, 4:], -99.0)
    np.testing.assert_allclose(Xt[0, :4], unpadded.transform(ragged)[0], rtol=1e-6)
    np.testing.assert_array_equal(masked.inverse_transform(Xt)[0, 4:], -99.0)


def test_scaler_step_is_masked_only_when_all_features_equal_mask_value():
    X = np.array([[[0.0, 1.0], [0.0, 0.0], [2.0, 3.0]]])
    scaler = SequenceScaler(mask_value=0.0).fit(X)
    assert scaler.n_steps_seen_ == 2
    np.testing.assert_allclose(scaler.mean_, [1.0, 2.0])


def test_scaler_keeps_small_differences_on_large_values():
    # The scaler cast to float32 before computing its statistics: on float64 data
    # with a large offset (timestamps, coordinates) every value became the mean, 0.
    rng = np.random.default_rng(0)
    X = 1e6 + 0.01 * rng.normal(size=(3, 5, 1))
    expected = StandardScaler().fit_transform(X.reshape(-1, 1)).reshape(X.shape)
    np.testing.assert_allclose(SequenceScaler().fit_transform(X), expected, rtol=1e-5)
    per_sequence = SequenceScaler(per_sequence=True).fit_transform(X[..., 0])
    np.testing.assert_allclose(
        per_sequence, (X[..., 0] - X[..., 0].mean(axis=1, keepdims=True))
        / X[..., 0].std(axis=1, keepdims=True), rtol=1e-5)
    huge = SequenceScaler().fit(X * 1e39)  # beyond float32 before scaling, not after
    np.testing.assert_allclose(huge.transform(X * 1e39), expected, rtol=1e-4)


@pytest.mark.parametrize("per_sequence", [False, True])
def test_scaler_ignores_mask_value_steps_in_lists_of_sequences(per_sequence):
    # A list's sequences padded with mask_value: per_sequence=True counted the
    # padding in each sequence's statistics and scaled it.
    a = np.array([[1.0], [2.0], [3.0], [-1.0], [-1.0]])
    b = np.arange(1.0, 6.0)[:, np.newaxis]
    scaler = SequenceScaler(per_sequence=per_sequence, mask_value=-1.0)
    out = scaler.fit_transform([a, b])
    np.testing.assert_array_equal(out[0][3:], -1.0)
    expected = SequenceScaler(per_sequence=per_sequence).fit(
        [a[:3], b]).transform([a[:3], b])[0]
    np.testing.assert_allclose(out[0][:3], expected, rtol=1e-6)
    if per_sequence:  # a sequence's output does not depend on the others
        np.testing.assert_array_equal(scaler.transform([a, np.ones((2, 1))])[0], out[0])


def test_scaler_warns_when_steps_become_the_mask_value():
    X = np.array([[1.0, 2.0, 3.0, 0.0], [3.0, 2.0, 1.0, 0.0]])  # 0.0 pads
    scaler = SequenceScaler(per_sequence=True, mask_value=0.0)
    with pytest.warns(UserWarning, match="2 timestep.* equal mask_value=0.0 once scaled"):
        scaler.fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SequenceScaler(per_sequence=True, mask_value=-99.0).fit_transform(
            np.where(X == 0.0, -99.0, X))


def test_scaler_all_steps_masked_raises():
    with pytest.raises(ValueError, match="Every timestep of X equals mask_value=0.0"):
        SequenceScaler(mask_value=0.0).fit(np.zeros((2, 3, 1)))


def test_scaler_zero_variance_feature_gets_scale_one():
    X = np.stack([np.ones((5, 4)), np.full((5, 4), 2.0)], axis=-1)
    scaler = SequenceScaler().fit(X)
    np.testing.assert_allclose(scaler.scale_, [1.0, 1.0])
    np.testing.assert_allclose(scaler.transform(X), 0.0)


def test_scaler_without_mean_or_std():
    X = np.random.default_rng(0).normal(4.0, 2.0, size=(5, 6, 1))
    no_mean = SequenceScaler(with_mean=False).fit(X)
    np.testing.assert_allclose(no_mean.transform(X), X / no_mean.scale_, rtol=1e-5)
    no_std = SequenceScaler(with_std=False).fit(X)
    assert no_std.scale_ is None
    np.testing.assert_allclose(no_std.transform(X), X - no_std.mean_, rtol=1e-5)


def test_scaler_does_not_modify_input():
    X = np.random.default_rng(0).normal(size=(4, 5, 2)).astype(np.float32)
    original = X.copy()
    scaler = SequenceScaler(with_mean=False, with_std=False).fit(X)
    Xt = scaler.transform(X)
    Xt += 1
    np.testing.assert_array_equal(X, original)


def test_scaler_transform_checks_feature_count():
    scaler = SequenceScaler().fit(np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match="X has 3 features per timestep, but "
                                         "SequenceScaler was fitted with 2"):
        scaler.transform(np.zeros((2, 3, 3)))


def test_scaler_not_fitted():
    with pytest.raises(NotFittedError):
        SequenceScaler().transform(np.zeros((2, 3, 2)))


# ------------------------------------------------------------------ SequencePadder
def test_padder_ragged_to_3d(ragged):
    padder = SequencePadder(value=-1.0).fit(ragged)
    assert padder.maxlen_ == 7 and padder.n_features_in_ == 2
    Xt = padder.transform(ragged)
    assert Xt.shape == (3, 7, 2) and Xt.dtype == np.float32
    np.testing.assert_array_equal(Xt[0, :4], ragged[0])
    np.testing.assert_array_equal(Xt[0, 4:], -1.0)


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("post", "post", [[1, 2, 0], [3, 4, 5]]),
        ("pre", "post", [[0, 1, 2], [3, 4, 5]]),
        ("post", "pre", [[1, 2, 0], [4, 5, 6]]),
        ("pre", "pre", [[0, 1, 2], [4, 5, 6]]),
    ],
)
def test_padder_padding_and_truncating(padding, truncating, expected):
    X = [np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0, 6.0])]
    padder = SequencePadder(maxlen=3, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(padder.fit_transform(X)[..., 0], expected)


def test_padder_truncates_sequences_longer_than_seen_in_fit():
    padder = SequencePadder().fit([np.ones(3), np.ones(2)])
    assert padder.transform([np.arange(6.0)]).shape == (1, 3, 1)


def test_padder_accepts_dense_arrays():
    X = np.random.default_rng(0).normal(size=(4, 5, 2))
    Xt = SequencePadder(maxlen=8).fit_transform(X)
    assert Xt.shape == (4, 8, 2)
    np.testing.assert_allclose(Xt[:, :5], X.astype(np.float32))
    assert SequencePadder().fit_transform(X[..., 0]).shape == (4, 5, 1)


def test_padder_in_pipeline_with_scaler(ragged):
    pipe = make_pipeline(SequenceScaler(), SequencePadder(value=0.0))
    assert pipe.fit_transform(ragged).shape == (3, 7, 2)


# ------------------------------------------------------------ invalid sequences
@pytest.mark.parametrize("transformer", [SequenceScaler(), SequencePadder()])
@pytest.mark.parametrize(
    "X, match",
    [
        ([np.ones((3, 2)), np.ones((4, 3))], "same number of features"),
        ([np.ones((3, 2)), np.ones((0, 2))], r"X\[1\] is an empty sequence"),
        (np.array([["a", "b"], ["c", "d"]]), "contains strings"),
        ([["1.0", "x"], ["2.0"]], "contains strings"),
        (np.array([[1.0, np.nan]]), "NaN"),
        (np.ones(3), "must have 2 or 3 dimensions"),
    ],
)
def test_invalid_sequences_raise_value_error(transformer, X, match):
    with pytest.raises(ValueError, match=match):
        clone(transformer).fit(X)


@pytest.mark.parametrize(
    "transformer, param",
    [
        (SequenceScaler(mask_value="pad"), "mask_value"),
        (SequenceScaler(mask_value=np.nan), "mask_value"),
        (SequenceScaler(mask_value=1e39), "mask_value"),  # inf in float32
        (SequencePadder(value=np.nan), "value"),
        (SequencePadder(value=1e300), "value"),
        (SequencePadder(maxlen=0), "maxlen"),
        (SequencePadder(padding="middle"), "padding"),
        (TextSequenceVectorizer(max_features=0), "max_features"),
    ],
)
def test_invalid_parameters_name_the_parameter(transformer, param):
    with pytest.raises(ValueError, match=f"'{param}' parameter"):
        transformer.fit(np.ones((2, 3)) if param != "max_features" else ["a b"])


# ---------------------------------------------------------- TextSequenceVectorizer
CORPUS = ["The cat sat on the mat.", "The dog sat.", "A cat, a dog!", ""]


def test_vectorizer_vocabulary_by_frequency_ties_alphabetical():
    vectorizer = TextSequenceVectorizer().fit(CORPUS)
    assert vectorizer.vocabulary_ == {
        "the": 2, "cat": 3, "dog": 4, "sat": 5, "mat": 6, "on": 7,
    }
    assert vectorizer.vocab_size_ == 8
    assert vectorizer.maxlen_ == 6


def test_vectorizer_transform_ids_unknown_and_padding():
    vectorizer = TextSequenceVectorizer().fit(CORPUS)
    ids = vectorizer.transform(["the bird sat", "", "!!"])
    assert ids.dtype == np.int32 and ids.shape == (3, 6)
    np.testing.assert_array_equal(ids[0], [2, 1, 5, 0, 0, 0])
    np.testing.assert_array_equal(ids[1:], 0)


def test_vectorizer_max_features_maxlen_and_pre_padding():
    vectorizer = TextSequenceVectorizer(
        max_features=2, maxlen=4, padding="pre", truncating="pre"
    ).fit(CORPUS)
    assert vectorizer.vocabulary_ == {"the": 2, "cat": 3}
    ids = vectorizer.transform(["the cat sat on the mat", "cat"])
    np.testing.assert_array_equal(ids, [[1, 1, 2, 1], [0, 0, 0, 3]])


def test_vectorizer_lowercase_and_token_pattern():
    vectorizer = TextSequenceVectorizer(lowercase=False, token_pattern=r"\S+").fit(
        ["A a b", "a"]
    )
    assert vectorizer.vocabulary_ == {"a": 2, "A": 3, "b": 4}
    grouped = TextSequenceVectorizer(token_pattern=r"#(\w+)").fit(["#x y #z #x"])
    assert grouped.vocabulary_ == {"x": 2, "z": 3}


@pytest.mark.parametrize(
    "X, match",
    [
        (["fine", 3], r"X\[1\] is int"),
        (["fine", None], r"X\[1\] is NoneType"),
        ("a single string", "got a single string"),
        ([], "0 documents"),
        (["", "!!"], "Empty vocabulary"),
    ],
)
def test_vectorizer_invalid_documents(X, match):
    with pytest.raises(ValueError, match=match):
        TextSequenceVectorizer().fit(X)


@pytest.mark.parametrize("pattern, match", [(r"(a)(b)", "2 capturing groups"),
                                            (r"(", "not a valid regular expression")])
def test_vectorizer_invalid_token_pattern(pattern, match):
    with pytest.raises(ValueError, match=match):
        TextSequenceVectorizer(token_pattern=pattern).fit(["ab"])


def test_vectorizer_reads_a_generator_once_in_fit_transform_and_pipelines():
    from sklearn.linear_model import LogisticRegression

    docs = ["red apple", "green apple", "red cherry", "green pear"] * 3
    y = [0, 1, 0, 1] * 3
    ids = TextSequenceVectorizer().fit_transform(doc for doc in docs)
    np.testing.assert_array_equal(ids, TextSequenceVectorizer().fit(docs).transform(docs))
    pipe = make_pipeline(TextSequenceVectorizer(), LogisticRegression())
    assert list(pipe.fit((doc for doc in docs), y).predict(docs)) == y


def test_vectorizer_not_fitted():
    with pytest.raises(NotFittedError):
        TextSequenceVectorizer().transform(["text"])
