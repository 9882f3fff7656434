"""Training concerns as small pieces: the validation splits, per-epoch learning-rate
logging, early stopping and augmented training batches."""

import math

import keras
import numpy as np
from sklearn.model_selection import train_test_split


def stratified_validation_split(y, validation_fraction, random_state, labels=None):
    """Indices ``(train, validation)``: a shuffled split stratified on ``y``.

    Raises ``ValueError`` when the validation set cannot hold every class, naming
    it by ``labels[code]`` when ``y`` holds the codes of ``labels``.
    """
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < 2:
        rare = classes[counts.argmin()]
        name = np.asarray(rare if labels is None else labels[int(rare)]).item()
        raise ValueError(
            "Early stopping holds out sequences of every class for validation, but "
            f"class {name!r} has {counts.min()} sequence. Set "
            "early_stopping=False or collect more data."
        )
    n_val = math.ceil(validation_fraction * len(y))
    if n_val < len(classes) or len(y) - n_val < len(classes):
        raise ValueError(
            f"The validation set is too small: validation_fraction="
            f"{validation_fraction} of {len(y)} samples gives {n_val} validation "
            f"sequences for {len(classes)} classes. Increase 'validation_fraction' or "
            "the size of your dataset, or set early_stopping=False."
        )
    return train_test_split(
        np.arange(len(y)), test_size=n_val, stratify=y, random_state=random_state,
        shuffle=True,
    )


def shuffled_validation_split(n_samples, validation_fraction, random_state,
                              min_validation=2):
    """Indices ``(train, validation)``: a shuffled split (regression targets are
    not stratified).

    Raises ``ValueError`` when either side would hold fewer than
    ``min_validation`` sequences (R^2 needs two).
    """
    n_val = math.ceil(validation_fraction * n_samples)
    if n_val < min_validation or n_samples - n_val < 1:
        raise ValueError(
            f"The validation set is too small: validation_fraction="
            f"{validation_fraction} of {n_samples} samples gives {n_val} validation "
            f"sequences; early stopping needs at least {min_validation} and one to "
            "train on. Increase 'validation_fraction' or the size of your dataset, "
            "or set early_stopping=False."
        )
    return train_test_split(np.arange(n_samples), test_size=n_val,
                            random_state=random_state, shuffle=True)


class LearningRateLogger(keras.callbacks.Callback):
    """Put the learning rate used at the start of each epoch into the logs as ``lr``."""

    def on_epoch_begin(self, epoch, logs=None):
        lr = keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        # The float32 value's shortest repr: 0.001 rather than 0.0010000000474974513.
        self._lr = float(str(np.float32(lr)))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = self._lr


def early_stopping_callback(n_iter_no_change, tol):
    return keras.callbacks.EarlyStopping(
        monitor="val_loss",
        patience=n_iter_no_change,
        min_delta=tol,
        restore_best_weights=True,
    )


def convergence_callback(n_iter_no_change, tol):
    """Stop when the training loss has not improved on its best by ``tol`` for
    ``n_iter_no_change`` epochs, as ``MLPClassifier`` does without early stopping;
    the last weights are kept."""
    return keras.callbacks.EarlyStopping(
        monitor="loss",
        patience=n_iter_no_change,
        min_delta=tol,
        restore_best_weights=False,
    )


class BestTrainingEpoch(keras.callbacks.Callback):
    """Keep a copy of the weights of the epoch with the lowest training loss and
    restore them when training ends; ``best_epoch`` counts from 0 within the fit."""

    def __init__(self):
        super().__init__()
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_weights = None
        self.last_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        self.last_epoch = epoch
        loss = (logs or {}).get("loss")
        if loss is not None and float(loss) < self.best_loss:
            self.best_loss, self.best_epoch = float(loss), epoch
            self.best_weights = self.model.get_weights()

    def on_train_end(self, logs=None):
        if self.best_weights is not None and self.best_epoch != self.last_epoch:
            self.model.set_weights(self.best_weights)
        self.best_weights = None


class DivergenceGuard(keras.callbacks.Callback):
    """Stop training at the end of the first epoch whose training loss is NaN or
    infinite; ``diverged`` then holds ``(epoch counted from 1, loss, its lr)``.

    Checked per epoch, not per batch: a callback that reads every batch's logs
    makes Keras wait for each batch's result before starting the next one.
    """

    def __init__(self):
        super().__init__()
        self.diverged = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        loss = logs.get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged = (epoch + 1, float(loss), logs.get("lr"))
            self.model.stop_training = True


