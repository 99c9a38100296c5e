"""The displays of skdeepclust.inspection, checked on Agg figures.

Each display is drawn from tiny fitted models; the tests check the figure's
structure (its axes, the arrays the images show, the titles and labels) and
the errors for estimators a display does not apply to.
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from fast_configs import make  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from skdeepclust import DTIKMeans  # noqa: E402
from skdeepclust.cluster_metrics import match_labels  # noqa: E402
from skdeepclust.inspection import (  # noqa: E402
    ClusterSamplesDisplay,
    EmbeddingDisplay,
    LossCurveDisplay,
    PrototypesDisplay,
    TransformedImagesDisplay,
)

ROOT = Path(__file__).resolve().parent.parent
N_CLUSTERS = 3  # fast_configs.make's


def _blobs(n=48, shape=(8, 8), seed=0):
    """``n`` images of 3 classes (a bright square at one of 3 places), y."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 3
    X = 0.1 * rng.rand(n, *shape).astype(np.float32)
    for i, label in enumerate(y):
        top = 1 + 2 * label
        X[i, top : top + 3, top : top + 3] += 0.8
    return X, y


X, Y = _blobs()
X_COLOUR = np.repeat(X[..., None], 3, axis=3) * np.array([1.0, 0.5, 0.2], "float32")


def _fit(name, data=X, **params):
    with warnings.catch_warnings():
        # A tiny model may put everything in one cluster: the tests do not mind.
        warnings.simplefilter("ignore")
        return make(name, max_epochs=2, **params).fit(data)


@pytest.fixture(scope="module")
def dti():
    return _fit("DTIKMeans")


@pytest.fixture(scope="module")
def dti_gmm():
    return _fit("DTIGaussianMixture")


@pytest.fixture(scope="module")
def stdac():
    return _fit("STDACClustering")


@pytest.fixture(scope="module")
def mmdc():
    return _fit("MMDCClustering")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _shown(im):
    return np.asarray(im.get_array())


def _row_of(X, image):
    """Index of the row of ``X`` equal to ``image``."""
    matches = np.flatnonzero(np.all(X.reshape(len(X), -1) == np.ravel(image), axis=1))
    assert len(matches) >= 1
    return matches[0]


# --------------------------------------------------------------------------
# matplotlib is optional
# --------------------------------------------------------------------------


