"""Reproducible quality and speed runs of skdeepclust's estimators.

One command runs one estimator on one dataset with one seed on one device,
together with sklearn's ``KMeans`` on raw pixels as the baseline row, and
records for each: ACC / NMI / ARI on the data it was fitted on (the papers'
transductive protocol: train and test splits together), epochs, fit seconds,
training images per second, peak host and device memory, the device name,
library versions and the git commit. Results go to
``benchmarks/results/<dataset>__<estimator>[__<tag>]__seed<seed>__<device>.json``
(``<dataset>-<size>`` for a random subset, ``--max-samples``) and every run
regenerates the table ``benchmarks/results/README.md``.

Examples
--------
::

    python benchmarks/run.py --estimator KMeans --dataset digits --seed 0
    python benchmarks/run.py --estimator DTIKMeans --dataset mnist --seed 0 \\
        --device cuda --param max_epochs=40
    python benchmarks/run.py --table   # only rebuild the tables

``--table`` also rewrites the results table of the repository's README.md,
between its ``<!-- results:start -->`` and ``<!-- results:end -->`` lines.

``--trace EVERY`` scores the model every EVERY epochs during the one fit
and records the accuracy against the training time so far, i.e. the
time-to-accuracy curve; scoring time is not counted as training time.
"""

import argparse
import ast
import datetime
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
REPO = HERE.parent
DEFAULT_DATA_HOME = REPO.parent / "shared" / "data"

DATASETS = ("digits", "mnist", "fashion_mnist", "usps", "photos")
# Classes of each dataset: the n_clusters of its runs.
N_CLASSES = {"photos": 6}
ESTIMATORS = (
    "KMeans",
    "DTIKMeans",
    "DTIGaussianMixture",
    "STDACClustering",
    "MMDCClustering",
)


def load_dataset(name, data_home, max_samples=None, seed=0):
    """Images (n, H, W[, C]) and labels, train+test.

    MNIST and Fashion-MNIST come as published, uint8 (the estimators keep
    them so on the device and scale each batch to [0, 1]), and so do the
    photo crops (:func:`skdeepclust.datasets.make_photo_crops`); digits and
    USPS as float32 in [0, 1].
    """
    from skdeepclust import datasets

    if name == "digits":
        X, y = datasets.load_digits_images(return_X_y=True)
    elif name == "mnist":
        X, y = datasets.load_mnist(data_home=data_home, return_X_y=True)
    elif name == "fashion_mnist":
        X, y = datasets.load_fashion_mnist(data_home=data_home, return_X_y=True)
    elif name == "usps":
        X, y = datasets.load_usps(data_home=data_home, return_X_y=True, as_float=True)
    elif name == "photos":
        # One fixed set for every seed: 80 crops of each of six kinds, 32x32.
        X, y = datasets.make_photo_crops(80, image_size=32, random_state=0)
    else:
        raise ValueError(f"Unknown dataset {name!r}; choose from {DATASETS}.")
    if max_samples is not None and max_samples < len(X):
        keep = np.random.RandomState(seed).choice(len(X), max_samples, replace=False)
        X, y = X[np.sort(keep)], y[np.sort(keep)]
    return X, y


def as_unit_float(X):
    """float32 images in [0, 1]: uint8 ones scaled as ``as_float=True`` does."""
    from skdeepclust.datasets import _to_float

    return _to_float(X) if X.dtype == np.uint8 else X


def make_estimator(name, seed, device, params, n_clusters=10):
    if name == "KMeans":
        from sklearn.cluster import KMeans

        return KMeans(
            **{"n_clusters": n_clusters, "n_init": 10, "random_state": seed, **params}
        )
    import skdeepclust

    if not hasattr(skdeepclust, name):
        raise ValueError(f"skdeepclust has no estimator {name!r} (yet).")
    estimator_class = getattr(skdeepclust, name)
    return estimator_class(
        **{
            "n_clusters": n_clusters,
            "random_state": seed,
            "device": device,
            **params,
        }
    )


def authors_configuration(estimator, dataset):
    """The authors' parameters of ``estimator`` for ``dataset`` (``--authors``).

    MMDC's authors give MNIST's recipe only, which the benchmarks use on
    every dataset; KMeans has no configuration to take.
    """
    from skdeepclust import authors_params

    if estimator == "KMeans":
        return {}
    if estimator == "MMDCClustering":
        dataset = "mnist"
    return authors_params(estimator, dataset)


def _parse_params(pairs):
    params = {}
    for pair in pairs or []:
        key, _, value = pair.partition("=")
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value  # a plain string such as a device name
    return params


# The widest vector or matrix units of a CPU, by /proc/cpuinfo flag: what
# decides its float32 and bfloat16 speed (records before 2026-12-03 lack it).
_CPU_UNITS = (("amx_bf16", "AMX"), ("avx512f", "AVX-512"), ("avx2", "AVX2"))


def _cpu_model_and_units():
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or platform.machine(), None
    fields = {}
    for line in lines:
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    flags = fields.get("flags", "").split()
    units = next((name for flag, name in _CPU_UNITS if flag in flags), None)
    return fields.get("model name") or platform.machine(), units


def _device_name(device):
    """The GPU's name for a CUDA device, else the CPU's; ``device`` may be None."""
    if device is not None and str(device).startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(torch.device(device))
    model, units = _cpu_model_and_units()
    units = f"{units}, " if units else ""
    return f"CPU {model} ({units}{os.cpu_count()} cores)"


