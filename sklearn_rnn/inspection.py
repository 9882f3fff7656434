"""Which timesteps and features drove a prediction.

:func:`permutation_importance` measures how much the score drops when one feature,
or one window of timesteps, is shuffled across sequences (or occluded);
:func:`integrated_gradients` attributes each prediction to the timesteps and
features (or tokens) of its sequence. Both take a fitted estimator of this package
or a :class:`~sklearn.pipeline.Pipeline` ending in one, in every input form the
estimators accept.

Importing this module does not import TensorFlow or Keras.
"""

import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.exceptions import NotFittedError
from sklearn.metrics import check_scoring
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from ._sequences import check_sequences, form_of, pad_sequences, to_form

__all__ = ["permutation_importance", "integrated_gradients"]

BY_OPTIONS = ("feature", "timestep")
METHODS = ("permute", "occlude")
BASELINES = ("zeros", "mean")
COMPLETENESS_TOLERANCE = 0.01
"""Relative error of ``sum(attributions) = f(x) - f(baseline)`` above which
:func:`integrated_gradients` warns that ``n_steps`` is too small."""


# ----------------------------------------------------------------- shared
def _split_pipeline(estimator, X):
    """The estimator that reads sequences and ``X`` as it receives them: for a
    ``Pipeline``, its last step and ``X`` transformed by the steps before it."""
    steps = getattr(estimator, "steps", None)
    if steps is None:
        _check_fitted(estimator)
        return estimator, X
    final = steps[-1][1]
    _check_fitted(final)
    for _, step in steps[:-1]:
        if step is None or step == "passthrough":
            continue
        if hasattr(step, "transform"):
            X = step.transform(X)
        elif not hasattr(step, "fit_resample"):  # samplers act during fit only
            raise ValueError(
                f"Pipeline step {type(step).__name__} has no transform method; every "
                "step before the estimator must transform X.")
    return final, X


def _check_fitted(estimator):
    if _is_package_estimator(estimator):
        fitted = getattr(estimator, "initialized_", False)
    else:
        try:
            check_is_fitted(estimator)
            fitted = True
        except NotFittedError:
            fitted = False
    if not fitted:
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet: call fit "
            "before inspecting it.")


def _is_package_estimator(estimator):
    return hasattr(estimator, "_valid_steps") and hasattr(estimator, "_predict_network")


def _uses_tokens(estimator):
    return _is_package_estimator(estimator) and estimator._uses_tokens()


def _checked(estimator, X):
    """``X`` checked as the estimator checks it at predict."""
    if _is_package_estimator(estimator):
        return estimator._check_sequences(X, reset=False)
    return check_sequences(X)


def _pad_fill(estimator):
    if not _is_package_estimator(estimator):
        return 0.0
    if estimator._uses_tokens():
        return 0
    mask_value = estimator._model_mask_value()
    return 0.0 if mask_value is None else mask_value


def _padded(estimator, seqs):
    """``(data, valid)``: the sequences as one ``(n, T, f)`` array (token ids as
    ``(n, T, 1)``), each with its valid steps first (ragged ones padded after
    them, masked arrays left-aligned as the estimator reads them, so windows
    count from each sequence's first step), and which steps are valid."""
    if seqs.ragged:
        lengths = seqs.lengths
        data = pad_sequences(seqs.data, value=_pad_fill(estimator),
                             dtype=seqs.data[0].dtype)
        valid = np.arange(data.shape[1]) < lengths[:, np.newaxis]
    else:
        data = seqs.data
        valid = None
        if _is_package_estimator(estimator):
            valid, _ = estimator._valid_steps(data)
        if valid is not None:
            data, lengths = estimator._left_aligned(data)
            valid = np.arange(data.shape[1]) < lengths[:, np.newaxis]
        else:
            valid = np.ones(data.shape[:2], dtype=bool)
    if data.ndim == 2:
        data = data[:, :, np.newaxis]
    return data, valid


