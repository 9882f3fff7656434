"""The regression contestants: RNNSequenceRegressor and classical baselines, each a
scikit-learn regressor over the channels-last sequences of :mod:`benchmarks._data`,
each behind the same :class:`~sklearn_rnn.preprocessing.SequenceScaler`."""

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_rnn.preprocessing import SequenceScaler
from sklearn_rnn.schedules import ReduceOnPlateau

from ._models import ModelSpec, flatten, to_aeon

RIDGE_ALPHAS = np.logspace(-3, 3, 13)


def rnn_regressor_spec(name, description, **params):
    """A preset of RNNSequenceRegressor behind a SequenceScaler."""

    def make(seed, epochs=None):
        from sklearn_rnn import RNNSequenceRegressor

        kwargs = dict(params)
        if epochs is not None:
            kwargs["epochs"] = epochs
        return make_pipeline(
            SequenceScaler(), RNNSequenceRegressor(random_state=seed, **kwargs)
        )

    return ModelSpec(name, make, True, "rnn", description, params)


def _ridge(seed, epochs=None):
    from sklearn.linear_model import RidgeCV

    return make_pipeline(SequenceScaler(), FunctionTransformer(flatten),
                         StandardScaler(), RidgeCV(alphas=RIDGE_ALPHAS))


def _forest(seed, epochs=None):
    from sklearn.ensemble import RandomForestRegressor

    return make_pipeline(SequenceScaler(), FunctionTransformer(flatten),
                         RandomForestRegressor(n_estimators=500, random_state=seed,
                                               n_jobs=-1))


def _minirocket(seed, epochs=None):
    from aeon.regression.convolution_based import MiniRocketRegressor

    return make_pipeline(SequenceScaler(), FunctionTransformer(to_aeon),
                         MiniRocketRegressor(random_state=seed))


def _dtw(seed, epochs=None):
    from aeon.regression.distance_based import KNeighborsTimeSeriesRegressor

    return make_pipeline(SequenceScaler(), FunctionTransformer(to_aeon),
                         KNeighborsTimeSeriesRegressor(distance="dtw", n_neighbors=1))


def _mean(seed, epochs=None):
    from sklearn.dummy import DummyRegressor

    return make_pipeline(FunctionTransformer(flatten), DummyRegressor())


REGRESSION_MODELS = {
    "rnn_default": rnn_regressor_spec(
        "rnn_default", "RNNSequenceRegressor() with the package defaults (the "
        "classifier's network with a linear head, MSE on standardised targets; the "
        "step-to-step changes appended since sklearn_rnn 0.2.0)"),
    "rnn_raw_targets": rnn_regressor_spec(
        "rnn_raw_targets", "the defaults with standardize_target=False: the network "
        "fits the targets at their own scale", standardize_target=False),
    "rnn_early_stopping": rnn_regressor_spec(
        "rnn_early_stopping", "the defaults with early stopping on a shuffled 20% "
        "of the training split (best weights restored)", early_stopping=True,
        validation_fraction=0.2),
    "rnn_best_epoch": rnn_regressor_spec(
        "rnn_best_epoch", "the defaults keeping the weights of the epoch with the "
        "lowest training loss (restore_best_weights=True)", restore_best_weights=True),
    "rnn_previous_defaults": rnn_regressor_spec(
        "rnn_previous_defaults", "the defaults with the schedule they had until the "
        "patient plateau: the learning rate halved after 10 epochs without "
        "improvement of the training loss, training stopped after 30",
        lr_schedule=ReduceOnPlateau(patience=10), n_iter_no_change=30),
    "rnn_patient_plateau": rnn_regressor_spec(
        "rnn_patient_plateau", "the defaults with a more patient schedule than they "
        "had: the learning rate halved after 20 epochs without improvement of the "
        "training loss (10 before), training stopped after 60 (30 before); the "
        "defaults' patience at 300 epochs since sklearn_rnn 0.2.0",
        lr_schedule=ReduceOnPlateau(patience=20), n_iter_no_change=60),
    "rnn_first_differences": rnn_regressor_spec(
        "rnn_first_differences", "the defaults with each feature's step-to-step "
        "change appended inside the network (differences=True; the default since "
        "this measurement)", differences=True),
    "rnn_without_differences": rnn_regressor_spec(
        "rnn_without_differences", "the defaults without the step-to-step changes "
        "(differences=False): the defaults of sklearn_rnn 0.2.0 before them",
        differences=False),
    "rnn_average_downsampling": rnn_regressor_spec(
        "rnn_average_downsampling", "the defaults with each strided block of the "
        "front-end keeping every step and averaging windows of 2 after its ReLU "
        "(conv_downsampling='average')", conv_downsampling="average"),
    "minirocket": ModelSpec(
        "minirocket", _minirocket, True, "baseline",
        "aeon MiniRocketRegressor (10,000 kernels + RidgeCV)"),
    "dtw_1nn": ModelSpec(
        "dtw_1nn", _dtw, False, "baseline",
        "aeon KNeighborsTimeSeriesRegressor(distance='dtw', n_neighbors=1), full window"),
    "ridge": ModelSpec(
        "ridge", _ridge, False, "baseline",
        "flattened, StandardScaler, RidgeCV(alphas=10^-3..10^3, 13 values)"),
    "random_forest": ModelSpec(
        "random_forest", _forest, True, "baseline",
        "flattened, RandomForestRegressor(n_estimators=500)"),
    "mean": ModelSpec(
        "mean", _mean, False, "baseline",
        "DummyRegressor: the training mean (R^2 <= 0 on the test split)"),
}
