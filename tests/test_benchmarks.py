"""The accuracy benchmark runner on tiny data, so that it cannot rot (< 30 s)."""

import csv
import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("benchmarks") is None:  # plain `pytest` from elsewhere
    sys.path.insert(0, str(ROOT))

from benchmarks import _report  # noqa: E402
from benchmarks.__main__ import main as benchmarks_main  # noqa: E402
from benchmarks._data import (  # noqa: E402
    AEON_DATASETS,
    RAGGED,
    Dataset,
    load_dataset,
    ragged_recordings,
)
from benchmarks.accuracy import (  # noqa: E402
    _parse_seeds,
    _per_sequence,
    run_benchmark,
    summary_markdown,
)
from sklearn_rnn import RNNSequenceClassifier  # noqa: E402


@pytest.fixture(scope="module")
def tiny():
    from sklearn_rnn.datasets import make_sequence_classification

    X, y = make_sequence_classification(n_samples=60, n_timesteps=12, n_features=2,
                                        random_state=0)
    return Dataset("Tiny", X[:40], y[:40], X[40:], y[40:])


def read_csv(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def test_runner_writes_rows(tiny, tmp_path):
    csv_path = tmp_path / "acc.csv"
    messages = []
    rows = run_benchmark([tiny], ["rnn_default", "logistic_regression"], [0], epochs=1,
                         csv_path=csv_path, warm_up=False, log=messages.append)
    assert [(r["model"], r["seed"]) for r in rows] == [
        ("rnn_default", 0), ("logistic_regression", 0)]
    assert len(messages) == 2 and "acc=" in messages[0] and "fit=" in messages[0]
    header, written = read_csv(csv_path)
    assert tuple(header) == _report.COLUMNS
    assert {"dataset", "model", "seed", "accuracy", "balanced_accuracy", "f1_macro",
            "fit_seconds", "predict_seconds"} <= set(header)
    assert len(written) == 2
    for row in written:
        assert row["dataset"] == "Tiny" and row["error"] == ""
        for metric in ("accuracy", "balanced_accuracy", "f1_macro"):
            assert 0.0 <= float(row[metric]) <= 1.0
        assert float(row["fit_seconds"]) > 0 and float(row["predict_seconds"]) > 0
    assert [r["epochs_run"] for r in written] == ["1", ""]


def test_seeds_summary_and_plot(tiny, tmp_path):
    csv_path = tmp_path / "acc.csv"
    models = ["random_forest", "logistic_regression"]
    rows = run_benchmark([tiny], models, [0, 1], csv_path=csv_path, warm_up=False,
                         log=lambda message: None)
    # random forest is stochastic (one fit per seed), logistic regression is not
    assert [(r["model"], r["seed"]) for r in rows] == [
        ("random_forest", 0), ("random_forest", 1), ("logistic_regression", 0)]
    machine = {k: "x" for k in ("cpu", "cores", "ram_gb", "os", "python", "numpy",
                                "scikit-learn", "tensorflow", "keras", "keras_backend",
                                "aeon", "sklearn_rnn", "date")}
    md = summary_markdown(_report.read_rows(csv_path), datasets=["Tiny"], models=models,
                          seeds=[0, 1], epochs=None, quick=False,
                          runs=[{"command": "python -m benchmarks test", "machine": machine,
                                 "wall_seconds": 1.0, "kept_rows": 0}],
                          dataset_info={"Tiny": tiny.info})
    assert "| dataset | random_forest | logistic_regression |" in md
    assert " ± " in md  # mean ± std over the two seeds
    assert "python -m benchmarks test" in md
    if importlib.util.find_spec("matplotlib"):
        png = _report.plot(rows, ["Tiny"], models, tmp_path / "acc.png", "tiny")
        assert png.stat().st_size > 1000


def test_failed_fit_is_recorded_not_raised(tiny, tmp_path):
    broken = Dataset("Broken", tiny.X_train, tiny.y_train, tiny.X_test[:, :, :1],
                     tiny.y_test)  # one feature at predict, two at fit
    rows = run_benchmark([broken], ["logistic_regression"], [0], warm_up=False,
                         csv_path=tmp_path / "b.csv", log=lambda message: None)
    assert rows[0]["error"].startswith("ValueError")


def test_cli_writes_csv_markdown_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    assert benchmarks_main(["--datasets", "SyntheticImbalanced", "--models",
                            "logistic_regression", "--out", str(tmp_path)]) == 0
    header, rows = read_csv(tmp_path / "accuracy.csv")
    assert tuple(header) == _report.COLUMNS and len(rows) == 1
    assert rows[0]["dataset"] == "SyntheticImbalanced"
    md = (tmp_path / "accuracy.md").read_text()
    assert "Balanced accuracy" in md and "--models logistic_regression" in md
    assert (tmp_path / "accuracy.png").stat().st_size > 1000


def test_resume_keeps_the_first_runs_command_and_adds_wall_times(tmp_path):
    first = ["--datasets", "SyntheticImbalanced", "--models", "logistic_regression",
             "--out", str(tmp_path), "--no-plot", "--name", "acc"]
    assert benchmarks_main(first) == 0
    resumed = ["--datasets", "SyntheticImbalanced", "--models",
               "logistic_regression,random_forest", "--seeds", "1", "--out", str(tmp_path),
               "--no-plot", "--name", "acc", "--resume"]
    assert benchmarks_main(resumed) == 0
    _, rows = read_csv(tmp_path / "acc.csv")
    assert [r["model"] for r in rows] == ["logistic_regression", "random_forest"]
    runs = json.loads((tmp_path / "acc.runs.json").read_text())
    assert [run["kept_rows"] for run in runs] == [0, 1]
    md = (tmp_path / "acc.md").read_text()
    header = md.split("## Protocol")[0]
    assert f"Command: `python -m benchmarks {' '.join(first)}`" in header
    total = (runs[0]["wall_seconds"] + runs[1]["wall_seconds"]) / 60
    assert f"Wall time: {total:.1f} min over 2 runs" in header
    assert "Resumed 1 time(s)" in header and "--resume`" in header
    assert f"Date: {runs[0]['machine']['date']};" in header

    # a CSV from before the runs were recorded: the resume run says what it kept
    (tmp_path / "acc.runs.json").unlink()
    assert benchmarks_main(resumed) == 0
    header = (tmp_path / "acc.md").read_text().split("## Protocol")[0]
    assert f"Command: `python -m benchmarks {' '.join(resumed)}`" in header
    assert "kept 2 rows already in the CSV" in header and "Resumed" not in header


def test_a_resumed_run_on_another_dataset_keeps_both_in_the_protocol_table(tmp_path):
    common = ["--models", "logistic_regression", "--out", str(tmp_path), "--no-plot",
              "--name", "acc"]
    assert benchmarks_main(["--datasets", "SyntheticImbalanced", *common]) == 0
    assert benchmarks_main(["--datasets", "ItalyPowerDemand", *common, "--resume"]) == 0
    protocol = (tmp_path / "acc.md").read_text().split("## Protocol")[1].split("## ")[0]
    assert "| SyntheticImbalanced |" in protocol and "| ItalyPowerDemand |" in protocol


def test_the_machine_record_names_the_kind_of_cpu(tmp_path):
    # Two "AMD EPYC" machines of different generations round a seeded fit
    # differently (oneDNN picks AVX-512 kernels on one, AVX2 on the other): the
    # record says which kind of CPU ran, from the first processor's block.
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\ncpu family\t: 25\nmodel\t\t: 17\n"
                       "model name\t: AMD EPYC\nflags\t\t: fpu avx2 avx512f\n\n"
                       "processor\t: 1\nmodel name\t: other\n")
    assert _report._cpu_model(cpuinfo) == "AMD EPYC (family 25 model 17, AVX-512)"
    cpuinfo.write_text("model name\t: Intel Xeon\nflags\t\t: fpu avx2\n")
    assert _report._cpu_model(cpuinfo) == "Intel Xeon (AVX2)"
    cpuinfo.write_text("model name\t: Old CPU\nflags\t\t: fpu sse2\n")
    assert _report._cpu_model(cpuinfo) == "Old CPU"