def _device_kind(device_name):
    """ "cpu" or "cuda", for file names, from a recorded device name."""
    return "cpu" if device_name.startswith("CPU") else "cuda"


def _device_file_tag(device_name):
    """``_device_kind``, with a CPU's units where recorded ("cpu-amx")."""
    kind = _device_kind(device_name)
    for _, units in _CPU_UNITS:
        if kind == "cpu" and f"({units}, " in device_name:
            return f"cpu-{units.lower().replace('-', '')}"
    return kind


def _versions():
    import sklearn
    import torch

    import skdeepclust

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "skdeepclust": skdeepclust.__version__,
    }


def _git_commit():
    # A copy of the tree without .git (a remote GPU machine, say) gets
    # the commit from whoever copied it.
    if os.environ.get("SKDEEPCLUST_GIT_COMMIT"):
        return os.environ["SKDEEPCLUST_GIT_COMMIT"]
    try:
        commit = subprocess.check_output(
            ["git", "rev-parse", "HEAD"], cwd=REPO, text=True, stderr=subprocess.DEVNULL
        ).strip()
        dirty = subprocess.check_output(
            ["git", "status", "--porcelain", "--", "skdeepclust", "benchmarks/run.py"],
            cwd=REPO,
            text=True,
        ).strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")


def _peak_host_mb():
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scores(y, labels):
    from skdeepclust.cluster_metrics import (
        adjusted_rand_score,
        clustering_accuracy_score,
        normalized_mutual_info_score,
    )

    return {
        "acc": float(clustering_accuracy_score(y, labels)),
        "nmi": float(normalized_mutual_info_score(y, labels)),
        "ari": float(adjusted_rand_score(y, labels)),
    }


def _traced(estimator, y, every, curve, label, clock):
    """``estimator`` with a callback that scores it every ``every`` epochs.

    The scores go to ``curve`` (and to stdout, so that a run stopped early
    still leaves its curve in the log) with the training seconds since
    ``clock["start"]``; the time spent scoring is added to
    ``clock["scoring"]`` and left out of them.
    """
    import torch

    def score_epoch(fitting, info):
        n_done = info["epoch"]
        if n_done % every and n_done != fitting.max_epochs:
            return False
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        scoring_start = time.perf_counter()
        point = {
            "epoch": n_done,
            "fit_seconds": round(scoring_start - clock["start"] - clock["scoring"], 3),
        } | _scores(y, info["training_labels"]())
        if hasattr(fitting, "predict_with_batch_statistics"):
            point["batch_statistics"] = _authors_evaluation(fitting, clock["X"], y)
        curve.append(point)
        print(f"[trace {label}] {json.dumps(point)}", flush=True)
        clock["scoring"] += time.perf_counter() - scoring_start
        return False

    return estimator.set_params(callback=score_epoch)


def _authors_evaluation(estimator, X, y):
    """Scores of STDAC's labels as its authors compute them (see
    ``STDACClustering.predict_with_batch_statistics``)."""
    return _scores(y, estimator.predict_with_batch_statistics(X))


def fit_and_measure(estimator, X, y, *, trace_every=0, label=""):
    """Fit, time and score one estimator; returns the measured fields."""
    import torch

    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    curve = []
    clock = {"start": None, "scoring": 0.0, "X": X}
    if trace_every:
        estimator = _traced(estimator, y, trace_every, curve, label, clock)
    clock["start"] = time.perf_counter()
    estimator.fit(X)
    if cuda:
        torch.cuda.synchronize()
    fit_seconds = time.perf_counter() - clock["start"] - clock["scoring"]
    n_epochs = int(getattr(estimator, "n_iter_", 0))
    deep = hasattr(estimator, "loss_curve_")
    # STDAC: also the labels of the authors' evaluation (batch statistics
    # of groups of 32 in one shuffled order), which needs no retraining.
    authors_evaluation = (
        _authors_evaluation(estimator, X, y)
        if hasattr(estimator, "predict_with_batch_statistics")
        else None
    )
    return {
        **_scores(y, estimator.labels_),
        # The estimator's own unsupervised objective (what n_init selects
        # by), to relate it to the accuracy over seeds.
        "score": float(estimator.score(X)),
        "batch_statistics": authors_evaluation,
        "epochs": n_epochs,
        "fit_seconds": round(fit_seconds, 3),
        # Images of the training set passed through training per second; not
        # defined for Lloyd's algorithm, whose "iterations" are not epochs.
        "train_images_per_second": (
            round(len(X) * n_epochs / fit_seconds, 1) if deep else None
        ),
        "peak_host_mb": round(_peak_host_mb(), 1),
        "peak_device_mb": (
            round(torch.cuda.max_memory_allocated() / 2**20, 1) if cuda else None
        ),
        # KMeans has no device_: it ran on the CPU.
        "device": _device_name(getattr(estimator, "device_", None)),
        "loss_curve": [float(v) for v in getattr(estimator, "loss_curve_", [])],
        "trace": curve or None,
    }


