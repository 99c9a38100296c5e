"""The benchmark script records what it measures, and builds the table."""

import importlib.util
import json
import shlex
from pathlib import Path

import pytest

from skdeepclust import authors_params

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture
def bench(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS", tmp_path)
    # Never the repository's README.
    monkeypatch.setattr(module, "README", tmp_path / "README_repository.md")
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


def test_a_subset_is_recorded_apart_from_the_whole_set(bench, tmp_path):
    for max_samples in ([], ["--max-samples", "300"]):
        bench.main(["--estimator", "KMeans", "--dataset", "digits"] + max_samples)
    whole = json.loads((tmp_path / "digits__KMeans__seed0__cpu.json").read_text())
    subset = json.loads((tmp_path / "digits-300__KMeans__seed0__cpu.json").read_text())
    assert (whole["n_samples"], subset["n_samples"]) == (1797, 300)


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
    def record(estimator, device, images_per_second, code=None, **fields):
        fields.update(
            estimator=estimator,
            device=device,
            torch_threads=16,
            train_images_per_second=images_per_second,
        )
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
        # Compared only with the authors' run of the same allocator setting.
        "DTIKMeans__cpu": record(
            "DTIKMeans", "CPU x", 400.0, keep_freed_memory=True, matmul_fraction=0.5
        ),
        "DTIKMeans__cpu__default-malloc": record("DTIKMeans", "CPU x", 350.0),
        "authors-DTIKMeans__cpu": record(
            "DTIKMeans", "CPU x", 100.0, authors, keep_freed_memory=True
        ),
        # Ours in bfloat16 against the authors' (float32) on the same setting.
        "DTIKMeans__cpu__bfloat16": record(
            "DTIKMeans",
            "CPU x",
            600.0,
            keep_freed_memory=True,
            config={"precision": "'bfloat16'"},
        ),
        # STDAC's network alone, and how much slower its epoch is.
        "STDACClustering__cpu": record(
            "STDACClustering",
            "CPU x",
            50.0,
            network_alone={"images_per_second": {"forward_backward": 150.0}},
        ),
        # MMDC's network doing a whole step's work alone.
        "MMDCClustering__cpu": record(
            "MMDCClustering",
            "CPU x",
            700.0,
            network_alone={"images_per_second": {"step": 770.0}},
        ),
    }
    for name, fields in records.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(fields))
    rows = {row[:6]: row for row in bench.throughput_rows(tmp_path)}
    gpu = ("DTIKMeans", "skdeepclust", "NVIDIA H100", "16", "default", "float32")
    assert rows[gpu][-4:] == ("6000", "", "3.0x", "")
    authors_gpu = ("DTIKMeans", "authors'", "NVIDIA H100", "16", "default", "float32")
    assert rows[authors_gpu][-2] == ""
    cpu = ("DTIGaussianMixture", "skdeepclust", "CPU x", "16", "default", "float32")
    assert rows[cpu][-2] == ""
    kept = ("DTIKMeans", "skdeepclust", "CPU x", "16", "keep freed", "float32")
    assert rows[kept][-4:-1] == ("400", "50%", "4.0x")
    default = ("DTIKMeans", "skdeepclust", "CPU x", "16", "default", "float32")
    assert rows[default][-2] == ""
    bf16 = ("DTIKMeans", "skdeepclust", "CPU x", "16", "keep freed", "bfloat16")
    assert rows[bf16][-4:-1] == ("600", "", "6.0x")
    stdac = ("STDACClustering", "skdeepclust", "CPU x", "16", "default", "float32")
    assert rows[stdac][-1] == "150 (3.0x)"
    mmdc = ("MMDCClustering", "skdeepclust", "CPU x", "16", "default", "float32")
    assert rows[mmdc][-1] == "770 (1.1x)"
    assert len(rows) == 10


def _authors_mnist_params(estimator):
    """The authors' MNIST parameters, as ``run.py`` records parameters."""
    try:
        params = authors_params(estimator, "mnist")
    except ValueError:
        return {}
    return {name: repr(value) for name, value in params.items()}