def test_a_run_stopped_part_way_is_recorded(tmp_path, monkeypatch):
    from benchmarks import accuracy

    fit_and_score = accuracy.fit_and_score

    def stopped_at_the_forest(data, spec, seed, epochs):
        if spec.name == "random_forest":
            raise KeyboardInterrupt
        return fit_and_score(data, spec, seed, epochs)

    first = ["--datasets", "SyntheticImbalanced", "--models",
             "logistic_regression,random_forest", "--seeds", "1", "--out", str(tmp_path),
             "--no-plot", "--name", "acc"]
    monkeypatch.setattr(accuracy, "fit_and_score", stopped_at_the_forest)
    with pytest.raises(KeyboardInterrupt):
        benchmarks_main(first)
    [run] = json.loads((tmp_path / "acc.runs.json").read_text())
    assert (run["new_rows"], run["finished"]) == (1, False)
    assert run["command"] == f"python -m benchmarks {' '.join(first)}"

    monkeypatch.setattr(accuracy, "fit_and_score", fit_and_score)
    assert benchmarks_main([*first, "--resume"]) == 0
    runs = json.loads((tmp_path / "acc.runs.json").read_text())
    assert [(r["kept_rows"], r["new_rows"], r["finished"]) for r in runs] == [
        (0, 1, False), (1, 1, True)]
    header = (tmp_path / "acc.md").read_text().split("## Protocol")[0]
    assert f"Command: `python -m benchmarks {' '.join(first)}`" in header
    assert "Stopped part way" in header and "after 1 fit(s)" in header


