"""Property-based tests (hypothesis) of every public entry point on generated input.

The property: a call either works and returns output of the documented shape and
dtype, or raises ``ValueError`` / ``TypeError`` whose message names what is wrong,
before any training or prediction starts; it never crashes, hangs, lets a Keras
error through, or changes an estimator that was already fitted.

Examples are derandomized (the same ones on every run) and bounded, so the module
takes about a minute. A failure hypothesis found is kept below as an ordinary
regression test.
"""

import numpy as np
import pytest
from conftest import ONE_DIRECTION, ordered_sequences

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import sklearn_rnn._inputs  # noqa: E402
from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor  # noqa: E402
from sklearn_rnn._base import BaseRNNSequenceEstimator  # noqa: E402
from sklearn_rnn.augmentation import SequenceAugmenter  # noqa: E402
from sklearn_rnn.preprocessing import (  # noqa: E402
    FromChannelsFirst,
    SequencePadder,
    SequenceScaler,
    TextSequenceVectorizer,
)
from sklearn_rnn.resampling import SequenceOverSampler, SequenceUnderSampler  # noqa: E402

# Generated sequences of one timestep are what the warning is for.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn_rnn.exceptions.ChannelsFirstWarning")

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
FUZZ_FITS = settings(FUZZ, max_examples=3)
"""Fewer examples where a valid input trains a network (about two seconds each),
after explicit ones that cover each form of input and each estimator."""

NAMES_THE_INPUT = ("X", "y", "sample_weight", "classes", "raw_documents", "token id",
                   "label")

# ----------------------------------------------------------------- strategies
ELEMENTS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(-1e3, 1e3), st.integers(-2**63, 2**63 - 1), st.integers(0, 20),
)
DTYPES = st.sampled_from(["float32", "float64", "int64", "int32", "bool", "uint8",
                          "complex64", "U3", "object"])