def _record(estimator="DTIKMeans", dataset="mnist", tag=None, seed=0, **fields):
    """A result record as ``run.py`` writes it, with only what summaries read.

    Its parameters are the authors' MNIST ones, the defaults of the runs
    recorded before the defaults became "auto".
    """
    record = {
        "estimator": estimator,
        "dataset": dataset,
        "tag": tag,
        "seed": seed,
        "n_samples": {"mnist": 70000, "fashion_mnist": 70000, "usps": 9298}.get(
            dataset, 1797
        ),
        "params": {
            "n_st_layers": "2",
            "n_init": "10",
            **_authors_mnist_params(estimator),
        },
        "acc": 0.9,
        "nmi": 0.8,
        "ari": 0.7,
        "epochs": 40,
        "fit_seconds": 100.0,
        "train_images_per_second": 1000.0,
        "device": "NVIDIA H100 80GB HBM3",
        "git_commit": "a" * 40,
        "concurrent_runs": 1,
        "date": f"2026-11-23T0{seed}:00:00+00:00",
        "peak_host_mb": 1000.0,
        "peak_device_mb": 500.0,
        "versions": {"torch": "2.13.0+cpu"},
    }
    return record | fields


@pytest.mark.parametrize(
    "estimator, dataset, tag, n_st_layers, name",
    [
        (
            "STDACClustering",
            "mnist",
            "st2-runningbn",
            2,
            "2 ST layers, running BN statistics (older code)",
        ),
        (
            "STDACClustering",
            "mnist",
            "st0-batchfitbn-chunkstats",
            0,
            "no ST, batch statistics, whole-chunk pseudo-labels (older code)",
        ),
        (
            "STDACClustering",
            "fashion_mnist",
            "st1-batchfitbn",
            1,
            "authors' configuration, 1 ST layer",
        ),
        ("DTIKMeans", "usps", "paper", 2, "authors' configuration"),
        (
            "DTIKMeans",
            "digits",
            "digits-affine-18ep",
            2,
            "digits settings (affine, 18 epochs)",
        ),
        ("DTIKMeans", "mnist", None, 2, "authors' configuration"),
        ("MMDCClustering", "usps", None, 2, "authors' MNIST settings"),
        ("DTIKMeans", "usps", "defaults", 2, "default parameters"),
        ("DTIKMeans", "digits", "authors-mnist", 2, "authors' MNIST settings"),
        ("KMeans", "mnist", None, 2, "raw pixels, best of 10 initialisations"),
        ("MMDCClustering", "mnist", "some-new-thing", 2, "some-new-thing"),
    ],
)
def test_configurations_have_readable_names(
    bench, estimator, dataset, tag, n_st_layers, name
):
    record = _record(estimator, dataset, tag)
    record["params"]["n_st_layers"] = str(n_st_layers)
    assert bench.configuration_name(record) == name


def test_untagged_runs_count_as_the_authors_only_with_their_parameters(bench):
    authors = _record("DTIKMeans", "mnist")
    assert bench.is_authors_configuration(authors)
    # An untagged run of the "auto" defaults is not the authors' configuration.
    defaults = _record("DTIKMeans", "mnist", params={"max_epochs": "'auto'"})
    assert not bench.is_authors_configuration(defaults)
    assert bench.configuration_name(defaults) == "default parameters"
    mmdc = _record("MMDCClustering", "fashion_mnist")
    assert bench.is_authors_configuration(mmdc)
    mmdc["params"]["refine_epoch"] = "'auto'"
    assert not bench.is_authors_configuration(mmdc)
    assert bench.is_authors_configuration(_record("DTIKMeans", "usps", "paper"))


