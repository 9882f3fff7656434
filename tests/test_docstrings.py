"""The documentation runs: every docstring example of the package, numpydoc's
validation of the public API, and (``-m guide``) the code of every user-guide page."""

import doctest
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import pytest

import sklearn_rnn

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(name for _, name, _ in pkgutil.walk_packages(
    sklearn_rnn.__path__, prefix="sklearn_rnn."))

PUBLIC = {
    "sklearn_rnn": ["RNNSequenceClassifier", "RNNSequenceRegressor"],
    "sklearn_rnn.preprocessing": ["SequenceScaler", "SequencePadder",
                                  "TextSequenceVectorizer", "FromChannelsFirst"],
    "sklearn_rnn.schedules": ["StepDecay", "ExponentialDecay", "CosineAnnealing",
                              "CosineRestarts", "CyclicLR", "OneCycle",
                              "ReduceOnPlateau"],
    "sklearn_rnn.augmentation": ["SequenceAugmenter"],
    "sklearn_rnn.resampling": ["SequenceOverSampler", "SequenceUnderSampler"],
    "sklearn_rnn.datasets": ["make_sequence_classification"],
    "sklearn_rnn.plotting": ["plot_history", "plot_lr_schedule", "plot_attribution",
                             "plot_importance"],
    "sklearn_rnn.inspection": ["permutation_importance", "integrated_gradients"],
    "sklearn_rnn.exceptions": ["DivergenceError", "ChannelsFirstWarning",
                               "SequenceScaleWarning"],
}
"""The public API (DESIGN.md's list plus the exceptions), as in the API reference."""

METHODS = ["fit", "partial_fit", "predict", "predict_proba", "predict_log_proba",
           "score", "transform", "fit_transform", "inverse_transform", "fit_resample",
           "augment", "lr_at", "check", "keras_learning_rate", "keras_callbacks"]
"""The methods the API reference shows (get_params / set_params are scikit-learn's)."""

IGNORED = {
    "GL01": "the summary may start on the opening line of the docstring",
    "GL02": "short docstrings may close on their last line",
    "SS06": "summaries may wrap onto a second line",
    "ES01": "an extended summary is written only where the summary is not enough",
    "SA01": "See Also sections are written only where there is a related object",
    "RT02": "returned values are named, as in scikit-learn (self : object)",
}
"""numpydoc checks not enforced anywhere, each with its reason."""

IGNORED_FOR = {
    ("EX01", "method"): "examples live in the class docstring, as in scikit-learn",
    ("EX01", "exception"): "errors and warnings are raised by the package, not built "
                           "by users; the reliability page shows them",
    ("SS05", "score"): "score is scikeras' method, inherited unchanged",
}
"""numpydoc checks not enforced for one kind of object, each with its reason."""


def _public_objects():
    names = []
    for module_name, object_names in PUBLIC.items():
        module = importlib.import_module(module_name)
        for name in object_names:
            obj = getattr(module, name, None)
            if obj is None:
                continue  # a module still being written: its own tests cover it
            names.append(f"{module_name}.{name}")
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                names += [f"{module_name}.{name}.{method}" for method in METHODS
                          if callable(getattr(obj, method, None))]
    return names


def _kind(qualname, obj):
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return "exception"
    if qualname.count(".") >= 2 and qualname.rsplit(".", 2)[-2][0].isupper():
        return "method"
    return "object"


def _resolve(qualname):
    parts = qualname.split(".")
    for n_module_parts in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:n_module_parts]))
        except ImportError:
            continue
        for part in parts[n_module_parts:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(qualname)


@pytest.fixture(autouse=True)
def _headless_matplotlib():
    pytest.importorskip("matplotlib").use("Agg")


OPTIONAL_DEPENDENCY = {"sklearn_rnn._torch_backend": "torch"}
"""Modules that import an optional dependency (an extra) at their top."""


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name):
    if module_name in OPTIONAL_DEPENDENCY:
        pytest.importorskip(OPTIONAL_DEPENDENCY[module_name])
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, module_name):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} docstring examples failed in {module_name}"


@pytest.mark.parametrize("qualname", _public_objects())
def test_numpydoc_validation(qualname):
    from numpydoc.validate import validate

    kind = _kind(qualname, _resolve(qualname))
    method = qualname.rsplit(".", 1)[-1]
    errors = [f"{code}: {message}" for code, message in validate(qualname)["errors"]
              if code not in IGNORED and (code, kind) not in IGNORED_FOR
              and (code, method) not in IGNORED_FOR]
    assert not errors, "\n".join([qualname, *errors])


def test_every_public_object_has_runnable_examples():
    missing = [qualname for qualname in _public_objects()
               if _kind(qualname, _resolve(qualname)) == "object"
               and ">>>" not in (inspect.getdoc(_resolve(qualname)) or "")]
    assert not missing


GUIDE = sorted((ROOT / "docs" / "user_guide").glob("*.rst"))


@pytest.mark.guide
@pytest.mark.parametrize("page", GUIDE, ids=[page.stem for page in GUIDE])
def test_user_guide_code_runs(page, tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "docs" / "_tools"))
    try:
        from guide_code import run_page
    finally:
        sys.path.pop(0)
    monkeypatch.chdir(tmp_path)
    run_page(page)