def run(args):
    from skdeepclust.base import keep_freed_memory

    # Allocator settings change speed, never results.
    malloc_tuned = False if args.default_malloc else keep_freed_memory()
    X, y = load_dataset(args.dataset, args.data_home, args.max_samples, args.seed)
    params = _parse_params(args.param)
    if args.authors:
        of = args.dataset if args.authors is True else args.authors
        params = {**authors_configuration(args.estimator, of), **params}
        args.tag = args.tag or ("paper" if of == args.dataset else f"authors-{of}")
    names = [args.estimator]
    if args.estimator != "KMeans" and not args.no_baseline:
        names.append("KMeans")
    common = {
        "dataset": args.dataset,
        "n_samples": int(len(X)),
        "image_shape": list(X.shape[1:]),
        "seed": args.seed,
        "protocol": "fit and evaluate on train+test together"
        + (f", random subset of {args.max_samples}" if args.max_samples else ""),
        "versions": _versions(),
        "git_commit": _git_commit(),
        "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:]),
        # Runs sharing the machine (benchmarks/campaign.py sets it): fit
        # seconds and images/s of a shared machine are not those of one run.
        "concurrent_runs": int(os.environ.get("SKDEEPCLUST_CONCURRENT_RUNS", "1")),
        # What the machine did besides, whoever started it (1-minute load
        # average; one thread of work is about 1).
        "load_average_start": round(os.getloadavg()[0], 2),
        "keep_freed_memory": malloc_tuned,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
    }
    written = []
    for name in names:
        estimator = make_estimator(
            name,
            args.seed,
            args.device,
            params if name == args.estimator else {},
            n_clusters=N_CLASSES.get(args.dataset, 10),
        )
        X_fit = X
        if name == "KMeans":
            X_fit = as_unit_float(X).reshape(len(X), -1)
        measured = fit_and_measure(
            estimator,
            X_fit,
            y,
            trace_every=args.trace if name != "KMeans" else 0,
            label=f"{args.dataset} {name} seed {args.seed}",
        )
        record = {
            "estimator": name,
            "tag": args.tag if name == args.estimator else None,
            "params": {k: repr(v) for k, v in estimator.get_params().items()},
            # What the parameters left to "auto" became.
            "auto_params": {
                k: repr(v) for k, v in getattr(estimator, "_auto_resolved", {}).items()
            },
            **common,
            "load_average_end": round(os.getloadavg()[0], 2),
            **measured,
        }
        # A subset is named by its size, so that it never takes the place
        # of a record of the whole set (its KMeans row above all).
        subset = f"-{len(X)}" if len(X) < FULL_SIZE[args.dataset] else ""
        stem = "__".join(
            [args.dataset + subset, name]
            + ([record["tag"]] if record["tag"] else [])
            + [f"seed{args.seed}", _device_kind(record["device"])]
        )
        args.results_dir.mkdir(parents=True, exist_ok=True)
        path = args.results_dir / f"{stem}.json"
        path.write_text(json.dumps(record, indent=2) + "\n")
        written.append(path)
        print(
            f"{name:20s} {args.dataset:14s} seed {args.seed}: ACC {record['acc']:.4f} "
            f"NMI {record['nmi']:.4f} ARI {record['ari']:.4f}  "
            f"{record['fit_seconds']:.1f}s  -> {path}",
            flush=True,
        )
    write_table(args.results_dir)
    return written


def _fmt(value, digits=3):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


# ---------------------------------------------------------------------------
# Summaries for readers: what the recorded runs say, in words.
# ---------------------------------------------------------------------------

DATASET_NAMES = {
    "mnist": "MNIST",
    "fashion_mnist": "Fashion-MNIST",
    "usps": "USPS",
    "digits": "scikit-learn digits (8×8)",
    "photos": "photo crops (32×32 colour, 6 kinds)",
}
# Datasets of ours, for which no paper gives a configuration or a result.
OWN_DATASETS = ("digits", "photos")
# Train and test splits together, as the papers fit them.
FULL_SIZE = {
    "digits": 1797,
    "mnist": 70000,
    "fashion_mnist": 70000,
    "usps": 9298,
    "photos": 480,
}

# Published ACC (mean of 10 runs), each checked in the project's notes on
# the three papers (../shared/reference/methods.md, sections as cited).
PUBLISHED_SOURCES = {
    "dti": (
        "DTI K-means: DTI clustering (Monnier, Groueix & Aubry, NeurIPS 2020), "
        "mean of 10 runs, as reproduced in Baltacı, Loiseau & Aubry (TMLR), "
        "Table 7, row “DTI-Clustering” (methods.md §1.9). DTI GMM's own numbers "
        "are not in the sources checked, so its rows have none"
    ),
    "mmdc": (
        "MMDCClustering: MMDC (Shiran & Weinshall, ICPR 2020), MNIST only "
        "(methods.md §2.9, from the MMDC slides, not checked against the "
        "paper's text); the authors report neither Fashion-MNIST nor USPS"
    ),
    "stdac": (
        "STDACClustering: ST-DAC (Souza & Zanchettin, ICANN 2019), Table 3, "
        "mean of 10 runs, for 0 to 3 spatial transformer layers (methods.md "
        "§3.3); no USPS"
    ),
    "kmeans": (
        "KMeans: K-means on pixels, 10 runs, from DTI's table as carried over "
        "by Baltacı et al., Table 7 (methods.md §1.9 and §4)"
    ),
}
PUBLISHED_ACC = {
    ("DTIKMeans", "mnist"): (0.973, "dti"),
    ("DTIKMeans", "fashion_mnist"): (0.612, "dti"),
    ("DTIKMeans", "usps"): (0.864, "dti"),
    ("MMDCClustering", "mnist"): (0.990, "mmdc"),
    ("KMeans", "mnist"): (0.548, "kmeans"),
    ("KMeans", "fashion_mnist"): (0.541, "kmeans"),
    ("KMeans", "usps"): (0.653, "kmeans"),
}
# ST-DAC Table 3 by (dataset, number of spatial transformer layers).
STDAC_PUBLISHED_ACC = {
    ("mnist", 0): 0.957,
    ("mnist", 1): 0.978,
    ("mnist", 2): 0.980,
    ("mnist", 3): 0.961,
    ("fashion_mnist", 0): 0.612,
    ("fashion_mnist", 1): 0.649,
    ("fashion_mnist", 2): 0.656,
    ("fashion_mnist", 3): 0.664,
}
# The layer count of ST-DAC's best published result on each dataset.
STDAC_AUTHORS_LAYERS = {"mnist": 2, "fashion_mnist": 3}