def test_published_numbers_follow_the_configuration(bench):
    assert bench.published_acc(_record("DTIKMeans", "mnist")) == (0.973, "dti")
    assert bench.published_acc(_record("DTIKMeans", "usps", "paper")) == (0.864, "dti")
    # The defaults are the MNIST settings, not the authors' for USPS.
    assert bench.published_acc(_record("DTIKMeans", "usps")) is None
    assert bench.published_acc(_record("DTIGaussianMixture", "mnist")) is None
    st3 = _record(
        "STDACClustering", "fashion_mnist", "st3-runningbn", params={"n_st_layers": "3"}
    )
    assert bench.published_acc(st3) == (0.664, "stdac")
    # A random subset is not the papers' protocol.
    assert bench.published_acc(_record(n_samples=10000)) is None


def test_summary_groups_one_row_per_configuration_with_its_commits(bench):
    records = [
        # One configuration, three seeds from two commits, the machine's load
        # not recorded: one row, "2 commits", times as a range.
        _record(
            dataset="digits",
            tag="digits-affine-18ep",
            seed=0,
            fit_seconds=215.5,
            git_commit="1" * 40,
            concurrent_runs=None,
            device="CPU x86_64 (2 cores)",
        ),
        _record(
            dataset="digits",
            tag="digits-affine-18ep",
            seed=1,
            fit_seconds=201.6,
            git_commit="1" * 40,
            concurrent_runs=None,
            device="CPU x86_64 (2 cores)",
        ),
        _record(
            dataset="digits",
            tag="digits-affine-18ep",
            seed=2,
            fit_seconds=10.3,
            git_commit="2" * 40,
            concurrent_runs=None,
            device="CPU x86_64 (2 cores)",
            acc=0.95,
        ),
        # The same configuration on the GPU, alone: a row of its own, a mean.
        _record(dataset="digits", tag="digits-affine-18ep", seed=0, fit_seconds=4.0),
        _record(dataset="digits", tag="digits-affine-18ep", seed=1, fit_seconds=6.0),
    ]
    groups = bench.summary_groups(records)
    assert [(g["device_kind"], g["seeds"]) for g in groups] == [
        ("cuda", [0, 1]),
        ("cpu", [0, 1, 2]),
    ]
    cpu = groups[1]
    assert bench.code_label(cpu) == "2 commits"
    assert bench.code_label(cpu, long=True) == "2 commits (1111111–2222222)"
    assert bench.code_label(groups[0]) == "aaaaaaa"
    rows = {
        row[4]: dict(zip(bench.SUMMARY_COLUMNS, row))
        for row in bench.summary_rows(records)
    }
    assert rows["CPU (2 cores)"]["fit s"] == "10–216 †"
    assert rows["H100"]["fit s"] == "5"
    assert (
        rows["CPU (2 cores)"]["configuration"] == "digits settings (affine, 18 epochs)"
    )
    # The better mean ACC of the dataset is the one in bold.
    assert rows["CPU (2 cores)"]["ACC"] == "**0.917 ± 0.024**"
    assert rows["H100"]["ACC"] == "0.900 ± 0.000"


README_TEXT = """# skdeepclust

Intro, written by hand.

<!-- results:start -->
an old table
<!-- results:end -->

More text, written by hand.
"""


