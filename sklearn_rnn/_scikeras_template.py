"""Where the scikeras template and this package meet, listed in one place.

The estimators' ``fit`` and ``partial_fit`` check their inputs, then run scikeras'
template (``BaseWrapper.fit`` / ``partial_fit`` -> ``_fit``), which calls back
into the package. :class:`ScikerasTemplateHooks` enters the template
(``_template_fit``, ``_template_partial_fit``) and answers the calls that reach the
package's own steps; the other calls are answered by scikeras itself or by the
defect fixes in ``_scikeras_fixes``. Every call, in the order of one ``fit``:

``_initialize`` (scikeras, on ``fit`` or the first ``partial_fit``)
    Sets ``_random_state`` from ``random_state`` (read by seeding and the
    early-stopping split), then calls the next four.
``_validate_data(X, y, reset)``
    ``_scikeras_fixes`` (fix 4): ``_check_sequences`` and ``_to_model_input``
    (``_inputs``) for ``X``, sets ``n_features_in_``; scikeras checks ``y``.
``target_encoder``
    The classifier: scikeras' label encoder (``classes_``, ``n_classes_``); the
    regressor: its ``TargetStandardizer`` (``n_outputs_``). Their metadata
    becomes attributes of the estimator.
``feature_encoder``
    scikeras' default, the identity.
``_build_keras_model()``
    ``_scikeras_fixes`` (fixes 3 and 9: the seed drawn from a ``RandomState``
    corrected, then seeded), which calls ``_keras_build_fn(meta)``:
    here, -> ``_build_model`` (``_base``).
``_initialize_callbacks()``
    scikeras; reads ``callbacks``, which ``_scikeras_fixes`` sets to None: the
    package passes its callbacks to each training call itself.
``_ensure_compiled_model()``
    scikeras; passes, since ``_build_model`` compiles.
``_validate_sample_weight``
    scikeras, with ``sample_weight``: drops rows of weight 0.
``_check_model_compatibility(y)``
    scikeras: the number of outputs, and that a ``loss`` parameter (the
    regressor's) is the compiled loss.
``_fit_keras_model(X, y, sample_weight, warm_start, epochs, initial_epoch)``
    Here (the classifier flattens ``y`` first), -> ``_train`` (``_base``).
``current_epoch``
    Here: where ``partial_fit`` continues (the epochs in ``history_``).

``predict`` / ``predict_proba`` go through ``_predict_raw`` (``_scikeras_fixes``,
fix 5: ``_check_sequences``, then ``_predict_network`` of ``_prediction``) and
``target_encoder_.inverse_transform``; ``score`` through scikeras' ``scorer``.
``get_params``, ``_get_param_names`` (fix 7), ``set_params``, ``__repr__``,
``__sklearn_tags__`` (fix 1) and the class-weighted ``fit`` of the classifier
(fix 2) come from scikeras and ``_scikeras_fixes``.

Swapping the base. For a plain ``sklearn.base.BaseEstimator``:
``_template_fit`` and ``_template_partial_fit`` would run the template's steps
themselves, in the order above: set ``_random_state`` (an int drawn from a
copy of a ``RandomState``, fix 9), ``_check_sequences(X, reset=True)`` and
``n_features_in_``, encode ``y`` (``LabelEncoder`` and ``classes_`` for the
classifier, ``TargetStandardizer`` for the regressor), ``_build_model`` under
``keras_seed`` unless warm-starting, drop zero-weight rows, and ``_train``;
``current_epoch`` would be read directly. ``_scikeras_fixes`` would shrink to
what is not scikeras' own defect: ``combined_sample_weight`` (``class_weight``),
``predict_proba`` / ``predict`` as ``_predict_network`` plus the inverse target
encoding, and the tags (``get_params`` and ``_get_param_names`` then come from
``BaseEstimator`` as they are, with the routed ``optimizer__*`` arguments added).
The ``meta`` dict read by the estimators' ``_n_outputs`` would become the
fitted attributes. ``keras.wrappers.SKLearnClassifier`` / ``SKLearnRegressor``
take a ``model`` callable and validate ``X`` as a 2D table; they would take the
same steps as ``BaseEstimator`` (their ``fit`` overridden whole, as there is no
``partial_fit`` and no sequence input to reuse), so they offer little beyond
their tags. Nothing outside this module, ``_scikeras_fixes`` and the two
estimators' bases would change.
"""


class ScikerasTemplateHooks:
    """Enters the scikeras template and answers its calls into the package."""

    # ----------------------------------------------- entering the template
    def _template_fit(self, X, y, sample_weight):
        """Build (unless warm-starting) and train, through scikeras' ``fit``."""
        return super().fit(X, y, sample_weight=sample_weight)

    def _template_partial_fit(self, X, y, sample_weight, **kwargs):
        """Train one epoch, through scikeras' ``partial_fit``."""
        return super().partial_fit(X, y, sample_weight=sample_weight, **kwargs)

    # -------------------------------------------------- the template's calls
    def _keras_build_fn(self, meta):
        return self._build_model(
            n_features=meta["n_features_in_"], n_outputs=self._n_outputs(meta),
            vocab_size=meta.get("vocab_size_"),
        )

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch,
                         **kwargs):
        self._train(X, y, sample_weight, epochs=epochs, initial_epoch=initial_epoch)

    @property
    def current_epoch(self):
        return len(getattr(self, "history_", {}).get("loss", []))
