"""The classifier together with the data modules: augmentation during training,
text pipelines, resampling pipelines, and learning on synthetic and real data."""

import numpy as np
import pytest
from conftest import ONE_DIRECTION
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor
from sklearn_rnn._parameters import AUTO_AUGMENTATION, AUTO_AUGMENTATION_WITH_DIFFERENCES
from sklearn_rnn.augmentation import SequenceAugmenter
from sklearn_rnn.datasets import make_sequence_classification
from sklearn_rnn.preprocessing import SequenceScaler, TextSequenceVectorizer
from sklearn_rnn.resampling import SequenceOverSampler


class CountingAugmenter(SequenceAugmenter):
    calls = 0

    def augment(self, X, lengths=None, rng=None):
        type(self).calls += 1
        type(self).last_lengths = np.asarray(lengths)
        return super().augment(X, lengths, rng)


def test_augmentation_applies_to_training_batches_only(data3d):
    X, y = data3d
    CountingAugmenter.calls = 0
    clf = RNNSequenceClassifier(**ONE_DIRECTION,
        units=3, epochs=2, batch_size=16, random_state=0,
        augmentation=CountingAugmenter(jitter=0.1, time_shift=1, p=1.0),
    ).fit(X, y)
    # Every batch of every epoch (Keras may also draw a batch to learn its shape).
    assert CountingAugmenter.calls >= 2 * 3
    calls = CountingAugmenter.calls
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    assert CountingAugmenter.calls == calls


def test_augmentation_is_reproducible_and_changes_training(data3d):
    X, y = data3d

    def fitted(augmentation):
        return RNNSequenceClassifier(**ONE_DIRECTION,
            units=3, epochs=2, random_state=0, augmentation=augmentation
        ).fit(X, y).predict_proba(X)

    augmenter = SequenceAugmenter(jitter=0.3, p=1.0)
    np.testing.assert_array_equal(fitted(augmenter), fitted(augmenter))
    assert not np.allclose(fitted(augmenter), fitted(None))


def test_augmentation_sees_true_lengths_of_masked_sequences():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in [3, 5, 7, 4] * 4]
    y = np.arange(16) % 2
    CountingAugmenter.calls = 0
    RNNSequenceClassifier(**ONE_DIRECTION, units=2, epochs=1, batch_size=16, shuffle=False,
                          augmentation=CountingAugmenter(jitter=0.1)).fit(X, y)
    np.testing.assert_array_equal(CountingAugmenter.last_lengths, [3, 5, 7, 4] * 4)


def test_auto_augmentation_resolves_by_input_and_task(data3d):
    X, y = data3d
    clf = RNNSequenceClassifier(**ONE_DIRECTION, units=2, epochs=1, random_state=0)
    assert clf.get_params()["augmentation"] == "auto"
    augmenter = clf.fit(X, y).augmentation_
    assert isinstance(augmenter, SequenceAugmenter)
    assert clf.differences_ is True  # float sequences: the changes, so no noise
    assert augmenter.get_params() == SequenceAugmenter(
        **AUTO_AUGMENTATION_WITH_DIFFERENCES).get_params()
    # The default augments: it trains differently from no augmentation.
    plain = clone(clf).set_params(augmentation=None).fit(X, y)
    assert plain.augmentation_ is None
    assert not np.allclose(clf.predict_proba(X), plain.predict_proba(X))
    # Token ids are not augmented, and "auto" is not an error there.
    tokens = RNNSequenceClassifier(embedding_dim=2, units=2, epochs=1).fit(
        [[1, 2], [3, 4, 2], [2, 1], [4]], [0, 1, 0, 1])
    assert tokens.augmentation_ is None
    regressor = RNNSequenceRegressor(**ONE_DIRECTION, units=2, epochs=1).fit(
        X, y.astype(float))
    # With the changes appended, "auto" drops the noise they would amplify.
    for differences, expected in ((True, AUTO_AUGMENTATION_WITH_DIFFERENCES),
                                  (False, AUTO_AUGMENTATION)):
        fitted = clone(clf).set_params(differences=differences).fit(X, y)
        assert fitted.augmentation_.get_params() == (
            SequenceAugmenter(**expected).get_params())
    assert AUTO_AUGMENTATION_WITH_DIFFERENCES["jitter"] == 0
    assert regressor.get_params()["augmentation"] is None
    assert regressor.augmentation_ is None
    assert RNNSequenceRegressor(augmentation="auto", **ONE_DIRECTION, units=2,
                                epochs=1).fit(X, y.astype(float)).augmentation_ is not None


def test_augmentation_with_token_input_is_rejected():
    with pytest.raises(ValueError, match="augmentation.*token input"):
        RNNSequenceClassifier(embedding_dim=4, augmentation=SequenceAugmenter()).fit(
            [[1, 2], [3, 4]], [0, 1]
        )


TEXTS_POSITIVE = ["great film loved it", "wonderful acting and a great story",
                  "loved the music", "a wonderful happy ending", "great fun"]
TEXTS_NEGATIVE = ["boring film hated it", "terrible acting and a dull story",
                  "hated the music", "a terrible sad ending", "dull mess"]


def text_task(n_repeats=8):
    texts = (TEXTS_POSITIVE + TEXTS_NEGATIVE) * n_repeats
    labels = (["pos"] * 5 + ["neg"] * 5) * n_repeats
    return texts, np.array(labels)


