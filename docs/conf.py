"""Sphinx configuration for skdeepclust's documentation."""

import importlib.util
import os
import sys
from pathlib import Path

import torch

import skdeepclust

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, str(Path(__file__).resolve().parent / "sphinxext"))
os.environ.setdefault("MPLBACKEND", "Agg")
# The gallery runs in this process. One torch thread keeps the build's time
# predictable on small or busy machines (the examples' models are small, and
# several threads only fight over the cores), and its printed results those
# of one thread, as the README and the tests use.
torch.set_num_threads(1)

project = "skdeepclust"
author = "skdeepclust developers"
copyright = "2026, skdeepclust developers"
release = skdeepclust.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
# A method without a docstring of its own (a torch module's forward) shows
# none, not the generic one of the class it overrides.
autodoc_inherit_docstrings = False
# Every cross-reference must resolve; the build runs with -W. Types from
# other projects (no intersphinx: the build works offline) are listed in
# nitpick_ignore_regex.
nitpicky = True
nitpick_ignore = [
    # torch.nn.Module.forward's docstring, inherited by the nn modules' forward.
    ("py:class", "Module"),
]
nitpick_ignore_regex = [
    ("py:class", r"(numpy|np|torch|sklearn|scipy|joblib|PIL|pathlib|os)\..*"),
    (
        "py:class",
        r"(array-like|ndarray|int|float|bool|str|dict|list|tuple|callable|None"
        r"|object|path-like|sparse matrix|default=.*|of shape.*|optional)",
    ),
]
# Members inherited from scikit-learn (set_output, metadata routing) are
# documented there; listing them here would only repeat sklearn's pages.
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "doc_module": ("skdeepclust",),
    "backreferences_dir": "generated",
    "write_computation_times": False,
    # A learning path (docs/sphinxext/gallery_order.py), not code length.
    "within_subsection_order": "gallery_order.LearningPathOrder",
}

html_theme = "pydata_sphinx_theme"
# The examples' code is formatted at 88 characters: their pages give the
# width of the "On this page" column to the code.
html_theme_options = {
    "secondary_sidebar_items": {"auto_examples/**": []},
}
html_title = "skdeepclust"
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["custom.css"]
exclude_patterns = ["_build"]


def _benchmarks_run():
    """``benchmarks/run.py`` as a module: it reads and summarises the results."""
    here = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location(
        "benchmarks_run", here.parent / "benchmarks" / "run.py"
    )
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    return run


def _list_table(title, header, rows, widths=None):
    """Lines of an rst list-table; a value's " ± " does not break.

    With ``widths`` (relative column widths) the table spans the page.
    """
    lines = [f".. list-table:: {title}", "   :header-rows: 1"]
    if widths:
        lines += ["   :width: 100%", "   :widths: " + " ".join(map(str, widths))]
    lines.append("")
    for row in [list(header), *rows]:
        values = [(value or "\\").replace(" ± ", "\u00a0±\u00a0") for value in row]
        # A value of several lines (a line block, say) goes on indented.
        values = [value.replace("\n", "\n       ") for value in values]
        lines.append("   * - " + values[0])
        lines += ["     - " + value for value in values[1:]]
    return lines + [""]


# Colours of the estimators in the charts (colour-blind-safe Okabe-Ito).
_ESTIMATOR_COLOURS = {
    "DTIKMeans": "#0072B2",
    "DTIGaussianMixture": "#56B4E9",
    "STDACClustering": "#009E73",
    "MMDCClustering": "#D55E00",
    "KMeans": "#7F7F7F",
}


