"""The command-line interface and its HTML report, rendered in a browser.

The end-to-end run clusters real photo crops (scikit-learn's two sample
photos: the temple roof and the sky of china.jpg, the dahlia of
flower.jpg) with ``python -m skdeepclust``. The browser test renders the
report with a headless Chromium (Debian's ``chromium`` package) and checks
the page as drawn: a screenshot that shows the photos, and a DOM where every
embedded image was decoded. Nothing here depends on float rounding: the
checks are on the report's structure, not on which image lands where.
"""

import base64
import csv
import html.parser
import io
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from fast_configs import NAMES, make
from PIL import Image
from sklearn.datasets import load_sample_images

from skdeepclust._cli import ESTIMATORS, main, make_estimator
from skdeepclust.report import write_html_report

# (photo, top, bottom, left, right) of the region each kind of crop is cut
# from: 0 is china.jpg, 1 is flower.jpg (both 427 x 640).
KINDS = {
    "roof": (0, 40, 360, 70, 350),
    "sky": (0, 0, 120, 350, 640),
    "flower": (1, 90, 350, 170, 440),
}
N_PER_KIND = 20
CROP_SIDE = 64


def write_crops(folder, n_per_kind=N_PER_KIND, seed=0):
    """Save random square crops of each kind as PNG files; their names."""
    photos = load_sample_images().images
    rng = np.random.RandomState(seed)
    os.makedirs(folder, exist_ok=True)
    names = []
    for kind, (photo, top, bottom, left, right) in KINDS.items():
        for i in range(n_per_kind):
            row = rng.randint(top, bottom - CROP_SIDE)
            col = rng.randint(left, right - CROP_SIDE)
            crop = photos[photo][row : row + CROP_SIDE, col : col + CROP_SIDE]
            name = f"{kind}_{i:02d}.png"
            Image.fromarray(crop).save(os.path.join(folder, name))
            names.append(name)
    return names