def test_subcommands_dispatch_lazily(monkeypatch):
    calls = []
    fake = types.ModuleType("benchmarks.throughput")
    fake.main = lambda argv: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "benchmarks.throughput", fake)
    assert benchmarks_main(["throughput", "--quick", "--parts", "import"]) == 0
    assert calls == [["--quick", "--parts", "import"]]


def test_task_option_dispatches_to_the_regression_benchmark(monkeypatch):
    calls = []
    fake = types.ModuleType("benchmarks.regression")
    fake.main = lambda argv: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "benchmarks.regression", fake)
    assert benchmarks_main(["--seeds", "1", "--task", "regression"]) == 0
    assert benchmarks_main(["--task=regression", "--models", "ridge"]) == 0
    assert calls == [["--seeds", "1"], ["--models", "ridge"]]
    with pytest.raises(SystemExit, match="--task must be one of"):
        benchmarks_main(["--task", "clustering"])


def test_regression_benchmark_scores_rmse_and_r2_on_real_data(tmp_path):
    pytest.importorskip("aeon")
    from benchmarks import regression

    rows = regression.run_benchmark(["CardanoSentiment"], ["rnn_default", "ridge", "mean"],
                                    [0, 1], epochs=1, warm_up=False,
                                    csv_path=tmp_path / "r.csv", log=lambda m: None)
    assert [(r["model"], r["seed"]) for r in rows] == [
        ("rnn_default", 0), ("rnn_default", 1), ("ridge", 0), ("mean", 0)]
    assert not any(r["error"] for r in rows)
    y_test = regression.load_regression_dataset("CardanoSentiment").y_test
    mean_row = rows[-1]  # the training mean: R^2 <= 0, RMSE about the test std
    assert mean_row["r2"] <= 0 and mean_row["rmse"] >= np.std(y_test)
    assert rows[0]["epochs_run"] == 1
    header, written = read_csv(tmp_path / "r.csv")
    assert tuple(header) == regression.COLUMNS and len(written) == 4
    md = regression.summary_markdown(rows, datasets=["CardanoSentiment"],
                                     models=["rnn_default", "ridge", "mean"], seeds=[0, 1],
                                     epochs=1, command="cmd", machine=_report.machine_info(),
                                     wall_seconds=1.0)
    assert "Test RMSE" in md and "Test R^2" in md and " ± " in md


