"""Command-line interface: cluster a folder of images, write an HTML report.

Run as ``skdeepclust PATH --n-clusters K`` (the console script) or
``python -m skdeepclust PATH --n-clusters K``; ``--help`` lists the options.
The images are read with :func:`skdeepclust.datasets.load_image_folder`,
clustered with a short training schedule of the chosen estimator, and
:func:`skdeepclust.report.write_html_report` writes the report.
"""

import argparse
import csv
import os
import shlex
import sys
import time
import warnings

__all__ = ["build_parser", "main", "make_estimator"]

ESTIMATORS = ("dti-kmeans", "dti-gmm", "stdac", "mmdc")

# Epochs when --max-epochs is not given: a few hundred 32x32 colour images
# train in about half a minute on one CPU core with each of them.
DEFAULT_MAX_EPOCHS = {"dti-kmeans": 30, "dti-gmm": 30, "stdac": 30, "mmdc": 20}

# Folders with fewer images train on mini-batches of 16 instead of 32, for
# enough optimisation steps (and batch-norm statistics) per epoch.
SMALL_FOLDER = 256


def make_estimator(
    name,
    n_clusters,
    *,
    max_epochs=None,
    batch_size=None,
    random_state=0,
    device="auto",
    precision="float32",
    verbose=0,
    n_samples=None,
    n_init=1,
    init_epochs=None,
):
    """The estimator the command line fits, with its short schedule.

    The schedules are scaled to ``max_epochs`` so that a small folder (a few
    hundred images) trains in about a minute on a CPU, not the authors'
    full-dataset settings:

    * ``"dti-kmeans"`` and ``"dti-gmm"``: :class:`~skdeepclust.DTIKMeans`
      and :class:`~skdeepclust.DTIGaussianMixture` with identity, colour and
      affine transformations switched on after 1/5 and 2/5 of the epochs
      (the first epoch always with the identity alone),
      k-means++ initial prototypes, a learning rate of 5e-3 divided by 10
      for the last 15% of the epochs;
    * ``"stdac"``: :class:`~skdeepclust.STDACClustering` with one spatial
      transformer starting as the identity and a small network (16, 32, 32
      channels, 64 hidden units), learning rate 1e-3;
    * ``"mmdc"``: :class:`~skdeepclust.MMDCClustering` with the small VGG
      backbone, refinement from 60% of the epochs and a learning-rate drop
      at 80%.

    Parameters
    ----------
    name : {"dti-kmeans", "dti-gmm", "stdac", "mmdc"}
        The method.
    n_clusters : int
        Number of clusters.
    max_epochs : int, default=None
        Epochs to train; None means the method's default in
        ``DEFAULT_MAX_EPOCHS`` (30, or 20 for ``"mmdc"``).
    batch_size : int, default=None
        Mini-batch size; None means 32, or 16 for fewer than
        ``SMALL_FOLDER`` (256) images (see ``n_samples``).
    random_state : int or None, default=0
        Seed of the fit.
    device : str, default="auto"
        Where to train: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:<index>"``.
    precision : {"float32", "bfloat16"}, default="float32"
        Arithmetic of the networks (see the estimators' ``precision``).
    verbose : int, default=0
        Verbosity of the estimator (one line per epoch when positive).
    n_samples : int, default=None
        Number of images to cluster, for the default batch size; None is
        taken as a large folder.
    n_init : int, default=1
        Seeds fitted; the one with the best ``score`` is kept.
    init_epochs : int, default=None
        With ``n_init > 1``, epochs after which the seeds are compared and
        only the best goes on (the estimators' ``init_epochs``); None
        compares whole fits.

    Returns
    -------
    estimator : BaseDeepClusterer
        The unfitted estimator.
    """
    from skdeepclust import (
        DTIGaussianMixture,
        DTIKMeans,
        MMDCClustering,
        STDACClustering,
    )

    if name not in ESTIMATORS:
        raise ValueError(f"Unknown estimator {name!r}; choose among {ESTIMATORS}.")
    epochs = DEFAULT_MAX_EPOCHS[name] if max_epochs is None else int(max_epochs)
    if batch_size is None:
        small = n_samples is not None and n_samples < SMALL_FOLDER
        batch_size = 16 if small else 32
    common = dict(
        n_clusters=n_clusters,
        max_epochs=epochs,
        batch_size=batch_size,
        random_state=random_state,
        device=device,
        precision=precision,
        verbose=verbose,
        n_init=n_init,
        init_epochs=init_epochs,
    )
    if name in ("dti-kmeans", "dti-gmm"):
        Estimator = DTIKMeans if name == "dti-kmeans" else DTIGaussianMixture
        return Estimator(
            transformations=("identity", "color", "affine"),
            curriculum_milestones=(max(1, epochs // 5), max(1, 2 * epochs // 5)),
            init="k-means++",
            learning_rate=5e-3,
            lr_milestones=(max(1, round(0.85 * epochs)),),
            **common,
        )
    if name == "stdac":
        return STDACClustering(
            n_st_layers=1,
            st_init="identity",
            conv_channels=(16, 32, 32),
            hidden_units=64,
            learning_rate=1e-3,
            **common,
        )
    return MMDCClustering(
        backbone="vgg",
        refine_epoch=max(1, round(0.6 * epochs)),
        lr_milestones=(max(1, round(0.8 * epochs)),),
        **common,
    )


def _positive_int(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def build_parser():
    """The argument parser of the ``skdeepclust`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser; ``main`` calls its ``parse_args``.
    """
    parser = argparse.ArgumentParser(
        prog="skdeepclust",
        description=(
            "Cluster a folder of images with a deep clustering method and "
            "write a self-contained HTML report (prototypes or representatives, "
            "members and size of every cluster, the unsupervised score, the "
            "settings). Images directly in PATH are clustered; if PATH has "
            "sub-folders of images, they are read as known classes, and the "
            "report also says how well the clusters agree with them."
        ),
        epilog="Example: skdeepclust photos/ --n-clusters 5 --output photos.html",
    )
    parser.add_argument("path", metavar="PATH", help="the folder of images")
    parser.add_argument(
        "-k",
        "--n-clusters",
        type=_positive_int(1),
        required=True,
        metavar="K",
        help="number of clusters",
    )
    parser.add_argument(
        "--estimator",
        choices=ESTIMATORS,
        default="dti-kmeans",
        help="the method: DTIKMeans, DTIGaussianMixture, STDACClustering or "
        "MMDCClustering (default: %(default)s)",
    )
    parser.add_argument(
        "--image-size",
        type=_positive_int(4),
        default=32,
        metavar="PIXELS",
        help="side the images are resized to, in pixels (default: %(default)s); "
        "larger is slower",
    )
    parser.add_argument(
        "--grayscale",
        action="store_true",
        help="cluster grey images instead of colour ones",
    )
    parser.add_argument(
        "--max-epochs",
        type=_positive_int(1),
        default=None,
        metavar="N",
        help="training epochs (default: 30, or 20 for mmdc)",
    )
    parser.add_argument(
        "--batch-size",
        type=_positive_int(2),
        default=None,
        metavar="N",
        help=f"mini-batch size (default: 32, or 16 for fewer than {SMALL_FOLDER} "
        "images)",
    )
    parser.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed, for reproducible results (default: %(default)s)",
    )
    parser.add_argument(
        "--n-init",
        type=_positive_int(1),
        default=1,
        metavar="N",
        help="fit N seeds and keep the one with the best unsupervised score "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--init-epochs",
        type=_positive_int(1),
        default=None,
        metavar="E",
        help="with --n-init: compare the seeds after E epochs and train only "
        "the best to the end (default: compare whole fits)",
    )
    parser.add_argument(
        "--device",
        default="auto",
        help="where to train: auto (CUDA when available), cpu, cuda or "
        "cuda:INDEX (default: %(default)s)",
    )
    parser.add_argument(
        "--precision",
        choices=("float32", "bfloat16"),
        default="float32",
        help="arithmetic of the networks: bfloat16 is faster on CPUs with "
        "AVX-512 BF16 or AMX and on recent GPUs, slower elsewhere "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--threads",
        type=_positive_int(1),
        default=None,
        metavar="N",
        help="CPU threads of torch (default: torch's own choice)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="report.html",
        metavar="FILE",
        help="the HTML report to write (default: %(default)s)",
    )
    parser.add_argument(
        "--labels-csv",
        default=None,
        metavar="FILE",
        help="also write the cluster of every image to this CSV file "
        "(columns: filename, relative to PATH, and cluster)",
    )
    parser.add_argument(
        "--max-members",
        type=_positive_int(0),
        default=40,
        metavar="N",
        help="images shown per cluster in the report (default: %(default)s)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print progress, and one line per training epoch",
    )
    return parser


def _check_output(parser, option, path):
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        parser.error(f"{option}: folder {folder!r} does not exist")
    if os.path.isdir(path):
        parser.error(f"{option}: {path!r} is a folder")


def _load(parser, args):
    from skdeepclust.datasets import load_image_folder

    path = args.path
    if not os.path.exists(path):
        parser.error(f"folder {path!r} does not exist")
    if not os.path.isdir(path):
        parser.error(f"{path!r} is not a folder")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            data = load_image_folder(
                path,
                image_size=args.image_size,
                color_mode="grayscale" if args.grayscale else "rgb",
            )
        except ValueError as exc:
            if str(exc).startswith("No readable image"):
                parser.error(
                    f"no readable image in {path!r} (nor in its sub-folders); "
                    f"any format pillow opens is read"
                )
            parser.error(str(exc))
    for warning in caught:
        print(f"skdeepclust: warning: {warning.message}", file=sys.stderr)
    return data


def main(argv=None):
    """Run the ``skdeepclust`` command.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments, without the program name; None means ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success. Invalid arguments, a missing folder, a folder without
        images or more clusters than images exit with status 2 (through
        :meth:`argparse.ArgumentParser.error`), after a message on stderr.
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    _check_output(parser, "--output", args.output)
    if args.labels_csv is not None:
        _check_output(parser, "--labels-csv", args.labels_csv)

    from skdeepclust.base import keep_freed_memory, resolve_device

    try:
        device = resolve_device(args.device)
    except ValueError as exc:
        parser.error(f"--device: {exc}")

    def say(message):
        if args.verbose:
            print(message, flush=True)

    data = _load(parser, args)
    images = data.images
    n_images = len(images)
    if n_images < 2:
        parser.error(
            f"{args.path!r} holds {n_images} readable image; at least 2 are needed"
        )
    if args.n_clusters > n_images:
        parser.error(
            f"--n-clusters {args.n_clusters} is more than the {n_images} images "
            f"in {args.path!r}"
        )
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    # This process is ours: let the allocator keep large freed blocks.
    keep_freed_memory()

    names = [os.path.relpath(name, args.path) for name in data.filenames]
    classes = list(data.target_names)
    say(
        f"Read {n_images} images of {images.shape[1:]} from {args.path}"
        + (f" ({len(classes)} class sub-folders)" if classes else "")
    )
    estimator = make_estimator(
        args.estimator,
        args.n_clusters,
        max_epochs=args.max_epochs,
        batch_size=args.batch_size,
        random_state=args.random_state,
        device=args.device,
        precision=args.precision,
        verbose=int(args.verbose),
        n_samples=n_images,
        n_init=args.n_init,
        init_epochs=args.init_epochs,
    )
    say(
        f"Fitting {type(estimator).__name__} ({args.n_clusters} clusters, "
        f"{estimator.max_epochs} epochs) on {device}"
    )
    start = time.perf_counter()
    estimator.fit(images)
    fit_seconds = time.perf_counter() - start
    labels = estimator.labels_

    settings = {
        "command": shlex.join(["skdeepclust", *argv]),
        "folder": os.path.abspath(args.path),
        "estimator option": args.estimator,
        "image size": f"{args.image_size} x {args.image_size}, "
        + ("grayscale" if args.grayscale else "colour"),
        "fit time": f"{fit_seconds:.1f} s",
    }
    if classes:
        settings["known classes (sub-folders)"] = ", ".join(classes)
    from skdeepclust.report import write_html_report

    write_html_report(
        estimator,
        images,
        args.output,
        labels=labels,
        filenames=names,
        y=data.target if classes else None,
        target_names=classes or None,
        settings=settings,
        max_members=args.max_members,
    )
    if args.labels_csv is not None:
        with open(args.labels_csv, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["filename", "cluster"])
            writer.writerows(zip(names, labels.tolist()))
    sizes = [int((labels == k).sum()) for k in range(args.n_clusters)]
    n_empty = sizes.count(0)
    if n_empty:
        print(
            f"skdeepclust: warning: {n_empty} of the {args.n_clusters} clusters "
            f"are empty; more epochs (--max-epochs) or another --estimator may help",
            file=sys.stderr,
        )
    print(
        f"Clustered {n_images} images into {args.n_clusters} clusters "
        f"(sizes {', '.join(map(str, sizes))}) in {fit_seconds:.1f} s; "
        f"report: {args.output}"
        + (f"; labels: {args.labels_csv}" if args.labels_csv else "")
    )
    return 0
