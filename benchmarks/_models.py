"""The contestants: RNNSequenceClassifier presets, the same network written by hand
in Keras, and classical baselines, each a scikit-learn estimator that takes the
channels-last sequences of :mod:`benchmarks._data` (3D arrays or ragged lists).

Every model starts with :class:`~sklearn_rnn.preprocessing.SequenceScaler`
(per-channel standardisation over all timesteps of the training set), so all of
them see the same input.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_rnn._parameters import AUTO_AUGMENTATION, AUTO_AUGMENTATION_WITH_DIFFERENCES
from sklearn_rnn.augmentation import SequenceAugmenter, _shift_in_time
from sklearn_rnn.preprocessing import SequencePadder, SequenceScaler
from sklearn_rnn.schedules import ReduceOnPlateau


@dataclass
class ModelSpec:
    """How to build one contestant.

    ``make(seed, epochs)`` returns an unfitted estimator; ``epochs`` is None
    (the model's own setting) or the cap the runner imposes on neural networks.
    """

    name: str
    make: object
    stochastic: bool
    family: str  # "rnn" (this package), "keras" (hand-written) or "baseline"
    description: str
    params: dict = field(default_factory=dict)


# ------------------------------------------------------------------ RNN presets
PLAIN_LSTM = {"bidirectional": False, "pooling": "last", "conv_filters": None,
              "differences": False, "lr_schedule": None, "tol": None,
              "augmentation": None}
"""One LSTM layer read at its last step: the design's defaults, before the evidence in
``defaults.md`` made the package bidirectional with max pooling. The network the peer
comparisons (throughput, memory) build on every side, and the base of every candidate of
``python -m benchmarks defaults``; without the convolutional front-end, the step-to-step
changes as input, the plateau schedule and the convergence stopping of the defaults,
which the hand-written peers do not have."""

DEFAULT_RECURRENT = {"conv_filters": None, "differences": False, "lr_schedule": None,
                     "tol": None, "augmentation": None}
"""The default recurrent network (bidirectional LSTM, max over time) without the front-end
and the step-to-step changes, trained at a constant rate for every epoch: what
``ours_default`` and the variable-length part of the throughput benchmark train beside
the same network written in Keras."""


def rnn_spec(name, description, **params):
    """A preset of RNNSequenceClassifier behind a SequenceScaler."""

    def make(seed, epochs=None):
        from sklearn_rnn import RNNSequenceClassifier

        kwargs = dict(params)
        if epochs is not None:
            kwargs["epochs"] = epochs
        return make_pipeline(
            SequenceScaler(), RNNSequenceClassifier(random_state=seed, **kwargs)
        )

    return ModelSpec(name, make, True, "rnn", description, params)


def rnn_ensemble_spec(name, description, n_members, member_params=None, **params):
    """Soft voting over ``n_members`` RNNSequenceClassifier seeds (the README's
    one-liner) behind a SequenceScaler; benchmark seed ``s`` uses member seeds
    ``n_members * s`` to ``n_members * s + n_members - 1``, so ensembles of
    different benchmark seeds share no member. ``member_params``, a list of dicts
    cycled over the members, gives members different settings on top of ``params``."""
    cycle = member_params or [{}]

    def make(seed, epochs=None):
        from sklearn.ensemble import VotingClassifier

        from sklearn_rnn import RNNSequenceClassifier

        members = []
        for k in range(n_members):
            kwargs = {**params, **cycle[k % len(cycle)]}
            if epochs is not None:
                kwargs["epochs"] = epochs
            members.append((f"seed{k}", RNNSequenceClassifier(
                random_state=n_members * seed + k, **kwargs)))
        return make_pipeline(SequenceScaler(), VotingClassifier(members, voting="soft"))

    recorded = {**params, "n_members": n_members}
    if member_params:
        recorded["member_params"] = member_params
    return ModelSpec(name, make, True, "rnn", description, recorded)


EARLIER_NETWORK = {"differences": False, "conv_downsampling": "stride"}
"""The classifier's network before sklearn_rnn 0.2.0 made the step-to-step changes
(``differences``) and the averaged windows (``conv_downsampling="average"``) its
defaults: what the hand-written peers of the speed benchmarks build, and what the
presets of results measured before then pin, so that their commands keep reproducing
them."""

PLATEAU_10_30 = {"lr_schedule": ReduceOnPlateau(patience=10), "n_iter_no_change": 30,
                 **EARLIER_NETWORK}
"""The defaults' schedule before sklearn_rnn 0.2.0 made it more patient: the learning rate
halved after 10 epochs without improvement of the training loss, training stopped after
30, on the network of that time (``EARLIER_NETWORK``: strided blocks, without the
step-to-step changes as input). The presets of the README's tables
(``rnn_previous_defaults``, ``rnn_no_augmentation``, ``rnn_accurate``, the ensembles of
``ensemble_full.md`` and ``ensemble_mixed.md``) keep it, so that their commands still
reproduce those results. The screening presets described as "the package defaults with
..." follow the defaults: their committed results, measured before 0.2.0's patient
schedule (each file names its git revision), are not reproduced by rerunning them today."""

NO_FRONT_END = {"conv_filters": None, "differences": False, "lr_schedule": None,
                "batch_size": 32, "epochs": 100, "n_iter_no_change": 10,
                "augmentation": None}
"""The recurrent network without the convolutional front-end and the small-data
recipe (with ``tol=None``: the package defaults before the front-end)."""

ACCURATE = {"conv_filters": (128, 128, 128), "units": 128, "epochs": 600,
            **EARLIER_NETWORK,
            "lr_schedule": ReduceOnPlateau(patience=10), "n_iter_no_change": 50}
"""The wide network: the defaults with their previous schedule (halve after 10
epochs), twice as wide and trained up to twice as long (``accurate_wide`` in
``benchmarks/results/defaults_front_end_screen.md``). The most
accurate configuration measured over the eight datasets is ``rnn_ensemble5_mixed``
(``benchmarks/results/ensemble_mixed.md``), ahead of ``rnn_ensemble5``
(``ensemble_full.md``)."""

RNN_PRESETS = {
    "rnn_default": rnn_spec(
        "rnn_default", "RNNSequenceClassifier() with the package defaults: front-end "
        "3 x [Conv1D(64) + BatchNorm + ReLU] (kernels 8/5/3, strides 2/2/1 as windows "
        "of 2 averaged after the ReLU, conv_downsampling='average'), "
        "bidirectional LSTM(64), max over time; plateau schedule, batch_size='auto', "
        "up to 300 epochs with convergence stopping; augmentation='auto' (half of each "
        "batch with jitter 0.05, a gain of sd 0.1 and a shift of up to 5% of its length); "
        "the plateau halving the learning rate after epochs // 15 epochs without "
        "improvement of the training loss (between 5 and 20: 20 at 300 epochs, 6 at 100), "
        "convergence stopping after 60; each feature's step-to-step change appended "
        "inside the network (differences='auto'), so the augmentation adds no jitter"),
    "rnn_strided": rnn_spec(
        "rnn_strided", "the package defaults with strided convolutions in the "
        "front-end (conv_downsampling='stride'): the defaults of sklearn_rnn 0.2.0 "
        "before the averaged windows", conv_downsampling="stride"),
    "rnn_without_differences": rnn_spec(
        "rnn_without_differences", "the package defaults without the step-to-step "
        "changes as input (differences=False), so with the augmentation's jitter, and "
        "with strided convolutions (conv_downsampling='stride'): the defaults of "
        "sklearn_rnn 0.2.0 before the changes", **EARLIER_NETWORK),
    "rnn_previous_defaults": rnn_spec(
        "rnn_previous_defaults", "the package defaults with the schedule they had until "
        "the patient plateau: the learning rate halved after 10 epochs without "
        "improvement, training stopped after 30", **PLATEAU_10_30),
    "rnn_no_augmentation": rnn_spec(
        "rnn_no_augmentation", "the package defaults without augmentation "
        "(augmentation=None, the default of sklearn_rnn 0.1), with the previous schedule "
        "(halve after 10 epochs, stop after 30)", augmentation=None, **PLATEAU_10_30),
    "rnn_default_no_augmentation": rnn_spec(
        "rnn_default_no_augmentation", "today's package defaults (the patient "
        "schedule) without augmentation (augmentation=None)", augmentation=None),
    "rnn_accurate": rnn_spec(
        "rnn_accurate", "the wide network: the defaults with 128 filters per block "
        "and 128 units, up to 600 epochs, the learning rate halved after 10 epochs "
        "without improvement, convergence patience 50",
        **ACCURATE),
    "rnn_no_front_end": rnn_spec(
        "rnn_no_front_end", "the package defaults before the front-end: bidirectional "
        "LSTM(64), max over time, constant 1e-3, batch 32, 100 epochs",
        **NO_FRONT_END, tol=None),
    "rnn_bilstm2": rnn_spec(
        "rnn_bilstm2",
        "2-layer bidirectional LSTM(64), no front-end, cosine schedule from 1e-3, "
        "early stopping (20% held out, patience 20), up to 100 epochs",
        **{**NO_FRONT_END, "n_iter_no_change": 20, "lr_schedule": "cosine"},
        bidirectional=True, n_layers=2, early_stopping=True, validation_fraction=0.2),
    "rnn_ensemble5": rnn_ensemble_spec(
        "rnn_ensemble5", "VotingClassifier(voting='soft') over 5 RNNSequenceClassifier() "
        "with the package defaults and seeds 5s..5s+4, with the previous schedule "
        "(halve after 10 epochs, stop after 30): the mean of their probabilities",
        n_members=5, **PLATEAU_10_30),
    "rnn_ensemble5_mixed": rnn_ensemble_spec(
        "rnn_ensemble5_mixed", "VotingClassifier(voting='soft') over 5 "
        "RNNSequenceClassifier() with seeds 5s..5s+4, alternately with the default "
        "augmentation (members 1, 3, 5) and without (augmentation=None, members 2 and "
        "4), with the previous schedule (halve after 10 epochs, stop after 30): the "
        "mean of their probabilities", n_members=5,
        member_params=[{}, {"augmentation": None}], **PLATEAU_10_30),
    "rnn_ensemble5_mixed_patient": rnn_ensemble_spec(
        "rnn_ensemble5_mixed_patient", "rnn_ensemble5_mixed with the package defaults' "
        "patient schedule (halve after 20 epochs at 300 epochs, stop after 60)", n_members=5,
        member_params=[{}, {"augmentation": None}]),
    "rnn_ensemble2_shift_mixed": rnn_ensemble_spec(
        "rnn_ensemble2_shift_mixed", "VotingClassifier(voting='soft') over 2 "
        "RNNSequenceClassifier() with the package defaults (the step-to-step changes "
        "included) and seeds 2s, 2s+1: the first with the default augmentation (gain "
        "and shift), the second with the gain only (no time shift)", n_members=2,
        member_params=[{}, {"augmentation": SequenceAugmenter(scaling=0.1, p=0.5)}]),
    "rnn_ensemble5_patient": rnn_ensemble_spec(
        "rnn_ensemble5_patient", "VotingClassifier(voting='soft') over 5 "
        "RNNSequenceClassifier() with the package defaults (the patient schedule) and "
        "seeds 5s..5s+4: the mean of their probabilities", n_members=5),
    "rnn_ensemble5_best_epoch": rnn_ensemble_spec(
        "rnn_ensemble5_best_epoch", "soft vote of 5 RNNSequenceClassifier seeds with "
        "the package defaults, each keeping the weights of its epoch with the lowest "
        "training loss (restore_best_weights=True)", 5, restore_best_weights=True),
    "rnn_ensemble5_front_ends": rnn_ensemble_spec(
        "rnn_ensemble5_front_ends", "VotingClassifier(voting='soft') over 5 "
        "RNNSequenceClassifier() with seeds 5s..5s+4 whose front-ends differ, cycling "
        "the package defaults, the strides one block later (conv_stride=(1, 2, 2)) and "
        "the LSTM-FCN layout (conv_shortcut=True): the mean of their probabilities",
        n_members=5, member_params=[{}, {"conv_stride": (1, 2, 2)}, {"conv_shortcut": True}]),
    "rnn_ensemble5_multi_kernel": rnn_ensemble_spec(
        "rnn_ensemble5_multi_kernel", "soft vote of 5 RNNSequenceClassifier seeds with "
        "the package defaults and parallel kernel sizes in each front-end block "
        "(conv_kernel_size=((8, 16, 32), (5, 10, 20), (3, 6, 12)), as rnn_multi_kernel)",
        5, conv_kernel_size=((8, 16, 32), (5, 10, 20), (3, 6, 12))),
    "rnn_600_epochs": rnn_spec(
        "rnn_600_epochs", "the package defaults trained up to 600 epochs instead of 300 "
        "(the plateau's patience stays 20, convergence stopping after 60)", epochs=600),
    "rnn_patient_plateau": rnn_spec(
        "rnn_patient_plateau", "the package defaults with a more patient schedule than "
        "they had: the learning rate halved after 20 epochs without improvement of the "
        "training loss (10 before), training stopped after 60 (30 before); the "
        "defaults' patience at 300 epochs since sklearn_rnn 0.2.0",
        lr_schedule=ReduceOnPlateau(patience=20), n_iter_no_change=60),
    "rnn_short_plateau": rnn_spec(
        "rnn_short_plateau", "the package defaults with the learning rate halved after 6 "
        "epochs without improvement of the training loss (a patience for fits of 100 "
        "epochs), training stopped after 60",
        lr_schedule=ReduceOnPlateau(patience=6), n_iter_no_change=60),
    "rnn_wide": rnn_spec(
        "rnn_wide", "the package defaults twice as wide: 128 filters per front-end "
        "block and 128 units (rnn_accurate's network with the defaults' schedule and "
        "300 epochs), without the step-to-step changes as input (differences=False) "
        "and with strided blocks (conv_downsampling='stride'), as measured",
        conv_filters=128, units=128, **EARLIER_NETWORK),
    "rnn_wide_differences": rnn_spec(
        "rnn_wide_differences", "the package defaults twice as wide: 128 filters per "
        "front-end block and 128 units, with the defaults' step-to-step changes and "
        "averaged windows", conv_filters=128, units=128),
    "rnn_first_differences_jitter": rnn_spec(
        "rnn_first_differences_jitter", "the package defaults with each feature's "
        "step-to-step change appended inside the network, after the augmentation "
        "(differences=True), keeping the default augmentation's gaussian jitter "
        "(0.05 on the levels)", differences=True,
        augmentation=SequenceAugmenter(**AUTO_AUGMENTATION)),
    "rnn_first_differences_no_jitter": rnn_spec(
        "rnn_first_differences_no_jitter", "rnn_first_differences with the default "
        "augmentation's gain and shift but no gaussian jitter (jitter on the levels "
        "becomes noise on their changes)", differences=True,
        augmentation=SequenceAugmenter(**{**AUTO_AUGMENTATION, "jitter": 0.0})),
    "rnn_gru": rnn_spec(
        "rnn_gru", "GRU, otherwise the package defaults", cell_type="gru"),
    "rnn_mean_pooling": rnn_spec(
        "rnn_mean_pooling", "the package defaults with the recurrent outputs averaged "
        "over time instead of their maximum (pooling='mean', as the published FCN "
        "averages its last block)", pooling="mean"),
    "rnn_dropout": rnn_spec(
        "rnn_dropout", "the package defaults with dropout 0.3 on the pooled recurrent "
        "output (dropout=0.3)", dropout=0.3),
    "rnn_weight_decay": rnn_spec(
        "rnn_weight_decay", "the package defaults with decoupled weight decay 0.01 "
        "(weight_decay=0.01, Adam becomes AdamW)", weight_decay=0.01),
    "rnn_weight_decay_005": rnn_spec(
        "rnn_weight_decay_005", "the package defaults with decoupled weight decay 0.05 "
        "(weight_decay=0.05)", weight_decay=0.05),
    "rnn_best_epoch": rnn_spec(
        "rnn_best_epoch", "the package defaults keeping the weights of the epoch with "
        "the lowest training loss (restore_best_weights=True)",
        restore_best_weights=True),
    "rnn_length_batches": rnn_spec(
        "rnn_length_batches", "the package defaults, always batching variable-length "
        "series by length (length_buckets=True, the behaviour of sklearn_rnn 0.1)",
        length_buckets=True),
    "rnn_length_feature": rnn_spec(
        "rnn_length_feature", "the package defaults with each series' length as an "
        "input of the output layer (length_feature=True)", length_feature=True),
    "rnn_shortcut": rnn_spec(
        "rnn_shortcut", "the package defaults with the front-end's output averaged "
        "over time joining the recurrent output at the head (conv_shortcut=True, the "
        "LSTM-FCN layout)", conv_shortcut=True),
    "rnn_stride1": rnn_spec(
        "rnn_stride1", "the package defaults with stride 1 in every front-end block "
        "(no downsampling)", conv_stride=1),
    "rnn_stride1_shortcut": rnn_spec(
        "rnn_stride1_shortcut", "the package defaults with stride 1 in every "
        "front-end block and the front-end's output averaged over time joining the "
        "recurrent output at the head (a full-resolution FCN beside the recurrent layer)",
        conv_stride=1, conv_shortcut=True),
    "rnn_augment_warp": rnn_spec(
        "rnn_augment_warp", "the package defaults training on augmented batches: half "
        "of each batch time-warped (strength 0.1) and window-cropped (10% cut away)",
        augmentation=SequenceAugmenter(time_warp=0.1, window_crop=0.1, p=0.5)),
    "rnn_augment_noise": rnn_spec(
        "rnn_augment_noise", "the package defaults training on augmented batches: half "
        "of each batch with gaussian jitter (0.05), a random gain (sd 0.1) and a shift of "
        "up to 12 steps",
        augmentation=SequenceAugmenter(jitter=0.05, scaling=0.1, time_shift=12, p=0.5)),
    "rnn_augment_jitter": rnn_spec(
        "rnn_augment_jitter", "the package defaults training on augmented batches: half "
        "of each batch with gaussian jitter (0.05) and a random gain (sd 0.1)",
        augmentation=SequenceAugmenter(jitter=0.05, scaling=0.1, p=0.5)),
    "rnn_augment_warped": rnn_spec(
        "rnn_augment_warped", "the package defaults with a smooth random time warp "
        "(strength 0.1) added to the default augmentation: half of each batch warped, "
        "shifted by up to 5% of its length, with jitter 0.05 and a gain of sd 0.1",
        augmentation=SequenceAugmenter(**AUTO_AUGMENTATION, time_warp=0.1)),
    "rnn_augment_shift20": rnn_spec(
        "rnn_augment_shift20", "the package defaults with the augmentation's shift "
        "capped at 20 steps: half of each batch with jitter 0.05, a gain of sd 0.1 and a "
        "shift of up to 20 steps (5% of the length up to 400 steps: only longer series "
        "differ from the defaults)",
        augmentation=SequenceAugmenter(**{**AUTO_AUGMENTATION, "time_shift": 20})),
    "rnn_augment_gain": rnn_spec(
        "rnn_augment_gain", "the package defaults (with the step-to-step changes) "
        "training on augmented batches without the time shift: half of each batch with "
        "a random gain (sd 0.1) only",
        augmentation=SequenceAugmenter(scaling=0.1, p=0.5)),
    "rnn_shift_on_stride": rnn_spec(
        "rnn_shift_on_stride", "the package defaults (with the step-to-step changes) "
        "with the augmentation's shifts in multiples of 4 steps, the front-end's total "
        "stride: half of each batch with a gain of sd 0.1 and a shift of up to 5% of "
        "its length, rounded to a multiple of 4",
        augmentation=SequenceAugmenter(**AUTO_AUGMENTATION_WITH_DIFFERENCES,
                                       time_shift_step=4)),
    "rnn_stride_late": rnn_spec(
        "rnn_stride_late", "the package defaults with the front-end's strides moved one "
        "block later, (1, 2, 2): the first block reads every step before any is skipped "
        "(the same total stride of 4, so the recurrent layers read as many steps)",
        conv_stride=(1, 2, 2)),
    "rnn_multi_kernel": rnn_spec(
        "rnn_multi_kernel", "the package defaults with each front-end block running "
        "three convolutions side by side, of its kernel size and of twice and four times "
        "it, splitting its 64 filters (22, 21, 21) and concatenating them, as an "
        "Inception module without its bottleneck",
        conv_kernel_size=((8, 16, 32), (5, 10, 20), (3, 6, 12))),
    "rnn_average_downsampling": rnn_spec(
        "rnn_average_downsampling", "the package defaults with each strided block of "
        "the front-end keeping every step and averaging windows of 2 after its ReLU "
        "(conv_downsampling='average'): the same lengths, but a one-step shift of the "
        "input no longer changes which steps are read",
        conv_downsampling="average"),
    "rnn_shift_averaged": ModelSpec(
        "rnn_shift_averaged", lambda seed, epochs=None: _shift_averaged(seed, epochs),
        True, "rnn", "the package defaults, each test series predicted 9 times, shifted "
        "by -4 to 4 steps (edge-repeating, as the augmentation shifts), and the "
        "probabilities averaged (test-time augmentation)", {"max_shift": 4}),
    "rnn_augment_shift": rnn_spec(
        "rnn_augment_shift", "the package defaults training on augmented batches: half "
        "of each batch shifted in time by up to 12 steps",
        augmentation=SequenceAugmenter(time_shift=12, p=0.5)),
}


def _rnn_padded(seed, epochs=None):
    from sklearn_rnn import RNNSequenceClassifier

    kwargs = {} if epochs is None else {"epochs": epochs}
    return make_pipeline(SequenceScaler(), padder(),
                         RNNSequenceClassifier(random_state=seed, **kwargs))


def with_differences(X):
    """Each series with its first differences (the step-to-step change, 0 at the
    first step) as extra channels, for 3D arrays and ragged lists alike."""
    if isinstance(X, np.ndarray) and X.ndim == 3:
        return np.concatenate([X, np.diff(X, axis=1, prepend=X[:, :1])], axis=2)
    return [with_differences(np.asarray(s)[None])[0] for s in X]


def _rnn_differences(seed, epochs=None):
    from sklearn_rnn import RNNSequenceClassifier

    kwargs = {} if epochs is None else {"epochs": epochs}
    return make_pipeline(FunctionTransformer(with_differences), SequenceScaler(),
                         RNNSequenceClassifier(random_state=seed, differences=False,
                                               **kwargs))


RNN_PRESETS["rnn_differences"] = ModelSpec(
    "rnn_differences", _rnn_differences, True, "rnn",
    "the package defaults on each series with its first differences as a second "
    "channel (the step-to-step change, standardised like the series by the "
    "SequenceScaler that follows), the network itself without them "
    "(differences=False), so the augmentation treats them as channels of their own")


RNN_PRESETS["rnn_padded"] = ModelSpec(
    "rnn_padded", _rnn_padded, True, "rnn",
    "the package defaults on series padded at the end with 0 to the longest training "
    "series (SequencePadder, as for MiniRocket) instead of masked: the network sees "
    "where each series ends")


class ShiftAveraged(ClassifierMixin, BaseEstimator):
    """``estimator``'s probabilities averaged over copies of each series shifted
    by ``-max_shift .. max_shift`` steps (the vacated steps repeat the edge step,
    as :class:`~sklearn_rnn.augmentation.SequenceAugmenter` shifts): test-time
    augmentation. The fit is ``estimator``'s own."""

    def __init__(self, estimator, max_shift=4):
        self.estimator = estimator
        self.max_shift = max_shift

    def fit(self, X, y):
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X):
        def shifted(shift):
            series = [_shift_in_time(x, shift) for x in X]
            return series if isinstance(X, list) else np.stack(series)

        return np.mean([self.estimator_.predict_proba(shifted(shift))
                        for shift in range(-self.max_shift, self.max_shift + 1)], axis=0)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _shift_averaged(seed, epochs=None):
    from sklearn_rnn import RNNSequenceClassifier

    kwargs = {} if epochs is None else {"epochs": epochs}
    return make_pipeline(SequenceScaler(), ShiftAveraged(
        RNNSequenceClassifier(random_state=seed, **kwargs), max_shift=4))


