"""The front-end's batch statistics after training in length buckets
(``_recalibration``), on variable-length data like real recordings: lengths that
vary five-fold and scales that span six orders of magnitude."""

import keras
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn._recalibration import front_end_blocks
from sklearn_rnn._sequences import check_sequences
from sklearn_rnn.exceptions import SequenceScaleWarning
from sklearn_rnn.preprocessing import SequenceScaler


def recordings(n, seed, *, min_length=60, max_length=300):
    """Sine, square or sawtooth waves of three cycles (the class) over 60-300 steps,
    each recorded at its own scale and offset (10^-4 to 10^2)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = []
    for label in y:
        t = np.linspace(0, 1, int(rng.integers(min_length, max_length)))
        wave = [np.sin(6 * np.pi * t), np.sign(np.sin(6 * np.pi * t)), (3 * t) % 1 - 0.5][label]
        wave = wave + 0.3 * rng.normal(size=len(t))
        scale, offset = 10 ** rng.uniform(-4, 2), rng.normal(0, 10 ** rng.uniform(-4, 2))
        X.append((scale * wave + offset)[:, None].astype(np.float32))
    return X, y


def masked_moments(values, valid):
    steps = values[valid].astype(np.float64)
    return steps.mean(axis=0), steps.var(axis=0)


@pytest.mark.parametrize("downsampling", ["stride", "average"])
def test_moving_statistics_are_those_of_every_valid_step(downsampling):
    X, y = recordings(40, 0, min_length=20, max_length=80)
    X = SequenceScaler(per_sequence=True).fit_transform(X)
    clf = RNNSequenceClassifier(units=2, conv_filters=(3, 4), conv_kernel_size=(5, 3),
                                conv_stride=(2, 1), conv_downsampling=downsampling,
                                epochs=2, batch_size=8, random_state=0).fit(X, y)
    padded = clf._network_input(clf._pad(check_sequences(X).data))
    valid = clf._valid_steps(padded)[0]
    first, second = front_end_blocks(clf.model_)
    # The first block reads the series with their step-to-step changes (the default).
    padded = clf.model_.get_layer("first_differences")(padded, mask=valid)
    assert padded.shape[-1] == 2
    z = keras.ops.convert_to_numpy(first.convolve(padded, valid))
    # The convolution reads one window in two, or every step before the averaging.
    valid_out = valid[:, ::2]
    mean, var = masked_moments(z, valid_out if downsampling == "stride" else valid)
    np.testing.assert_allclose(first.norm.moving_mean, mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(first.norm.moving_variance, var, rtol=1e-4, atol=1e-5)
    # The second block's statistics are over what the first one outputs at predict.
    h = first(padded, training=False, mask=valid)
    mean, var = masked_moments(keras.ops.convert_to_numpy(second.convolve(h, valid_out)),
                               valid_out)
    np.testing.assert_allclose(second.norm.moving_mean, mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(second.norm.moving_variance, var, rtol=1e-4, atol=1e-5)


def test_equal_length_training_keeps_keras_moving_averages():
    X, y = recordings(24, 1, min_length=30, max_length=31)  # one length: no buckets
    X = np.stack(SequenceScaler(per_sequence=True).fit_transform(X))
    clf = RNNSequenceClassifier(units=2, conv_filters=3, conv_kernel_size=5, conv_stride=1,
                                epochs=1, batch_size=8,
                                random_state=0).fit(X, y)
    (block,) = front_end_blocks(clf.model_)
    z = keras.ops.convert_to_numpy(block.convolve(clf.model_.get_layer("first_differences")(X)))
    exact, _ = masked_moments(z, np.ones(z.shape[:2], bool))
    # Three updates at momentum 0.99 from zero: far from the exact mean.
    assert not np.allclose(block.norm.moving_mean, exact, atol=1e-3)


@pytest.mark.slow
def test_defaults_learn_real_like_variable_length_data():
    """The case that failed before: ragged recordings of very different scales. The
    estimator warns about the scales; with per-sequence standardisation the
    defaults fit their training data and generalise."""
    X, y = recordings(90, 0)
    X_test, y_test = recordings(90, 1)
    with pytest.warns(SequenceScaleWarning):
        RNNSequenceClassifier(units=4, epochs=1, random_state=0).fit(X, y)
    pipe = make_pipeline(SequenceScaler(per_sequence=True),
                         RNNSequenceClassifier(units=16, epochs=30, random_state=0))
    pipe.fit(X, y)
    assert pipe.score(X, y) >= 0.9
    assert pipe.score(X_test, y_test) >= 0.85