def test_tuning_benchmark_runs_the_three_searches_on_real_data(tmp_path, monkeypatch):
    pytest.importorskip("aeon")
    pytest.importorskip("optuna_integration")
    from conftest import ONE_DIRECTION

    from benchmarks import tuning
    from sklearn_rnn import RNNSequenceClassifier

    monkeypatch.setattr(tuning, "base_estimator", lambda epochs, seed: RNNSequenceClassifier(
        units=2, epochs=epochs, tol=None, random_state=seed, **ONE_DIRECTION))
    # The smallest networks of the same space's kinds (choices, uniform, log-uniform).
    monkeypatch.setattr(tuning, "SPACE", {
        "units": ("choice", [2, 3]), "dropout": ("uniform", 0.0, 0.3),
        "learning_rate": ("loguniform", 3e-4, 1e-2)})
    out = tmp_path / "tuning"
    # One trial each (the searches themselves are tested in test_tuning).
    tuning.main(["--trials", "1", "--epochs", "2", "--cv", "2", "--output", str(out)])
    rows = json.loads(out.with_suffix(".json").read_text())["rows"]
    assert [r["search"] for r in rows] == ["random", "halving", "optuna"]
    epochs = {r["search"]: r["epochs_trained"] for r in rows}
    # 1 trial x 2 epochs x 2 folds (halving: one round at the full 2 epochs)
    assert epochs == {"random": 4, "halving": 4, "optuna": 4}
    assert all(0 <= r["test_accuracy"] <= 1 for r in rows)
    md = out.with_suffix(".md").read_text()
    assert "| ItalyPowerDemand | 0 | halving |" in md and "Relative to `random`" in md


def test_aeon_regression_datasets_load_offline_channels_last():
    pytest.importorskip("aeon")
    from benchmarks._data import REGRESSION_DATASETS, load_regression_dataset

    for name in REGRESSION_DATASETS:
        data = load_regression_dataset(name)
        assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.float64
        assert data.X_train.shape[2] == data.info["channels"]
        assert len(data.X_test) == len(data.y_test) == data.info["n_test"]
    assert load_regression_dataset("CardanoSentiment").info["channels"] == 2


def test_parse_seeds():
    assert _parse_seeds("3") == [0, 1, 2]
    assert _parse_seeds("4,7") == [4, 7]
    assert _parse_seeds("5,") == [5]
    with pytest.raises(SystemExit, match="runs no seed"):
        _parse_seeds("0")


def test_ragged_recordings_vary_in_length_and_scale_but_keep_the_shape():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 200, 2)).astype(np.float32)
    y = np.array(["a", "b", "c", "d"])
    seqs, labels = ragged_recordings(X, y, min_length=20, max_length=150, min_gain=1e-4,
                                     max_gain=1e2, crops_per_series=25, random_state=0)
    assert len(seqs) == 100 and list(labels) == [c for c in y for _ in range(25)]
    lengths = np.array([len(s) for s in seqs])
    assert lengths.min() >= 20 and lengths.max() <= 151 and len(set(lengths)) > 50
    scales = np.array([s.std() for s in seqs])
    assert np.percentile(scales, 95) / np.percentile(scales, 5) > 1e3
    # Each window is an affine copy of a window of its source series.
    first = seqs[0]
    for start in range(200 - len(first) + 1):
        window = X[0, start:start + len(first)]
        gain = first.std() / window.std()
        if np.allclose((first - first.mean()) / gain, window - window.mean(), atol=1e-3):
            break
    else:
        raise AssertionError("the first recording is no affine copy of a window")
    assert ragged_recordings(X, y, min_length=20, max_length=150, min_gain=1e-4,
                             max_gain=1e2, crops_per_series=25, random_state=0)[0][7] \
        .tobytes() == seqs[7].tobytes()


