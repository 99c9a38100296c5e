"""Sphinx configuration for skdeepclust's documentation."""

import importlib.util
import os
import sys
from pathlib import Path

import skdeepclust

sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("MPLBACKEND", "Agg")

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
    ("py:class", r"(array-like|ndarray|int|float|bool|str|dict|list|tuple|callable|None|object|path-like|sparse matrix|default=.*|of shape.*|optional)"),
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
}

html_theme = "pydata_sphinx_theme"
html_title = "skdeepclust"
templates_path = ["_templates"]
exclude_patterns = ["_build"]


def _short_device(name):
    if name.startswith("NVIDIA "):
        return name.removeprefix("NVIDIA ").split()[0]
    return name.replace("x86_64 ", "")


def _list_table(title, header, rows):
    """Lines of an rst list-table; a value's " ± " does not break."""
    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in [list(header), *rows]:
        values = [value.replace(" ± ", "\u00a0±\u00a0") for value in row]
        lines.append("   * - " + values[0])
        lines += ["     - " + value for value in values[1:]]
    return lines + [""]


def _write_benchmark_table():
    """Turn the recorded benchmark JSON files into rst tables to include.

    One table per dataset, from the rows of ``benchmarks/run.py``'s summary.
    """
    here = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location(
        "benchmarks_run", here.parent / "benchmarks" / "run.py"
    )
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    columns = list(run.SUMMARY_COLUMNS)
    shown = [c for c in columns if c not in ("dataset", "epochs")]
    by_dataset = {}
    for row in run.summary_rows(run.load_records()):
        cells = dict(zip(columns, row))
        cells["device"] = _short_device(cells["device"])
        by_dataset.setdefault(cells["dataset"], []).append(cells)
    lines = []
    for dataset, rows in by_dataset.items():
        table = [[(cells[c] or "\\") for c in shown] for cells in rows]
        lines += _list_table(dataset, shown, table)
    (here / "_benchmarks_summary.inc").write_text("\n".join(lines) + "\n")
    throughput = [
        [_short_device(v) if i == 2 else (v or "\\") for i, v in enumerate(row)]
        for row in run.throughput_rows()
    ]
    lines = _list_table(
        "Training images per second, alone", run.THROUGHPUT_COLUMNS, throughput
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
                env, node["refdoc"], app.builder, reftype, node["reftarget"],
                node, contnode,
            )
    url = _external_url(domain, reftype, target)
    if url is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url)
    reference.append(contnode if domain == "py" else nodes.inline(text=target))
    return reference


def setup(app):
    app.connect("missing-reference", _resolve_missing_reference)


# Pages without sub-pages need no left sidebar; tables get its width.
html_sidebars = {"install": [], "user_guide": [], "benchmarks": []}
