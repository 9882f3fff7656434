"""The input side of the sequence estimators: checking what ``fit`` receives
(parameters that need the data, routed ``optimizer__*`` arguments, ``y``,
``sample_weight``), the sequences themselves (features, token ids and their
vocabulary), masking and padding, and the left-aligned arrays the network trains
and predicts on.

:class:`SequenceInputMixin` expects from the estimator its parameters, the
scikeras ``_validate_params`` / ``_get_param_names`` and ``initialized_``, and
``_check_target(y, **options)`` and ``_check_warm_start_target(y)`` from the
classifier or the regressor.
"""

import difflib

import numpy as np
from sklearn.utils.validation import check_consistent_length

from ._channels import warn_if_channels_first
from ._compilation import prefer_single_threaded_ops
from ._layers import FirstDifferences, MaskedConvBlock
from ._network import conv_blocks, resolve_conv_filters, resolve_conv_stride
from ._parameters import (
    AUTO_AUGMENTATION,
    AUTO_AUGMENTATION_WITH_DIFFERENCES,
    ROUTING_PREFIXES,
)
from ._scales import warn_if_scales_differ
from ._sequences import FLOAT_DTYPE, TOKEN_DTYPE, check_sequences, is_padding, pad_sequences
from .augmentation import SequenceAugmenter
from .schedules import resolve_schedule

PAD_VALUE = -1e9
"""Fill value for padding ragged float sequences when no ``mask_value`` is set."""

MIN_LOG_LENGTH_SCALE = 0.25
"""The smallest scale of the length feature: training lengths that barely differ
would otherwise turn a new length at predict into a feature in the hundreds."""

MIN_DIFFERENCE_SCALE = 1e-3
"""The smallest scale of the step-to-step changes (in the units of the input, which
is expected standardised): changes that barely vary in training (a constant
feature, a steady ramp) would otherwise turn a small change at predict into a
feature in the thousands."""

UNKNOWN_TOKEN = 1
"""Token ids at predict beyond the vocabulary seen at fit are mapped to this id."""

MAX_EMBEDDING_WEIGHTS = 2**28
"""Largest embedding matrix (vocabulary x embedding_dim) a fit builds: 1 GiB of
float32, 3 with Adam's moments. Larger ones come from unmapped ids (a hash, a user
id) and would exhaust memory instead of training."""

