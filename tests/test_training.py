"""Training control: early stopping, class balancing, history and its bookkeeping."""

import numpy as np
import pytest
from conftest import ONE_DIRECTION
from sklearn.metrics import recall_score
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn._training import stratified_validation_split
from sklearn_rnn.datasets import make_sequence_classification
from sklearn_rnn.schedules import CyclicLR


def test_validation_split_is_stratified_shuffled_and_seeded():
    y = np.repeat([0, 1, 2], [60, 30, 10])  # sorted: a tail split would be all class 2
    train, val = stratified_validation_split(y, 0.2, random_state=0)
    assert len(val) == 20 and len(np.intersect1d(train, val)) == 0
    np.testing.assert_array_equal(np.bincount(y[val]), [12, 6, 2])
    again, _ = stratified_validation_split(y, 0.2, random_state=0)
    np.testing.assert_array_equal(train, again)


def test_validation_set_too_small_for_every_class():
    y = np.repeat([0, 1, 2], [20, 20, 2])
    with pytest.raises(ValueError, match="validation set is too small.*validation_fraction"):
        stratified_validation_split(y, 0.02, random_state=0)
    with pytest.raises(ValueError, match="class 2 has 1 sequence"):
        stratified_validation_split(np.repeat([0, 1, 2], [20, 20, 1]), 0.2, random_state=0)


def test_early_stopping_names_a_class_too_rare_to_split_by_its_label(data3d):
    X, _ = data3d
    y = np.array(["cat", "dog"] * 23 + ["zebra", "cat"])  # "zebra" is encoded as 2
    with pytest.raises(ValueError, match="class 'zebra' has 1 sequence"):
        RNNSequenceClassifier(**ONE_DIRECTION, units=2, epochs=1,
                              early_stopping=True).fit(X, y)


def test_early_stopping_records_validation_and_restores_best(data3d):
    X, y = data3d
    clf = RNNSequenceClassifier(**ONE_DIRECTION,
        units=4, epochs=30, learning_rate=0.05, early_stopping=True,
        validation_fraction=0.25, n_iter_no_change=2, random_state=0,
    ).fit(X, y)
    history = clf.history_
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr"} <= set(history)
    assert clf.n_iter_ == len(history["loss"]) == len(history["val_loss"])
    assert clf.n_iter_ < 30  # stopped early
    # The best epoch is the last one that improved the validation loss by > tol.
    best_loss = history["val_loss"][clf.best_epoch_ - 1]
    assert best_loss <= min(history["val_loss"]) + clf.tol
    assert all(loss > best_loss - clf.tol for loss in history["val_loss"][clf.best_epoch_:])
    assert clf.n_iter_ - clf.best_epoch_ >= 2
    assert clf.validation_scores_ == history["val_accuracy"]
    # The kept weights are the best epoch's: their validation loss is the minimum.
    _, val = stratified_validation_split(y, 0.25, random_state=0)
    loss = clf.model_.evaluate(X[val], y[val], verbose=0, return_dict=True)["loss"]
    assert loss == pytest.approx(best_loss, rel=1e-4)


def test_early_stopping_works_per_fold_in_grid_search(data3d):
    X, y = data3d
    search = GridSearchCV(
        RNNSequenceClassifier(**ONE_DIRECTION, units=3, epochs=3, early_stopping=True,
                              validation_fraction=0.3, random_state=0),
        {"n_iter_no_change": [1, 2]}, cv=2,
    ).fit(X, y)
    assert "val_loss" in search.best_estimator_.history_


@pytest.mark.parametrize("params, name", [
    ({"n_iter_no_change": -1}, "n_iter_no_change"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"validation_fraction": 0.0}, "validation_fraction"),
    ({"lr_schedule": "warp_speed"}, "lr_schedule"),
    ({"lr_schedule": CyclicLR(max_lr=0.01), "learning_rate": 0.1}, "max_lr"),
])
def test_bad_training_parameters_name_the_parameter(params, name, data3d):
    X, y = data3d
    with pytest.raises(ValueError, match=name):
        RNNSequenceClassifier(**ONE_DIRECTION, units=2, epochs=1).set_params(**params).fit(X, y)


def test_class_weight_dict_keyed_by_original_labels(data3d):
    X, y = data3d
    labels = np.where(y == 1, "yes", "no")
    weighted = RNNSequenceClassifier(**ONE_DIRECTION,
        units=4, epochs=3, learning_rate=0.02, random_state=0,
        class_weight={"yes": 20.0, "no": 0.05},
    ).fit(X, labels)
    assert (weighted.predict(X) == "yes").mean() > 0.8