def test_importing_does_not_import_matplotlib():
    code = (
        "import sys, skdeepclust, skdeepclust.inspection; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]


def test_without_matplotlib_the_error_names_the_extra(monkeypatch, dti):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "skdeepclust\[plot\]"'):
        LossCurveDisplay([1.0, 0.5]).plot()
    with pytest.raises(ImportError, match="ClusterSamplesDisplay.from_estimator"):
        ClusterSamplesDisplay.from_estimator(dti, X)


# --------------------------------------------------------------------------
# ClusterSamplesDisplay
# --------------------------------------------------------------------------


def test_cluster_samples_rows_sizes_classes_and_images(dti):
    display = ClusterSamplesDisplay.from_estimator(
        dti, X, Y, n_samples=4, random_state=0
    )
    labels = dti.predict(X)
    sizes = np.bincount(labels, minlength=N_CLUSTERS)
    mapping = match_labels(Y, labels)

    # One row per cluster, largest first; the prototypes in the first column.
    assert list(display.clusters) == sorted(range(N_CLUSTERS), key=lambda k: -sizes[k])
    np.testing.assert_array_equal(display.sizes, sizes[display.clusters])
    n_shown = min(4, sizes.max())
    assert display.axes_.shape == (N_CLUSTERS, 1 + n_shown)
    assert display.ims_.shape == (N_CLUSTERS, n_shown)
    assert len(display.figure_.axes) == display.axes_.size
    assert display.bounding_ax_ is None
    assert isinstance(display.figure_, matplotlib.figure.Figure)

    for row, cluster in enumerate(display.clusters):
        indices = display.sample_indices[row]
        assert len(indices) == min(4, sizes[cluster])
        assert np.all(labels[indices] == cluster)
        for column, index in enumerate(indices):
            np.testing.assert_array_equal(_shown(display.ims_[row, column]), X[index])
        assert all(im is None for im in display.ims_[row, len(indices) :])
        np.testing.assert_array_equal(
            _shown(display.prototype_ims_[row]), dti.prototypes_[cluster]
        )
        text = display.row_labels_[row].get_text()
        assert f"cluster {cluster}" in text
        assert f"{sizes[cluster]} image" in text
        expected = f"class {mapping[cluster]}" if cluster in mapping else "no class"
        assert expected in text
    assert display.axes_[0, 0].get_title() == "prototype"


def test_cluster_samples_are_reproducible_and_random_by_default(dti):
    first = ClusterSamplesDisplay.from_estimator(dti, X, random_state=1)
    again = ClusterSamplesDisplay.from_estimator(dti, X, random_state=1)
    for a, b in zip(first.sample_indices, again.sample_indices):
        np.testing.assert_array_equal(a, b)
    # No labels: no classes in the row labels.
    assert first.matched_classes is None
    assert "class" not in first.row_labels_[0].get_text()


def test_cluster_samples_most_probable_first(dti_gmm):
    display = ClusterSamplesDisplay.from_estimator(dti_gmm, X, n_samples=3)
    proba = dti_gmm.predict_proba(X)
    labels = dti_gmm.predict(X)
    for row, cluster in enumerate(display.clusters):
        shown = display.sample_indices[row]
        members = np.flatnonzero(labels == cluster)
        p = proba[shown, cluster]
        assert np.all(np.diff(p) <= 0)
        # The best of the cluster's members.
        assert (
            len(p) == 0 or p[-1] >= np.sort(proba[members, cluster])[::-1][len(p) - 1]
        )


def test_cluster_samples_label_and_class_order_and_class_names(stdac):
    display = ClusterSamplesDisplay.from_estimator(stdac, X, order="label")
    assert list(display.clusters) == list(range(N_CLUSTERS))
    names = ["top", "middle", "bottom"]
    display = ClusterSamplesDisplay.from_estimator(
        stdac, X, Y, order="class", class_names=names, random_state=0
    )
    mapping = match_labels(Y, stdac.predict(X))
    matched = [c for c in display.clusters if c in mapping]
    assert [mapping[c] for c in matched] == sorted(mapping[c] for c in matched)
    assert list(display.clusters[: len(matched)]) == matched
    for row, cluster in enumerate(display.clusters):
        if cluster in mapping:
            assert (
                f"class {names[mapping[cluster]]}"
                in display.row_labels_[row].get_text()
            )
    # STDAC has no prototypes: no prototype column.
    assert display.prototype_ims_ is None
    assert display.axes_.shape[1] == display.ims_.shape[1]


def test_cluster_samples_colour_images_of_a_scikit_learn_clusterer():
    flat = X_COLOUR.reshape(len(X_COLOUR), -1)
    kmeans = KMeans(3, n_init=2, random_state=0).fit(flat)
    display = ClusterSamplesDisplay.from_estimator(
        kmeans, flat, image_shape=(8, 8, 3), n_samples=2, random_state=0
    )
    assert display.axes_.shape == (3, 2)
    for row, indices in enumerate(display.sample_indices):
        for column, index in enumerate(indices):
            image = _shown(display.ims_[row, column])
            assert image.shape == (8, 8, 3)
            np.testing.assert_allclose(image, np.clip(X_COLOUR[index], 0, 1))


def test_cluster_samples_uint8_colour_images_of_a_dti_model():
    images = (255 * np.clip(X_COLOUR, 0, 1)).astype(np.uint8)
    model = _fit("DTIKMeans", data=images)
    display = ClusterSamplesDisplay.from_estimator(
        model, images, n_samples=2, random_state=0
    )
    row = next(r for r, i in enumerate(display.sample_indices) if len(i))
    index = display.sample_indices[row][0]
    np.testing.assert_allclose(
        _shown(display.ims_[row, 0]), images[index] / 255, rtol=1e-6
    )
    assert _shown(display.prototype_ims_[0]).shape == (8, 8, 3)


def test_cluster_samples_of_a_pipeline_on_grey_images():
    flatten = FunctionTransformer(lambda images: images.reshape(len(images), -1))
    pipeline = make_pipeline(flatten, KMeans(3, n_init=2, random_state=0)).fit(X)
    display = ClusterSamplesDisplay.from_estimator(pipeline, X, Y, random_state=0)
    assert len(display.clusters) == 3
    index = display.sample_indices[0][0]
    np.testing.assert_array_equal(_shown(display.ims_[0, 0]), X[index])


def test_cluster_samples_in_a_bounding_axes_or_given_axes(dti):
    figure, ax = plt.subplots()
    display = ClusterSamplesDisplay.from_estimator(
        dti, X, n_samples=2, prototypes=False, random_state=0, ax=ax
    )
    assert display.bounding_ax_ is ax
    assert display.figure_ is figure
    assert not ax.axison
    assert all(cell.figure is figure for cell in display.axes_.flat)

    n_rows, n_columns = display.axes_.shape
    figure, axes = plt.subplots(n_rows, n_columns)
    again = display.plot(ax=axes)
    assert again is display
    assert display.axes_[0, 0] is axes[0, 0]
    assert display.figure_ is figure
    with pytest.raises(ValueError, match="grid of"):
        display.plot(ax=axes[0])


def test_cluster_samples_errors(dti):
    with pytest.raises(NotFittedError):
        ClusterSamplesDisplay.from_estimator(DTIKMeans(), X)
    with pytest.raises(ValueError, match="order='class' needs"):
        ClusterSamplesDisplay.from_estimator(dti, X, order="class")
    with pytest.raises(ValueError, match="predict_proba"):
        ClusterSamplesDisplay.from_estimator(dti, X, selection="probability")
    with pytest.raises(ValueError, match="n_samples"):
        ClusterSamplesDisplay.from_estimator(dti, X, n_samples=0)
    with pytest.raises(ValueError, match="order"):
        ClusterSamplesDisplay.from_estimator(dti, X, order="largest")
    kmeans = KMeans(3, n_init=2, random_state=0).fit(X.reshape(len(X), -1))
    with pytest.raises(TypeError, match="prototypes_"):
        ClusterSamplesDisplay.from_estimator(
            kmeans, X.reshape(len(X), -1), prototypes=True
        )


# --------------------------------------------------------------------------
# PrototypesDisplay
# --------------------------------------------------------------------------


def test_prototypes_alone(dti):
    display = PrototypesDisplay.from_estimator(dti)
    assert display.axes_.shape == (1, N_CLUSTERS)
    assert len(display.prototype_ims_) == N_CLUSTERS
    for k, im in enumerate(display.prototype_ims_):
        np.testing.assert_array_equal(_shown(im), dti.prototypes_[k])
        assert display.axes_[0, k].get_title() == f"cluster {k}"
    assert display.input_ims_ is None and display.reconstruction_ims_ is None
    assert display.assigned_ims_ is None


@pytest.mark.parametrize("fixture", ["dti", "dti_gmm"])
def test_prototypes_with_aligned_reconstructions(fixture, request):
    model = request.getfixturevalue(fixture)
    display = PrototypesDisplay.from_estimator(model, X, Y, n_images=5, random_state=0)
    labels = model.predict(X)
    sizes = np.bincount(labels, minlength=N_CLUSTERS)
    mapping = match_labels(Y, labels)
    # A row of 5 cells of prototypes (3 used), then input, prototype, aligned.
    assert display.axes_.shape == (4, 5)
    assert len(display.figure_.axes) == 20
    for k in range(N_CLUSTERS):
        title = display.axes_[0, k].get_title()
        assert f"cluster {k}" in title and f"{sizes[k]} image" in title
        if k in mapping:
            assert f"class {mapping[k]}" in title
    assert [display.axes_[row, 0].get_ylabel() for row in (1, 2, 3)] == [
        "input",
        "prototype",
        "aligned",
    ]
    inputs = np.array([_shown(im) for im in display.input_ims_])
    assert len(inputs) == 5
    rows = [_row_of(X, image) for image in inputs]
    assert len(set(rows)) == 5
    np.testing.assert_array_equal(display.image_clusters, labels[rows])
    assert list(display.image_clusters) == sorted(display.image_clusters)
    reconstructions = model.reconstruct(X[rows])
    for i, (assigned, aligned) in enumerate(
        zip(display.assigned_ims_, display.reconstruction_ims_)
    ):
        np.testing.assert_array_equal(
            _shown(assigned), model.prototypes_[labels[rows[i]]]
        )
        np.testing.assert_allclose(_shown(aligned), reconstructions[i], atol=1e-6)
    again = PrototypesDisplay.from_estimator(model, X, n_images=5, random_state=0)
    np.testing.assert_array_equal(again.images, display.images)


def test_prototypes_order_columns_and_bounding_axes(dti):
    labels = dti.predict(X)
    sizes = np.bincount(labels, minlength=N_CLUSTERS)
    figure, ax = plt.subplots()
    display = PrototypesDisplay.from_estimator(
        dti, X, order="size", n_images=0, n_columns=2, ax=ax
    )
    assert list(display.sizes) == sorted(sizes, reverse=True)
    assert display.axes_.shape == (2, 2)  # 3 prototypes, 2 per row
    assert not display.axes_[1, 1].get_frame_on()
    assert display.bounding_ax_ is ax and display.figure_ is figure
    for im, cluster in zip(display.prototype_ims_, display.clusters):
        np.testing.assert_array_equal(_shown(im), dti.prototypes_[cluster])


def test_prototypes_display_of_other_centres():
    kmeans = KMeans(4, n_init=2, random_state=0).fit(X.reshape(len(X), -1))
    centres = kmeans.cluster_centers_.reshape(4, 8, 8)
    display = PrototypesDisplay(centres).plot(n_columns=3, cmap="gray_r")
    assert display.axes_.shape == (2, 3)
    np.testing.assert_allclose(_shown(display.prototype_ims_[3]), centres[3])
    assert display.prototype_ims_[0].get_cmap().name == "gray_r"


def test_prototypes_of_colour_images():
    model = _fit("DTIKMeans", data=X_COLOUR)
    display = PrototypesDisplay.from_estimator(model, X_COLOUR, n_images=2)
    assert _shown(display.prototype_ims_[0]).shape == (8, 8, 3)
    assert _shown(display.reconstruction_ims_[0]).shape == (8, 8, 3)


def test_prototypes_errors(dti, stdac):
    with pytest.raises(TypeError, match="DTI estimator"):
        PrototypesDisplay.from_estimator(stdac, X)
    with pytest.raises(TypeError, match="DTI estimator"):
        PrototypesDisplay.from_estimator(KMeans(3), X)
    with pytest.raises(NotFittedError):
        PrototypesDisplay.from_estimator(DTIKMeans())
    with pytest.raises(ValueError, match="need the images X"):
        PrototypesDisplay.from_estimator(dti, y=Y)
    with pytest.raises(ValueError, match="reconstructions"):
        PrototypesDisplay(dti.prototypes_, images=X[:2]).plot()


# --------------------------------------------------------------------------
# TransformedImagesDisplay
# --------------------------------------------------------------------------


def test_transformed_images_per_cluster(stdac):
    display = TransformedImagesDisplay.from_estimator(stdac, X, random_state=0)
    labels = stdac.predict(X)
    sizes = np.bincount(labels, minlength=N_CLUSTERS)
    n_images = int(np.minimum(sizes, 2).sum())
    assert display.axes_.shape == (2, n_images)
    assert len(display.input_ims_) == len(display.transformed_ims_) == n_images
    assert np.all(np.bincount(display.clusters, minlength=3) == np.minimum(sizes, 2))
    inputs = np.array([_shown(im) for im in display.input_ims_])
    rows = [_row_of(X, image) for image in inputs]
    np.testing.assert_array_equal(labels[rows], display.clusters)
    expected = stdac.transform_images(X[rows])
    for im, image in zip(display.transformed_ims_, expected):
        np.testing.assert_allclose(_shown(im), image, atol=1e-6)
    for column, cluster in enumerate(display.clusters):
        assert display.axes_[0, column].get_title() == f"cluster {cluster}"
    assert display.axes_[0, 0].get_ylabel() == "input"
    assert display.axes_[1, 0].get_ylabel() == "ST output"


def test_transformed_images_of_given_images_and_axes(stdac):
    figure, ax = plt.subplots()
    display = TransformedImagesDisplay.from_estimator(
        stdac, X[:12], n_per_cluster=None, n_columns=5, ax=ax
    )
    # Three runs of 5 (the last one of 2): 6 rows.
    assert display.axes_.shape == (6, 5)
    assert display.bounding_ax_ is ax and display.figure_ is figure
    for im, image in zip(display.input_ims_, X[:12]):
        np.testing.assert_array_equal(_shown(im), image)
    assert not display.axes_[4, 4].get_frame_on()


def test_transformed_images_errors(dti):
    no_st = _fit("STDACClustering", n_st_layers=0)
    with pytest.raises(ValueError, match="n_st_layers=0"):
        TransformedImagesDisplay.from_estimator(no_st, X)
    with pytest.raises(TypeError, match="STDACClustering"):
        TransformedImagesDisplay.from_estimator(dti, X)
    with pytest.raises(ValueError, match="one shape"):
        TransformedImagesDisplay(X[:2], X[:3]).plot()


# --------------------------------------------------------------------------
# EmbeddingDisplay
# --------------------------------------------------------------------------


def test_embedding_of_mmdc_with_its_modes(mmdc):
    figure, ax = plt.subplots()
    display = EmbeddingDisplay.from_estimator(mmdc, X, ax=ax)
    assert display.ax_ is ax and display.figure_ is figure
    embedding = mmdc.transform(X).astype(np.float64)
    pca = PCA(n_components=2, random_state=0).fit(embedding)
    np.testing.assert_allclose(
        display.scatter_.get_offsets(), pca.transform(embedding), atol=1e-6
    )
    centres = display.centers_scatter_.get_offsets()
    np.testing.assert_allclose(centres, pca.transform(mmdc.target_means_), atol=1e-6)
    assert [t.get_text() for t in display.cluster_texts_] == ["0", "1", "2"]
    # A point has the colour of its cluster's mode.
    labels = mmdc.predict(X)
    colours = display.scatter_.get_facecolors()
    mode_colours = display.centers_scatter_.get_facecolors()
    np.testing.assert_allclose(colours[0][:3], mode_colours[labels[0]][:3])
    assert "of the variance" in ax.get_xlabel()


def test_embedding_without_centres(stdac):
    display = EmbeddingDisplay.from_estimator(stdac, X)
    assert display.centers_scatter_ is None
    assert len(display.cluster_texts_) == np.unique(stdac.predict(X)).size
    display = EmbeddingDisplay.from_estimator(stdac, X, annotate=False, centers=None)
    assert display.cluster_texts_ == []
    assert len(display.ax_.collections) == 1


def test_embedding_errors(mmdc):
    flat = X.reshape(len(X), -1)
    with pytest.raises(TypeError, match="transform"):
        EmbeddingDisplay.from_estimator(GaussianMixture(2).fit(flat), flat)
    with pytest.raises(NotFittedError):
        EmbeddingDisplay.from_estimator(make("MMDCClustering"), X)
    with pytest.raises(ValueError, match="2 columns"):
        EmbeddingDisplay.from_estimator(KMeans(1, n_init=1).fit(flat), flat)
    with pytest.raises(ValueError, match="centers must have shape"):
        EmbeddingDisplay.from_estimator(mmdc, X, centers=np.zeros((3, 2)))


# --------------------------------------------------------------------------
# LossCurveDisplay
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["dti", "dti_gmm", "stdac", "mmdc"])
def test_loss_curve_of_every_estimator(fixture, request):
    model = request.getfixturevalue(fixture)
    display = LossCurveDisplay.from_estimator(model)
    np.testing.assert_array_equal(display.line_.get_ydata(), model.loss_curve_)
    np.testing.assert_array_equal(
        display.line_.get_xdata(), np.arange(1, model.n_iter_ + 1)
    )
    assert display.ax_.get_xlabel() == "epoch"
    assert display.ax_.get_ylabel() == "training loss"
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == [type(model).__name__]
    assert display.figure_ is display.ax_.figure


def test_loss_curves_on_one_axes(dti, mmdc):
    first = LossCurveDisplay.from_estimator(dti)
    second = LossCurveDisplay.from_estimator(mmdc, ax=first.ax_, name="MMDC", ls="--")
    assert second.ax_ is first.ax_ and len(first.ax_.lines) == 2
    assert second.line_.get_linestyle() == "--"
    assert [t.get_text() for t in first.ax_.get_legend().get_texts()] == [
        "DTIKMeans",
        "MMDC",
    ]
    plain = LossCurveDisplay([3.0, 2.0, 1.5]).plot()
    assert plain.ax_.get_legend() is None


def test_loss_curve_of_a_pipeline_and_errors(stdac):
    flat = X.reshape(len(X), -1)
    flatten = FunctionTransformer(lambda images: images.reshape(len(images), -1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline = make_pipeline(flatten, make("STDACClustering", max_epochs=2)).fit(X)
    display = LossCurveDisplay.from_estimator(pipeline)
    assert len(display.line_.get_ydata()) == 2
    with pytest.raises(TypeError, match="loss_curve_"):
        LossCurveDisplay.from_estimator(KMeans(2, n_init=1).fit(flat))
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(make("STDACClustering"))