class _PageParser(html.parser.HTMLParser):
    """The tags, attributes and text of an HTML page, for checks."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag, **attrs):
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def parse(page):
    parser = _PageParser()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """One end-to-end run of ``python -m skdeepclust`` on a folder of crops."""
    root = tmp_path_factory.mktemp("cli")
    folder = root / "crops"
    names = write_crops(folder)
    report, labels = root / "report.html", root / "labels.csv"
    command = [
        sys.executable,
        "-m",
        "skdeepclust",
        str(folder),
        "--n-clusters",
        "3",
        "--max-epochs",
        "10",
        "--threads",
        "1",
        "--device",
        "cpu",
        "--output",
        str(report),
        "--labels-csv",
        str(labels),
        "--max-members",
        "60",
        "--n-init",
        "2",
        "--init-epochs",
        "3",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=env
    )
    return dict(process=process, names=names, report=report, labels=labels, root=root)


def test_cli_clusters_photo_crops_end_to_end(cli_run):
    process = cli_run["process"]
    assert process.returncode == 0, process.stderr
    assert "Clustered 60 images into 3 clusters" in process.stdout

    page = cli_run["report"].read_text(encoding="utf-8")
    dom = parse(page)
    sections = dom.find("section", **{"class": "cluster"})
    assert [s["id"] for s in sections] == ["cluster-0", "cluster-1", "cluster-2"]
    sizes = [int(s["data-size"]) for s in sections]
    assert sum(sizes) == 60

    # Self-contained: every image is an embedded PNG, nothing is fetched.
    images = dom.find("img")
    assert len(images) >= 60 + 3  # members (and reconstructions), prototypes
    for image in images:
        assert image["src"].startswith("data:image/png;base64,")
    assert not dom.find("link")
    assert all("src" not in attrs for tag, attrs in dom.tags if tag == "script")
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", page)
    first = base64.b64decode(images[0]["src"].split(",", 1)[1])
    assert Image.open(io.BytesIO(first)).size == (32, 32)

    text = " ".join(dom.text)
    assert "Score" in text and "Settings" in text and "fit time" in text
    # Each setting's cell is followed by its value's.
    settings = dict(zip(dom.text, dom.text[1:]))
    assert settings["n_init"] == "2" and settings["init_epochs"] == "3"
    for name in cli_run["names"]:
        assert name in text  # every file is shown (--max-members 60)

    with open(cli_run["labels"], newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["filename", "cluster"]
    mapping = dict(rows[1:])
    assert sorted(mapping) == sorted(cli_run["names"])
    assert set(mapping.values()) <= {"0", "1", "2"}
    assert [list(mapping.values()).count(str(k)) for k in range(3)] == sizes


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run_chromium(binary, root, *args):
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={root / 'chromium-profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(
    _chromium() is None,
    reason="no chromium binary on PATH (Debian: apt-get install -y chromium); "
    "the report is not rendered in a browser",
)
def test_report_renders_in_headless_chromium(cli_run):
    binary = _chromium()
    assert cli_run["process"].returncode == 0, cli_run["process"].stderr
    root, url = cli_run["root"], cli_run["report"].resolve().as_uri()

    shot = root / "report.png"
    done = _run_chromium(
        binary, root, f"--screenshot={shot}", "--window-size=1200,6000", url
    )
    assert shot.exists(), done.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert pixels.shape == (6000, 1200, 3)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200  # not blank
    # The photos are drawn: the page's own colours (greys, white, a blue)
    # have no orange, the roof and flower crops have plenty. The window
    # holds the whole page, so the clusters' order does not matter.
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    orange = (red > green + 40) & (red > blue + 60)
    assert orange.mean() > 0.003

    done = _run_chromium(binary, root, "--dump-dom", url)
    dom = parse(done.stdout)
    assert len(dom.find("section", **{"class": "cluster"})) == 3, done.stderr[-2000:]
    (body,) = dom.find("body")
    n_images = len(dom.find("img"))
    assert n_images >= 63
    # Set by the page's script from each <img>'s naturalWidth after load.
    assert body.get("data-images") == str(n_images)
    assert body.get("data-images-decoded") == str(n_images)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["{root}/missing", "-k", "2"], "does not exist"),
        (["{root}/crops/roof_00.png", "-k", "2"], "is not a folder"),
        (["{root}/empty", "-k", "2"], "no readable image"),
        (["{root}/crops", "-k", "4"], "more than the 3 images"),
        (["{root}/crops", "-k", "0"], "must be >= 1"),
        (["{root}/crops"], "required: -k/--n-clusters"),
        (["{root}/crops", "-k", "2", "--estimator", "kmeans"], "invalid choice"),
        (["{root}/crops", "-k", "2", "-o", "{root}/no/report.html"], "--output"),
        (["{root}/crops", "-k", "2", "--device", "tpu"], "--device"),
        (["{root}/crops", "-k", "2", "--precision", "float16"], "invalid choice"),
    ],
)
def test_cli_errors_exit_with_status_2(tmp_path, capsys, arguments, message):
    write_crops(tmp_path / "crops", n_per_kind=1)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not an image")
    argv = [argument.format(root=tmp_path) for argument in arguments]
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    error = capsys.readouterr().err
    assert "skdeepclust: error:" in error and message in error


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("max_epochs", [1, 4, None])
def test_make_estimator_schedules_are_valid(name, max_epochs):
    estimator = make_estimator(name, 3, max_epochs=max_epochs)
    estimator._validate_params()
    assert estimator.max_epochs == (max_epochs or (20 if name == "mmdc" else 30))
    assert estimator.precision == "float32"
    assert make_estimator(name, 3, precision="bfloat16").precision == "bfloat16"
    several = make_estimator(name, 3, n_init=3, init_epochs=2)
    assert (several.n_init, several.init_epochs) == (3, 2)


# One epoch on noise: some fits put everything in one cluster, which the
# report shows as it is.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", NAMES)
def test_report_of_every_estimator(tmp_path, name):
    # Grey images: the colour path is the end-to-end run's.
    X = np.random.RandomState(0).rand(24, 8, 8).astype(np.float32)
    estimator = make(name, max_epochs=1).fit(X)
    filenames = [f"<b>&{i}.png" for i in range(len(X))]
    path = write_html_report(
        estimator,
        X,
        tmp_path / "report.html",
        filenames=filenames,
        y=np.arange(len(X)) % 2,
        target_names=["<cats>", "dogs"],
        settings={"note": "<script>alert(1)</script>"},
        max_members=5,
    )
    page = open(path, encoding="utf-8").read()
    dom = parse(page)
    sizes = [int(s["data-size"]) for s in dom.find("section", **{"class": "cluster"})]
    assert sizes == np.bincount(estimator.predict(X), minlength=3).tolist()
    # Escaped, not markup; only the report's own script is a script.
    assert "<b>&" not in page and "&lt;b&gt;&amp;" in page
    assert "<script>alert" not in page and len(dom.find("script")) == 1
    text = " ".join(dom.text)
    assert "Agreement with the known classes" in text and "<cats>" in text
    key = "Prototype" if name.startswith("DTI") else "Representative"
    assert text.count(key) >= 1
    shown = [f for f in dom.find("figure") if f.get("class") == "member"]
    assert len(shown) == sum(min(size, 5) for size in sizes)


def test_report_checks_its_inputs(tmp_path):
    X = np.random.RandomState(0).rand(12, 8, 8).astype(np.float32)
    estimator = make("STDACClustering", max_epochs=1).fit(X)
    with pytest.raises(ValueError, match="filenames has 2 entries"):
        write_html_report(estimator, X, tmp_path / "r.html", filenames=["a", "b"])
    with pytest.raises(ValueError, match="max_members"):
        write_html_report(estimator, X, tmp_path / "r.html", max_members=-1)
    unfitted = make("STDACClustering")
    with pytest.raises(Exception, match="not fitted"):
        write_html_report(unfitted, X, tmp_path / "r.html")