# Words for the parts of a tag ("st2-runningbn", "digits-affine-18ep").
TAG_WORDS = {
    "paper": "authors' configuration",
    "defaults": "default parameters",
    "runningbn": "running BN statistics",
    "batchfitbn": "batch statistics",
    "batchbn": "batch statistics also when predicting",
    "chunkstats": "whole-chunk pseudo-labels",
    "rotation": "with the auxiliary rotation task",
    "affine": "affine",
    "small": "smaller network",
}
# Tag parts that name how earlier versions of the code behaved.
OLDER_CODE = {"runningbn", "chunkstats"}


def _st_layers(n):
    return "no ST" if n == 0 else f"{n} ST layer" + ("s" if n > 1 else "")


def _param(record, name):
    """A parameter of the recorded estimator, as a Python value (or None)."""
    value = record.get("params", {}).get(name)
    try:
        return ast.literal_eval(value) if value is not None else None
    except (ValueError, SyntaxError):
        return value


def is_full_scale(record):
    return record["n_samples"] == FULL_SIZE.get(record["dataset"])


def is_authors_configuration(record):
    """Whether a record ran the authors' configuration for its dataset.

    DTI: tag ``paper`` (``--authors``), or on MNIST an untagged run with the
    authors' parameters (the defaults before they became ``"auto"``); MMDC:
    the authors' MNIST recipe (the only one they give for these datasets),
    tagged ``paper`` or untagged with its parameters;
    STDAC: the present code (batch statistics) with the layer count of the
    paper's best result; KMeans: the baseline without a tag.
    """
    tag = record.get("tag") or ""
    estimator, dataset = record["estimator"], record["dataset"]
    if dataset not in FULL_SIZE or dataset in OWN_DATASETS:
        return False
    if estimator == "KMeans":
        return tag == ""
    if estimator == "MMDCClustering":
        # Untagged runs from before the defaults became "auto" were the
        # authors' recipe; their recorded parameters say so.
        return tag in ("", "paper") and _has_params(
            record, authors_configuration(estimator, dataset)
        )
    if estimator == "STDACClustering":
        layers = STDAC_AUTHORS_LAYERS.get(dataset)
        return layers is not None and (
            tag == "paper"
            or tag == f"st{layers}-batchfitbn"
            or (tag == "" and dataset == "mnist")
        )
    return tag == "paper" or (
        tag == ""
        and dataset == "mnist"
        and _has_params(record, authors_configuration(estimator, dataset))
    )


def _authors_configuration_or_empty(estimator, dataset):
    try:
        return authors_configuration(estimator, dataset)
    except ValueError:
        return {}


def _has_params(record, params):
    """Whether the recorded estimator had every parameter of ``params``."""
    return all(_param(record, name) == value for name, value in params.items())


def configuration_name(record):
    """The configuration of a record in words, from its tag."""
    tag = record.get("tag") or ""
    estimator, dataset = record["estimator"], record["dataset"]
    if estimator == "KMeans" and not tag:
        name = f"raw pixels, best of {_param(record, 'n_init') or 10} initialisations"
    elif not tag:
        # Untagged: the defaults of the run's time, which before "auto" were
        # the authors' MNIST settings (the recorded parameters tell).
        name = "default parameters"
        if dataset not in OWN_DATASETS and _has_params(
            record, _authors_configuration_or_empty(estimator, "mnist")
        ):
            name = (
                "authors' configuration"
                if dataset == "mnist"
                else "authors' MNIST settings"
            )
        if estimator == "STDACClustering" and _param(record, "n_st_layers") is not None:
            name += ", " + _st_layers(_param(record, "n_st_layers"))
    elif tag.startswith("authors-") and tag.removeprefix("authors-") in DATASET_NAMES:
        # --authors DATASET: another dataset's configuration.
        name = f"authors' {DATASET_NAMES[tag.removeprefix('authors-')]} settings"
    else:
        name = _tag_words(tag)
    if not is_full_scale(record):
        name += f" (random {record['n_samples']:,} images)"
    return name


def _tag_words(tag):
    parts = tag.split("-")
    prefix = parts[0] == "digits"
    words, older = [], False
    for part in parts[prefix:]:
        st = re.fullmatch(r"st(\d)|(\d)st", part)
        epochs = re.fullmatch(r"(\d+)ep", part)
        if st:
            words.append(_st_layers(int(st.group(1) or st.group(2))))
        elif epochs:
            words.append(f"{epochs.group(1)} epochs")
        elif part in TAG_WORDS:
            words.append(TAG_WORDS[part])
            older |= part in OLDER_CODE
        else:
            return tag  # a tag this function does not know: as it was written
    if prefix:
        return "digits settings" + (f" ({', '.join(words)})" if words else "")
    if len(parts) == 2 and parts[0].startswith("st") and parts[1] == "batchfitbn":
        return f"authors' configuration, {words[0]}"
    return ", ".join(words) + (" (older code)" if older else "")