def _benchmark_chart(run, dataset, groups, path):
    """One PNG: a dot per seed, the mean as a bar, the published ACC as ◇."""
    import textwrap

    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    # 900 pixels wide: about the width of the page's text, shown unscaled.
    row_height, extra = 0.66, 1.25
    height = extra + row_height * len(groups)
    fig, ax = plt.subplots(figsize=(9.0, height), dpi=100)
    values = [v for g in groups for v in g["acc"]]
    values += [g["published"][0] for g in groups if g["published"]]
    low = max(0.0, np.floor((min(values) - 0.03) * 20) / 20)
    labels = []
    for i, g in enumerate(groups):
        y = len(groups) - 1 - i
        colour = _ESTIMATOR_COLOURS.get(g["estimator"], "#333333")
        if i and g["estimator"] != groups[i - 1]["estimator"]:
            ax.axhline(y + 0.5, color="#cccccc", lw=0.8)
        n = len(g["acc"])
        offsets = (np.arange(n) - (n - 1) / 2) * min(0.12, 0.5 / max(n, 1))
        mean = float(np.mean(g["acc"]))
        ax.plot([mean, mean], [y - 0.34, y + 0.34], color="black", lw=2, zorder=2)
        ax.scatter(
            g["acc"],
            y + offsets,
            s=44,
            color=colour,
            edgecolor="white",
            linewidth=0.6,
            zorder=3,
        )
        if g["published"]:
            ax.plot(
                g["published"][0],
                y,
                marker="D",
                ms=9,
                mfc="none",
                mec="#CC3311",
                mew=2,
                zorder=4,
                linestyle="none",
            )
        ax.text(
            1.012,
            y,
            run.mean_std(g["acc"]) + f"  ({n} seed{'s' * (n > 1)})",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=10,
        )
        config = textwrap.fill(g["configuration"], 36)
        labels.append(f"{g['estimator']} · {run.device_label(g)}\n{config}")
    ax.set_yticks(range(len(groups) - 1, -1, -1), labels, fontsize=9.5)
    ax.set_ylim(-0.6, len(groups) - 0.4)
    ax.set_xlim(low, 1.012)
    step = 0.1 if 1 - low > 0.3 else 0.05
    ax.set_xticks(np.arange(np.ceil(low / step - 1e-9) * step, 1.0001, step))
    ax.grid(axis="x", color="#e5e5e5", zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlabel("ACC (accuracy after matching clusters to classes)")
    n_images = run.FULL_SIZE.get(dataset, groups[0]["n_samples"])
    ax.set_title(
        f"{run.DATASET_NAMES.get(dataset, dataset)}: ACC per seed, "
        f"{n_images:,} images (train + test)",
        fontsize=12,
        loc="left",
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [
        Line2D([], [], marker="o", color="#555555", linestyle="none", label="one seed"),
        Line2D([], [], color="black", lw=2, label="mean over seeds"),
    ]
    if any(g["published"] for g in groups):
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                ms=8,
                mfc="none",
                mec="#CC3311",
                mew=2,
                linestyle="none",
                label="published (paper's mean of 10 runs)",
            )
        )
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=10)
    fig.tight_layout(rect=(0, 0.32 / height, 1, 1))
    fig.savefig(path)
    plt.close(fig)


def _write_benchmark_table():
    """Turn the recorded benchmark JSON files into the Benchmarks page's parts.

    Per dataset a chart (``_benchmarks/acc_<dataset>.png``, not kept in git)
    and a table of ``benchmarks/run.py``'s summary groups, in
    ``_benchmarks_summary.inc``; the training speeds alone in
    ``_benchmarks_throughput.inc``.
    """
    here = Path(__file__).resolve().parent
    run = _benchmarks_run()
    groups = run.summary_groups(run.load_records())
    best = {m: run.best_by_dataset(groups, m) for m in ("acc", "nmi", "ari")}
    charts = here / "_benchmarks"
    charts.mkdir(exist_ok=True)
    by_dataset = {}
    for g in groups:
        by_dataset.setdefault(g["dataset"], []).append(g)
    header = [
        "estimator and configuration",
        "seeds",
        "ACC",
        "NMI",
        "ARI",
        "published ACC",
        "device",
        "code",
    ]
    lines = []
    for dataset, rows in by_dataset.items():
        name = run.DATASET_NAMES.get(dataset, dataset)
        _benchmark_chart(run, dataset, rows, charts / f"acc_{dataset}.png")
        table = []
        for g in rows:
            scores = []
            for metric in ("acc", "nmi", "ari"):
                # The spread of ACC; NMI's and ARI's are in the results README.
                text = (
                    run.mean_std(g[metric])
                    if metric == "acc"
                    else run._fmt(float(sum(g[metric]) / len(g[metric])))
                )
                if run.is_best(g, metric, best[metric]):
                    text = f"**{text}**"
                scores.append(text)
            table.append(
                [
                    f"| {g['estimator']}\n| {g['configuration']}",
                    str(len(g["seeds"])),
                    *scores,
                    run._fmt(g["published"][0]) if g["published"] else "–",
                    run.device_label(g),
                    run.code_label(g),
                ]
            )
        lines += [
            name,
            "~" * len(name),
            "",
            f".. figure:: _benchmarks/acc_{dataset}.png",
            "   :width: 100%",
            f"   :alt: ACC of each estimator and configuration on {name}, "
            "one dot per seed, with the mean and the published number",
            "",
            f"   {name}: one dot per seed, the black bar is the mean"
            + (
                ", the red diamond the published ACC."
                if any(g["published"] for g in rows)
                else "; no paper reports this dataset."
            ),
            "",
            *_list_table(
                f"{name}: mean over seeds",
                header,
                table,
                widths=[31, 6, 13, 7, 7, 10, 9, 9],
            ),
        ]
    lines += [
        "Where the published numbers come from",
        "~" * 37,
        "",
        "Each was checked in the project's notes on the papers (``methods.md``,",
        "at the sections given).",
        "",
    ]
    lines += run.published_lines(groups, bullet="* ")
    (here / "_benchmarks_summary.inc").write_text("\n".join(lines) + "\n")
    throughput = [
        [run.short_device(v) if i == 2 else v for i, v in enumerate(row)]
        for row in run.throughput_rows()
    ]
    lines = _list_table(
        "Training images per second",
        run.THROUGHPUT_COLUMNS,
        throughput,
    )
    (here / "_benchmarks_throughput.inc").write_text("\n".join(lines) + "\n")