class SequenceInputMixin:
    """Checks the inputs of ``fit`` and turns sequences into network input."""

    # ------------------------------------------------------------ checking
    def _check_fit_inputs(self, X, y, sample_weight, *, partial=False, **target_options):
        """Validate parameters and data before anything about the fit changes
        (``partial``: for ``partial_fit``, which checks what it continues itself)."""
        self._validate_params()
        self._check_routed_params()
        prefer_single_threaded_ops()  # before the first model starts TensorFlow
        conv_blocks(self._conv_filters(), self.conv_kernel_size,
                    1 if self.conv_stride == "auto" else self.conv_stride)
        if self.embedding_dim is None and self.vocab_size is not None:
            raise ValueError(
                f"vocab_size={self.vocab_size} needs embedding_dim to be set: token "
                "ids go through an embedding."
            )
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if self.augmentation not in (None, "auto") and self._uses_tokens():
            raise ValueError(
                "augmentation applies to float sequences; it cannot be combined with "
                f"token input (embedding_dim={self.embedding_dim}). Use "
                "spatial_dropout to regularise embeddings."
            )
        seqs = check_sequences(X, tokens=self._uses_tokens())
        if not self._uses_tokens():
            warn_if_channels_first(seqs, type(self).__name__)
            warn_if_scales_differ(seqs, self.mask_value, type(self).__name__)
        y = self._check_target(y, **target_options)
        check_consistent_length(seqs.data, y)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
            if sample_weight.shape != (len(y),):
                raise ValueError(
                    f"sample_weight must have shape ({len(y)},), got "
                    f"{sample_weight.shape}."
                )
            if not np.isfinite(sample_weight).all() or (sample_weight < 0).any():
                raise ValueError("sample_weight must be finite and non-negative.")
        if self.warm_start and self.initialized_ and not partial:
            self._check_sequences(seqs, reset=False)
            self._check_warm_start_target(y)
        schedule = resolve_schedule(self.lr_schedule)
        if hasattr(schedule, "check"):  # the package's schedules; an object of your own may not
            schedule.check(self.learning_rate)
        return seqs, y, sample_weight

    def _check_routed_params(self):
        """Reject attributes passed as ``**kwargs`` that are not ``optimizer__*``."""
        names = self._get_param_names()
        for key in vars(self):
            if key.startswith("_") or key.endswith("_") or key in names:
                continue
            if not key.startswith(ROUTING_PREFIXES):
                close = difflib.get_close_matches(key, names, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ValueError(
                    f"Unknown parameter {key!r} for {type(self).__name__}; only "
                    f"optimizer__<argument> can be routed.{hint}"
                )

    # ----------------------------------------------------------- sequences
    def _uses_tokens(self):
        return self.embedding_dim is not None

    def _resolved_augmentation(self):
        """``augmentation`` with ``"auto"`` resolved: :data:`AUTO_AUGMENTATION` on
        float sequences (without its noise when the network appends their changes),
        none on token ids."""
        if not isinstance(self.augmentation, str):
            return self.augmentation
        if self._uses_tokens():
            return None
        if self.differences_:
            return SequenceAugmenter(**AUTO_AUGMENTATION_WITH_DIFFERENCES)
        return SequenceAugmenter(**AUTO_AUGMENTATION)

    def _conv_filters(self):
        return resolve_conv_filters(self.conv_filters, tokens=self._uses_tokens())

    def _check_sequences(self, X, *, reset):
        seqs = X if hasattr(X, "n_features") else check_sequences(
            X, tokens=self._uses_tokens()
        )
        if reset:
            self._fit_ragged = seqs.ragged
            self.conv_filters_ = self._conv_filters()
            self.conv_stride_ = resolve_conv_stride(
                self.conv_filters_, self.conv_kernel_size, self.conv_stride, seqs.lengths)
            self.length_feature_, self._length_scaling = self._resolve_length_feature(seqs)
            self.differences_, self._difference_scaling = self._resolve_differences(seqs)
            if self._uses_tokens():
                self.vocab_size_ = self._infer_vocab_size(seqs)
            else:
                self._fit_input_mean = self._valid_step_mean(seqs)
            return seqs
        if seqs.n_features != self.n_features_in_:
            raise ValueError(
                f"X has {seqs.n_features} features per timestep, but "
                f"{type(self).__name__} was fitted with {self.n_features_in_}."
            )
        if self._uses_tokens():
            seqs = self._map_unknown_tokens(seqs)
        return seqs

    def _resolve_length_feature(self, seqs):
        """Whether the network sees each sequence's length (``length_feature="auto"``:
        when masked training sequences differ in length), and the mean and scale of
        the training log lengths that standardise it (None when it does not)."""
        auto = self.length_feature == "auto"
        if not self.length_feature or (auto and not self._is_masked()):
            return False, None
        lengths = np.asarray(seqs.lengths) if seqs.ragged else self._lengths(seqs.data)
        if auto and lengths.min() == lengths.max():
            return False, None
        log_lengths = np.log(np.maximum(lengths, 1))
        return True, (float(log_lengths.mean()),
                      max(float(log_lengths.std()), MIN_LOG_LENGTH_SCALE))

    def _resolve_differences(self, seqs):
        """Whether the network sees each feature's step-to-step change
        (``differences="auto"``: on float sequences), and the per-feature mean and
        scale of the training sequences' changes that standardise it."""
        if not isinstance(self.differences, str) and self.differences and (
                self._uses_tokens()):
            raise ValueError(
                "differences=True appends the step-to-step change of float features, "
                f"but embedding_dim={self.embedding_dim} makes the input token ids. "
                "Use differences=False or 'auto' with token ids.")
        if not self.differences or self._uses_tokens():
            return False, None
        X = self._pad(seqs.data) if seqs.ragged else seqs.data
        valid, _ = self._valid_steps(X)  # the steps the network reads, in order
        rows = X if valid is None else (
            row[keep] for row, keep in zip(X, valid, strict=True))
        changes = [np.diff(row, axis=0) for row in rows]
        steps = np.concatenate(changes).reshape(-1, seqs.n_features).astype(np.float64)
        if not len(steps):  # sequences of one step: nothing changes
            return True, ([0.0] * seqs.n_features, [1.0] * seqs.n_features)
        scale = np.maximum(steps.std(axis=0), MIN_DIFFERENCE_SCALE)
        return True, (steps.mean(axis=0).tolist(), scale.tolist())

    def _valid_step_mean(self, seqs):
        """Each feature's mean over the unmasked steps of float sequences: the
        ``baseline="mean"`` of :func:`sklearn_rnn.inspection.integrated_gradients`."""
        if seqs.ragged:
            return np.concatenate(seqs.data).mean(axis=0, dtype=np.float64)
        valid, _ = self._valid_steps(seqs.data)
        steps = seqs.data if valid is None else seqs.data[valid]
        if not steps.size:
            return np.zeros(seqs.n_features)
        return steps.reshape(-1, seqs.n_features).mean(axis=0, dtype=np.float64)

    def _infer_vocab_size(self, seqs):
        max_id = max(int(s.max()) for s in seqs.data) if seqs.ragged else int(
            seqs.data.max()
        )
        if self.vocab_size is not None and max_id >= self.vocab_size:
            raise ValueError(
                f"X holds token id {max_id}, but vocab_size={self.vocab_size} allows "
                f"ids 0 to {self.vocab_size - 1}. Increase vocab_size or set it to "
                "None to infer it."
            )
        vocab_size = (max(max_id + 1, UNKNOWN_TOKEN + 1) if self.vocab_size is None
                      else self.vocab_size)
        if vocab_size * self.embedding_dim > MAX_EMBEDDING_WEIGHTS:
            origin = (f"vocab_size={self.vocab_size}" if self.vocab_size is not None
                      else f"{vocab_size} token ids (the largest id in X is {max_id})")
            raise ValueError(
                f"An embedding of {origin} x embedding_dim={self.embedding_dim} would "
                f"hold {vocab_size * self.embedding_dim:.3g} weights, more than "
                f"{MAX_EMBEDDING_WEIGHTS:.3g} (1 GiB in float32). Map the ids to "
                "0 .. n_distinct - 1 first (np.unique(ids, return_inverse=True) or "
                "sklearn_rnn.preprocessing.TextSequenceVectorizer with max_features) "
                "and set vocab_size to fit them, or lower embedding_dim."
            )
        return vocab_size

    def _map_unknown_tokens(self, seqs):
        def mapped(ids):
            return np.where(ids >= self.vocab_size_, UNKNOWN_TOKEN, ids).astype(
                TOKEN_DTYPE, copy=False
            )

        if seqs.ragged:
            return type(seqs)([mapped(s) for s in seqs.data], seqs.n_features)
        return type(seqs)(mapped(seqs.data), seqs.n_features)

    def _model_mask_value(self):
        """The value the network masks, or None when it has no mask on float input."""
        if self.mask_value is not None:
            return float(self.mask_value)
        return PAD_VALUE if self._fit_ragged else None

    def _to_model_input(self, seqs):
        if not seqs.ragged:
            return seqs.data
        if not self._uses_tokens() and self._model_mask_value() is None:
            raise ValueError(
                "This model was fitted on equal-length sequences without masking, so "
                "it cannot continue training on sequences of different lengths. Set "
                "mask_value, or fit on the variable-length data from the start."
            )
        return self._pad(seqs.data)

    def _pad(self, seqs):
        if self._uses_tokens():
            return pad_sequences(seqs, value=0, dtype=TOKEN_DTYPE)
        return pad_sequences(seqs, value=self._model_mask_value(), dtype=FLOAT_DTYPE)

    # ------------------------------------------------------ masked steps
    def _is_masked(self):
        return self._uses_tokens() or self._model_mask_value() is not None

    def _valid_steps(self, X):
        """Which steps of each padded sequence are not masked, and the fill value
        of the others (None: nothing is masked)."""
        if self._uses_tokens():
            return X != 0, 0
        mask_value = self._model_mask_value()
        if mask_value is None:
            return None, None
        return ~is_padding(X, mask_value), mask_value

    def _max_abs_input(self, X):
        """The largest magnitude among the unmasked float inputs (0 for tokens)."""
        if self._uses_tokens():
            return 0.0
        valid, _ = self._valid_steps(X)
        return float(np.abs(X if valid is None else X[valid]).max())

    def _lengths(self, X):
        valid, _ = self._valid_steps(X)
        return np.full(len(X), X.shape[1]) if valid is None else valid.sum(axis=1)

    def _left_aligned(self, X):
        """Move each sequence's unmasked steps to the front, in order, and return
        the lengths: augmenters work on ``X[i, :length_i]`` and length buckets cut
        ``X[:, :length]``. Masked steps are skipped by the network, so this does
        not change what it sees."""
        valid, fill = self._valid_steps(X)
        if valid is None:
            return X, np.full(len(X), X.shape[1])
        lengths = valid.sum(axis=1)
        if (valid == (np.arange(X.shape[1]) < lengths[:, None])).all():
            return X, lengths
        order = np.argsort(~valid, axis=1, kind="stable")
        index = order if X.ndim == 2 else order[:, :, np.newaxis]
        X = np.take_along_axis(X, index, axis=1)
        X[np.arange(X.shape[1]) >= lengths[:, None]] = fill
        return X, lengths

    def _network_input(self, X):
        """``X`` with its masked steps after the valid ones when a convolutional
        front-end or the step-to-step changes read it (both span neighbouring
        steps), as in training."""
        if not self._is_masked() or not any(
                isinstance(layer, (MaskedConvBlock, FirstDifferences))
                for layer in self.model_.layers):
            return X
        return self._left_aligned(X)[0]