def divergence_error(epoch, loss, epoch_lr, *, learning_rate, lr_schedule, clipnorm,
                     max_abs_input):
    """The :class:`~sklearn_rnn.exceptions.DivergenceError` for a diverged fit, with
    the likely causes in the order worth trying."""
    from .exceptions import DivergenceError

    rate = f"learning_rate={learning_rate:g}"
    if epoch_lr is not None and not math.isclose(epoch_lr, learning_rate, rel_tol=1e-6):
        rate = (f"{epoch_lr:g} in that epoch, set by lr_schedule={lr_schedule!r} "
                f"from {rate}")
    causes = [f"a learning rate too high for this data ({rate}; try 10 times lower)"]
    if max_abs_input > 1e3:
        causes.append(f"inputs of large scale (the largest |value| in X is "
                      f"{max_abs_input:.3g}; standardise them, e.g. with "
                      "sklearn_rnn.preprocessing.SequenceScaler)")
    if clipnorm is None:
        causes.append("exploding gradients (set clipnorm, e.g. clipnorm=1.0)")
    return DivergenceError(
        f"Training diverged: the training loss was {loss} at the end of epoch {epoch}. "
        f"Likely causes: {'; '.join(causes)}. The estimator was left as it was "
        "before this call.", epoch=epoch, loss=loss)


def bucket_length(length, compiled):
    """The padded length of a batch whose longest sequence has ``length`` steps.

    The graph executor takes any length. A compiled step is compiled once per
    shape, so there lengths round up to a small fixed set, ``2**k`` and
    ``1.5 * 2**k`` (at most a third of a batch is padding, and lengths 50-1000 make
    9 shapes)."""
    if not compiled or length <= 4:
        return int(length)
    power = 1 << (int(length) - 1).bit_length()
    three_quarters = 3 * power // 4
    return three_quarters if length <= three_quarters else power


SORTED_TARGET_SHARE = 0.8
"""``length_buckets="auto"`` batches by length unless length-sorted batches would
keep less than this share of the target variation that random batches keep."""


def target_share_in_length_batches(lengths, y, batch_size, *, classes):
    """How much of the targets' variation length-sorted batches keep, relative to
    random batches: about 1 when the length says nothing of the target, lower as
    sorting by length sorts the targets too (one class per batch).

    The variation of a batch is the variance of each target inside it (for
    classes: of each class's indicator, ``p * (1 - p)`` from the batch's class
    counts), each target scaled to unit variance over the whole set and summed;
    it is averaged over the batches of ``batch_size`` sequences (weighted by
    size). Random batches keep ``1 - 1 / batch_size`` of the whole set's on
    average. Ties in length are broken by a fixed random draw, as training
    batches break them at random, so the row order does not matter.

    Parameters
    ----------
    lengths : ndarray of shape (n_samples,)
    y : ndarray
        Class codes (``classes=True``), or regression targets ``(n_samples,)`` or
        ``(n_samples, n_targets)``.
    batch_size : int
    classes : bool
    """
    n = len(lengths)
    if batch_size < 2 or n < 2:
        return 1.0
    order = np.lexsort((np.random.default_rng(0).random(n), lengths))
    batches = np.array_split(order, range(batch_size, n, batch_size))
    if classes:
        codes = np.unique(np.ravel(y), return_inverse=True)[1]
        n_classes = codes.max() + 1
        share = np.bincount(codes, minlength=n_classes) / n
        variance = share * (1 - share)
        varies = variance > 0

        def within(batch):
            p = np.bincount(codes[batch], minlength=n_classes)[varies] / len(batch)
            return (p * (1 - p) / variance[varies]).sum()
    else:
        Y = np.asarray(y, dtype=float).reshape(n, -1)
        variance = Y.var(axis=0)
        varies = variance > 0
        Y = Y[:, varies]

        def within(batch):
            return (Y[batch].var(axis=0) / variance[varies]).sum()
    if not varies.any():
        return 1.0
    kept = sum(len(batch) * within(batch) for batch in batches) / n
    return float(kept / varies.sum() / (1 - 1 / batch_size))


