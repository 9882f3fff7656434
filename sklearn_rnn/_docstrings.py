"""The docstring templates the sequence classifier and the sequence regressor
share: the network and runtime parameters, the fitted attributes and the notes on
failed fits, filled in per estimator by :func:`estimator_doc`."""

import string
import textwrap

NETWORK_PARAMETERS_DOC = """\
    cell_type : {"lstm", "gru", "simple_rnn"}, default="lstm"
        Recurrent cell. ``"gru"`` has a quarter fewer weights per unit. With the
        classifier's other defaults it scored ArrowHead 0.838 ± 0.007 against
        0.851 ± 0.030 for the LSTM and PickupGestureWiimoteZ 0.733 ± 0.012
        against 0.780 ± 0.020 (3 seeds,
        ``benchmarks/results/front_end_today_screen.md``); before the step-to-step
        changes and the averaged windows it was within the seeds' spread of the
        LSTM (``cell_shortcut_patient_screen.md``).
    units : int, default=64
        Units per recurrent layer (per direction when bidirectional).
    n_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=True
        Wrap each recurrent layer in ``Bidirectional(merge_mode="concat")``.
    pooling : {"last", "mean", "max"}, default="max"
        How the last recurrent layer's outputs become one vector: its final state,
        or the mean / max over timesteps. Masked (padded) steps are ignored.

        The defaults (bidirectional, max over time) come from the classifier's
        evidence in ``benchmarks/results/defaults.md``: the single-direction,
        last-state LSTM collapses on long univariate series with few samples
        (ArrowHead 0.48 against 0.56) and is behind on average over five real
        datasets (0.815 against 0.877), at ~1.3x the fit time. Behind today's
        convolutional front-end the maximum still beats the mean over time on the
        long univariate sets (ArrowHead 0.796 against 0.770,
        PickupGestureWiimoteZ 0.813 against 0.753, OSULeaf 0.882 against 0.824, 3
        seeds; ``benchmarks/results/mean_pooling_screen.md``).
        ``bidirectional=False, pooling="last", conv_filters=None`` is the plain
        LSTM (with ``lr_schedule=None, batch_size=32, epochs=100, tol=None``,
        trained as before the convolutional front-end).
    conv_filters : int, tuple of int, None or "auto", default="auto"
        A convolutional front-end before the recurrent layers: one block
        ``Conv1D -> BatchNormalization -> ReLU`` per entry, with that many filters.
        An int gives every block that many filters; the number of blocks is then
        the length of ``conv_kernel_size`` / ``conv_stride`` when they are tuples
        (3 with the defaults), else 1. None: the recurrent layers read the input
        directly. ``"auto"``: ``(64, 64, 64)`` on float sequences, None on token
        ids (``embedding_dim`` set), where the front-end cost accuracy: 0.69
        against 0.92 without it on sentences of 8 tokens
        (``benchmarks/results/text_task.md``). ``conv_filters_`` holds what was
        used.
        On long series with few samples the front-end is where the accuracy is
        (ArrowHead 0.859 with today's defaults against 0.560 with the defaults
        before the front-end, OSULeaf 0.978 against 0.569: the documentation's
        page "Should I use an RNN here?"); a block needs
        enough updates for its batch statistics (with 100 epochs of two batches it
        predicted one class on ArrowHead and GunPoint,
        ``benchmarks/results/defaults_front_end_screen.md``), hence the default
        ``batch_size="auto"``. Masks are respected: the convolution reads padded
        steps as zeros, batch statistics skip them, and padding never changes a
        prediction. Where the target is the order of a few short events, strides
        can blur them: on the synthetic imbalanced task of the benchmarks the
        classifier's defaults reach a balanced accuracy of 0.911 against 0.874
        for the network without the front-end (one seed, 100 epochs,
        ``benchmarks/results/accuracy_quick.md``); before the default
        augmentation, the step-to-step changes and the averaged windows, the
        strided front-end cost there (0.59 against 0.76 with stride 1,
        ``benchmarks/results/stride_screen.md``).
    conv_kernel_size : int or tuple, default=(8, 5, 3)
        Kernel size of each block (an int: every block). An entry may itself be a
        tuple of kernel sizes: that block runs one convolution per size side by
        side, splits its filters among them (the first ones take one more when
        they do not divide evenly) and concatenates them before the batch
        normalisation, as an Inception module does, so one block sees patterns
        of several lengths: ``((8, 16, 32), (5, 10, 20), (3, 6, 12))`` gives each
        of the default blocks its kernel and twice and four times it, and
        ``[(8, 16, 32)]`` gives every block those three (a block needs at least
        as many filters as kernel sizes). With the classifier's other defaults,
        ``((8, 16, 32), (5, 10, 20), (3, 6, 12))`` averaged 0.944 over the eight
        aeon datasets against 0.931 for ``(8, 5, 3)`` on the same machine (3
        seeds), PickupGestureWiimoteZ 0.867 ± 0.023 against 0.780 ± 0.020, within
        0.01 elsewhere, at 1.2 times the fit time
        (``benchmarks/results/multi_kernel_screen.md``).
    conv_stride : int, tuple of int or "auto", default=(2, 2, 1)
        Stride of each block (an int: every block): a block with stride ``s``
        turns ``n`` steps into ``ceil(n / s)``, and the mask with them, so the
        recurrent layers read a shorter sequence (``(2, 2, 1)``: a quarter, about
        4x less recurrent work). ``"auto"`` chooses from the training series'
        median length: stride 1 in every block below 64 steps (short events,
        sentences of tokens: no step is blurred), else 2 in the first two blocks
        and 1 after. ``conv_stride_`` holds the strides used. Stride 1 in every
        block on long series costs the recurrent layers' work it saves: on OSULeaf
        (427 steps) 0.895 ± 0.020 against 0.882 ± 0.002 for the default strides, at
        4.3 times the fit time (3 seeds,
        ``benchmarks/results/osuleaf_stride1_screen.md``). The strides one block
        later, ``(1, 2, 2)``, averaged 0.922 against 0.925 over the eight aeon
        datasets, within the seeds' spread, at 1.2 times the fit time
        (``benchmarks/results/stride_late_screen.md``).
    conv_shortcut : bool, default=False
        Also give the output layer the front-end's output averaged over the valid
        time steps, beside the recurrent layers' pooled vector: a convolutional
        branch next to the recurrent one, as in LSTM-FCN, whose gradient reaches
        the front-end directly. Ignored without a front-end. Off by default: it
        moved ArrowHead from 0.754 to 0.741, GunPoint from 0.971 to 0.980 and
        OSULeaf (seed 0) from 0.843 to 0.855, within the seeds' spread
        (``benchmarks/results/shortcut_screen.md``). With ``conv_stride=1`` as well
        (a full-resolution FCN beside the recurrent layer), ArrowHead 0.777 ± 0.040 at
        about five times the fit time (``stride1_shortcut_screen.md``). With
        sklearn_rnn 0.2.0's patient schedule: ArrowHead 0.806 ± 0.015 against 0.796
        ± 0.036, PickupGestureWiimoteZ 0.820 against 0.813
        (``cell_shortcut_patient_screen.md``).
    conv_downsampling : {"stride", "average"}, default=$conv_downsampling_default
        How a front-end block with a stride ``s`` above 1 shortens the sequence.
        ``"stride"``: the convolution reads one window in ``s``. ``"average"``: the
        convolution reads every step and the block then averages its output over
        windows of ``s`` steps (valid steps only), after the ReLU: the same
        output length, but a series shifted by one step gives a slightly shifted
        output instead of a different selection of windows, so that the
        augmentation's time shifts stay learnable on series that change from
        step to step. Its convolutions read ``s`` times as many steps; the
        recurrent layers read as many as with ``"stride"``.
        $conv_downsampling_evidence
    length_feature : bool or "auto", default=False
        Give the output layer each sequence's length (the standardised log of its
        number of unmasked steps) beside the pooled vector: masking hides where a
        sequence ends. ``"auto"``: on when the training sequences are masked and
        differ in length. Off by default: on PickupGestureWiimoteZ, whose
        gestures' durations differ by class, it did not raise the accuracy
        (``benchmarks/results/length_buckets.md``). ``length_feature_`` says
        whether it is used; with ``partial_fit``, the first call's sequences
        decide it and its scaling.
    differences : bool or "auto", default=$differences_default
        Append each feature's step-to-step change ``x[t] - x[t - 1]`` (0 at the
        first step), standardised with the mean and standard deviation of the
        training sequences' changes, to the input features, so the network reads
        slopes as directly as levels (float sequences only; ``"auto"``: on for
        float sequences, off for token ids). Computed inside the network, so
        predict, saving and the attributions of :mod:`sklearn_rnn.inspection`
        see the original features. With it, ``augmentation="auto"`` adds no
        gaussian noise: noise on the levels is larger noise on their changes.
        ``differences_`` says whether it is used.
        $differences_evidence
    dense_units : int or None, default=None
        Units of an optional hidden ReLU layer before the output layer.
    dropout : float in [0, 1), default=0.0
        Dropout on the output of each recurrent layer; on the last one, with
        ``"max"`` or ``"mean"`` pooling, on the pooled vector. With the defaults,
        0.3 cost accuracy on PickupGestureWiimoteZ (0.767 against 0.813, 3 seeds;
        ``benchmarks/results/regularisation_screen.md``).
    recurrent_dropout : float in [0, 1), default=0.0
        Dropout on the recurrent state (Keras ``recurrent_dropout``).
    spatial_dropout : float in [0, 1), default=0.0
        ``SpatialDropout1D`` on the input (or on the embeddings): drops whole
        features / embedding channels.
    l2 : float, default=0.0
        L2 penalty on the kernels of the convolutional, recurrent and dense
        layers.
    embedding_dim : int or None, default=None
        When set, ``X`` holds integer token ids (0 = padding) that go through an
        ``Embedding`` of this size.
    vocab_size : int or None, default=None
        Size of the token vocabulary (ids ``0 .. vocab_size - 1``). None infers
        ``max id + 1`` at fit. Ids at predict beyond the vocabulary are mapped to
        id 1, the unknown token of :class:`~sklearn_rnn.preprocessing.TextSequenceVectorizer`.
    embedding_l2 : float, default=0.0
        L2 penalty on the embedding matrix.
    mask_value : float or None, default=None
        Timesteps whose features all equal this value are masked (for arrays that
        are already padded). A finite number within float32's range (the
        network compares in float32): NaN never equals itself (pass
        series padded with NaN as a list of their valid steps). Ragged lists are
        padded and masked automatically.
    optimizer : {"adam", "adamw", "rmsprop", "sgd"} or keras Optimizer, default="adam"
        Optimizer. Extra constructor arguments are routed with the prefix
        ``optimizer__`` (``optimizer__momentum=0.9``). An optimizer instance gives
        its settings except the learning rate, which ``learning_rate`` and
        ``lr_schedule`` set.
    learning_rate : float, default=1e-3
        Initial (or base) learning rate.
    weight_decay : float or None, default=None
        Decoupled weight decay, for optimizers that take it (all four named above).
        With the defaults, 0.01 averaged 0.918 against 0.912 over the eight aeon
        datasets (3 seeds, one machine), each difference within about one spread of
        the seeds, at the same fit time, and 0.05 gained nothing on the long sets
        (``benchmarks/results/weight_decay_screen.md``): not a default.
    clipnorm : float or None, default=None
        Clip each gradient to this norm.
    lr_schedule : None, str or schedule object, default="plateau"
        Learning-rate schedule. A name (``"constant"``, ``"step"``,
        ``"exponential"``, ``"cosine"``, ``"cosine_restarts"``, ``"cyclic"``,
        ``"triangular2"``, ``"exp_range"``, ``"one_cycle"``, ``"plateau"``) or an
        object from :mod:`sklearn_rnn.schedules`, whose parameters are searchable
        as ``lr_schedule__<name>``. The default, ``"plateau"``, halves the
        learning rate when the training loss has not improved for a patience
        that follows ``epochs`` (``epochs // 15`` between 5 and 20: 20 epochs
        with the default 300, 6 with 100;
        :class:`~sklearn_rnn.schedules.ReduceOnPlateau`); None keeps it constant.
    epochs : int, default=300
        Maximum number of epochs. When a fit's ``n_iter_`` reaches it, training
        longer may pay a little: with 600, ACSF1's fits stopped by convergence
        after 343 to 404 epochs and scored 0.877 against 0.863, at 1.2 times the
        fit time; PickupGestureWiimoteZ and OSULeaf did not move
        (``benchmarks/results/long_training_screen.md``).
    batch_size : int or "auto", default="auto"
        Sequences per gradient update. ``"auto"`` takes a tenth of the training
        sequences, at least 4 and at most 32 (never more than the data): about ten
        updates per epoch on small data, as the published convolutional
        classifiers train (``min(n / 10, 16)``, Fawaz et al. 2019).
    shuffle : bool, default=True
        Shuffle the training sequences every epoch.
    length_buckets : bool or "auto", default="auto"
        For masked sequences of different lengths: batch sequences of similar
        length (True), so that each batch is padded only to its own longest
        sequence and little time goes to padding, or draw batches at random
        (False; each still padded only to its own longest). Sorting by length also
        sorts the targets when the length depends on them, and batches of one
        class train badly (the front-end's batch statistics then differ between
        training and prediction): on PickupGestureWiimoteZ, 0.660 with length
        batches against 0.733 with random ones (3 seeds,
        ``benchmarks/results/length_buckets.md``). ``"auto"`` batches by length
        unless length-sorted batches would keep less than 80% of the target
        variation random batches keep. ``length_buckets_`` says what the last fit
        did.
    early_stopping : bool, default=False
        Hold out a $split ``validation_fraction`` of the training
        data and stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the weights of the best epoch are restored.
        When False, training stops when the training loss has not improved by
        ``tol`` for ``n_iter_no_change`` epochs (it has converged), as in
        ``$mlp``, keeping the last weights; ``tol=None`` trains all
        ``epochs``.
    validation_fraction : float in (0, 1), default=0.1
        Fraction held out for early stopping.
    n_iter_no_change : int, default=60
        Epochs without an improvement of ``tol`` before training stops. Three
        times the default plateau's patience with the default 300 epochs, so
        that the learning rate is halved twice before training stops. With 30
        and a patience of 10, the defaults before 0.2.0, long fits stopped
        sooner and scored less (mean
        accuracy 0.907 against 0.922 over the eight aeon classification
        datasets, ``benchmarks/results/patient_plateau_screen.md``).
    tol : float or None, default=1e-4
        Minimum decrease of the loss (validation loss with early stopping, else
        training loss) that counts as an improvement. None: no convergence
        stopping without early stopping (and any decrease counts with it).
    restore_best_weights : bool, default=False
        Without early stopping: at the end of ``fit``, restore the weights of the
        epoch with the lowest training loss instead of keeping the last epoch's,
        as the published deep time-series classifiers do (FCN, ResNet,
        InceptionTime); ``best_epoch_`` says which epoch. Useful when the last
        epoch may land on a spike of the loss (GunPoint capped at 100 epochs with
        a patience of 20, one seed on an Intel Xeon: 0.493 for the last weights,
        0.993 for the best epoch's); with the full default
        budget it averaged 0.918 against 0.922 for the last weights over the
        eight aeon classification datasets
        (``benchmarks/results/best_epoch_patient_screen.md``). With early
        stopping the best validation epoch is always restored. ``partial_fit``
        keeps its epoch's weights.
"""