def published_acc(record):
    """(ACC, source key) published for the record's configuration, or None."""
    estimator, dataset = record["estimator"], record["dataset"]
    if not is_full_scale(record):
        return None
    if estimator == "STDACClustering":
        tag = record.get("tag") or ""
        if tag == "" and dataset != "mnist":
            return None  # MNIST settings on another dataset
        layers = _param(record, "n_st_layers")
        acc = STDAC_PUBLISHED_ACC.get((dataset, layers))
        return (acc, "stdac") if acc is not None else None
    if not is_authors_configuration(record):
        return None
    return PUBLISHED_ACC.get((estimator, dataset))


def short_device(name):
    """ "H100" for "NVIDIA H100 80GB HBM3", "CPU (2 cores)" for a CPU."""
    if name.startswith("NVIDIA "):
        return name.removeprefix("NVIDIA ").split()[0]
    if name.startswith("CPU"):
        return "CPU" + (name[name.index(" (") :] if " (" in name else "")
    return name


def _short_commit(commit):
    if not commit:
        return "unknown"
    return commit[:7] + ("+" if commit.endswith("-dirty") else "")


def mean_std(values, digits=3):
    values = np.asarray(values, dtype=float)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def _span(values, digits=0):
    """ "10–216" for several different values, else the one value."""
    low, high = min(values), max(values)
    if f"{low:.{digits}f}" == f"{high:.{digits}f}":
        return f"{low:.{digits}f}"
    return f"{low:.{digits}f}–{high:.{digits}f}"


ESTIMATOR_ORDER = {name: i for i, name in enumerate(ESTIMATORS[1:] + ("KMeans",))}
DATASET_ORDER = {
    name: i
    for i, name in enumerate(("mnist", "fashion_mnist", "usps", "digits", "photos"))
}


def summary_groups(records):
    """The runs of one configuration on one kind of device, with their summary.

    One group per (dataset, estimator, tag, number of images, CPU or GPU);
    the seeds of a group may come from several commits, which the group
    lists in the order they ran (``commits``). Groups are sorted by dataset,
    estimator, then the authors' configuration first.
    """
    buckets = {}
    for r in records:
        key = (
            r["dataset"],
            r["estimator"],
            r.get("tag") or "",
            r["n_samples"],
            _device_kind(r["device"]),
        )
        buckets.setdefault(key, []).append(r)
    groups = []
    for (dataset, estimator, tag, n_samples, kind), runs in buckets.items():
        runs = sorted(runs, key=lambda r: (r["seed"], r.get("date") or ""))
        commits = []
        for r in sorted(runs, key=lambda r: r.get("date") or ""):
            if r.get("git_commit") not in commits:
                commits.append(r.get("git_commit"))
        first = runs[0]
        groups.append(
            {
                "dataset": dataset,
                "estimator": estimator,
                "tag": tag,
                "n_samples": n_samples,
                "device_kind": kind,
                "devices": sorted({r["device"] for r in runs}),
                "configuration": configuration_name(first),
                "authors": is_authors_configuration(first),
                "published": published_acc(first),
                "runs": runs,
                "commits": commits,
                "seeds": [r["seed"] for r in runs],
                # Alone on the machine: timings are those of one run.
                "alone": all(r.get("concurrent_runs") == 1 for r in runs),
                **{m: [float(r[m]) for r in runs] for m in ("acc", "nmi", "ari")},
            }
        )
    groups.sort(
        key=lambda g: (
            DATASET_ORDER.get(g["dataset"], len(DATASET_ORDER)),
            g["dataset"],
            ESTIMATOR_ORDER.get(g["estimator"], len(ESTIMATOR_ORDER)),
            g["n_samples"] != FULL_SIZE.get(g["dataset"]),
            not g["authors"],
            "(older code)" in g["configuration"],
            re.sub(r"st\d", "", g["tag"]),  # the variant, then its layer count
            g["tag"],
            g["device_kind"] != "cuda",
        )
    )
    return groups


def device_label(group):
    return " / ".join(short_device(d) for d in group["devices"])


def code_label(group, long=False):
    """The commit of a group's runs, or how many commits (and their range)."""
    commits = group["commits"]
    if len(commits) == 1:
        return _short_commit(commits[0])
    label = f"{len(commits)} commits"
    if long:
        label += f" ({_short_commit(commits[0])}–{_short_commit(commits[-1])})"
    return label


def _timing(group, field, digits=0):
    """The mean where every seed ran alone, else the range over seeds, marked †."""
    values = [r[field] for r in group["runs"]]
    if None in values:
        return "–"
    if group["alone"]:
        return f"{np.mean(values):.{digits}f}"
    return _span(values, digits) + " †"


def best_by_dataset(groups, metric="acc"):
    """Per dataset, the best mean of ``metric`` among our estimators (not KMeans)."""
    best = {}
    for g in groups:
        if g["estimator"] != "KMeans":
            mean = round(float(np.mean(g[metric])), 3)
            best[g["dataset"]] = max(best.get(g["dataset"], mean), mean)
    return best


def is_best(group, metric, best):
    """Whether ``group``'s mean ``metric`` is its dataset's best."""
    return group["estimator"] != "KMeans" and round(
        float(np.mean(group[metric])), 3
    ) == best.get(group["dataset"])


