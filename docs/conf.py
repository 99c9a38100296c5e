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
        lines += [
            f".. list-table:: {dataset}",
            "   :header-rows: 1",
            "",
        ]
        for cells in [dict(zip(shown, shown)), *rows]:
            values = [(cells[c] or "\\").replace(" ± ", "\u00a0±\u00a0") for c in shown]
            lines.append("   * - " + values[0])
            lines += ["     - " + value for value in values[1:]]
        lines.append("")
    (here / "_benchmarks_summary.inc").write_text("\n".join(lines) + "\n")
    lines = [
        ".. list-table:: Training images per second, alone",
        "   :header-rows: 1",
        "",
    ]
    for row in [run.THROUGHPUT_COLUMNS, *run.throughput_rows()]:
        values = [
            _short_device(v) if i == 2 else (v or "\\") for i, v in enumerate(row)
        ]
        lines.append("   * - " + values[0])
        lines += ["     - " + value for value in values[1:]]
    (here / "_benchmarks_throughput.inc").write_text("\n".join(lines) + "\n")


_write_benchmark_table()

# Pages without sub-pages need no left sidebar; tables get its width.
html_sidebars = {"install": [], "user_guide": [], "benchmarks": []}