RUNTIME_PARAMETERS_DOC = """\
    augmentation : "auto", SequenceAugmenter or None, default=$augmentation_default
        Random augmentation of the training batches (never applied at predict).
        ``"auto"``: on float sequences, half of each batch gets gaussian noise
        (0.05), a random gain (standard deviation 0.1) and a shift in time of up
        to 5% of its length, ``SequenceAugmenter(jitter=0.05, scaling=0.1,
        time_shift=0.05, p=0.5)``, without the noise when the network appends
        the step-to-step changes (``differences``); no augmentation on token
        ids. Input is expected standardised (``SequenceScaler``), as the noise is
        in its units. ``augmentation_`` holds the augmenter used.
        $augmentation_evidence
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling, the validation split and
        augmentation: two fits with the same int give identical predictions.
        ``partial_fit`` seeds on its first call and continues the random streams
        on later ones (the same calls in the same order repeat the same training).
    verbose : {0, 1, 2}, default=0
        0 silent, 1 a progress bar per epoch, 2 one line per epoch.
    warm_start : bool, default=False
        When True, ``fit`` continues training the existing model instead of
        building a new one.
    jit_compile : "auto" or bool, default="auto"
        Compile the train step with XLA (TensorFlow backend). ``"auto"`` compiles
        where it was measured to pay on the CPU: a one-direction, one-layer LSTM or
        GRU on unmasked input, with any pooling, in fits long enough to repay
        0.5-1 s of compilation per input shape (1.5-1.9x faster epochs); it keeps
        the graph executor for bidirectional or stacked layers, SimpleRNN, masked
        (variable-length or token) input, short fits, when a GPU is visible
        (Keras' cuDNN kernels, which XLA cannot compile, need ``jit_compile``
        False) and when TensorFlow uses more than one intra-op thread. True
        compiles every fit; False never does. Where XLA cannot compile the
        network, training falls back to the graph executor (with a warning when
        True was asked for). ``jit_compile_`` tells what the last fit used. On JAX
        every step is compiled; False there runs it uncompiled (slow). On
        PyTorch ``"auto"`` runs eagerly, the recurrent layers on PyTorch's fused
        kernels, and True compiles with ``torch.compile`` (slow to start), falling
        back to eager training with a warning where it cannot compile the network
        (an LSTM on equal-length input, with torch 2.13).

        On TensorFlow the first fit also gives TensorFlow one intra-op thread
        (``tf.config.threading.set_intra_op_parallelism_threads(1)``), which trains
        these small recurrent networks faster, unless the environment variable
        ``TF_NUM_INTRAOP_THREADS`` is set or TensorFlow's runtime has already
        started.
    **kwargs
        Routed optimizer arguments, ``optimizer__<name>=value``.
"""

