"""Saving and loading fitted estimators: pickle and joblib files loaded in a new
Python process predict exactly what the estimators predicted when they were saved,
and a file from another major version of the package is refused with a clear error.

The new process inherits ``KERAS_BACKEND``, so running this module with
``KERAS_BACKEND=jax`` checks the JAX backend.
"""

import json
import os
import pickle
import subprocess
import sys
import textwrap

import joblib
import keras
import numpy as np
import pytest
from conftest import ONE_DIRECTION, ordered_sequences
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

import sklearn_rnn
from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor
from sklearn_rnn._persistence import (
    ADDED_FITTED_STATE,
    ADDED_PARAMETERS,
    VERSION_KEY,
    checked_state,
)
from sklearn_rnn.augmentation import SequenceAugmenter
from sklearn_rnn.preprocessing import SequenceScaler
from sklearn_rnn.schedules import StepDecay

# The default network (convolutions, two directions) is saved as "classifier_3d";
# the other cases save the quicker one-direction network.
TINY = {"units": 3, "epochs": 1, "random_state": 0, **ONE_DIRECTION}


def _ragged(X):
    return [x[: len(x) - i % 3] for i, x in enumerate(X)]


def _tokens(n_samples=40, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n_samples)
    X = [list(rng.integers(2, 9, size=rng.integers(3, 8))) + [9 if label else 10]
         for label in y]
    return X, y


def _estimators():
    """Name -> (fitted estimator, X to predict, output methods)."""
    X, y = ordered_sequences(n_samples=40, n_timesteps=8)
    tokens, token_labels = _tokens()
    both = ("predict_proba", "predict")
    pipe = make_pipeline(SequenceScaler(), RNNSequenceClassifier(**TINY))
    # One split: the refit best estimator is what is saved, however many splits.
    halves = np.arange(len(y)) < len(y) // 2
    search = GridSearchCV(pipe, {"rnnsequenceclassifier__units": [2, 3]},
                          cv=[(np.flatnonzero(halves), np.flatnonzero(~halves))])
    return {
        "classifier_3d": (RNNSequenceClassifier(
            units=3, epochs=1, random_state=0, conv_filters=2, conv_kernel_size=3,
            conv_stride=2).fit(X, y), X, both),
        "classifier_ragged": (RNNSequenceClassifier(**TINY).fit(_ragged(X), y),
                              _ragged(X), both),
        "classifier_tokens": (RNNSequenceClassifier(embedding_dim=3, **TINY).fit(
            tokens, token_labels), tokens, both),
        "regressor_3d": (RNNSequenceRegressor(**TINY).fit(X, X[:, :, 0].sum(axis=1)),
                         X, ("predict",)),
        # A per-batch schedule: its Keras class is in the optimizer's config.
        "classifier_one_cycle": (RNNSequenceClassifier(
            **{**TINY, "epochs": 2}, lr_schedule="one_cycle").fit(X, y), X, both),
        "pipeline": (pipe.fit(X, y), X, both),
        "grid_search_best": (search.fit(X, y).best_estimator_, X, both),
    }


def _outputs(estimator, X, methods):
    return {method: np.asarray(getattr(estimator, method)(X)).tolist()
            for method in methods}


