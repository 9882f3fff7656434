"""The package version recorded in every pickle, and checked when one is loaded.

A pickle written by another major version of sklearn_rnn may hold a network, fitted
attributes or defaults that this version reads differently: loading it raises a
clear error instead of risking a silent wrong answer. Pickles without a recorded
version were written by 0.1.0.
"""

VERSION_KEY = "_sklearn_rnn_version"
UNRECORDED_VERSION = "0.1.0"


def _major(version):
    return version.split(".", 1)[0]


def with_version(state):
    """``state`` (an estimator's pickled ``__dict__``) with the package version."""
    from . import __version__

    return {**state, VERSION_KEY: __version__}


ADDED_PARAMETERS = {"restore_best_weights": False, "conv_shortcut": False,
                    "length_feature": False, "length_buckets": True,
                    "differences": False, "conv_downsampling": "stride"}
"""Parameters later minor versions added, with the values that make an estimator
saved before them behave as it did (``length_buckets=True``: 0.1 always batched
variable-length sequences by length)."""

ADDED_FITTED_STATE = {"length_feature_": False, "_length_scaling": None,
                      "differences_": False, "_difference_scaling": None}
"""Fitted state later minor versions added, for fitted estimators saved before."""


def checked_state(state, estimator_name):
    """``state`` without the recorded version, once that version is readable here,
    with the parameters and fitted state added since the version that wrote it.

    Raises
    ------
    ValueError
        When the pickle was written by a different major version of sklearn_rnn.
    """
    from . import __version__

    state = dict(state)
    written_by = state.pop(VERSION_KEY, UNRECORDED_VERSION)
    if _major(written_by) != _major(__version__):
        raise ValueError(
            f"This {estimator_name} was saved by sklearn_rnn {written_by}, and this is "
            f"sklearn_rnn {__version__}: a saved estimator is only loaded by the major "
            f"version that wrote it ({_major(written_by)}.x), whose networks and fitted "
            f"attributes this version may read differently. Load it with sklearn_rnn "
            f"{_major(written_by)}.x, or fit it again with this version.")
    for name, value in ADDED_PARAMETERS.items():
        state.setdefault(name, value)
    if "model_" in state:
        for name, value in ADDED_FITTED_STATE.items():
            state.setdefault(name, value)
        # Before "auto" existed, the augmenter used was the parameter itself.
        state.setdefault("augmentation_", state.get("augmentation"))
    return state
