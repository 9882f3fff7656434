"""The prediction side of the sequence estimators: the network's outputs for
checked sequences, in batches through the compiled predict step.

:class:`PredictionBatchingMixin` expects the fitted ``model_`` and the input
methods of :class:`~._inputs.SequenceInputMixin` (``_is_masked``, ``_pad``,
``_network_input``).
"""

import math

import numpy as np

from ._scikeras_fixes import predict_on_batches
from ._sequences import FLOAT_DTYPE


class PredictionBatchingMixin:
    """Batches checked sequences through the fitted network."""

    def _predict_network(self, seqs):
        """The network's output ``(n_samples, n_outputs)`` for checked sequences,
        in batches through the compiled predict step."""
        if not seqs.ragged:
            return predict_on_batches(self.model_, self._network_input(seqs.data))
        lengths = seqs.lengths
        order = np.argsort(lengths, kind="stable")
        if self._is_masked():
            # Masked padding does not change a prediction: batch by sorted length.
            batches = np.array_split(order, math.ceil(len(order) / 256))
        else:
            # No mask: only sequences of equal length share a batch.
            batches = np.split(order, np.flatnonzero(np.diff(lengths[order])) + 1)
        outputs = np.empty((len(seqs), self.model_.output_shape[-1]), dtype=FLOAT_DTYPE)
        for batch in batches:
            outputs[batch] = predict_on_batches(
                self.model_, self._network_input(self._pad([seqs.data[i] for i in batch]))
            )
        return outputs
