"""Regression targets in the units the network trains well on, and back."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted


class TargetStandardizer(TransformerMixin, BaseEstimator):
    """Standardise each regression target to mean 0 and standard deviation 1 for
    training, and map predictions back to the original units.

    The target encoder of :class:`~sklearn_rnn.RNNSequenceRegressor` (scikeras
    fits it on ``y`` at fit). A network initialised for unit-scale outputs at a
    learning rate of 1e-3 cannot learn targets whose spread is 0.04 or 40,000; on
    standardised targets the loss and the learning rate mean the same for both.
    A target with no spread (or a single sample) is only centred.

    Parameters
    ----------
    standardize : bool, default=True
        False: the targets pass unchanged (only reshaped to 2D float32).

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (n_outputs,)
        The shift and scale learned at fit (0 and 1 without ``standardize``).
    n_outputs_ : int
        Number of targets: 1 for ``y`` of shape ``(n,)``.
    """

    def __init__(self, standardize=True):
        self.standardize = standardize

    def fit(self, y):
        y = np.asarray(y, dtype=np.float64)
        self.y_ndim_ = y.ndim
        columns = y.reshape(len(y), -1)
        self.n_outputs_ = columns.shape[1]
        if self.standardize:
            self.mean_ = columns.mean(axis=0)
            scale = columns.std(axis=0)
            self.scale_ = np.where(scale > 0, scale, 1.0)
        else:
            self.mean_ = np.zeros(self.n_outputs_)
            self.scale_ = np.ones(self.n_outputs_)
        return self

    def get_metadata(self):
        """What scikeras records on the estimator: one output tensor of
        ``n_outputs_`` columns."""
        return {"n_outputs_": self.n_outputs_, "n_outputs_expected_": 1}

    def transform(self, y):
        check_is_fitted(self)
        y = np.asarray(y, dtype=np.float64)
        columns = y.reshape(len(y), -1)
        if columns.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {columns.shape[1]} targets per sequence, but the regressor "
                f"was fitted with {self.n_outputs_}."
            )
        return ((columns - self.mean_) / self.scale_).astype(np.float32)

    def inverse_transform(self, y):
        check_is_fitted(self)
        values = np.asarray(y, dtype=np.float64).reshape(-1, self.n_outputs_)
        values = values * self.scale_ + self.mean_
        return values.reshape(-1) if self.y_ndim_ == 1 else values