@pytest.mark.slow
def test_balanced_class_weight_raises_minority_recall():
    task = dict(n_samples=300, n_timesteps=12, n_features=2, noise=0.8)
    X, y = make_sequence_classification(weights=[0.9, 0.1], random_state=0, **task)
    X_test, y_test = make_sequence_classification(weights=[0.5, 0.5], random_state=1,
                                                  **task)
    # The recurrent network alone, at batch 32: on the front-end's ten updates per
    # epoch even the unweighted model starts to find the minority (recall 0.4).
    params = dict(units=8, epochs=6, learning_rate=0.01, random_state=0,
                  conv_filters=None, batch_size=32)
    plain = RNNSequenceClassifier(**params).fit(X, y)
    balanced = RNNSequenceClassifier(class_weight="balanced", **params).fit(X, y)
    plain_recall = recall_score(y_test, plain.predict(X_test))
    balanced_recall = recall_score(y_test, balanced.predict(X_test))
    # Measured: 0.00 without class weights, 0.87 with "balanced".
    assert balanced_recall > plain_recall + 0.4, (plain_recall, balanced_recall)


def test_partial_fit_keeps_optimizer_state(data3d):
    X, y = data3d
    clf = RNNSequenceClassifier(**ONE_DIRECTION, units=3, epochs=1, random_state=0)
    clf.partial_fit(X, y, classes=[0, 1])
    optimizer = clf.model_.optimizer
    clf.partial_fit(X, y)
    assert clf.model_.optimizer is optimizer
    assert int(optimizer.iterations) == 2 * int(np.ceil(len(X) / clf.batch_size_))
    assert len(clf.history_["lr"]) == clf.n_iter_ == 2


def test_verbose_one_shows_a_progress_bar(capsys, data3d):
    X, y = data3d
    RNNSequenceClassifier(**ONE_DIRECTION, units=2, epochs=1, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "━" in out and "step" in out


def test_verbose_two_line_shows_loss_and_learning_rate(capsys, data3d):
    X, y = data3d
    RNNSequenceClassifier(**ONE_DIRECTION, units=2, epochs=2, verbose=2, early_stopping=True,
                          validation_fraction=0.25).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if "loss" in line]
    assert len(lines) == 2
    assert all("val_loss" in line and "lr" in line for line in lines)


def test_partial_fit_with_a_seed_is_reproducible(data3d):
    X, y = data3d
    runs = []
    for _ in range(2):
        clf = RNNSequenceClassifier(units=3, dropout=0.2, random_state=0, **ONE_DIRECTION)
        for _ in range(3):
            clf.partial_fit(X, y, classes=[0, 1])
        runs.append(clf.predict_proba(X))
    np.testing.assert_array_equal(runs[0], runs[1])


class RecordingAugmenter:
    """Keeps the first batch of every epoch it augments (jitter drawn from ``rng``)."""

    def __init__(self):
        self.first_batches = []
        self.calls = 0

    def augment(self, X, lengths=None, rng=None):
        out = X + rng.normal(scale=0.1, size=X.shape).astype(X.dtype)
        if self.calls % 2 == 0:  # 2 batches an epoch here
            self.first_batches.append(out)
        self.calls += 1
        return out


def test_each_partial_fit_epoch_draws_its_own_batches(data3d):
    X, y = data3d
    augmenter = RecordingAugmenter()
    clf = RNNSequenceClassifier(units=2, batch_size=len(X) // 2 + 1, augmentation=augmenter,
                                random_state=0, **ONE_DIRECTION)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    first, second, third = augmenter.first_batches
    assert not np.allclose(first, second) and not np.allclose(second, third)



def test_restore_best_weights_keeps_the_lowest_training_loss_epoch(data3d):
    X, y = data3d
    y = np.random.default_rng(0).permutation(y)  # labels it cannot learn: a noisy loss
    params = dict(**ONE_DIRECTION, units=4, learning_rate=1.0, lr_schedule=None, tol=None,
                  batch_size=16, augmentation=None, random_state=1)
    clf = RNNSequenceClassifier(epochs=12, restore_best_weights=True, **params).fit(X, y)
    losses = clf.history_["loss"]
    assert clf.n_iter_ == 12
    assert clf.best_epoch_ == int(np.argmin(losses)) + 1
    assert clf.best_epoch_ < clf.n_iter_
    # The kept weights are those at the end of the best epoch: a fit stopped there.
    stopped = RNNSequenceClassifier(epochs=clf.best_epoch_, **params).fit(X, y)
    for kept, expected in zip(clf.model_.get_weights(), stopped.model_.get_weights(),
                              strict=True):
        np.testing.assert_allclose(kept, expected, rtol=1e-5, atol=1e-6)
    # Without it, the last epoch's weights stay.
    last = RNNSequenceClassifier(epochs=12, **params).fit(X, y)
    assert last.best_epoch_ == 12
    assert not np.allclose(last.predict_proba(X), clf.predict_proba(X))