def test_per_sequence_option_scales_each_series_in_every_model():
    from benchmarks._models import MODELS

    for name in ("rnn_default", "rnn_ensemble5", "dtw_1nn", "minirocket", "keras_by_hand"):
        assert _per_sequence(MODELS[name]).make(0).named_steps["sequencescaler"].per_sequence
        assert not MODELS[name].make(0).named_steps["sequencescaler"].per_sequence


def test_ragged_acsf1_is_variable_length_on_scales_orders_of_magnitude_apart():
    pytest.importorskip("aeon")
    data = load_dataset(RAGGED)
    assert data.variable_length and data.info["n_classes"] == 10
    assert data.info["n_train"] == data.info["n_test"] == 300
    scales = np.array([x.std() for x in data.X_train])
    assert np.percentile(scales, 95) / np.percentile(scales, 5) > 1e5


def test_aeon_datasets_load_offline_channels_last():
    pytest.importorskip("aeon")
    for name in AEON_DATASETS:
        data = load_dataset(name)
        first = data.X_train[0]
        assert first.ndim == 2 and first.shape[1] == data.info["channels"]
        assert first.dtype == np.float32
        assert len(data.X_train) == len(data.y_train) == data.info["n_train"]
        assert len(data.X_test) == len(data.y_test) == data.info["n_test"]
    # channels-last: JapaneseVowels has 12 channels and sequences of 7 to 29 steps
    assert load_dataset("JapaneseVowels").info["channels"] == 12


def test_gridsearch_speedups_are_per_round_ratios_and_cold_counts(monkeypatch, tmp_path):
    from benchmarks import search, throughput

    # (cold, warm) seconds per round: n_jobs=2 is fast once warm, slow to start
    seconds = {1: iter([(100.0, 100.0), (90.0, 96.0), (110.0, 104.0)]),
               2: iter([(80.0, 55.0), (60.0, 60.0), (70.0, 52.0)])}

    def fake_worker(kind, spec, backend, env=None):
        assert kind == "gridsearch" and env is None
        cold, warm = next(seconds[spec["n_jobs"]])
        return {"searches_seconds": [cold, warm], "main_process_cores_busy": [1.0, 1.2],
                "load_average_before": 0.1}

    monkeypatch.setattr(search, "run_worker", fake_worker)
    settings = {**throughput.SETTINGS["quick"], "grid_rounds": 3}
    grid = search.measure_gridsearch("tensorflow", settings, log=lambda m: None)
    assert grid["speedups"]["n_jobs=2 vs n_jobs=1 (cold)"] == pytest.approx(1.5)
    assert grid["speedups"]["n_jobs=2 vs n_jobs=1 (warm)"] == pytest.approx(100 / 55)
    assert grid["variants"]["n_jobs=2"]["cold_seconds"] == 70.0

    results = {"backends": {"tensorflow": {"gridsearch": grid}}}
    (target,) = throughput.evaluate_targets(results)
    assert target["met"] and "1.50x cold workers, 1.82x warm" in target["measured"]
    grid["speedups"]["n_jobs=2 vs n_jobs=1 (cold)"] = 1.49  # a slow first search misses
    assert not throughput.evaluate_targets(results)[0]["met"]

    results.update(machine={"cpu": "cpu", "cores": 2, "platform": "p", "versions": {}},
                   command="python -m benchmarks throughput", mode="quick", date="d",
                   load_average_at_start=(0.1,), load_average_at_end=(0.2,),
                   settings=settings, targets=throughput.evaluate_targets(results))
    throughput.write_markdown(results, tmp_path / "grid.md")
    md = (tmp_path / "grid.md").read_text()
    assert "LSTM 64 units" in md and "| n_jobs=2 | 70.0 | 55.0 |" in md


