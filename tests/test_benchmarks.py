"""The benchmark script records what it measures, and builds the table."""

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture
def bench(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS", tmp_path)
    return module


def test_kmeans_on_digits_is_recorded(bench, tmp_path):
    bench.main(
        [
            "--estimator",
            "KMeans",
            "--dataset",
            "digits",
            "--seed",
            "3",
            "--param",
            "n_init=2",
        ]
    )
    (path,) = tmp_path.glob("digits__KMeans__seed3__cpu.json")
    record = json.loads(path.read_text())
    assert record["n_samples"] == 1797 and record["image_shape"] == [8, 8]
    assert record["params"]["n_init"] == "2"
    # KMeans on digit pixels is far better than chance, far from perfect.
    assert 0.5 < record["acc"] < 0.95
    for field in ("nmi", "ari", "fit_seconds", "peak_host_mb", "versions", "device"):
        assert record[field] is not None
    table = (tmp_path / "README.md").read_text()
    assert "| digits | KMeans |" in table


def test_bad_arguments(bench):
    with pytest.raises(SystemExit):
        bench.main(["--dataset", "digits"])
    with pytest.raises(SystemExit):
        bench.main(["--estimator", "KMeans", "--dataset", "cifar"])


def test_trace_scores_during_the_one_fit(bench, tmp_path):
    bench.main(
        [
            "--estimator",
            "DTIKMeans",
            "--dataset",
            "digits",
            "--no-baseline",
            "--device",
            "cpu",
            "--trace",
            "2",
            "--param",
            "max_epochs=3",
            "--param",
            "transformations=('identity',)",
            "--param",
            "curriculum_milestones=()",
            "--param",
            "batch_size=256",
        ]
    )
    (path,) = tmp_path.glob("digits__DTIKMeans__seed0__cpu.json")
    record = json.loads(path.read_text())
    trace = record["trace"]
    # Every 2 epochs, and the last one; the last point is the fitted model.
    assert [point["epoch"] for point in trace] == [2, 3]
    assert 0 < trace[0]["fit_seconds"] <= trace[1]["fit_seconds"]
    assert trace[1]["fit_seconds"] <= record["fit_seconds"]
    assert trace[-1]["acc"] == record["acc"]
    assert record["epochs"] == 3 and len(record["loss_curve"]) == 3


def test_throughput_rows_compare_with_the_authors_on_the_same_device(bench, tmp_path):
    def record(estimator, device, images_per_second, code=None):
        fields = {
            "estimator": estimator,
            "device": device,
            "torch_threads": 16,
            "train_images_per_second": images_per_second,
        }
        if code:
            fields["code"] = code
        return fields

    authors = "monniert/dti-clustering (authors)"
    records = {
        "DTIKMeans__cuda": record("DTIKMeans", "NVIDIA H100", 6000.0),
        "authors-DTIKMeans__cuda": record("DTIKMeans", "NVIDIA H100", 2000.0, authors),
        # Measured on another device than the authors' run: no ratio.
        "DTIGaussianMixture__cpu": record("DTIGaussianMixture", "CPU x", 300.0),
        "authors-DTIGaussianMixture__cuda": record(
            "DTIGaussianMixture", "NVIDIA H100", 1000.0, authors
        ),
    }
    for name, fields in records.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(fields))
    rows = {(row[0], row[1], row[2]): row for row in bench.throughput_rows(tmp_path)}
    assert rows[("DTIKMeans", "skdeepclust", "NVIDIA H100")][-2:] == ("6000", "3.0x")
    assert rows[("DTIKMeans", "authors'", "NVIDIA H100")][-1] == ""
    assert rows[("DTIGaussianMixture", "skdeepclust", "CPU x")][-1] == ""
    assert len(rows) == 4
