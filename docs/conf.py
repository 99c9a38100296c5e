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
    "reference_url": {"skdeepclust": None},
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

# Pages without sub-pages need no left sidebar; tables get its width.
html_sidebars = {"install": [], "user_guide": [], "benchmarks": []}