def test_training_ratios_are_per_round_and_contestants_alternate(monkeypatch, tmp_path):
    from benchmarks import throughput
    from benchmarks import train as train_part

    # Steady seq/s per round; round 2 is a slow round for everybody (a busy machine).
    rates = {"ours": [4000, 2000, 3900], "keras": [2000, 1000, 2600],
             "torch": [7000, 3600, 7800], "ours_jax": [6400, 3000, 7000]}
    calls = []

    def fake_worker(kind, spec, backend, env=None):
        assert kind == "train"
        contestant = spec["contestant"]
        calls.append(contestant)
        assert backend == ("jax" if contestant == "ours_jax" else "tensorflow")
        rate = rates[contestant][sum(c == contestant for c in calls) - 1]
        return {"steady_seq_per_s": rate, "steady_seq_per_cpu_s": rate / 2,
                "fit_seq_per_s": rate / 1.5, "fit_seconds": 1.0, "first_epoch_seconds": 0.5,
                "rss_before_fit_mb": 1.0, "peak_rss_mb": 2.0, "final_loss": 1.0,
                "other_processes_cores_busy": 0.0, "threads": {}}

    monkeypatch.setattr(train_part, "run_worker", fake_worker)
    contestants = ["ours", "keras", "torch", "ours_jax"]
    settings = {**throughput.SETTINGS["quick"], "train_rounds": 3}
    train = train_part.measure_train("tensorflow", settings, contestants,
                                     log=lambda m: None)
    assert calls[:4] == contestants and calls[4:8] == contestants[::-1]
    ratio = train["ratios"]["ours/keras"]["steady_seq_per_s"]
    assert ratio == {"median": 2.0, "min": 1.5, "max": 2.0}
    assert train["ratios"]["ours_jax/torch"]["steady_seq_per_s"]["median"] == \
        pytest.approx(7000 / 7800)  # the median of 0.914, 0.833 and 0.897
    assert "ours_default/keras_default" not in train["ratios"]

    results = {"backends": {"tensorflow": {"train": train}}}
    targets = throughput.evaluate_targets(results)

    def met(start):
        (target,) = [t for t in targets if t["target"].startswith(f"[tensorflow] {start}")]
        return target["met"]

    assert met("epoch cost, network A: >= 1.5x faster")
    assert met("epoch cost, network A: ours (TF) >= 0.5x")
    assert not met("epoch cost, network A: ours (JAX) >= 0.9x")
    results.update(machine={"cpu": "cpu", "cores": 2, "platform": "p", "versions": {}},
                   command="c", mode="quick", date="d", load_average_at_start=(0.1,),
                   load_average_at_end=(0.2,), settings=settings,
                   targets=throughput.evaluate_targets(results))
    throughput.write_markdown(results, tmp_path / "train.md")
    assert "| ours/keras | 2.00 (1.50-2.00) |" in (tmp_path / "train.md").read_text()


def test_every_defaults_candidate_and_preset_is_a_valid_setting():
    from benchmarks._models import RNN_PRESETS
    from benchmarks.defaults import CANDIDATES, candidate_specs
    from sklearn_rnn._network import resolve_conv_filters, resolve_conv_stride

    for spec in [*candidate_specs(list(CANDIDATES)), *RNN_PRESETS.values()]:
        final = spec.make(0)[-1]
        final = getattr(final, "estimator", final)
        for _, clf in getattr(final, "estimators", [("", final)]):
            clf._validate_params()
            resolve_conv_stride(resolve_conv_filters(clf.conv_filters, tokens=False),
                                clf.conv_kernel_size, clf.conv_stride, [100])


def test_ensemble_preset_members_never_share_a_seed_across_benchmark_seeds():
    from benchmarks._models import RNN_PRESETS

    seeds = [[clf.random_state for _, clf in RNN_PRESETS["rnn_ensemble5"].make(s)[-1].estimators]
             for s in range(3)]
    assert seeds == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14]]