SUMMARY_COLUMNS = (
    "dataset",
    "estimator",
    "configuration",
    "tag",
    "device",
    "seeds",
    "code",
    "ACC",
    "NMI",
    "ARI",
    "published ACC",
    "epochs",
    "fit s",
    "train img/s",
)


def load_records(results_dir=RESULTS):
    return [json.loads(p.read_text()) for p in sorted(results_dir.glob("*.json"))]


def summary_rows(records):
    """One row of strings (``SUMMARY_COLUMNS``) per configuration and device kind.

    Scores are the mean ± standard deviation over the recorded seeds; the
    best mean ACC of a dataset is in bold. Fit seconds and images per
    second are means where every seed ran alone on the machine, else the
    range over seeds marked † (shared machine, or its load not recorded).
    """
    groups = summary_groups(records)
    best = best_by_dataset(groups)
    rows = []
    for g in groups:
        acc = mean_std(g["acc"])
        if is_best(g, "acc", best):
            acc = f"**{acc}**"
        epochs = [r["epochs"] for r in g["runs"]]
        rows.append(
            [
                g["dataset"],
                g["estimator"],
                g["configuration"],
                f"`{g['tag']}`" if g["tag"] else "",
                device_label(g),
                ", ".join(map(str, g["seeds"])),
                code_label(g, long=True),
                acc,
                mean_std(g["nmi"]),
                mean_std(g["ari"]),
                _fmt(g["published"][0]) if g["published"] else "–",
                _span(epochs),
                _timing(g, "fit_seconds"),
                _timing(g, "train_images_per_second"),
            ]
        )
    return rows


THROUGHPUT_COLUMNS = (
    "estimator",
    "code",
    "device",
    "torch threads",
    "malloc",
    "precision",
    "load",
    "img/s",
    "of matmul rate",
    "ours / authors'",
    "network alone: img/s (epoch slower by)",
)


def _throughput_setting(record):
    # Records older than keep_freed_memory ran with the default allocator.
    return (
        record["estimator"],
        record["device"],
        record["torch_threads"],
        bool(record.get("keep_freed_memory", False)),
    )


def throughput_rows(throughput_dir=RESULTS / "throughput"):
    """One row of strings (``THROUGHPUT_COLUMNS``) per speed measurement.

    Reads what ``throughput.py`` and ``authors_throughput.py`` wrote. Where
    both measured an estimator with the same device, threads and allocator
    setting, the last column is the ratio of our images/s to the authors'.
    "of matmul rate" is the training step's matrix-product and convolution
    FLOP/s as a share of the machine's dense float32 matmul rate, measured
    in the same run (empty in records that predate it). The authors' code
    runs in float32 only: a bfloat16 row's ratio compares with their float32.
    The last column is the network alone and how many times slower the
    epoch is: STDAC's forward and backward passes on training batches, MMDC's
    whole step (evaluation forward, training forward and backward, SGD).
    """
    records = [
        json.loads(path.read_text()) for path in sorted(throughput_dir.glob("*.json"))
    ]
    authors = {
        _throughput_setting(r): r["train_images_per_second"]
        for r in records
        if r.get("code", "").endswith("(authors)")
    }
    rows = []
    for r in sorted(
        records,
        key=lambda r: (
            _device_kind(r["device"]),
            r["estimator"],
            r.get("code", ""),
            r["device"],
            not r.get("keep_freed_memory", False),
            _precision(r),
        ),
    ):
        is_authors = r.get("code", "").endswith("(authors)")
        theirs = authors.get(_throughput_setting(r))
        ratio = (
            f"{r['train_images_per_second'] / theirs:.1f}x"
            if theirs and not is_authors
            else ""
        )
        fraction = r.get("matmul_fraction")
        alone = r.get("network_alone", {}).get("images_per_second", {})
        alone = alone.get("forward_backward") or alone.get("step")
        alone = (
            f"{alone:.0f} ({alone / r['train_images_per_second']:.1f}x)"
            if alone
            else ""
        )
        rows.append(
            (
                r["estimator"],
                "authors'" if is_authors else "skdeepclust",
                r["device"],
                str(r["torch_threads"]),
                "keep freed" if r.get("keep_freed_memory") else "default",
                _precision(r),
                _load(r),
                f"{r['train_images_per_second']:.0f}",
                f"{100 * fraction:.0f}%" if fraction is not None else "",
                ratio,
                alone,
            )
        )
    return rows


def _precision(record):
    # Ours record it in their config (as a repr); the authors' code has none.
    config = record.get("config")
    if isinstance(config, dict) and "precision" in config:
        return ast.literal_eval(config["precision"])
    return "float32"


def _load(record):
    # The 1-minute load average when the speed was measured: about the
    # measurement's own thread when alone; empty in older records.
    load = record.get("load_average")
    return "" if load is None else f"{load:.1f}"


