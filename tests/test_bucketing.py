"""Length-bucketed training batches for variable-length sequences (``_training``)."""

import keras
import numpy as np
import pytest
from conftest import ONE_DIRECTION, TINY_NETWORK

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor
from sklearn_rnn._network import build_network
from sklearn_rnn._training import (
    SequenceBatches,
    bucket_length,
    target_share_in_length_batches,
)

PAD = -1e9


def test_bucket_lengths_are_exact_on_the_graph_and_a_small_set_compiled():
    assert [bucket_length(n, compiled=False) for n in (1, 7, 300)] == [1, 7, 300]
    assert [bucket_length(n, compiled=True) for n in (3, 5, 6, 7, 9, 13, 300, 385)] == [
        3, 6, 6, 8, 12, 16, 384, 512]
    shapes = {bucket_length(n, compiled=True) for n in range(50, 1001)}
    assert shapes == {64, 96, 128, 192, 256, 384, 512, 768, 1024}
    assert all(n <= bucket_length(n, True) < 1.5 * n + 1 for n in range(5, 2000))


def padded(lengths, n_features=2, seed=0):
    rng = np.random.default_rng(seed)
    X = np.full((len(lengths), max(lengths), n_features), PAD, dtype="float32")
    for i, length in enumerate(lengths):
        X[i, :length] = rng.normal(size=(length, n_features))
    return X


def test_batches_hold_similar_lengths_padded_to_their_own():
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 200, size=100)
    X, y = padded(lengths), np.arange(100) % 2
    batches = SequenceBatches(X, y, None, lengths, batch_size=10, shuffle=True, seed=0,
                              bucketed=True)
    seen, widths = [], []
    for _epoch in range(2):
        drawn = [batches[i] for i in range(len(batches))]
        order = np.concatenate(batches.batches)
        assert sorted(order) == list(range(100))  # every sequence once per epoch
        seen.append([tuple(b) for b in batches.batches])
        for (xb, _), idx in zip(drawn, batches.batches, strict=True):
            assert xb.shape[1] == lengths[idx].max()  # its own longest sequence
            widths.append(xb.shape[1])
        batches.on_epoch_end()
    assert seen[0] != seen[1]  # reshuffled every epoch
    # Sorted by length: padding is a small fraction, against pad-to-longest.
    assert batches.padded_steps() < 0.6 * 100 * lengths.max()
    assert len(set(widths)) > 5


def test_compiled_batches_take_few_shapes_and_no_sequence_is_cut():
    lengths = np.random.default_rng(1).integers(50, 1001, size=300)
    batches = SequenceBatches(padded(lengths, 1), np.zeros(300), None, lengths,
                              batch_size=32, shuffle=True, seed=0, bucketed=True,
                              compiled=True)
    shapes = {batches[i][0].shape for i in range(len(batches))}
    assert len({s[1] for s in shapes}) <= 9 and len({s[0] for s in shapes}) == 2
    for i, idx in enumerate(batches.batches):
        assert batches[i][0].shape[1] >= lengths[idx].max()


@pytest.mark.parametrize("cell_type, conv_filters", [
    ("lstm", None), ("gru", None), ("lstm", (3, 2)),
])
def test_a_batch_trains_the_same_however_much_it_is_padded(cell_type, conv_filters):
    # One training step on the same two sequences, padded to 6 or to 15 steps,
    # leaves identical weights: loss and gradients ignore the padding (with the
    # front-end: its batch statistics too).
    params = dict(TINY_NETWORK, cell_type=cell_type, bidirectional=True,
                  conv_filters=conv_filters, conv_kernel_size=3, conv_stride=(2, 1))
    meta = dict(n_features=2, n_outputs=2, vocab_size=None, mask_value=PAD,
                pool_in_loop=True)
    X = padded([4, 6], seed=3)
    weights = []
    for width in (6, 15):
        keras.utils.set_random_seed(0)
        model = build_network(params, meta)
        model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy")
        Xw = np.full((2, width, 2), PAD, dtype="float32")
        Xw[:, :6] = X
        model.train_on_batch(Xw, np.array([0, 1]))
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_variable_length_fit_trains_in_buckets_and_matches_pad_to_longest(monkeypatch):
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 40, size=64)
    X = [rng.normal(size=(n, 2)).astype("float32") for n in lengths]
    y = (lengths > 20).astype(int)
    widths = []
    getitem = SequenceBatches.__getitem__

    def record(self, index):
        batch = getitem(self, index)
        widths.append(batch[0].shape[1])
        return batch

    monkeypatch.setattr(SequenceBatches, "__getitem__", record)
    clf = RNNSequenceClassifier(units=3, epochs=2, batch_size=8, random_state=0,
                                length_buckets=True, jit_compile=False,
                                **ONE_DIRECTION).fit(X, y)
    assert widths and max(widths) == lengths.max() and min(widths) < lengths.max() / 2
    # shuffle=False sees the same batches whatever the padding: bucketed training
    # ends where padding every batch to the longest sequence would.
    unshuffled = dict(units=3, epochs=2, batch_size=8, random_state=0, shuffle=False,
                      length_buckets=True, jit_compile=False, **ONE_DIRECTION)
    bucketed = RNNSequenceClassifier(**unshuffled).fit(X, y)
    monkeypatch.setattr(SequenceBatches, "_width", lambda self, batch: self.X.shape[1])
    longest = RNNSequenceClassifier(**unshuffled).fit(X, y)
    np.testing.assert_allclose(bucketed.predict_proba(X), longest.predict_proba(X),
                               rtol=0, atol=1e-5)
    assert clf.n_iter_ == 2