class SequenceBatches(keras.utils.PyDataset):
    """Training batches of padded sequences, each cut to its own length when
    ``bucketed``, and freshly augmented every time they are drawn when an
    ``augmenter`` is given.

    Parameters
    ----------
    X, y, sample_weight : arrays
        Left-aligned padded sequences, encoded targets, weights (or None).
    lengths : ndarray
        True length of each sequence (padding after it is left untouched).
    augmenter : SequenceAugmenter or None
        Provides ``augment(X, lengths, rng)``.
    bucketed : bool
        Pad each batch only to its longest sequence (rounded by
        :func:`bucket_length`). Masking makes the result independent of the
        padding.
    by_length : bool
        With ``bucketed``: batch sequences of similar length (sorted by length with
        random ties, in batches drawn in random order every epoch; the short
        batch, if any, holds the longest sequences), which keeps the padding
        small. Else batches are drawn at random, as without ``bucketed``.
    compiled : bool
        The train step is XLA-compiled: padded lengths come from a fixed set.
    """

    def __init__(self, X, y, sample_weight, lengths, *, batch_size, shuffle, seed,
                 augmenter=None, bucketed=False, by_length=True, compiled=False):
        super().__init__()
        self.by_length = by_length
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.lengths = np.asarray(lengths)
        self.augmenter = augmenter
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.bucketed = bucketed
        self.compiled = compiled
        self.seed = seed
        self.restart()

    def restart(self):
        """Back to the first epoch's batches and random draws."""
        self.rng = np.random.default_rng(self.seed)
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def _batches(self):
        n, size = len(self.X), self.batch_size
        if not (self.bucketed and self.by_length):
            order = self.rng.permutation(n) if self.shuffle else np.arange(n)
            return [order[i:i + size] for i in range(0, n, size)]
        noise = self.rng.random(n) if self.shuffle else np.zeros(n)
        order = np.lexsort((noise, self.lengths))
        # The one short batch holds the longest sequences: compiled, that is one
        # shape more, not one per bucket length.
        batches = [order[start:start + size] for start in range(0, n, size)]
        if self.shuffle:
            self.rng.shuffle(batches)
        return batches

    def padded_steps(self):
        """Sequence x timestep passes of one epoch, padding included."""
        return sum(len(batch) * self._width(batch) for batch in self.batches)

    def _padded_length(self, length):
        # At least one step: a row that is all padding has length 0.
        return max(1, min(bucket_length(length, self.compiled), self.X.shape[1]))

    def _width(self, batch):
        if not self.bucketed:
            return self.X.shape[1]
        return self._padded_length(self.lengths[batch].max())

    def widths(self):
        """The padded lengths the batches of an epoch can take."""
        if not self.bucketed:
            return {self.X.shape[1]}
        return {self._padded_length(length) for length in np.unique(self.lengths)}

    def __getitem__(self, index):
        batch = np.sort(self.batches[index])
        X = self.X[batch, :self._width(batch)]
        if self.augmenter is not None:
            X = self.augmenter.augment(X, self.lengths[batch], self.rng)
        if self.sample_weight is None:
            return X, self.y[batch]
        return X, self.y[batch], self.sample_weight[batch]

    def on_epoch_end(self):
        self.batches = self._batches()
        # Keras' TensorFlow adapter takes the batches' shape from the first two
        # batches (a dimension they share is fixed): let them differ in length
        # whenever the epoch's batches do.
        widths = [self._width(batch) for batch in self.batches]
        other = next((i for i, w in enumerate(widths) if w != widths[0]), None)
        if other is not None and widths[1] == widths[0]:
            self.batches[1], self.batches[other] = self.batches[other], self.batches[1]


def fit_on_batches(model, batches, *, epochs, initial_epoch=0, validation_data=None,
                   validation_batch_size=None, callbacks=(), verbose=0):
    """``model.fit`` over a :class:`SequenceBatches`, one ``train_on_batch`` call per
    batch, with the callbacks driven as ``fit`` drives them; returns the History.

    Keras' own ``fit`` reads a ``PyDataset`` through a ``tf.data`` generator, which
    trained these batches 1.65x slower per epoch than ``train_on_batch`` on the
    same batches on TensorFlow (lengths 50-1000, bidirectional LSTM(64):
    4.6-4.7 s against 2.7-2.9 s; ``benchmarks/results/PERFORMANCE.md``). An
    epoch's logs are its batches' losses and metrics averaged, weighted by batch
    size, as ``fit`` reports them; the validation set is evaluated at the end of
    each epoch.
    """
    history = keras.callbacks.History()
    callback_list = keras.callbacks.CallbackList(
        [*callbacks, history], add_history=False, add_progbar=verbose != 0,
        model=model, verbose=verbose, epochs=epochs, steps=len(batches),
    )
    model.stop_training = False
    callback_list.on_train_begin()
    logs = {}
    for epoch in range(initial_epoch, epochs):
        callback_list.on_epoch_begin(epoch)
        sums, seen = {}, 0
        for index in range(len(batches)):
            callback_list.on_train_batch_begin(index)
            batch = batches[index]
            batch_logs = model.train_on_batch(*batch, return_dict=True)
            n = len(batch[0])
            seen += n
            for key, value in batch_logs.items():
                sums[key] = sums.get(key, 0.0) + n * float(value)
            # The epoch's running averages, as fit's batch logs are.
            logs = {key: total / seen for key, total in sums.items()}
            callback_list.on_train_batch_end(index, logs)
            if model.stop_training:
                break
        if validation_data is not None:
            x_val, y_val, *weights_val = validation_data
            val_logs = model.evaluate(
                x=x_val, y=y_val, sample_weight=weights_val[0] if weights_val else None,
                batch_size=validation_batch_size, verbose=0, return_dict=True)
            logs.update({f"val_{key}": float(value) for key, value in val_logs.items()})
        callback_list.on_epoch_end(epoch, logs)
        batches.on_epoch_end()
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    return history
