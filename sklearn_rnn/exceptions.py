"""Warnings and errors raised by sklearn_rnn's estimators and transformers."""

__all__ = ["ChannelsFirstWarning", "DivergenceError", "SequenceScaleWarning"]


class ChannelsFirstWarning(UserWarning):
    """A 3D array given to fit looks channels-first ``(n_samples, n_channels,
    n_timesteps)`` (aeon, sktime) rather than ``(n_samples, n_timesteps,
    n_features)``: see :class:`~sklearn_rnn.preprocessing.FromChannelsFirst`."""


class SequenceScaleWarning(UserWarning):
    """The sequences given to fit differ in scale by orders of magnitude (their
    standard deviations span a factor of 1,000 or more), so a scaler fitted over
    all of them leaves most sequences near-constant: standardise each sequence on
    its own with ``SequenceScaler(per_sequence=True)``
    (:class:`~sklearn_rnn.preprocessing.SequenceScaler`)."""


class DivergenceError(ValueError):
    """Training diverged: the training loss became NaN or infinite.

    Raised by ``fit`` and ``partial_fit`` at the end of the first epoch whose loss is
    not finite, instead of returning a model whose predictions are NaN. The
    estimator is left as it was before the call.

    Parameters
    ----------
    message : str
        What diverged, at which epoch, and the likely causes.
    epoch : int
        The epoch whose loss was not finite, counted from 1 (also an attribute).
    loss : float
        That epoch's training loss, NaN or infinite (also an attribute).
    """

    def __init__(self, message, *, epoch, loss):
        super().__init__(message)
        self.epoch = epoch
        self.loss = loss

    def __reduce__(self):  # picklable: errors cross joblib's worker processes
        return type(self)._rebuild, (str(self), self.epoch, self.loss)

    @classmethod
    def _rebuild(cls, message, epoch, loss):
        return cls(message, epoch=epoch, loss=loss)