_write_benchmark_table()

# Other projects' objects link to their online pages. The build stays offline
# (no intersphinx inventories to fetch), so the addresses follow each
# project's URL scheme for its generated API pages.
_EXTERNAL_API = {
    "sklearn": "https://scikit-learn.org/stable/modules/generated/{}.html",
    "numpy": "https://numpy.org/doc/stable/reference/generated/{}.html",
    "scipy": "https://docs.scipy.org/doc/scipy/reference/generated/{}.html",
    "joblib": "https://joblib.readthedocs.io/en/stable/generated/{}.html",
    "torch": "https://docs.pytorch.org/docs/stable/generated/{}.html",
}
_EXTERNAL_MODULES = {
    "pickle": "https://docs.python.org/3/library/pickle.html",
    "joblib": "https://joblib.readthedocs.io/en/stable/persistence.html",
}
# Labels that scikit-learn's own docstrings (inherited methods) refer to.
_SKLEARN_PAGES = "https://scikit-learn.org/stable/"
# Their link texts where a docstring gives none.
_EXTERNAL_LABEL_TITLES = {
    "metadata_routing": "Metadata Routing User Guide",
    "df_output_transform": "the set_output API",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py": (
        "Introducing the set_output API"
    ),
}
_EXTERNAL_LABELS = {
    "metadata_routing": _SKLEARN_PAGES + "metadata_routing.html",
    "df_output_transform": _SKLEARN_PAGES
    + "auto_examples/miscellaneous/plot_set_output.html",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py": _SKLEARN_PAGES
    + "auto_examples/miscellaneous/plot_set_output.html",
}


def _external_url(domain, reftype, target):
    if domain == "std" and reftype == "ref":
        return _EXTERNAL_LABELS.get(target)
    if domain != "py":
        return None
    if reftype == "mod":
        return _EXTERNAL_MODULES.get(target)
    root = target.split(".")[0]
    if root in _EXTERNAL_API:
        return _EXTERNAL_API[root].format(target)
    return None


def _resolve_missing_reference(app, env, node, contnode):
    """Link other projects' objects, and skdeepclust's by their public path.

    sphinx-gallery names a class by its defining module
    (``skdeepclust.dti.DTIKMeans.score``); the API pages document it where
    users import it from (``skdeepclust.DTIKMeans.score``).
    """
    from docutils import nodes

    domain, reftype = node.get("refdomain"), node.get("reftype")
    target = node.get("reftarget", "")
    parts = target.split(".")
    if domain == "py" and len(parts) > 2 and parts[0] == "skdeepclust":
        public = getattr(skdeepclust, parts[2], None)
        if parts[2] in skdeepclust.__all__ and public is not None:
            node["reftarget"] = ".".join(["skdeepclust", *parts[2:]])
            return env.get_domain("py").resolve_xref(
                env,
                node["refdoc"],
                app.builder,
                reftype,
                node["reftarget"],
                node,
                contnode,
            )
    url = _external_url(domain, reftype, target)
    if url is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url)
    if domain == "py":
        reference.append(contnode)
    else:
        title = contnode.astext()
        title = _EXTERNAL_LABEL_TITLES.get(target, title) if title == target else title
        reference.append(nodes.inline(text=title))
    return reference


def setup(app):
    app.connect("missing-reference", _resolve_missing_reference)


# Pages without sub-pages need no left sidebar; tables get its width.
html_sidebars = {
    page: []
    for page in (
        "install",
        "user_guide",
        "inspection",
        "benchmarks",
        "cli",
        "adding_an_estimator",
    )
}
