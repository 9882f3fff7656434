"""Keras pieces of :mod:`sklearn_rnn.schedules`, imported on first use.

Only ``keras`` and ``keras.ops`` are used (never TensorFlow directly), so the
schedules work with every Keras backend. This module does not import
:mod:`sklearn_rnn.schedules` (which imports it): a saved model's schedule is found
again by the module and class name its config records.
"""

import importlib
import sys

import keras
import numpy as np
from keras import ops

SCHEDULES_MODULE = "sklearn_rnn.schedules"


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class EpochLearningRateSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """A schedule from :mod:`sklearn_rnn.schedules` as a Keras schedule.

    Evaluates the schedule's formula (the one :meth:`lr_at` evaluates with
    NumPy) with :mod:`keras.ops` in float32 at the optimizer's step counter.

    Parameters
    ----------
    schedule : schedule object
        A schedule from :mod:`sklearn_rnn.schedules` (kept, not copied).
    base_lr : float
        The classifier's ``learning_rate``.
    steps_per_epoch, epochs : int
        Batches per epoch and epochs of the fit.
    """

    def __init__(self, schedule, base_lr, steps_per_epoch, epochs):
        super().__init__()
        self.schedule = schedule
        self.base_lr = float(base_lr)
        self.steps_per_epoch = int(steps_per_epoch)
        self.epochs = int(epochs)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        lr = self.schedule._formula(
            ops, step, self.base_lr, self.steps_per_epoch, self.epochs
        )
        return ops.cast(lr, "float32")

    def get_config(self):
        params = {
            key: value.item() if isinstance(value, np.generic) else value
            for key, value in self.schedule.get_params(deep=False).items()
        }
        return {
            "schedule": type(self.schedule).__name__,
            "schedule_module": type(self.schedule).__module__,
            "params": params,
            "base_lr": self.base_lr,
            "steps_per_epoch": self.steps_per_epoch,
            "epochs": self.epochs,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        name = config.pop("schedule")
        module = config.pop("schedule_module", SCHEDULES_MODULE)
        schedules = importlib.import_module(SCHEDULES_MODULE)
        # A subclass of the user's is looked up in its module only once that is
        # imported (unpickling an estimator imports it with the estimator's
        # lr_schedule): loading a network never imports a module it names.
        owner = schedules if module == SCHEDULES_MODULE else sys.modules.get(module)
        schedule_class = getattr(owner, name, None)
        if not (isinstance(schedule_class, type)
                and issubclass(schedule_class, schedules._Schedule)):
            raise ValueError(
                f"Unknown schedule {name!r} from module {module!r} in a saved model: "
                f"expected a schedule class of {SCHEDULES_MODULE} or a subclass of one "
                f"(import {module!r} before loading a network trained with a "
                "subclass of your own).")
        return cls(schedule_class(**config.pop("params")), **config)


class PlateauCallback(keras.callbacks.ReduceLROnPlateau):
    """Keras' ``ReduceLROnPlateau`` monitoring ``val_loss`` when the fit logs it,
    else the training ``loss`` (chosen at the end of the first epoch).

    Keras' own callback warns and does nothing when its monitored key is
    missing. It also writes the end-of-epoch learning rate into the logs as
    ``learning_rate``; this one removes it (the classifier logs ``lr``).

    Keras' callback starts afresh with every ``fit``. ``partial_fit`` trains one
    epoch per call, so there it would never see a plateau: the estimator keeps
    :meth:`carried_state` after each call and hands it to the next call's
    callback as ``carried``.
    """

    CARRIED = ("monitor", "best", "wait", "cooldown_counter")

    def __init__(self, *, factor, patience, min_lr):
        super().__init__(monitor="val_loss", mode="min", factor=factor,
                         patience=patience, min_lr=min_lr)
        self.carried = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.monitor = None
        if self.carried is not None:
            for name in self.CARRIED:
                setattr(self, name, self.carried[name])

    def carried_state(self):
        """What the next ``partial_fit`` call continues from (plain values)."""
        return {name: getattr(self, name) for name in self.CARRIED}

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        if self.monitor is None:
            self.monitor = "val_loss" if "val_loss" in logs else "loss"
        super().on_epoch_end(epoch, logs)
        logs.pop("learning_rate", None)