def test_shift_averaged_predictions_average_the_shifted_copies():
    from sklearn.base import BaseEstimator, ClassifierMixin

    from benchmarks._models import ShiftAveraged

    class FirstStep(ClassifierMixin, BaseEstimator):
        """P(class 1) is the series' first value, so shifts change it."""

        def fit(self, X, y):
            self.classes_ = np.unique(y)
            return self

        def predict_proba(self, X):
            first = np.array([x[0, 0] for x in X])
            return np.stack([1 - first, first], axis=1)

    X = np.array([[[0.0], [0.3], [0.6], [0.9]], [[0.9], [0.6], [0.3], [0.0]]])
    y = np.array([0, 1])
    plain = ShiftAveraged(FirstStep(), max_shift=0).fit(X, y)
    np.testing.assert_allclose(plain.predict_proba(X)[:, 1], [0.0, 0.9])
    # shifts -1, 0, 1: the first step reads x[1], x[0], x[0] (the edge repeats)
    averaged = ShiftAveraged(FirstStep(), max_shift=1).fit(X, y)
    np.testing.assert_allclose(averaged.predict_proba(X)[:, 1], [0.1, 0.8])
    np.testing.assert_allclose(averaged.predict_proba(list(X))[:, 1], [0.1, 0.8])
    assert averaged.predict(X).tolist() == [0, 1]


def test_presets_of_earlier_results_build_the_earlier_network():
    """Results measured before the step-to-step changes and the averaged windows
    became the defaults are reproduced only by the network of that time."""
    from benchmarks._models import RNN_PRESETS

    for name in ("rnn_previous_defaults", "rnn_no_augmentation", "rnn_accurate",
                 "rnn_ensemble5", "rnn_ensemble5_mixed", "rnn_wide",
                 "rnn_without_differences"):
        final = RNN_PRESETS[name].make(0)[-1]
        for _, clf in getattr(final, "estimators", [("", final)]):
            assert (clf.differences, clf.conv_downsampling) == (False, "stride"), name
    assert RNN_PRESETS["rnn_default"].make(0)[-1].get_params() == \
        RNNSequenceClassifier(random_state=0).get_params()


def test_the_speed_benchmarks_fit_the_network_the_hand_written_peers_build(monkeypatch):
    """The peers convolve with strides and have no step-to-step changes."""
    from benchmarks import fit_profile, training_cost

    class Built(Exception):
        pass

    def fit(self, X, y, **kwargs):
        raise Built(self.get_params())

    monkeypatch.setattr(RNNSequenceClassifier, "fit", fit)
    X, y = np.zeros((8, 12, 1), np.float32), np.arange(8) % 2
    with pytest.raises(Built) as built:
        training_cost.train_ours(X, y, 4, 1, clock=None)
    assert (built.value.args[0]["differences"],
            built.value.args[0]["conv_downsampling"]) == (False, "stride")
    with pytest.raises(Built) as built:
        fit_profile.worker({"variant": "package", "epochs": 1, "wait_until_quiet": False})
    assert (built.value.args[0]["differences"],
            built.value.args[0]["conv_downsampling"]) == (False, "stride")


def test_mixed_ensemble_preset_alternates_member_settings():
    from benchmarks._models import RNN_PRESETS

    members = RNN_PRESETS["rnn_ensemble5_mixed"].make(1, epochs=3)[-1].estimators
    assert [clf.random_state for _, clf in members] == [5, 6, 7, 8, 9]
    assert [clf.augmentation for _, clf in members] == ["auto", None, "auto", None, "auto"]
    assert {clf.epochs for _, clf in members} == {3}


def test_batch_path_switches_the_training_batches_and_restores_them():
    import sklearn_rnn._fitting as fitting
    from benchmarks._harness import batch_path

    before = fitting.fit_reshuffles_arrays
    for path, reshuffles in (("keras_arrays", True), ("own_batches", False)):
        with batch_path(path):
            assert fitting.fit_reshuffles_arrays() is reshuffles
        assert fitting.fit_reshuffles_arrays is before