def text_pipeline(**params):
    return make_pipeline(
        TextSequenceVectorizer(),
        RNNSequenceClassifier(**ONE_DIRECTION, embedding_dim=8, units=8, random_state=0, **params),
    )


def test_text_pipeline_learns_a_small_text_task():
    texts, labels = text_task()
    pipe = text_pipeline(epochs=15, learning_rate=0.02, embedding_l2=1e-5,
                         spatial_dropout=0.1).fit(texts, labels)
    assert pipe.score(["loved this great story", "hated this dull story"],
                      ["pos", "neg"]) == 1.0
    assert pipe.score(texts, labels) >= 0.95


def test_empty_documents_train_and_get_one_prediction_that_is_not_certain():
    # An empty document is a row of padding tokens. Pooled over no step it read
    # -1e30: probabilities of exactly 0 and 1, and a fit that diverged (seed 3).
    texts, labels = text_task(n_repeats=1)
    pipe = make_pipeline(TextSequenceVectorizer(), RNNSequenceClassifier(
        embedding_dim=4, units=4, epochs=1, random_state=3))
    pipe.fit([*texts, "!!!"], [*labels, "pos"])
    proba = pipe.predict_proba(["", "!!!", "great film"])
    assert np.all((proba > 0) & (proba < 1))
    np.testing.assert_array_equal(proba[0], proba[1])


def test_text_pipeline_in_grid_search():
    texts, labels = text_task(n_repeats=2)
    search = GridSearchCV(
        text_pipeline(epochs=1), {"rnnsequenceclassifier__cell_type": ["lstm", "gru"]},
        cv=2,
    ).fit(texts, labels)
    assert search.best_estimator_.predict(["great"]).shape == (1,)


def test_imblearn_pipeline_resamples_during_fit_only():
    from imblearn.pipeline import make_pipeline as make_imb_pipeline

    X, y = make_sequence_classification(
        n_samples=60, n_timesteps=10, n_features=2, weights=[0.85, 0.15], random_state=0
    )
    pipe = make_imb_pipeline(
        SequenceOverSampler(method="interpolate", random_state=0),
        RNNSequenceClassifier(**ONE_DIRECTION, units=3, epochs=1, random_state=0),
    ).fit(X, y)
    assert pipe.predict(X).shape == (60,)


def order_blind_features(X):
    return np.concatenate([X.mean(1), X.std(1), X.min(1), X.max(1)], axis=1)


@pytest.mark.slow
def test_rnn_beats_an_order_blind_model():
    X, y = make_sequence_classification(n_samples=300, n_timesteps=30, n_features=3,
                                        n_classes=3, random_state=0)
    X_test, y_test = make_sequence_classification(
        n_samples=200, n_timesteps=30, n_features=3, n_classes=3, random_state=1
    )
    blind = RandomForestClassifier(random_state=0).fit(order_blind_features(X), y)
    blind_score = blind.score(order_blind_features(X_test), y_test)
    rnn = RNNSequenceClassifier(units=16, epochs=20, learning_rate=0.005, random_state=0)
    rnn_score = rnn.fit(X, y).score(X_test, y_test)
    assert rnn_score >= 0.9 and rnn_score > blind_score + 0.3, (rnn_score, blind_score)


@pytest.mark.slow
def test_front_end_learns_long_variable_length_sequences():
    # 120 steps read by the recurrent layer as 30 (strides 2, 2).
    X, y = make_sequence_classification(n_samples=400, n_timesteps=120, n_features=1,
                                        n_classes=3, variable_length=True, random_state=0)
    clf = RNNSequenceClassifier(
        units=16, conv_filters=(16, 16), conv_kernel_size=(7, 5), conv_stride=(2, 2),
        epochs=20, batch_size="auto", lr_schedule="plateau", random_state=0)
    pipe = make_pipeline(SequenceScaler(), clf).fit(X[:300], y[:300])
    assert pipe.score(X[300:], y[300:]) >= 0.9


@pytest.mark.slow
def test_variable_length_synthetic_data_through_scaler():
    X, y = make_sequence_classification(n_samples=240, n_timesteps=30, n_features=3,
                                        variable_length=True, random_state=0)
    pipe = make_pipeline(SequenceScaler(), RNNSequenceClassifier(
        units=16, epochs=20, learning_rate=0.005, random_state=0))
    pipe.fit(X[:180], y[:180])
    assert pipe.score(X[180:], y[180:]) >= 0.9


def load_japanese_vowels(split):
    from aeon.datasets import load_classification

    X, y = load_classification("JapaneseVowels", split=split)
    return [np.asarray(x, dtype=np.float32).T for x in X], y  # (length, 12 channels)


JAPANESE_VOWELS_SETTINGS = dict(units=64, epochs=60, learning_rate=3e-3, random_state=0)


@pytest.mark.slow
def test_japanese_vowels_official_split():
    pytest.importorskip("aeon")
    X_train, y_train = load_japanese_vowels("train")
    X_test, y_test = load_japanese_vowels("test")
    assert len({len(x) for x in X_train}) > 1  # variable length, used as is
    pipe = make_pipeline(SequenceScaler(), RNNSequenceClassifier(**JAPANESE_VOWELS_SETTINGS))
    accuracy = pipe.fit(X_train, y_train).score(X_test, y_test)
    assert accuracy >= 0.95, accuracy