def _markdown_table(columns, rows):
    """Lines of a markdown table."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _sharing(record):
    # Older records predate the field: how busy their machine was is unknown.
    count = record.get("concurrent_runs")
    if count is None:
        return "not recorded"
    return "alone" if count == 1 else str(count)


def published_lines(groups, bullet="- "):
    """One line per source of the published numbers that ``groups`` use."""
    used = sorted({g["published"][1] for g in groups if g["published"]})
    return [
        bullet + PUBLISHED_SOURCES[key] + "."
        for key in PUBLISHED_SOURCES
        if key in used
    ]


def write_table(results_dir=RESULTS):
    """Rebuild ``README.md`` in ``results_dir`` from its JSON files."""
    records = load_records(results_dir)
    groups = summary_groups(records)
    lines = [
        "# Recorded benchmark results",
        "",
        "Generated by `python benchmarks/run.py` (do not edit by hand); the",
        "documentation's Benchmarks page shows the same runs for readers, with",
        "charts. Every row is fitted and evaluated on train+test together, as",
        "the papers do. ACC is the Hungarian-matched accuracy. Re-run a row with",
        "the `command` in its JSON file.",
        "",
        "## Summary (mean ± std over seeds)",
        "",
        "One row per dataset, estimator, configuration (its `tag` in the file",
        "names) and kind of device. `code`: the commit the seeds ran, or how",
        "many commits and the first and last (`+`: with uncommitted changes",
        "to the package). The best mean ACC of a dataset",
        "(KMeans aside) is in bold; `published ACC` is the paper's mean for",
        "that configuration (sources below). `epochs` counts training epochs",
        "(Lloyd iterations of the best initialisation for KMeans). `fit s` and",
        "`train img/s` are means where every seed ran alone on its machine;",
        "otherwise they are the range over seeds, marked †: the machine was",
        "shared with other runs (`benchmarks/campaign.py`), so they are upper",
        "bounds on a run alone, or its load was not recorded (CPU runs of the",
        "first session). `throughput/` has the speed measurements, each with",
        "its load average.",
        "",
        *_markdown_table(SUMMARY_COLUMNS, summary_rows(records)),
        "",
        "Published numbers:",
        "",
        *published_lines(groups),
    ]
    lines += [
        "",
        "## All runs",
        "",
        "`runs sharing the device`: how many runs shared the machine at once",
        "(`alone`: none other; `not recorded`: runs from before the field).",
        "",
        "| dataset | n | estimator | tag | seed | device | ACC | NMI | ARI | epochs "
        "| fit s | train img/s | runs sharing the device | peak host MB "
        "| peak device MB | torch | commit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(
        records,
        key=lambda r: (r["dataset"], r["estimator"], r.get("tag") or "", r["seed"]),
    ):
        lines.append(
            f"| {r['dataset']} | {r['n_samples']} | {r['estimator']} | "
            f"{r.get('tag') or ''} | {r['seed']} | {r['device']} | {_fmt(r['acc'])} | "
            f"{_fmt(r['nmi'])} | {_fmt(r['ari'])} | {r['epochs']} | "
            f"{_fmt(r['fit_seconds'], 1)} | {_fmt(r['train_images_per_second'], 0)} | "
            f"{_sharing(r)} | "
            f"{_fmt(r['peak_host_mb'], 0)} | {_fmt(r['peak_device_mb'], 0)} | "
            f"{r['versions']['torch']} | {(r['git_commit'] or '')[:10]} |"
        )
    throughput = throughput_rows(results_dir / "throughput")
    if throughput:
        lines += [
            "",
            "## Training speed alone (`throughput.py`, `authors_throughput.py`)",
            "",
            "MNIST configurations, batch as the papers; `load` is the machine's",
            "1-minute load average during the measurement (about 1 when it ran alone).",
            "",
            *_markdown_table(THROUGHPUT_COLUMNS, throughput),
        ]
    (results_dir / "README.md").write_text("\n".join(lines) + "\n")
    # What write_readme_results puts in the repository's README, to read or
    # paste where the README has no results block yet.
    snippet = [
        "<!-- Generated by python benchmarks/run.py --table: the results block",
        "of the repository's README.md (links relative to the repository). -->",
        "",
        *readme_results_lines(records),
    ]
    (results_dir / README_SNIPPET).write_text("\n".join(snippet) + "\n")


# ---------------------------------------------------------------------------
# The results table of the repository's README.md.
# ---------------------------------------------------------------------------

README = REPO / "README.md"
README_START = "<!-- results:start -->"
README_END = "<!-- results:end -->"
README_DATASETS = ("mnist", "fashion_mnist", "usps")
README_SNIPPET = "readme_results.md"  # the block, also beside the results


def _readme_estimator(estimator, dataset):
    if estimator == "KMeans":
        return "KMeans on pixels (baseline)"
    if estimator == "STDACClustering" and dataset in STDAC_AUTHORS_LAYERS:
        return f"STDACClustering ({_st_layers(STDAC_AUTHORS_LAYERS[dataset])})"
    return estimator


def readme_results_lines(records):
    """The README's table: ACC of the authors' configurations, at full scale.

    One row per dataset and estimator: mean ± std over seeds (one run per
    seed, the latest where a seed ran on both kinds of device), the best of
    our estimators in bold, and the published ACC.
    """
    chosen = {}
    for r in records:
        if (
            r["dataset"] in README_DATASETS
            and is_full_scale(r)
            and is_authors_configuration(r)
        ):
            key = (r["dataset"], r["estimator"], r["seed"])
            if key not in chosen or (r.get("date") or "") > (
                chosen[key].get("date") or ""
            ):
                chosen[key] = r
    by_row = {}
    for (dataset, estimator, _), r in chosen.items():
        by_row.setdefault((dataset, estimator), []).append(r)
    order = ESTIMATORS[1:] + ("KMeans",)
    means = {
        key: round(float(np.mean([r["acc"] for r in runs])), 3)
        for key, runs in by_row.items()
    }
    lines = [
        "| dataset | estimator | ACC, ours: mean ± std (seeds) | ACC, published |",
        "|---|---|---|---|",
    ]
    for dataset in README_DATASETS:
        best = max(
            (m for (d, e), m in means.items() if d == dataset and e != "KMeans"),
            default=None,
        )
        first = True
        for estimator in order:
            runs = by_row.get((dataset, estimator), [])
            published = PUBLISHED_ACC.get((estimator, dataset))
            if estimator == "STDACClustering" and dataset in STDAC_AUTHORS_LAYERS:
                acc = STDAC_PUBLISHED_ACC[(dataset, STDAC_AUTHORS_LAYERS[dataset])]
                published = (acc, "stdac")
            if not runs and not published:
                continue
            # The DTI paper has GMM's numbers, but not the sources checked.
            missing = "–" if estimator == "DTIGaussianMixture" else "not reported"
            if runs:
                n = len(runs)
                ours = (
                    mean_std([r["acc"] for r in runs]) + f" ({n} seed{'s' * (n > 1)})"
                )
                if estimator != "KMeans" and means[(dataset, estimator)] == best:
                    ours = f"**{ours}**"
            else:
                ours = "not yet run"
            lines.append(
                f"| {DATASET_NAMES[dataset] if first else ''} | "
                f"{_readme_estimator(estimator, dataset)} | {ours} | "
                f"{_fmt(published[0]) if published else missing} |"
            )
            first = False
    used = list(chosen.values())
    devices = sorted({r["device"] for r in used})
    seeds = sorted({r["seed"] for r in used})
    lines += [
        "",
        "Generated by `python benchmarks/run.py --table` from the JSON files in "
        "[`benchmarks/results/`](benchmarks/results/README.md) (do not edit by "
        "hand). ACC is the Hungarian-matched accuracy, mean ± standard deviation "
        f"over seeds ({', '.join(map(str, seeds)) or 'none yet'}); each estimator "
        "is fitted and scored on train+test together as in the papers (70,000 "
        "images for MNIST and Fashion-MNIST, 9,298 for USPS), in the authors' "
        "configuration for the dataset (MMDC: the authors' MNIST recipe "
        "everywhere; STDAC: the paper's best layer count with the present code, "
        "its runs with older code are on the Benchmarks page). Devices: "
        f"{', '.join(devices) or 'none yet'}; a seed run on both CPU and GPU "
        "counts once (its latest run), and a mean may pool seeds run by several "
        "commits: the Benchmarks page of the documentation separates them and "
        "has a chart per dataset. Published: the papers' means of 10 runs (DTI "
        "K-means and KMeans: Baltacı et al., TMLR, Table 7; MMDC: MNIST only; "
        "ST-DAC: its Table 3); DTI GMM: not in the sources checked (–).",
    ]
    return lines


def write_readme_results(records, readme=None):
    """Rewrite the block between README_START and README_END in ``readme``.

    Returns True if the file was rewritten; a README without both markers
    is left alone (with a note on stdout).
    """
    readme = Path(readme) if readme is not None else README
    if not readme.exists():
        print(f"note: {readme} not found; its results table is not updated")
        return False
    text = readme.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        print(
            f"note: {readme} has no {README_START} ... {README_END} block; "
            f"its results table is not updated (the block is in {README_SNIPPET} "
            "beside the results)"
        )
        return False
    head = text[: start + len(README_START)]
    block = "\n".join(readme_results_lines(records))
    new = head + "\n" + block + "\n" + text[end:]
    if new != text:
        readme.write_text(new)
    return True


def build_parser():
    """The command line of this script (also that of every line of a plan)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--estimator", choices=ESTIMATORS)
    parser.add_argument("--dataset", choices=DATASETS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="estimator parameter (Python literal), repeatable",
    )
    parser.add_argument(
        "--authors",
        nargs="?",
        const=True,
        default=False,
        metavar="DATASET",
        help="the authors' configuration for the dataset, or for DATASET "
        "(skdeepclust.authors_params; --param overrides it); tag 'paper', or "
        "'authors-DATASET' for another dataset's, unless --tag says otherwise",
    )
    parser.add_argument("--tag", help="label for a non-default configuration")
    parser.add_argument(
        "--data-home",
        default=os.environ.get("SKDEEPCLUST_DATA_HOME", str(DEFAULT_DATA_HOME)),
        help="folder with mnist/, fashion-mnist/, usps/ (default: %(default)s)",
    )
    parser.add_argument("--max-samples", type=int, help="random subset (smoke runs)")
    parser.add_argument("--no-baseline", action="store_true", help="skip KMeans row")
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="do not call skdeepclust.base.keep_freed_memory",
    )
    parser.add_argument(
        "--trace",
        type=int,
        nargs="?",
        const=1,
        default=0,
        metavar="EVERY",
        help="record time-to-accuracy, scoring every EVERY epochs (default 1)",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS,
        help="where the JSON files and table go (default: %(default)s)",
    )
    parser.add_argument("--table", action="store_true", help="only rebuild the table")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.table:
        write_table(args.results_dir)
        # The README's table comes from the repository's own results only.
        if args.results_dir.resolve() == RESULTS.resolve():
            write_readme_results(load_records(args.results_dir))
        return
    if not (args.estimator and args.dataset):
        parser.error("--estimator and --dataset are required (or --table)")
    run(args)


if __name__ == "__main__":
    main()