@st.composite
def arrays(draw, min_dims=0, max_dims=4):
    dtype = draw(DTYPES)
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0,
                                  max_side=5))
    if dtype == "U3":
        return draw(hnp.arrays(dtype, shape, elements=st.text(max_size=3)))
    if dtype == "object":
        values = draw(st.lists(st.one_of(st.none(), st.text(max_size=2), ELEMENTS),
                               min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        out = np.empty(int(np.prod(shape)), dtype=object)
        out[:] = values
        return out.reshape(shape)
    values = draw(hnp.arrays("float64", shape, elements=ELEMENTS.filter(
        lambda v: not isinstance(v, int) or abs(v) < 2**53)))
    with np.errstate(all="ignore"):
        return values.astype(dtype)


@st.composite
def sequence_lists(draw):
    """Lists of sequences: mixed shapes, empty ones, scalars, None, strings."""
    items = st.one_of(arrays(min_dims=1, max_dims=3), st.none(), st.text(max_size=3),
                      st.floats(), st.lists(st.floats(-5, 5), max_size=4))
    return draw(st.lists(items, min_size=0, max_size=5))


@st.composite
def valid_sequences(draw):
    """Well-formed X: 3D, 2D or ragged, with 2 features, finite and moderate."""
    n = draw(st.integers(4, 8))
    form = draw(st.sampled_from(["3d", "2d", "ragged"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if form == "3d":
        return rng.normal(size=(n, draw(st.integers(1, 6)), 2)).astype("float32")
    if form == "2d":
        return rng.normal(size=(n, draw(st.integers(1, 6))))
    return [rng.normal(size=(draw(st.integers(1, 6)), 2)) for _ in range(n)]


ANY_X = st.one_of(arrays(), sequence_lists(), valid_sequences(), st.none(),
                  st.text(max_size=5), st.floats(), st.integers())


@st.composite
def labels(draw, n):
    kind = draw(st.sampled_from(["int", "int", "int", "str", "float", "float", "mixed",
                                 "nan", "one class", "2d", "wrong length", "none"]))
    if kind == "int":
        return np.arange(n) % 2
    if kind == "str":
        return np.array(["a", "b"] * n)[:n]
    if kind == "mixed":
        return np.array([1, "a"] * n, dtype=object)[:n]
    if kind == "float":
        return np.linspace(0, 1, n)
    if kind == "nan":
        return np.r_[np.nan, np.arange(n - 1) % 2] if n else np.array([])
    if kind == "one class":
        return np.zeros(n)
    if kind == "2d":
        return np.zeros((n, 2))
    if kind == "wrong length":
        return np.arange(n + 1) % 2
    return None


@st.composite
def sample_weights(draw, n):
    return draw(st.one_of(
        st.none(), st.none(), st.none(), st.just(np.ones(n)), st.just(-np.ones(n)),
        st.just(np.ones(n + 1)), st.just(np.full(n, np.nan)), st.just(np.ones((n, 1))),
        st.just("heavy")))


# ------------------------------------------------------------------ helpers
def n_samples(X):
    try:
        return len(X)
    except TypeError:
        return 1


def assert_named_error(error):
    event(f"rejected: {type(error).__name__}")
    assert isinstance(error, (ValueError, TypeError)), repr(error)
    message = str(error)
    assert message and any(word in message for word in NAMES_THE_INPUT), message


@pytest.fixture
def keras_entries(monkeypatch):
    """Records entering training or prediction: a rejected call must not get there."""
    entered = []
    for name in ("_fit_keras_model", "_predict_network"):
        original = getattr(BaseRNNSequenceEstimator, name)

        def spy(self, *args, __original=original, __name=name, **kwargs):
            entered.append(__name)
            return __original(self, *args, **kwargs)

        monkeypatch.setattr(BaseRNNSequenceEstimator, name, spy)
    return entered


@pytest.fixture(scope="module")
def fitted():
    X, y = ordered_sequences(n_samples=24, n_timesteps=6)
    clf = RNNSequenceClassifier(units=2, epochs=1, random_state=0, **ONE_DIRECTION)
    reg = RNNSequenceRegressor(units=2, epochs=1, random_state=0, **ONE_DIRECTION)
    return clf.fit(X, y), reg.fit(X, y.astype(float)), X


# --------------------------------------------------------------- estimators
@FUZZ
@given(X=ANY_X)
def test_predict_on_anything(fitted, keras_entries, X):
    clf, reg, X_ref = fitted
    reference = clf.predict_proba(X_ref[:3]), reg.predict(X_ref[:3])
    for estimator, method in ((clf, "predict_proba"), (reg, "predict")):
        keras_entries.clear()
        try:
            out = getattr(estimator, method)(X)
        except (ValueError, TypeError) as error:
            assert_named_error(error)
            assert not keras_entries, f"{error!r} raised after prediction started"
        else:
            assert out.shape[0] == n_samples(X)
            assert np.isfinite(out).all()
            if method == "predict_proba":
                np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict_proba(X_ref[:3]), reference[0])
    np.testing.assert_array_equal(reg.predict(X_ref[:3]), reference[1])


@settings(FUZZ, max_examples=40)
@given(data=st.data(), estimator_class=st.sampled_from([RNNSequenceClassifier,
                                                        RNNSequenceRegressor]))
def test_fit_on_anything_never_corrupts_a_fitted_estimator(fitted, keras_entries, data,
                                                            estimator_class):
    clf, reg, X_ref = fitted
    estimator = clf if estimator_class is RNNSequenceClassifier else reg
    X = data.draw(ANY_X, label="X")
    n = n_samples(X)
    y = data.draw(labels(n), label="y")
    sample_weight = data.draw(sample_weights(n), label="sample_weight")
    before = estimator.predict(X_ref[:3])
    keras_entries.clear()
    candidate = estimator_class(**estimator.get_params())
    try:
        candidate.fit(X, y, sample_weight=sample_weight)
    except (ValueError, TypeError) as error:
        assert_named_error(error)
        assert not keras_entries, f"{error!r} raised after training started"
    else:
        event("fitted")
        assert candidate.predict(X).shape[0] == n
        return
    # The same rejected call on the fitted estimator leaves it as it was (only
    # rejected ones: a call that trains would change the shared estimator).
    estimator.set_params(warm_start=True)
    try:
        with pytest.raises((ValueError, TypeError)):
            estimator.fit(X, y, sample_weight=sample_weight)
    finally:
        estimator.set_params(warm_start=False)
    np.testing.assert_array_equal(estimator.predict(X_ref[:3]), before)


_RNG = np.random.default_rng(0)


@FUZZ_FITS
@example(X=_RNG.normal(size=(5, 3, 2)).astype("float32"), seed=0,
         estimator_class=RNNSequenceRegressor, weighted=True)
@example(X=[_RNG.normal(size=(n, 2)) for n in (1, 4, 2, 6)], seed=1,
         estimator_class=RNNSequenceClassifier, weighted=False)
@example(X=_RNG.normal(size=(6, 4)), seed=2, estimator_class=RNNSequenceClassifier,
         weighted=True)
@given(X=valid_sequences(), seed=st.integers(0, 2**16),
       estimator_class=st.sampled_from([RNNSequenceClassifier, RNNSequenceRegressor]),
       weighted=st.booleans())
def test_fit_on_well_formed_input_works(X, seed, estimator_class, weighted):
    event(f"{estimator_class.__name__}, {'ragged' if isinstance(X, list) else np.ndim(X)}")
    rng = np.random.default_rng(seed)
    n = len(X)
    y = np.arange(n) % 2 if estimator_class is RNNSequenceClassifier else rng.normal(size=n)
    sample_weight = rng.uniform(0.1, 2.0, size=n) if weighted else None
    estimator = estimator_class(units=2, epochs=1, random_state=0, **ONE_DIRECTION)
    out = estimator.fit(X, y, sample_weight=sample_weight).predict(X)
    assert out.shape == (n,) and estimator.n_features_in_ == (2 if isinstance(X, list)
                                                              or np.ndim(X) == 3 else 1)
    if estimator_class is RNNSequenceRegressor:
        assert np.isfinite(out).all()


@FUZZ
@given(ids=st.lists(st.lists(st.integers(-2**40, 2**40), min_size=0, max_size=4),
                    min_size=0, max_size=4))
def test_token_ids_of_any_size(keras_entries, monkeypatch, ids):
    # A small embedding cap: accepted examples build at most 4,096 weights.
    monkeypatch.setattr(sklearn_rnn._inputs, "MAX_EMBEDDING_WEIGHTS", 2**12)
    keras_entries.clear()
    clf = RNNSequenceClassifier(embedding_dim=2, units=2, epochs=1, **ONE_DIRECTION)
    y = np.arange(len(ids)) % 2
    try:
        clf.fit(ids, y)
    except (ValueError, TypeError) as error:
        assert_named_error(error)
        assert not keras_entries
    else:
        assert clf.vocab_size_ == max(2, max(max(seq) for seq in ids) + 1)
        assert clf.vocab_size_ * clf.embedding_dim <= 2**12


# ------------------------------------------------------------- transformers
TRANSFORMERS = [SequenceScaler(), SequenceScaler(mask_value=-1.0), SequencePadder(),
                SequencePadder(maxlen=3, padding="pre"), FromChannelsFirst()]


@FUZZ
@given(X=ANY_X, transformer=st.sampled_from(TRANSFORMERS))
def test_transformers_on_anything(X, transformer):
    from sklearn.base import clone

    transformer = clone(transformer)
    try:
        out = transformer.fit_transform(X)
    except (ValueError, TypeError) as error:
        assert_named_error(error)
        return
    converted = out if isinstance(out, list) else [np.asarray(out)]
    assert all(np.asarray(part).dtype == np.float32 for part in converted)
    assert len(out) == n_samples(X)


@FUZZ
@given(X=ANY_X)
def test_fitted_transformers_reject_without_changing(X):
    X_ref = np.random.default_rng(0).normal(size=(5, 4, 2))
    for transformer in (SequenceScaler().fit(X_ref), SequencePadder().fit(X_ref)):
        before = transformer.transform(X_ref)
        try:
            transformer.transform(X)
        except (ValueError, TypeError) as error:
            assert_named_error(error)
        np.testing.assert_array_equal(transformer.transform(X_ref), before)


@FUZZ
@given(docs=st.one_of(
    st.lists(st.one_of(st.text(max_size=8), st.none(), st.integers(), st.binary(max_size=3)),
             max_size=4),
    st.text(max_size=5), st.none(), arrays(max_dims=2)))
def test_text_vectorizer_on_anything(docs):
    vectorizer = TextSequenceVectorizer(maxlen=4)
    try:
        out = vectorizer.fit_transform(docs)
    except (ValueError, TypeError) as error:
        assert_named_error(error)
        return
    assert out.shape == (len(docs), 4) and out.dtype.kind == "i"


@FUZZ
@given(X=ANY_X, p=st.floats(0, 1))
def test_augmenter_on_anything(X, p):
    augmenter = SequenceAugmenter(jitter=0.1, scaling=0.1, time_shift=1, p=p,
                                  random_state=0)
    try:
        out = augmenter.augment(X)
    except (ValueError, TypeError) as error:
        assert_named_error(error)
        return
    assert np.shape(out) == np.shape(X) and np.isfinite(out).all()


@FUZZ
@given(data=st.data(), sampler=st.sampled_from([SequenceOverSampler(random_state=0),
                                                 SequenceUnderSampler(random_state=0),
                                                 SequenceOverSampler(method="jitter",
                                                                     random_state=0)]))
def test_samplers_on_anything(data, sampler):
    X = data.draw(ANY_X, label="X")
    y = data.draw(labels(n_samples(X)), label="y")
    try:
        X_out, y_out = sampler.fit_resample(X, y)
    except (ValueError, TypeError) as error:
        assert_named_error(error)
        return
    assert len(X_out) == len(y_out)


# ------------------------------------------- failures found, kept as tests
def test_token_ids_beyond_int32_are_rejected_not_wrapped():
    # Cast to int32, 2**40 wrapped to 0: every token became padding, vocab_size_ 2.
    clf = RNNSequenceClassifier(embedding_dim=4, units=2, epochs=1)
    with pytest.raises(ValueError, match=r"token id 1099511627776, beyond the largest"):
        clf.fit([[2**40, 3], [5, 2**40]], [0, 1])


def test_token_ids_needing_a_huge_embedding_are_rejected():
    # Found as an out-of-memory crash: an embedding of 2**31 - 1 rows.
    clf = RNNSequenceClassifier(embedding_dim=2, units=2, epochs=1)
    with pytest.raises(ValueError, match=r"embedding of 2147483647 token ids .*"
                                         r"np\.unique"):
        clf.fit([[2**31 - 2, 3], [5, 1]], [0, 1])


def test_float64_beyond_float32_range_is_named():
    X = np.full((2, 3, 1), 1e300)
    with pytest.raises(ValueError, match="beyond the float32 range"):
        RNNSequenceClassifier(epochs=1).fit(X, [0, 1])