def test_readme_results_block_is_rewritten_between_its_markers(bench, tmp_path):
    records = [
        _record("DTIKMeans", "mnist", seed=0, acc=0.97),
        _record("DTIKMeans", "mnist", seed=1, acc=0.95),
        _record("MMDCClustering", "mnist", seed=0, acc=0.99),
        # Not the authors' configuration: not in the README.
        _record("MMDCClustering", "mnist", "rotation", seed=0, acc=0.999),
        # The same seed on the CPU later: the latest run of a seed counts.
        _record(
            "MMDCClustering",
            "mnist",
            seed=0,
            acc=0.98,
            device="CPU x86_64 (2 cores)",
            date="2026-12-01T00:00:00+00:00",
        ),
        _record("KMeans", "usps", seed=0, acc=0.667),
    ]
    readme = tmp_path / "README.md"
    readme.write_text(README_TEXT)
    assert bench.write_readme_results(records, readme)
    text = readme.read_text()
    head, block = text.split("<!-- results:start -->\n")
    block, tail = block.split("<!-- results:end -->")
    assert head == README_TEXT.split("<!-- results:start -->")[0]
    assert tail == "\n\nMore text, written by hand.\n"
    assert "an old table" not in block
    lines = block.splitlines()
    assert "| MNIST | DTIKMeans | 0.960 ± 0.010 (2 seeds) | 0.973 |" in lines
    assert "|  | MMDCClustering | **0.980 (1 seed)** | 0.990 |" in lines
    assert "|  | STDACClustering (2 ST layers) | not yet run | 0.980 |" in lines
    assert "| USPS | DTIKMeans | not yet run | 0.864 |" in lines
    assert "|  | KMeans on pixels (baseline) | 0.667 (1 seed) | 0.653 |" in lines
    assert any("benchmarks/results/" in line for line in lines)
    # Rewriting again changes nothing.
    assert bench.write_readme_results(records, readme)
    assert readme.read_text() == text


def test_readme_without_markers_is_left_alone(bench, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# skdeepclust\n\nNo results block.\n")
    assert not bench.write_readme_results([_record()], readme)
    assert readme.read_text() == "# skdeepclust\n\nNo results block.\n"
    assert "no <!-- results:start -->" in capsys.readouterr().out


def test_table_rebuilds_the_results_readme_and_the_readme_block(
    bench, tmp_path, monkeypatch
):
    results = tmp_path / "results"
    results.mkdir()
    (results / "mnist__DTIKMeans__seed0__cuda.json").write_text(json.dumps(_record()))
    readme = tmp_path / "README.md"
    readme.write_text(README_TEXT)
    monkeypatch.setattr(bench, "README", readme)
    monkeypatch.setattr(bench, "RESULTS", results)
    bench.main(["--table"])
    table = (results / "README.md").read_text()
    assert "| mnist | DTIKMeans | authors' configuration |" in table
    assert "| runs sharing the device |" in table and "runs at once" not in table
    assert "| **0.900 (1 seed)** | 0.973 |" in readme.read_text()
    assert (
        "| **0.900 (1 seed)** | 0.973 |" in (results / "readme_results.md").read_text()
    )
    # Another results folder leaves the README alone.
    readme.write_text(README_TEXT)
    other = tmp_path / "other"
    other.mkdir()
    bench.main(["--table", "--results-dir", str(other)])
    assert (other / "README.md").exists()
    assert readme.read_text() == README_TEXT


def test_speed_records_of_cpus_with_other_units_are_kept_apart(bench):
    assert bench._device_file_tag("CPU Xeon (AMX, 2 cores)") == "cpu-amx"
    assert bench._device_file_tag("CPU EPYC (AVX-512, 2 cores)") == "cpu-avx512"
    assert bench._device_file_tag("CPU EPYC (AVX2, 2 cores)") == "cpu-avx2"
    # Records from before the units were recorded.
    assert bench._device_file_tag("CPU x86_64 (2 cores)") == "cpu"
    assert bench._device_file_tag("NVIDIA H100 80GB HBM3") == "cuda"


def _plan_lines():
    plans = Path(__file__).resolve().parents[1] / "benchmarks" / "plans"
    for plan in sorted(plans.glob("*.txt")):
        for line in plan.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                yield plan.name, line


@pytest.mark.parametrize("plan, line", list(_plan_lines()))
def test_every_plan_line_is_a_valid_run(bench, plan, line):
    # A typo in a plan would cost a lent GPU's call.
    args = bench.build_parser().parse_args(shlex.split(line))
    assert args.estimator and args.dataset, line
    params = bench._parse_params(args.param)
    if args.authors:
        of = args.dataset if args.authors is True else args.authors
        params = {**bench.authors_configuration(args.estimator, of), **params}
    estimator = bench.make_estimator(args.estimator, args.seed, "cpu", params)
    if hasattr(estimator, "_validate_params"):
        estimator._validate_params()
