"""Keras layers the package needs that Keras does not provide."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """Max over time that ignores masked timesteps.

    ``keras.layers.GlobalMaxPooling1D`` ignores the mask, so padding would take
    part in the maximum.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            valid = ops.expand_dims(ops.cast(mask, "bool"), axis=-1)
            inputs = ops.where(valid, inputs, ops.full_like(inputs, -1e30))
        return ops.max(inputs, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