SHARED_ATTRIBUTES_DOC = """\
    n_features_in_ : int
        Features per timestep (1 for 2D input and for token ids).
    vocab_size_ : int or None
        Token vocabulary size used by the embedding (token input only).
    conv_filters_ : tuple of int, int or None
        The front-end's filters (``conv_filters="auto"`` resolved); None without
        a front-end.
    conv_stride_ : tuple of int or None
        The stride of each front-end block (``conv_stride="auto"`` resolved);
        None without a front-end.
    augmentation_ : SequenceAugmenter or None
        The augmenter of the last training call (``augmentation="auto"``
        resolved).
    length_feature_ : bool
        Whether the network sees each sequence's length (``length_feature="auto"``
        resolved).
    differences_ : bool
        Whether the network sees each feature's step-to-step change
        (``differences="auto"`` resolved).
    model_ : keras.Model
        The fitted network.
    n_iter_ : int
        Epochs run (fewer than ``epochs`` when training stopped early or
        converged).
    best_epoch_ : int
        The epoch (counted from 1) whose weights were kept: the best validation
        loss with early stopping, the lowest training loss with
        ``restore_best_weights=True``, else the last epoch.
    loss_curve_ : list of float
        Training loss per epoch.
    jit_compile_ : bool
        Whether the last fit's train step ran XLA-compiled.
    batch_size_ : int
        The batch size of the last fit (``batch_size="auto"`` resolved).
    length_buckets_ : bool
        Whether the last fit batched sequences by length
        (``length_buckets="auto"`` resolved; False for equal lengths).
"""


