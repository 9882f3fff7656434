"""Benchmarks of sklearn_rnn, run from the repository root.

``python -m benchmarks [--quick] [...]``
    Accuracy of RNNSequenceClassifier presets against classical baselines
    (MiniRocket, 1-NN DTW, logistic regression, random forest) and against the
    same network written by hand in Keras, on the real UCR/UEA datasets that aeon
    ships and on an imbalanced synthetic task (:mod:`benchmarks.accuracy`).
``python -m benchmarks defaults [--quick] [...]``
    The evidence for the classifier's default hyperparameters: candidate RNN
    settings on five small real datasets (:mod:`benchmarks.defaults`).
``python -m benchmarks throughput [...]``
    Training throughput and prediction latency against peers
    (:mod:`benchmarks.throughput`).
``python -m benchmarks memory [...]``
    Memory growth over many fits in one process (:mod:`benchmarks.memory`).

Results are written to ``benchmarks/results/``.
"""
