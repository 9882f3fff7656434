"""Turning the ``optimizer`` hyperparameters into a fresh Keras optimizer."""

import keras

OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}


def make_optimizer(optimizer, *, learning_rate, weight_decay=None, clipnorm=None,
                   extra=None):
    """Return a new optimizer instance for one fit.

    Parameters
    ----------
    optimizer : str or keras.optimizers.Optimizer
        A name from :data:`OPTIMIZERS` or an optimizer instance, which is cloned
        from its config (an optimizer binds to one model's variables).
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule
    weight_decay, clipnorm : float or None
        Applied when not None.
    extra : dict, optional
        Further constructor arguments (``optimizer__momentum=0.9`` routes
        ``momentum``).
    """
    kwargs = dict(extra or {})
    if isinstance(optimizer, keras.optimizers.Optimizer):
        config = optimizer.get_config()
        config.update(kwargs, learning_rate=learning_rate)
        if weight_decay is not None:
            config["weight_decay"] = weight_decay
        if clipnorm is not None:
            config["clipnorm"] = clipnorm
        return type(optimizer).from_config(config)
    if weight_decay is not None:
        kwargs["weight_decay"] = weight_decay
    if clipnorm is not None:
        kwargs["clipnorm"] = clipnorm
    try:
        return OPTIMIZERS[optimizer](learning_rate=learning_rate, **kwargs)
    except TypeError as exc:
        raise ValueError(
            f"Invalid argument for optimizer={optimizer!r}: {exc}. Check the "
            "optimizer__* parameters."
        ) from None
