"""Workaround for a Keras 3 defect: a model saved on one backend loads on another
with the first backend's optimizer class.

The ``.keras`` format records the optimizer's class by module, and on PyTorch that
is a class of the PyTorch backend (``keras.src.backend.torch.optimizers.torch_adam``,
a subclass of ``keras.optimizers.Adam``). Loaded under TensorFlow or JAX, Keras
(3.15) builds that PyTorch class as it is: the model predicts, but its first train
step fails (``TypeError: expected Tensor ... got ResourceVariable``), so an
estimator fitted with ``KERAS_BACKEND=torch`` could not continue training
(``partial_fit``) on the other backends.

:func:`use_this_backends_optimizer` replaces such an optimizer with the same
optimizer class of the running backend, with the same configuration and state.
``tests/test_persistence.py`` shows the defect and the fix.
"""

import keras

BACKEND_MODULES = "keras.src.backend."


def _foreign(optimizer):
    module = type(optimizer).__module__
    own = f"{BACKEND_MODULES}{keras.backend.backend()}."
    return module.startswith(BACKEND_MODULES) and not module.startswith(own)


def use_this_backends_optimizer(model):
    """The optimizer ``model`` should train with: its own, or, when it belongs to
    another backend, the same optimizer rebuilt for this one (configuration and
    state copied). Returns None when ``model`` has no optimizer."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not _foreign(optimizer):
        return optimizer
    generic = next(cls for cls in type(optimizer).__mro__
                   if not cls.__module__.startswith(BACKEND_MODULES))
    rebuilt = generic.from_config(optimizer.get_config())
    rebuilt.build(model.trainable_variables)
    sources, targets = optimizer.variables, rebuilt.variables
    if [tuple(v.shape) for v in sources] == [tuple(v.shape) for v in targets]:
        for target, source in zip(targets, sources, strict=True):
            target.assign(keras.ops.convert_to_numpy(source))
    return rebuilt
