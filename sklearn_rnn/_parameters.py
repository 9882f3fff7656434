"""The parameters the sequence classifier and the sequence regressor share: their
constraints (checked at ``fit`` by ``_validate_params``), how ``__init__`` stores
them, which of them shape the network, and how ``batch_size="auto"`` resolves.
"""

from numbers import Integral, Real

import keras
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ._network import CELLS
from ._optimizers import OPTIMIZERS
from ._sequences import MASK_VALUE_CONSTRAINT
from .schedules import SCHEDULE_NAMES

ROUTING_PREFIXES = ("optimizer__",)

NETWORK_PARAMS = (
    "cell_type", "units", "n_layers", "bidirectional", "pooling", "dense_units",
    "dropout", "recurrent_dropout", "spatial_dropout", "l2", "embedding_dim",
    "embedding_l2", "conv_filters", "conv_kernel_size", "conv_stride",
    "conv_shortcut", "conv_downsampling",
)

AUTO_BATCH_MIN, AUTO_BATCH_MAX = 4, 32
"""``batch_size="auto"`` takes a tenth of the training sequences, within these."""


def auto_batch_size(n_samples):
    """``batch_size="auto"``: about ten updates per epoch on small data, batches of
    ``AUTO_BATCH_MAX`` from 320 sequences on (and never more than the data)."""
    return min(n_samples, max(AUTO_BATCH_MIN, min(AUTO_BATCH_MAX, n_samples // 10)))


AUTO_AUGMENTATION = {"jitter": 0.05, "scaling": 0.1, "time_shift": 0.05, "p": 0.5}
"""``augmentation="auto"`` on float sequences: half of each training batch gets
gaussian noise (0.05 of the standardised scale), a random gain (standard deviation
0.1) and a shift of up to 5% of its length (``benchmarks/results/augment_full_screen.md``)."""

AUTO_AUGMENTATION_WITH_DIFFERENCES = {**AUTO_AUGMENTATION, "jitter": 0.0}
"""``augmentation="auto"`` when the network appends the step-to-step changes
(``differences``): the gain and the shift, without the noise, which the changes
would amplify (independent noise of 0.05 on two steps is noise of 0.07 on their
difference, a large share of a slowly changing series' changes)."""


SHARED_PARAMETER_CONSTRAINTS = {
    "cell_type": [StrOptions(set(CELLS))],
    "units": [Interval(Integral, 1, None, closed="left")],
    "n_layers": [Interval(Integral, 1, None, closed="left")],
    "bidirectional": ["boolean"],
    "pooling": [StrOptions({"last", "mean", "max"})],
    "conv_filters": [None, Interval(Integral, 1, None, closed="left"), tuple, list,
                     StrOptions({"auto"})],
    "conv_kernel_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
    "conv_stride": [Interval(Integral, 1, None, closed="left"), tuple, list,
                    StrOptions({"auto"})],
    "conv_shortcut": ["boolean"],
    "conv_downsampling": [StrOptions({"stride", "average"})],
    "length_feature": [StrOptions({"auto"}), "boolean"],
    "differences": [StrOptions({"auto"}), "boolean"],
    "dense_units": [None, Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
    "spatial_dropout": [Interval(Real, 0, 1, closed="left")],
    "l2": [Interval(Real, 0, None, closed="left")],
    "embedding_dim": [None, Interval(Integral, 1, None, closed="left")],
    "vocab_size": [None, Interval(Integral, 2, None, closed="left")],
    "embedding_l2": [Interval(Real, 0, None, closed="left")],
    "mask_value": MASK_VALUE_CONSTRAINT,
    "optimizer": [StrOptions(set(OPTIMIZERS)), keras.optimizers.Optimizer],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "weight_decay": [None, Interval(Real, 0, None, closed="left")],
    "clipnorm": [None, Interval(Real, 0, None, closed="neither")],
    "lr_schedule": [None, StrOptions(set(SCHEDULE_NAMES)),
                    HasMethods(["keras_learning_rate", "keras_callbacks"])],
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "length_buckets": [StrOptions({"auto"}), "boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [None, Interval(Real, 0, None, closed="left")],
    "restore_best_weights": ["boolean"],
    "augmentation": [None, StrOptions({"auto"}), HasMethods(["augment"])],
    "random_state": ["random_state"],
    "verbose": [Interval(Integral, 0, 2, closed="both")],
    "warm_start": ["boolean"],
    "jit_compile": [StrOptions({"auto"}), "boolean"],
}


def store_parameters(estimator, arguments):
    """Set each ``__init__`` argument (``locals()`` of ``__init__``) as an attribute
    of the same name, and the routed ``**kwargs`` as given, as scikit-learn
    estimators do: nothing is checked or changed before ``fit``. The names of the
    ``**kwargs`` are kept, so that ``get_params`` (and so ``clone``) keeps a
    misspelt one for ``fit`` to reject."""
    for name, value in arguments.items():
        if name not in ("self", "kwargs", "__class__"):
            setattr(estimator, name, value)
    keywords = arguments.get("kwargs", {})
    vars(estimator).update(keywords)
    estimator._keyword_arguments = tuple(keywords)
