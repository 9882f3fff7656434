"""Prediction latency and throughput: ``predict_proba`` against scikeras and Keras' own
predict paths (``python -m benchmarks throughput --parts predict``)."""

import os
import time

from ._harness import backend_threads, fmt, median, run_worker
from ._models import PLAIN_LSTM
from ._network_a import BATCH_SIZE, N_FEATURES, N_TIMESTEPS, UNITS, keras_model, make_data

# ------------------------------------------------------------- predict worker
GRAPH_STEP = "ours.predict_proba, graph step only (SKLEARN_RNN_COMPILED_PREDICT=0)"


def graph_step_only(predict):
    """``predict`` with the XLA-compiled steps of hot shapes switched off."""
    from sklearn_rnn._compiled_predict import ENV_SWITCH

    def call(x):
        os.environ[ENV_SWITCH] = "0"
        try:
            return predict(x)
        finally:
            del os.environ[ENV_SWITCH]
    return call


def _timed(fn, x, calls):
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return median(times)


def worker_predict(spec):
    import keras
    import numpy as np
    from scikeras.wrappers import KerasClassifier

    from sklearn_rnn import RNNSequenceClassifier
    from sklearn_rnn._compiled_predict import HOT_CALLS, wait_for_compilations

    X, y = make_data(1024)
    rng = np.random.default_rng(1)
    ours = RNNSequenceClassifier(units=UNITS, epochs=1, batch_size=BATCH_SIZE,
                                 random_state=0, **PLAIN_LSTM).fit(X, y)
    keras.utils.set_random_seed(0)
    theirs = KerasClassifier(keras_model, loss="sparse_categorical_crossentropy",
                             epochs=1, batch_size=BATCH_SIZE, verbose=0).fit(X, y)
    model = ours.model_
    result = {"first_call_ms": {}, "seconds_until_compiled": {}}

    one = X[:1]
    for name, fn in (("ours.predict_proba", ours.predict_proba),
                     ("scikeras.predict_proba", theirs.predict_proba)):
        start = time.perf_counter()
        fn(one)
        result["first_call_ms"][name] = 1e3 * (time.perf_counter() - start)

    methods = {
        "ours.predict_proba": ours.predict_proba,
        GRAPH_STEP: graph_step_only(ours.predict_proba),
        "scikeras.predict_proba": theirs.predict_proba,
        "keras model.predict": lambda x: model.predict(x, verbose=0),
        "keras model.predict_on_batch": model.predict_on_batch,
        "keras model(x)": lambda x: keras.ops.convert_to_numpy(model(x, training=False)),
    }
    result["latency_ms"] = {}
    for n in (1, 32):
        x = X[:n]
        for fn in methods.values():  # warm up: trace / compile this shape
            fn(x)
            fn(x)
        # Ours compiles a recurring small shape in the background (_compiled_predict):
        # the latency measured below is the steady state of a serving loop.
        start = time.perf_counter()
        for _ in range(HOT_CALLS):
            ours.predict_proba(x)
        wait_for_compilations(model)
        result["seconds_until_compiled"][str(n)] = time.perf_counter() - start
        rounds = {name: [] for name in methods}
        for _ in range(spec["rounds"]):
            for name, fn in methods.items():
                if name == "keras model(x)":  # eager: hundreds of ms per call
                    calls = 3
                elif name in ("scikeras.predict_proba", "keras model.predict"):
                    calls = max(3, spec["calls"] // 3)
                else:
                    calls = spec["calls"]
                rounds[name].append(1e3 * _timed(fn, x, calls))
        result["latency_ms"][str(n)] = {k: median(v) for k, v in rounds.items()}

    X_bulk, _ = make_data(10_000, seed=2)
    bulk = {
        "ours.predict_proba": ours.predict_proba,
        "scikeras.predict_proba": theirs.predict_proba,
        "keras model.predict(batch_size=1024)":
            lambda x: model.predict(x, batch_size=1024, verbose=0),
        "keras model.predict (batch_size=32)": lambda x: model.predict(x, verbose=0),
    }
    # The first call of each on this shape: ours compiles its step here (a call of
    # at least 8 chunks of 1024), model.predict traces its own.
    result["bulk_first_call_s"] = {}
    for name in ("ours.predict_proba", "keras model.predict(batch_size=1024)"):
        start = time.perf_counter()
        bulk[name](X_bulk)
        result["bulk_first_call_s"][name] = time.perf_counter() - start
    for fn in bulk.values():
        fn(X_bulk[:2048])
    rounds = {name: [] for name in bulk}
    for _ in range(spec["bulk_rounds"]):
        for name, fn in bulk.items():
            start = time.perf_counter()
            fn(X_bulk)
            rounds[name].append(time.perf_counter() - start)
    result["bulk_10000_seq_per_s"] = {k: len(X_bulk) / median(v) for k, v in rounds.items()}

    # Shapes never seen before: new batch sizes (length 100), then new lengths
    # (batch 1). Retracing / recompiling shows up here; the second pass over the
    # same shapes is the cached cost.
    shapes = [(b, N_TIMESTEPS) for b in (2, 3, 5, 6, 7, 9, 11, 13)]
    shapes += [(1, t) for t in (90, 93, 95, 97, 99, 101, 103, 105)]
    for label in ("new_shape_ms", "repeat_shape_ms"):
        times = {"batch": [], "length": []}
        for b, t in shapes:
            x = rng.normal(size=(b, t, N_FEATURES)).astype(np.float32)
            start = time.perf_counter()
            ours.predict_proba(x)
            times["batch" if t == N_TIMESTEPS else "length"].append(
                1e3 * (time.perf_counter() - start))
        result[label] = {
            "new_batch_sizes": median(times["batch"]),
            "new_lengths": median(times["length"]),
            "all_calls": times,
        }
    result["threads"] = backend_threads()
    return result



def measure_predict(backend, settings):
    spec = {"rounds": settings["predict_rounds"], "calls": settings["latency_calls"],
            "bulk_rounds": settings["bulk_rounds"]}
    res = run_worker("predict", spec, backend)
    lat = res["latency_ms"]
    res["ratios"] = {
        "scikeras/ours latency n=1": lat["1"]["scikeras.predict_proba"]
        / lat["1"]["ours.predict_proba"],
        "scikeras/ours latency n=32": lat["32"]["scikeras.predict_proba"]
        / lat["32"]["ours.predict_proba"],
        "graph step/compiled step latency n=1": lat["1"][GRAPH_STEP]
        / lat["1"]["ours.predict_proba"],
        "scikeras/ours graph step latency n=1": lat["1"]["scikeras.predict_proba"]
        / lat["1"][GRAPH_STEP],
        "ours/model.predict(1024) bulk throughput":
            res["bulk_10000_seq_per_s"]["ours.predict_proba"]
            / res["bulk_10000_seq_per_s"]["keras model.predict(batch_size=1024)"],
        "ours/model.predict(32) bulk throughput":
            res["bulk_10000_seq_per_s"]["ours.predict_proba"]
            / res["bulk_10000_seq_per_s"]["keras model.predict (batch_size=32)"],
    }
    return res



def markdown(res, results):
    """The prediction section of one backend's report."""
    lines = []
    p = res["predict"]
    lines += ["### Prediction", "", "| method | 1 sequence ms | 32 sequences ms |",
              "|---|---|---|"]
    for name in p["latency_ms"]["1"]:
        lines.append(f"| {name} | {fmt(p['latency_ms']['1'][name], 2)} | "
                     f"{fmt(p['latency_ms']['32'][name], 2)} |")
    lines += ["", "| 10,000 sequences | seq/s |", "|---|---|"]
    for name, v in p["bulk_10000_seq_per_s"].items():
        lines.append(f"| {name} | {fmt(v, 0)} |")
    for name, v in p.get("bulk_first_call_s", {}).items():
        lines.append(f"| first call on this shape: {name} | {fmt(v, 2)} s |")
    lines += ["", "| first / new-shape calls of ours.predict_proba | ms |", "|---|---|"]
    for name, v in p["first_call_ms"].items():
        lines.append(f"| first call after fit: {name} | {fmt(v, 1)} |")
    for n, v in p.get("seconds_until_compiled", {}).items():
        lines.append(f"| ours, {n} sequence(s): from the first call of a shape until "
                     f"its compiled step is ready | {fmt(1e3 * v, 0)} |")
    for label in ("new_shape_ms", "repeat_shape_ms"):
        for key in ("new_batch_sizes", "new_lengths"):
            lines.append(f"| {label.replace('_ms', '')}: {key} (median) | "
                         f"{fmt(p[label][key], 1)} |")
    lines += ["", "| ratio | value |", "|---|---|"]
    for name, v in p["ratios"].items():
        lines.append(f"| {name} | {fmt(v, 2)} |")
    lines.append("")
    return lines


def evaluate_targets(backend, res):
    """The prediction targets of one backend."""
    targets = []
    p = res["predict"]
    ratio = p["ratios"]["scikeras/ours latency n=1"]
    ms = p["latency_ms"]["1"]["ours.predict_proba"]
    if backend == "jax":  # scikeras' model.predict is cheap on JAX: 1 ms target
        targets.append({
            "target": "[jax] 1-sequence predict_proba < 1 ms",
            "measured": f"{ms:.2f} ms ({ratio:.1f}x faster than scikeras)",
            "met": ms < 1.0})
    else:
        targets.append({
            "target": f"[{backend}] 1-sequence predict_proba >= 20x faster than "
                      "scikeras and < 3 ms",
            "measured": f"{ratio:.1f}x, {ms:.2f} ms",
            "met": ratio >= 20 and ms < 3.0})
    bulk = p["ratios"]["ours/model.predict(1024) bulk throughput"]
    targets.append({
        "target": f"[{backend}] bulk prediction of 10,000 sequences >= 1.5x "
                  "faster than model.predict(batch_size=1024)",
        "measured": f"ours/model.predict(batch_size=1024) = {bulk:.2f}; vs default "
                    f"batch_size=32: "
                    f"{p['ratios']['ours/model.predict(32) bulk throughput']:.2f}",
        "met": bulk >= 1.5})
    return targets