def test_bucketed_training_reports_like_fit(capsys):
    rng = np.random.default_rng(2)
    lengths = rng.integers(3, 30, size=60)
    X = [rng.normal(size=(n, 2)).astype("float32") for n in lengths]
    y = (lengths > 15).astype(int)
    clf = RNNSequenceClassifier(units=3, epochs=3, batch_size=8, random_state=0,
                                early_stopping=True, validation_fraction=0.2,
                                n_iter_no_change=1, tol=10.0, verbose=2,
                                jit_compile=False, **ONE_DIRECTION).fit(X, y)
    # tol=10: no epoch improves on the first by that much, so patience 1 stops at 2.
    assert clf.n_iter_ == 2 and clf.best_epoch_ == 1
    assert set(clf.history_) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(v) == 2 for v in clf.history_.values())
    assert 0 <= min(clf.history_["accuracy"]) <= max(clf.history_["accuracy"]) <= 1
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 2 and "val_loss" in out


def test_bucketed_early_stopping_with_sample_weights_and_all_padding_rows():
    # Found in review: the validation set with weights was passed to evaluate
    # positionally, and a batch of rows that are all padding had width 0.
    rng = np.random.default_rng(3)
    lengths = rng.integers(2, 12, size=40)
    X = padded(lengths)
    X[:8] = PAD  # eight rows of padding only: length 0, sorted into one batch
    y = np.arange(40) % 2
    clf = RNNSequenceClassifier(units=2, epochs=2, batch_size=8, random_state=0,
                                mask_value=PAD, early_stopping=True,
                                validation_fraction=0.25, class_weight="balanced",
                                jit_compile=False, **ONE_DIRECTION)
    clf.fit(X, y, sample_weight=np.linspace(0.5, 1.5, 40))
    assert clf.n_iter_ == 2 and len(clf.history_["val_loss"]) == 2
    batches = SequenceBatches(X, y, None, (X != PAD).any(axis=2).sum(axis=1),
                              batch_size=8, shuffle=False, seed=0, bucketed=True)
    assert batches[0][0].shape[1] == 1


def test_random_batches_mix_lengths_and_are_padded_to_their_own_longest():
    lengths = np.random.default_rng(2).integers(5, 200, size=100)
    X = padded(lengths)
    batches = SequenceBatches(X, np.zeros(100), None, lengths, batch_size=10,
                              shuffle=True, seed=0, bucketed=True, by_length=False)
    spans = []
    for i in range(len(batches)):
        idx = batches.batches[i]
        assert batches[i][0].shape[1] == lengths[idx].max()
        spans.append(lengths[idx].max() - lengths[idx].min())
    assert sorted(np.concatenate(batches.batches)) == list(range(100))
    assert np.median(spans) > 100  # length-sorted batches span a few steps


def test_target_share_is_low_only_when_the_length_sorts_the_targets():
    rng = np.random.default_rng(0)
    lengths = rng.integers(20, 400, size=200)
    unrelated = rng.integers(0, 4, size=200)
    by_length = np.digitize(lengths, [100, 200, 300])
    share = target_share_in_length_batches
    assert share(lengths, unrelated, 10, classes=True) > 0.85
    assert share(lengths, by_length, 10, classes=True) < 0.2
    # The same as the variance of standardised one-hot columns.
    assert share(lengths, np.eye(4)[by_length], 10, classes=False) == pytest.approx(
        share(lengths, by_length, 10, classes=True))
    regression = np.c_[lengths * 1e6, rng.normal(size=200)]  # scale does not matter
    assert 0.4 < share(lengths, regression, 10, classes=False) < 0.65
    assert share(lengths, np.ones(200), 10, classes=False) == 1.0
    assert share(lengths, np.zeros(200, dtype=int), 10, classes=True) == 1.0


def test_target_share_does_not_depend_on_the_row_order_of_tied_lengths():
    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(9), 20)  # rows grouped by class
    lengths = np.where(rng.random(180) < 0.9, 100, rng.integers(20, 100, size=180))
    grouped = target_share_in_length_batches(lengths, y, 18, classes=True)
    order = rng.permutation(180)
    shuffled = target_share_in_length_batches(lengths[order], y[order], 18, classes=True)
    assert grouped > 0.8 and shuffled > 0.8


def test_length_buckets_auto_draws_random_batches_when_the_length_gives_the_target(
        monkeypatch):
    drawn = []
    batches = SequenceBatches._batches

    def record(self):
        drawn.append(self.by_length)
        return batches(self)

    monkeypatch.setattr(SequenceBatches, "_batches", record)
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 40, size=48)
    X = [rng.normal(size=(n, 2)).astype("float32") for n in lengths]
    options = dict(units=3, epochs=1, batch_size=8, random_state=0, **ONE_DIRECTION)
    unrelated = rng.integers(0, 2, size=48)
    assert RNNSequenceClassifier(**options).fit(X, unrelated).length_buckets_ is True
    assert drawn and all(drawn)
    drawn.clear()
    given_by_length = (lengths > 20).astype(int)
    fitted = RNNSequenceClassifier(**options).fit(X, given_by_length)
    assert fitted.length_buckets_ is False
    assert drawn and not any(drawn)
    forced = RNNSequenceClassifier(length_buckets=True, **options).fit(X, given_by_length)
    assert forced.length_buckets_ is True
    equal = RNNSequenceClassifier(**options).fit(rng.normal(size=(16, 5, 2)), unrelated[:16])
    assert equal.length_buckets_ is False
    regressor = RNNSequenceRegressor(**options)
    assert regressor.fit(X, np.log(lengths)).length_buckets_ is False
    assert regressor.fit(X, rng.normal(size=48)).length_buckets_ is True