LOADER = textwrap.dedent("""
    import json, pickle, sys
    import joblib
    import numpy as np

    folder = sys.argv[1]
    cases = json.load(open(folder + "/cases.json"))
    results = {}
    for name, methods in cases.items():
        X = pickle.load(open(f"{folder}/{name}.X.pkl", "rb"))
        for kind, load in (("pickle", lambda p: pickle.load(open(p, "rb"))),
                           ("joblib", joblib.load)):
            estimator = load(f"{folder}/{name}.{kind}")
            results[f"{name}/{kind}"] = {
                method: np.asarray(getattr(estimator, method)(X)).tolist()
                for method in methods}
    json.dump(results, open(folder + "/results.json", "w"))
""")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Every estimator pickled and joblib-dumped, and what it predicted."""
    folder = tmp_path_factory.mktemp("persistence")
    expected, cases = {}, {}
    for name, (estimator, X, methods) in _estimators().items():
        (folder / f"{name}.pickle").write_bytes(pickle.dumps(estimator))
        joblib.dump(estimator, folder / f"{name}.joblib")
        (folder / f"{name}.X.pkl").write_bytes(pickle.dumps(X))
        expected[name] = _outputs(estimator, X, methods)
        cases[name] = list(methods)
    (folder / "cases.json").write_text(json.dumps(cases))
    return folder, expected


@pytest.fixture(scope="module")
def loaded_in_new_process(saved):
    folder, _ = saved
    subprocess.run([sys.executable, "-c", LOADER, str(folder)], check=True,
                   timeout=600)
    return json.loads((folder / "results.json").read_text())


@pytest.mark.parametrize("kind", ["pickle", "joblib"])
@pytest.mark.parametrize("name", ["classifier_3d", "classifier_ragged",
                                  "classifier_tokens", "classifier_one_cycle",
                                  "regressor_3d", "pipeline", "grid_search_best"])
def test_new_process_predicts_identically(saved, loaded_in_new_process, name, kind):
    _, expected = saved
    got = loaded_in_new_process[f"{name}/{kind}"]
    assert got.keys() == expected[name].keys()
    for method, values in expected[name].items():
        if keras.backend.backend() == "jax" and np.asarray(values).dtype.kind == "f":
            # XLA's CPU kernels for JAX may round the last float32 bit differently in
            # another process (measured: at most 6e-8 in a probability).
            np.testing.assert_allclose(np.asarray(got[method]), np.asarray(values),
                                       rtol=0, atol=1e-6, err_msg=f"{name} {kind} {method}")
        else:
            np.testing.assert_array_equal(np.asarray(got[method]), np.asarray(values),
                                          err_msg=f"{name} {kind} {method}")


def test_loaded_estimator_keeps_fitted_state_and_trains_on(saved):
    folder, _ = saved
    clf = pickle.loads((folder / "classifier_3d.pickle").read_bytes())
    assert not hasattr(clf, VERSION_KEY)
    assert clf.n_features_in_ == 2 and list(clf.classes_) == [0, 1]
    assert len(clf.history_["loss"]) == clf.n_iter_ == 1
    X, y = ordered_sequences(n_samples=40, n_timesteps=8)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 2
    assert clone(clf).get_params() == clf.get_params()


@pytest.fixture(scope="module")
def small_fitted():
    """A fitted classifier and regressor for the version checks, and their X."""
    X, y = ordered_sequences(n_samples=20, n_timesteps=6)
    return {"classifier": RNNSequenceClassifier(**TINY).fit(X, y),
            "regressor": RNNSequenceRegressor(**TINY).fit(X, y.astype(float))}, X


def test_pickle_records_the_package_version(small_fitted):
    clf = small_fitted[0]["classifier"]
    assert clf.__getstate__()[VERSION_KEY] == sklearn_rnn.__version__
    assert not hasattr(clf, VERSION_KEY)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_other_major_version_is_refused(small_fitted, kind, monkeypatch):
    estimator = small_fitted[0][kind]
    current = sklearn_rnn.__version__
    monkeypatch.setattr(sklearn_rnn, "__version__", "99.0.0")
    data = pickle.dumps(estimator)
    monkeypatch.setattr(sklearn_rnn, "__version__", current)
    name = type(estimator).__name__
    with pytest.raises(ValueError, match=(
            rf"This {name} was saved by sklearn_rnn 99\.0\.0, and this is sklearn_rnn "
            rf"{current}.*99\.x")):
        pickle.loads(data)


def test_head_inputs_survive_a_pickle():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)).astype("float32") for n in [4, 9, 20] * 4]
    clf = RNNSequenceClassifier(units=3, epochs=1, conv_filters=(2,), conv_kernel_size=3,
                                conv_stride=2, conv_shortcut=True, length_feature=True,
                                conv_downsampling="average",
                                differences=True, random_state=0).fit(X, np.arange(12) % 2)
    loaded = pickle.loads(pickle.dumps(clf))
    for name in ("sequence_length", "first_differences", "conv_block_0"):
        assert loaded.model_.get_layer(name).get_config() == (
            clf.model_.get_layer(name).get_config())
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


def test_other_minor_version_and_unrecorded_version_load(small_fitted, monkeypatch):
    estimators, X = small_fitted
    clf = estimators["classifier"]
    major = sklearn_rnn.__version__.split(".")[0]
    monkeypatch.setattr(sklearn_rnn, "__version__", f"{major}.99.7")
    data = pickle.dumps(clf)
    monkeypatch.undo()
    np.testing.assert_array_equal(pickle.loads(data).predict_proba(X),
                                  clf.predict_proba(X))
    # Pickles written before versions were recorded come from 0.1.0; parameters
    # added since get the values that keep their behaviour.
    state = {"units": 3}
    assert checked_state(state, "RNNSequenceClassifier") == {**state, **ADDED_PARAMETERS}
    old = {name: value for name, value in clf.__getstate__().items()
           if name not in {*ADDED_PARAMETERS, *ADDED_FITTED_STATE, VERSION_KEY,
                           "augmentation_"}}
    # Before augmentation="auto", the augmenter a fit used was the parameter.
    old["augmentation"] = augmenter = SequenceAugmenter(jitter=0.1)
    restored = type(clf)()
    restored.__setstate__(old)
    assert restored.length_buckets is True and restored.length_feature_ is False
    assert restored.differences is False and restored.differences_ is False
    assert restored.augmentation_ is augmenter
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert clone(restored).get_params()["length_buckets"] is True
    if major != "0":
        with pytest.raises(ValueError, match="saved by sklearn_rnn 0.1.0"):
            checked_state(state, "RNNSequenceClassifier")


@pytest.mark.parametrize("mask_value", [None, -5.0])
def test_the_saved_network_reads_ragged_input_padded_as_the_guide_says(tmp_path, mask_value):
    """persistence.rst: ragged input padded at the end with mask_value, or -1e9."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)).astype("float32") for n in rng.integers(4, 12, size=16)]
    y = np.arange(16) % 2
    clf = RNNSequenceClassifier(units=3, epochs=1, random_state=0, mask_value=mask_value,
                                conv_filters=None).fit(X, y)
    clf.model_.save(tmp_path / "network.keras")
    network = keras.models.load_model(tmp_path / "network.keras")
    padded = keras.utils.pad_sequences(X, dtype="float32", padding="post",
                                       value=-1e9 if mask_value is None else mask_value)
    np.testing.assert_allclose(network.predict(padded, verbose=0), clf.predict_proba(X),
                               atol=1e-6)