def _unpadded(data, valid, ragged, form):
    """``data`` in the form the caller's ``X`` had."""
    if ragged:
        lengths = valid.sum(axis=1)
        data = [data[i, :length] for i, length in enumerate(lengths)]
    return to_form(data, form)


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name}={value!r} is not accepted: it must be an int >= {minimum}.")
    return int(value)


def _check_option(name, value, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(
            f"{name}={value!r} is not accepted: it must be one of "
            f"{', '.join(map(repr, options))}.")
    return value


# ------------------------------------------------------ permutation importance
def permutation_importance(estimator, X, y, *, by="feature", window=1, method="permute",
                           scoring=None, n_repeats=5, random_state=None, n_jobs=None):
    """Importance of each feature, or of each window of timesteps, for a fitted
    sequence estimator: the drop of its score when that part of ``X`` is shuffled
    across sequences (or occluded).

    As :func:`sklearn.inspection.permutation_importance`, for sequences: with
    ``by="feature"`` the part is one feature at every timestep, with
    ``by="timestep"`` it is every feature at ``window`` consecutive timesteps
    (windows ``[0, window)``, ``[window, 2 * window)``, ... up to the longest
    sequence; the last one may be shorter).

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted :class:`~sklearn_rnn.RNNSequenceClassifier` or
        :class:`~sklearn_rnn.RNNSequenceRegressor`, a fitted ``Pipeline`` ending in
        one, or any fitted estimator that predicts from sequences. For a
        ``Pipeline``, ``X`` goes through the steps before the last one once, and
        the parts are those of what the last step receives (a scaled series, the
        token ids of a vectorised text), as for :func:`integrated_gradients`.
    X : array-like or list of arrays
        Sequences in any form the estimator accepts: 3D ``(n_samples,
        n_timesteps, n_features)``, 2D univariate, a list of ``(length_i,
        n_features)`` arrays, or token ids. Windows of sequences of different
        lengths are counted from each sequence's first step.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    by : {"feature", "timestep"}, default="feature"
        Which parts are measured: each feature, or each window of timesteps.
        Token input has a single feature (the token).
    window : int, default=1
        Timesteps per window (``by="timestep"``); at most the length of the
        longest sequence.
    method : {"permute", "occlude"}, default="permute"
        ``"permute"`` gives each sequence the part's values from another sequence
        (the same permutation for every part of one repeat). Where sequences
        differ in length, a step is only exchanged among the sequences that have
        it: padding and masked steps never move into valid steps, nor valid
        values into padding. ``"occlude"`` replaces the part's valid steps with
        each feature's mean over the valid steps of ``X`` (with token id 1, the
        unknown token, for token input); it is deterministic, so it runs once
        and ``importances`` has one column.
    scoring : str, callable or None, default=None
        A scikit-learn scorer name or callable ``scorer(estimator, X, y)``; None
        uses the estimator's ``score`` (accuracy, R^2).
    n_repeats : int, default=5
        Permutations per part.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations.
    n_jobs : int or None, default=None
        Parts scored in parallel (joblib); None is one job.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``importances_mean`` and ``importances_std`` of shape ``(n_parts,)``;
        ``importances`` of shape ``(n_parts, n_repeats)`` (one column for
        ``"occlude"``): the baseline score minus the score with the part perturbed.
        With ``by="timestep"``, also ``windows``, shape ``(n_parts, 2)``: the
        first step of each window and the step after its last.

    Raises
    ------
    ValueError
        Unknown ``by``, ``method`` or ``scoring``; ``window`` or ``n_repeats``
        not a positive int, or ``window`` longer than the sequences; ``X`` not in
        an accepted form or with a different feature count than at fit; ``y`` of
        another length than ``X``. ``NotFittedError`` (a ``ValueError``) for an
        unfitted estimator.

    See Also
    --------
    integrated_gradients : Per-prediction attributions to timesteps and features.
    sklearn.inspection.permutation_importance : The same for tabular data.

    Notes
    -----
    Each perturbed copy of ``X`` is scored with one call of the scorer; the
    estimators of this package predict it through the network's compiled predict
    step in batches, with none of ``model.predict``'s set-up per call (on a 2-core
    CPU, 51 scored copies of 100 sequences of 300 steps took 4 to 8 times less
    time than through ``model.predict`` in three runs: ``python -m benchmarks
    inspection``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNSequenceClassifier
    >>> from sklearn_rnn.inspection import permutation_importance
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 6, 2)).astype("float32")
    >>> y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    >>> clf = RNNSequenceClassifier(units=4, epochs=2, conv_filters=None,
    ...                             random_state=0).fit(X, y)
    >>> result = permutation_importance(clf, X, y, n_repeats=3, random_state=0)
    >>> result.importances.shape
    (2, 3)
    >>> result = permutation_importance(clf, X, y, by="timestep", window=2,
    ...                                 random_state=0)
    >>> result.windows.tolist()
    [[0, 2], [2, 4], [4, 6]]
    """
    by = _check_option("by", by, BY_OPTIONS)
    method = _check_option("method", method, METHODS)
    window = _check_int("window", window, 1)
    n_repeats = _check_int("n_repeats", n_repeats, 1)
    if scoring is not None and not (isinstance(scoring, str) or callable(scoring)):
        raise ValueError(
            f"scoring={scoring!r} is not accepted: give one scorer name, a callable "
            "scorer(estimator, X, y) or None.")
    if y is None:
        raise ValueError("permutation_importance requires y, but y is None.")
    final, Xt = _split_pipeline(estimator, X)
    scorer = check_scoring(final, scoring=scoring)
    form = form_of(Xt)
    seqs = _checked(final, Xt)
    check_consistent_length(seqs.data, y)
    data, valid = _padded(final, seqs)
    parts, windows = _parts(by, window, data.shape[1], data.shape[2])

    def as_input(values):
        return _unpadded(values, valid, seqs.ragged, form)

    baseline_score = scorer(final, as_input(data), y)
    if method == "occlude":
        fill = _occlusion_values(final, data, valid)
        scores = Parallel(n_jobs=n_jobs)(
            delayed(_score)(scorer, final, as_input(_occluded(data, valid, part, fill)), y)
            for part in parts)
        importances = baseline_score - np.asarray(scores, dtype=float)[:, np.newaxis]
    else:
        random_state = check_random_state(random_state)
        # As scikit-learn: every part sees the same permutations.
        seed = random_state.randint(np.iinfo(np.int32).max + 1)
        scores = Parallel(n_jobs=n_jobs)(
            delayed(_permuted_scores)(scorer, final, data, valid, part, y, seed,
                                      n_repeats, as_input)
            for part in parts)
        importances = baseline_score - np.asarray(scores, dtype=float)
    result = Bunch(importances_mean=importances.mean(axis=1),
                   importances_std=importances.std(axis=1), importances=importances)
    if windows is not None:
        result.windows = windows
    return result


def _parts(by, window, n_timesteps, n_features):
    """``[(steps, features)]`` index arrays of each part, and the windows."""
    features = np.arange(n_features)
    if by == "feature":
        steps = np.arange(n_timesteps)
        return [(steps, np.array([j])) for j in features], None
    if window > n_timesteps:
        raise ValueError(
            f"window={window} is longer than the sequences: the longest has "
            f"{n_timesteps} timesteps.")
    starts = np.arange(0, n_timesteps, window)
    windows = np.stack([starts, np.minimum(starts + window, n_timesteps)], axis=1)
    return [(np.arange(start, stop), features) for start, stop in windows], windows


def _score(scorer, estimator, X, y):
    return scorer(estimator, X, y)


def _permuted_scores(scorer, estimator, data, valid, part, y, seed, n_repeats, as_input):
    rng = np.random.RandomState(seed)
    return [scorer(estimator, as_input(_permuted(data, valid, part, rng)), y)
            for _ in range(n_repeats)]


def _permuted(data, valid, part, rng):
    """A copy of ``data`` whose part (steps, features) is shuffled across sequences.

    One random order of the sequences decides every step: at a step, the
    sequences that have it exchange their values in that order. Where every
    sequence has every step of the part, this is one permutation of whole
    windows (or whole feature series)."""
    steps, features = part
    permuted = data.copy()
    order = rng.permutation(len(data))
    patterns, inverse = np.unique(valid[:, steps].T, axis=0, return_inverse=True)
    for pattern, columns in zip(patterns, _groups(inverse, len(patterns)), strict=True):
        rows = np.flatnonzero(pattern)
        donors = rows[np.argsort(order[rows], kind="stable")]
        cells = np.ix_(rows, steps[columns], features)
        permuted[cells] = data[np.ix_(donors, steps[columns], features)]
    return permuted


def _groups(labels, n_groups):
    labels = np.asarray(labels).reshape(-1)
    return [np.flatnonzero(labels == g) for g in range(n_groups)]


def _occlusion_values(estimator, data, valid):
    if _uses_tokens(estimator):
        from ._inputs import UNKNOWN_TOKEN

        return np.array([UNKNOWN_TOKEN], dtype=data.dtype)
    return data[valid].mean(axis=0, dtype=np.float64).astype(data.dtype)


def _occluded(data, valid, part, fill):
    steps, features = part
    occluded = data.copy()
    cells = np.zeros(valid.shape, dtype=bool)
    cells[:, steps] = valid[:, steps]
    for j in features:
        occluded[..., j][cells] = fill[j]
    return occluded


# -------------------------------------------------------- integrated gradients
def integrated_gradients(estimator, X, *, target=None, baseline="zeros", n_steps=50,
                         batch_size=None):
    """Attribute each prediction to the timesteps and features of its sequence.

    Integrated gradients (Sundararajan et al., 2017): the attribution of input
    value ``x_tf`` is ``(x_tf - b_tf)`` times the average gradient of the output
    along the straight path from the baseline ``b`` to ``x``. Attributions add up
    to the change of the output: for each sequence, ``attributions.sum() =
    f(x) - f(b)`` (completeness), up to the error of the trapezoid rule, which
    is checked for every sequence: paths where it exceeds 0.8% of
    ``max(|f(x)|, |f(b)|)`` (a regressor's outputs measured from its training
    targets' mean, so that an offset of ``y`` does not loosen the check) get
    more points (see ``n_steps``), and a warning says when 1% is still exceeded.
    Positive values pushed the output up.

    Parameters
    ----------
    estimator : RNNSequenceClassifier, RNNSequenceRegressor or Pipeline
        Fitted. For a ``Pipeline`` ending in one of them, ``X`` goes through the
        steps before it and the attributions are those of the estimator's input
        (``X`` transformed: a scaled series, the token ids of a text), in its form.
    X : array-like or list of arrays
        Sequences in any form the estimator accepts: 3D ``(n_samples,
        n_timesteps, n_features)``, 2D univariate, a list of ``(length_i,
        n_features)`` arrays, or token ids.
    target : label, array-like of labels, int or None, default=None
        What is attributed. Classifier: the probability of the predicted class
        (None), of one class (a label of ``classes_``) or of one class per
        sequence (an array of ``n_samples`` labels). Regressor: the prediction in
        the units of ``y`` (the network's standardised output times the target's
        scale, so completeness holds for ``predict``), of output ``target`` (an
        int index; None for single-output regressors).
    baseline : {"zeros", "mean"}, float, or array-like, default="zeros"
        Where the path starts. ``"zeros"``: every valid step 0. ``"mean"``: each
        feature's mean over the steps the estimator was fitted on (recorded by
        ``fit``, or by the first ``partial_fit`` call). A float or an
        array of shape ``(n_features,)``: that value at every step; an array or
        list like ``X``: one baseline per sequence. For token input the path runs
        in embedding space, from the zero vector (``"zeros"``), the average
        embedding of the vocabulary (``"mean"``) or the embedding of a token id
        (an int, e.g. 1, the unknown token). Padding and masked steps stay as
        they are along the path. With a ``Pipeline``, values given here are in
        the estimator's input space, after the steps before it (behind a
        ``SequenceScaler``, 0 is the mean it subtracted).
    n_steps : int, default=50
        Intervals of the trapezoid rule along the path: ``n_steps + 1`` gradient
        evaluations per sequence. A confident network's output can rise steeply
        along a short stretch of the path (and max pooling over time has kinks);
        where the rule then misses completeness by more than 0.8%, the intervals
        of that sequence that miss their share of ``f(x) - f(b)`` (known from the
        outputs at their ends) are split in two, in up to 6 rounds.
    batch_size : int or None, default=None
        Interpolated sequences per gradient computation. None takes up to 256
        (fewer for sequences of more than 4096 values).

    Returns
    -------
    attributions : ndarray or list of ndarray
        Shaped like ``X``: ``(n_samples, n_timesteps, n_features)`` for 3D input,
        ``(n_samples, n_timesteps)`` for 2D input and for token ids (each token's
        attribution summed over its embedding), a list of arrays for ragged
        input. Padding and masked steps get exactly 0.

    Raises
    ------
    ValueError
        An estimator that is not a fitted estimator of this package (or a
        ``Pipeline`` ending in one); ``X`` not in an accepted form; an unknown
        ``baseline`` or one of the wrong shape, or one equal to ``mask_value``
        (it would be masked); a ``target`` that is not a class of the classifier
        or an output of the regressor; ``n_steps`` or ``batch_size`` not a
        positive int.

    See Also
    --------
    permutation_importance : Importance of features and windows for a score.

    Notes
    -----
    The gradients come from the Keras backend in use (TensorFlow's
    ``GradientTape``, ``jax.grad``, or PyTorch's autograd), computed in batches of
    interpolated sequences of one shape, so the gradient step is traced once per
    sequence length. A network with a convolutional front-end
    reads masked input with its valid steps first, so sequences pre-padded under
    ``mask_value`` are attributed as the network reads them and mapped back to
    their positions.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNSequenceClassifier
    >>> from sklearn_rnn.inspection import integrated_gradients
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 6, 2)).astype("float32")
    >>> y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    >>> clf = RNNSequenceClassifier(units=4, epochs=2, conv_filters=None,
    ...                             random_state=0).fit(X, y)
    >>> attributions = integrated_gradients(clf, X[:3], n_steps=20)
    >>> attributions.shape
    (3, 6, 2)
    >>> proba = clf.predict_proba(X[:3]).max(axis=1)
    >>> baseline_proba = clf.predict_proba(np.zeros((3, 6, 2)))[
    ...     np.arange(3), clf.predict_proba(X[:3]).argmax(axis=1)]
    >>> bool(np.allclose(attributions.sum(axis=(1, 2)), proba - baseline_proba,
    ...                  atol=0.01))
    True
    """
    n_steps = _check_int("n_steps", n_steps, 1)
    if batch_size is not None:
        batch_size = _check_int("batch_size", batch_size, 1)
    if isinstance(baseline, str):
        _check_option("baseline", baseline, BASELINES)
    final, Xt = _split_pipeline(estimator, X)
    if not _is_package_estimator(final):
        raise ValueError(
            "integrated_gradients needs an RNNSequenceClassifier or "
            "RNNSequenceRegressor, or a Pipeline ending in one; got "
            f"{type(final).__name__}.")
    from ._attribution import MAX_REFINEMENTS, attribute

    form = form_of(Xt)
    seqs = _checked(final, Xt)
    attributions, error, magnitude = attribute(
        final, seqs, target=target, baseline=baseline, n_steps=n_steps,
        batch_size=batch_size, X_form=form)
    missed = error > COMPLETENESS_TOLERANCE * np.maximum(magnitude, 1e-12)
    if missed.any():
        warnings.warn(
            f"Integrated gradients with n_steps={n_steps}, the steepest intervals "
            f"split into up to {2 ** MAX_REFINEMENTS} pieces, leave an error above "
            f"{COMPLETENESS_TOLERANCE:.0%} of the output in sum(attributions) = "
            f"f(x) - f(baseline) for {int(missed.sum())} sequence(s); increase n_steps.",
            RuntimeWarning, stacklevel=2)
    return attributions