FAILURE_NOTES_DOC = """\
    Notes
    -----
    Bad parameters or input raise ``ValueError`` before any training. A fit whose
    training loss becomes NaN or infinite (a learning rate far too high, inputs of
    huge scale, exploding gradients) stops at the end of that epoch and raises
    :class:`~sklearn_rnn.exceptions.DivergenceError` (a ``ValueError``) naming the
    epoch and the likely causes, instead of returning a model that predicts NaN.
    Whatever ends a ``fit`` or ``partial_fit`` early (a divergence, an exception in
    an augmenter, ``KeyboardInterrupt``) leaves the estimator as it was before the
    call: a fitted estimator keeps its model, weights, optimizer state and
    ``history_`` and predicts as before; an unfitted one stays unfitted.
"""


def estimator_doc(template, **fields):
    """A class docstring from a template with ``$network_parameters``,
    ``$runtime_parameters`` and ``$shared_attributes`` (and the fields given)."""
    def evidence(name):
        return textwrap.fill(fields.pop(name), width=80,
                             subsequent_indent=" " * 8).lstrip()

    network = string.Template(NETWORK_PARAMETERS_DOC).substitute(
        split=fields.pop("split"), mlp=fields.pop("mlp"),
        conv_downsampling_default=fields.pop("conv_downsampling_default"),
        conv_downsampling_evidence=evidence("conv_downsampling_evidence"),
        differences_default=fields.pop("differences_default"),
        differences_evidence=evidence("differences_evidence"))
    runtime = string.Template(RUNTIME_PARAMETERS_DOC).substitute(
        augmentation_default=fields.pop("augmentation_default"),
        augmentation_evidence=evidence("augmentation_evidence"))
    return string.Template(template).substitute(
        network_parameters=network, runtime_parameters=runtime,
        shared_attributes=SHARED_ATTRIBUTES_DOC, failure_notes=FAILURE_NOTES_DOC,
        **fields)
