"""Training concerns as small pieces: the validation split, per-epoch learning-rate
logging, early stopping and augmented training batches."""

import math

import keras
import numpy as np
from sklearn.model_selection import train_test_split


def stratified_validation_split(y, validation_fraction, random_state):
    """Indices ``(train, validation)``: a shuffled split stratified on ``y``.

    Raises ``ValueError`` when the validation set cannot hold every class.
    """
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < 2:
        raise ValueError(
            "Early stopping holds out sequences of every class for validation, but "
            f"class {classes[counts.argmin()]} has {counts.min()} sequence. Set "
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


class AugmentedBatches(keras.utils.PyDataset):
    """Training batches with fresh random augmentations every time they are drawn.

    Parameters
    ----------
    X, y, sample_weight : arrays
        Padded sequences, encoded targets, weights (or None).
    lengths : ndarray
        True length of each sequence (padding after it is left untouched).
    augmenter : SequenceAugmenter
        Provides ``augment(X, lengths, rng)``.
    """

    def __init__(self, X, y, sample_weight, lengths, augmenter, *, batch_size,
                 shuffle, seed):
        super().__init__()
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.lengths = lengths
        self.augmenter = augmenter
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(X))
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def __getitem__(self, index):
        batch = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        X = self.augmenter.augment(self.X[batch], self.lengths[batch], self.rng)
        if self.sample_weight is None:
            return X, self.y[batch]
        return X, self.y[batch], self.sample_weight[batch]

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.order)