KERAS_LOADER = textwrap.dedent("""
    import sys
    import keras
    import numpy as np
    from sklearn_rnn import RNNSequenceClassifier  # registers the package's Keras classes

    network = keras.models.load_model(sys.argv[1] + "/network.keras")
    X = np.load(sys.argv[1] + "/X.npy")
    np.save(sys.argv[1] + "/proba.npy", network.predict(X, verbose=0))
""")


def test_the_saved_network_loads_in_a_new_process_as_the_guide_says(tmp_path):
    """persistence.rst: a ``.keras`` file of ``model_`` (its step-to-step changes
    layer, its one-cycle schedule) loads in a process that has not fitted."""
    X, y = ordered_sequences(n_samples=20, n_timesteps=8)
    clf = RNNSequenceClassifier(**{**TINY, "epochs": 2}, lr_schedule="one_cycle").fit(X, y)
    assert clf.differences_
    clf.model_.save(tmp_path / "network.keras")
    np.save(tmp_path / "X.npy", X.astype("float32"))
    subprocess.run([sys.executable, "-c", KERAS_LOADER, str(tmp_path)], check=True,
                   timeout=600)
    np.testing.assert_allclose(np.load(tmp_path / "proba.npy"), clf.predict_proba(X),
                               atol=1e-6)


class HalvingEveryEpoch(StepDecay):
    """A schedule of the user's own, subclassing one of the package's."""


def test_a_subclass_of_a_package_schedule_survives_a_pickle():
    X, y = ordered_sequences(n_samples=20, n_timesteps=6)
    clf = RNNSequenceClassifier(**{**TINY, "epochs": 2},
                                lr_schedule=HalvingEveryEpoch(step_size=1)).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    assert type(loaded.lr_schedule) is HalvingEveryEpoch
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    schedule = loaded.model_.optimizer.get_config()["learning_rate"]["config"]
    assert schedule["schedule"] == "HalvingEveryEpoch"


TORCH_WRITER = textwrap.dedent("""
    import pickle, sys
    import numpy as np
    from sklearn_rnn import RNNSequenceClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 8, 2)).astype("float32"), np.arange(20) % 2
    clf = RNNSequenceClassifier(units=3, epochs=2, conv_filters=None, random_state=0).fit(X, y)
    clf.model_.save(sys.argv[1] + "/network.keras")
    with open(sys.argv[1] + "/clf.pickle", "wb") as f:
        pickle.dump((clf, X, y, clf.predict_proba(X)), f)
""")


@pytest.mark.skipif(keras.backend.backend() == "torch",
                    reason="loads on another backend what PyTorch wrote")
def test_an_estimator_fitted_on_torch_trains_on_after_loading_on_another_backend(tmp_path):
    pytest.importorskip("torch")
    subprocess.run([sys.executable, "-c", TORCH_WRITER, str(tmp_path)], check=True,
                   timeout=600, env={**os.environ, "KERAS_BACKEND": "torch"})
    # The defect, in Keras alone: the PyTorch backend's optimizer class comes back.
    network = keras.models.load_model(tmp_path / "network.keras")
    assert "torch" in type(network.optimizer).__module__
    clf, X, y, proba = pickle.loads((tmp_path / "clf.pickle").read_bytes())
    np.testing.assert_allclose(clf.predict_proba(X), proba, atol=1e-6)
    assert "torch" not in type(clf.model_.optimizer).__module__
    steps = int(keras.ops.convert_to_numpy(clf.model_.optimizer.iterations))
    assert steps > 0  # the optimizer's state came across
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 3
    assert int(keras.ops.convert_to_numpy(clf.model_.optimizer.iterations)) > steps