def test_accuracy_targets_count_datasets_against_the_references():
    from benchmarks.accuracy import accuracy_targets

    def row(dataset, model, seed, accuracy, family):
        return {"dataset": dataset, "model": model, "seed": seed, "family": family,
                "accuracy": accuracy, "fit_seconds": 10.0}

    rows = [row("A", "rnn_x", 0, 0.8, "rnn"), row("A", "rnn_x", 1, 0.9, "rnn"),
            row("A", "dtw_1nn", 0, 0.85, "baseline"), row("A", "minirocket", 0, 0.84, "baseline"),
            row("B", "rnn_x", 0, 0.5, "rnn"), row("B", "dtw_1nn", 0, 0.6, "baseline"),
            row("B", "minirocket", 0, 0.9, "baseline"), row("C", "rnn_x", 0, 1.0, "rnn")]
    table = "\n".join(accuracy_targets(rows, ["A", "B", "C"]))
    # A: 0.85 >= DTW 0.85 and > MiniRocket 0.84; B: below both; C lacks references.
    assert "| rnn_x | 2 | 1 of 2 | 0.675 | 0.870 | -0.195 | 1 | 10 |" in table


def test_throughput_parts_share_one_harness():
    """Each measured part is its own module; the command line and the workers'
    entry point dispatch to them."""
    from benchmarks import _harness, import_time, predict, search, throughput, train, varlen

    assert throughput.WORKERS == {"train": train.worker_train,
                                  "predict": predict.worker_predict,
                                  "gridsearch": search.worker_gridsearch,
                                  "varlen": varlen.worker_varlen}
    assert _harness.WORKER_MODULE == throughput.__name__
    for part in (train, varlen, predict, search):
        assert part.run_worker is _harness.run_worker
        assert callable(part.markdown) and callable(part.evaluate_targets)
    assert import_time.evaluate_targets({"import": {
        "import_seconds_median": 0.1, "imports_keras_or_tensorflow": False}})[0]["met"]


def test_training_cost_fits_each_contestant_the_same_network(monkeypatch, tmp_path):
    """The training-cost benchmark's workers in this process on a tiny scenario:
    the package and the hand-written Keras network learn alike, and the report
    holds per-round speed ratios."""
    from benchmarks import training_cost

    monkeypatch.setitem(training_cost.SCENARIOS, "tiny", (24, 20, "auto", 2, 2))
    monkeypatch.setattr(training_cost, "wait_until_quiet", lambda: 0.0)
    runs = {c: training_cost.worker({"contestant": c, "scenario": "tiny", "epochs": 2})
            for c in ("ours", "keras")}
    for run in runs.values():
        assert run["epochs"] == 2 and run["batch_size"] == 4  # "auto" for 24 series
        assert 0 < run["first_batch_seconds"] <= run["first_epoch_seconds"] \
            <= run["fit_seconds"]
    ours_net = training_cost.keras_network(1)
    assert [type(layer).__name__ for layer in ours_net.layers][-3:] == [
        "Bidirectional", "GlobalMaxPooling1D", "Dense"]

    monkeypatch.setattr(training_cost._report, "run_json_worker",
                        lambda module, args, env, timeout: runs[json.loads(args[0])["contestant"]])
    result = training_cost.measure("tiny", 2, ["ours", "keras"], 2, log=lambda m: None)
    ratio = result["ratios"]["ours/keras"]["fit_seconds"]
    assert ratio["median"] == pytest.approx(runs["keras"]["fit_seconds"]
                                            / runs["ours"]["fit_seconds"])
    results = {"machine": training_cost.machine_info(), "mode": "quick", "command": "c",
               "date": "d", "load_average_at_start": (0, 0, 0),
               "load_average_at_end": (0, 0, 0), "scenarios": {"tiny": result}}
    training_cost.write_markdown(results, tmp_path / "cost.md")
    assert "| ours/keras |" in (tmp_path / "cost.md").read_text()