# ------------------------------------------------------- the network by hand
class KerasByHand(ClassifierMixin, BaseEstimator):
    """``rnn_no_front_end`` (the defaults before the front-end) written directly in Keras 3,
    as a tutorial would.

    ``keras.Sequential([Input, (Masking), Bidirectional(LSTM(64, return_sequences=True)),
    GlobalMaxPooling1D, Dense(softmax)])``, Adam(1e-3),
    sparse categorical cross-entropy, ``model.fit(epochs=100, batch_size=32)``,
    ``model.predict``. Variable-length input is padded at the end with
    ``PAD`` and masked (Keras' ``GlobalMaxPooling1D`` ignores the mask, as a tutorial
    would leave it). It exists to show what the wrapper costs (or not).
    With ``random_state`` set it calls ``keras.utils.set_random_seed``, after
    which Keras 3.15 on TensorFlow repeats one shuffled batch order every epoch;
    it is left so, as a tutorial would be (the package draws its own batches).
    """

    PAD = -999.0

    def __init__(self, *, units=64, epochs=100, batch_size=32, learning_rate=1e-3,
                 random_state=None):
        self.units = units
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state

    def _array(self, X):
        import keras

        if isinstance(X, list):
            return keras.utils.pad_sequences(
                X, maxlen=None, dtype="float32", padding="post", value=self.PAD
            )
        return np.asarray(X, dtype="float32")

    def fit(self, X, y):
        import keras

        if self.random_state is not None:
            keras.utils.set_random_seed(self.random_state)
        self.classes_, y_int = np.unique(y, return_inverse=True)
        self._ragged = isinstance(X, list)
        X = self._array(X)
        layers = [keras.Input(shape=(None, X.shape[2]))]
        if self._ragged:
            layers.append(keras.layers.Masking(mask_value=self.PAD))
        layers += [
            keras.layers.Bidirectional(keras.layers.LSTM(self.units, return_sequences=True)),
            keras.layers.GlobalMaxPooling1D(),
            keras.layers.Dense(len(self.classes_), activation="softmax"),
        ]
        self.model_ = keras.Sequential(layers)
        self.model_.compile(
            optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        history = self.model_.fit(X, y_int, epochs=self.epochs,
                                  batch_size=self.batch_size, verbose=0)
        self.history_ = history.history
        self.n_iter_ = len(history.history["loss"])
        return self

    def predict_proba(self, X):
        return self.model_.predict(self._array(X), verbose=0)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _keras_by_hand(seed, epochs=None):
    return make_pipeline(
        SequenceScaler(), KerasByHand(epochs=epochs or 100, random_state=seed)
    )


KERAS_BY_HAND = ModelSpec(
    "keras_by_hand", _keras_by_hand, True, "keras",
    "keras.Sequential bidirectional LSTM(64) + global max pooling + Dense softmax, "
    "Adam(1e-3), 100 epochs, batch 32: rnn_no_front_end written by hand",
)


# -------------------------------------------------------------------- baselines
def to_aeon(X):
    """Channels-last -> aeon's channels-first (numpy3D, or a list for ragged)."""
    if isinstance(X, list):
        return [np.ascontiguousarray(x.T, dtype=np.float64) for x in X]
    return np.ascontiguousarray(np.asarray(X).transpose(0, 2, 1), dtype=np.float64)


def flatten(X):
    X = np.asarray(X)
    return X.reshape(len(X), -1)


def padder():
    """Equal length for the baselines that need it: pad at the end with 0 (the
    mean, after SequenceScaler) to the longest training sequence; longer test
    sequences are truncated at the end. A no-op on equal-length data."""
    return SequencePadder(padding="post", truncating="post", value=0.0)


def _minirocket(seed, epochs=None):
    from aeon.classification.convolution_based import MiniRocketClassifier

    return make_pipeline(
        SequenceScaler(), padder(), FunctionTransformer(to_aeon),
        MiniRocketClassifier(random_state=seed),
    )


def _dtw(seed, epochs=None):
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    return make_pipeline(
        SequenceScaler(), FunctionTransformer(to_aeon),
        KNeighborsTimeSeriesClassifier(distance="dtw", n_neighbors=1),
    )


def _logreg(seed, epochs=None):
    from sklearn.linear_model import LogisticRegression

    return make_pipeline(
        SequenceScaler(), padder(), FunctionTransformer(flatten), StandardScaler(),
        LogisticRegression(max_iter=2000),
    )


def _forest(seed, epochs=None):
    from sklearn.ensemble import RandomForestClassifier

    return make_pipeline(
        SequenceScaler(), padder(), FunctionTransformer(flatten),
        RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=-1),
    )


BASELINES = {
    "minirocket": ModelSpec(
        "minirocket", _minirocket, True, "baseline",
        "aeon MiniRocketClassifier (10,000 kernels + RidgeClassifierCV); padded"),
    "dtw_1nn": ModelSpec(
        "dtw_1nn", _dtw, False, "baseline",
        "aeon KNeighborsTimeSeriesClassifier(distance='dtw', n_neighbors=1), full "
        "window; variable-length series compared unpadded"),
    "logistic_regression": ModelSpec(
        "logistic_regression", _logreg, False, "baseline",
        "padded, flattened, StandardScaler, LogisticRegression(max_iter=2000)"),
    "random_forest": ModelSpec(
        "random_forest", _forest, True, "baseline",
        "padded, flattened, RandomForestClassifier(n_estimators=500)"),
}

MODELS = {**RNN_PRESETS, "keras_by_hand": KERAS_BY_HAND, **BASELINES}
