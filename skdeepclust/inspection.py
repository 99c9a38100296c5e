"""Figures of a fitted clustering, in scikit-learn's display convention.

Each display follows the API of scikit-learn's displays (such as
:class:`sklearn.metrics.ConfusionMatrixDisplay`): the class holds the data
computed from a fitted estimator as attributes, ``plot`` draws them and
returns the display, with the matplotlib objects it made as attributes
ending with an underscore (``figure_``, ``ax_`` or ``axes_``, the images or
lines), and the class method ``from_estimator`` computes the data from an
estimator and ``X`` and plots it in one call:

* :class:`ClusterSamplesDisplay`: a few members of every cluster, one row
  per cluster, for any fitted clusterer;
* :class:`PrototypesDisplay`: the prototypes of
  :class:`~skdeepclust.DTIKMeans` and :class:`~skdeepclust.DTIGaussianMixture`
  and, for a few images, their aligned reconstructions;
* :class:`TransformedImagesDisplay`: images above what the first spatial
  transformer of :class:`~skdeepclust.STDACClustering` makes of them;
* :class:`EmbeddingDisplay`: a 2-D principal component projection of the
  output of ``transform``, coloured by cluster, with the modes of
  :class:`~skdeepclust.MMDCClustering`;
* :class:`LossCurveDisplay`: the training loss of each epoch.

Matplotlib is an optional dependency (``pip install "skdeepclust[plot]"``):
this module imports it only when a figure is drawn.

Images are shown as pixels in [0, 1] (``uint8`` images scaled by 1/255, as
the estimators do), values outside that range clipped; grey images use the
``cmap`` colour map, ``"gray"`` by default (``"gray_r"`` shows digits as
dark ink on white).
"""

import math
from numbers import Integral

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils import _safe_indexing, check_consistent_length, check_random_state
from sklearn.utils.validation import check_is_fitted

from skdeepclust.base import _as_image_shape, _infer_image_shape
from skdeepclust.cluster_metrics import match_labels

__all__ = [
    "ClusterSamplesDisplay",
    "EmbeddingDisplay",
    "LossCurveDisplay",
    "PrototypesDisplay",
    "TransformedImagesDisplay",
]

# Inches per image cell of the grids, when a display makes its own figure.
_CELL = 0.85


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _check_matplotlib(caller):
    """Import matplotlib.pyplot, or raise an ImportError naming the extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, an optional dependency of skdeepclust. "
            f'Install it with: pip install "skdeepclust[plot]"'
        ) from exc
    return plt


def _final_estimator(estimator):
    """The last step of a pipeline, else the estimator itself."""
    return getattr(estimator, "_final_estimator", estimator)


def _image_shape_of(estimator):
    """``image_shape_`` of a skdeepclust estimator (or pipeline), else None."""
    for candidate in (estimator, _final_estimator(estimator)):
        shape = getattr(candidate, "image_shape_", None)
        if shape is not None:
            return tuple(shape)
    return None


def _n_clusters_of(estimator):
    """Number of clusters of a fitted clusterer, or None when unknown."""
    final = _final_estimator(estimator)
    fitted = getattr(final, "_fit_params", None)
    if isinstance(fitted, dict) and isinstance(fitted.get("n_clusters"), Integral):
        return int(fitted["n_clusters"])
    centers = getattr(final, "cluster_centers_", None)
    if centers is not None and np.ndim(centers) == 2:
        return int(np.shape(centers)[0])
    n_clusters = getattr(final, "n_clusters", None)
    if isinstance(n_clusters, Integral) and not isinstance(n_clusters, bool):
        return int(n_clusters)
    return None


def _as_display_images(X, image_shape=None, estimator=None):
    """``X`` as float images (n, H, W) or (n, H, W, 3) to show, in [0, 1]."""
    array = np.asarray(X)
    scale = 1 / 255 if array.dtype == np.uint8 else 1.0
    if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
        raise ValueError(f"X must hold numbers, got an array of dtype {array.dtype}.")
    array = array.astype(np.float32) * np.float32(scale)
    if array.ndim == 2:
        if image_shape is None:
            image_shape = _image_shape_of(estimator) if estimator is not None else None
        if image_shape is None:
            shape = _infer_image_shape(array.shape[1])
        else:
            shape = _as_image_shape(image_shape)
        if math.prod(shape) != array.shape[1]:
            raise ValueError(
                f"image_shape {shape} holds {math.prod(shape)} values but X has "
                f"{array.shape[1]} features per sample."
            )
        array = array.reshape(array.shape[0], *shape)
    elif array.ndim == 3:
        return array
    elif array.ndim != 4 or array.shape[3] not in (1, 3):
        raise ValueError(
            f"X must hold images of shape (n_samples, n_features), (n_samples, H, W) "
            f"or (n_samples, H, W, C) with C in {{1, 3}}, got X.shape={array.shape}."
        )
    return array[..., 0] if array.shape[3] == 1 else array


def _show_image(ax, image, cmap, imshow_kw):
    """Draw one image on ``ax``; return the AxesImage."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        kwargs = dict(cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        # RGB floats outside [0, 1] make imshow warn; clip them beforehand.
        image = np.clip(image, 0.0, 1.0)
        kwargs = dict(interpolation="nearest")
    kwargs.update(imshow_kw or {})
    return ax.imshow(image, **kwargs)


def _clear_ticks(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def _hide(ax):
    """An empty cell: no frame, no ticks (axis labels stay visible)."""
    _clear_ticks(ax)
    ax.set_frame_on(False)


def _image_grid(plt, ax, n_rows, n_columns, figsize, caller, gap_after=None):
    """A grid of axes for images: ``(figure, axes, bounding_ax)``.

    ``ax`` None makes a new figure; one Axes is a bounding box the grid is
    drawn in (it is switched off); an array of Axes is used as it is. With
    ``gap_after``, a thin empty row separates rows ``gap_after - 1`` and
    ``gap_after`` (of a new or bounded grid).
    """
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        axes = np.asarray(ax, dtype=object)
        if axes.size != n_rows * n_columns or not all(
            isinstance(a, Axes) for a in axes.flat
        ):
            raise ValueError(
                f"{caller} draws a grid of {n_rows} x {n_columns} images: ax must be "
                f"None, one matplotlib Axes (the grid is drawn in its box) or "
                f"{n_rows * n_columns} Axes, got {axes.size} object(s)."
            )
        axes = axes.reshape(n_rows, n_columns)
        for cell in axes.flat:
            _clear_ticks(cell)
        return axes[0, 0].figure, axes, None

    # Grid rows: the rows of images, with the gap as an extra, thin one.
    rows = list(range(n_rows))
    heights = [1.0] * n_rows
    if gap_after is not None and 0 < gap_after < n_rows:
        rows = rows[:gap_after] + [row + 1 for row in rows[gap_after:]]
        heights.insert(gap_after, 0.25)
    if ax is None:
        figure, bounding_ax = plt.figure(figsize=figsize, layout="constrained"), None
        grid = figure.add_gridspec(len(heights), n_columns, height_ratios=heights)
    else:
        figure, bounding_ax = ax.figure, ax
        ax.set_axis_off()
        spec = ax.get_subplotspec()
        grid = None
        if spec is not None:
            grid = spec.subgridspec(len(heights), n_columns, height_ratios=heights)
    if grid is not None:
        axes = [
            [figure.add_subplot(grid[row, j]) for j in range(n_columns)] for row in rows
        ]
    else:
        # An Axes placed by hand (fig.add_axes): insets in its box.
        tops = 1 - np.cumsum([0.0] + heights) / sum(heights)
        width = 1 / n_columns
        axes = [
            [
                ax.inset_axes(
                    [
                        j * width,
                        tops[row + 1],
                        0.9 * width,
                        0.85 * (tops[row] - tops[row + 1]),
                    ]
                )
                for j in range(n_columns)
            ]
            for row in rows
        ]
    axes = np.array(axes, dtype=object).reshape(n_rows, n_columns)
    for cell in axes.flat:
        _clear_ticks(cell)
    return figure, axes, bounding_ax


def _row_label(ax, text):
    """A label left of a row of images; returns the Text."""
    ax.set_ylabel(text, rotation=0, ha="right", va="center", fontsize="small")
    return ax.yaxis.label


def _check_fitted(estimator, caller):
    if not hasattr(estimator, "fit"):
        raise TypeError(f"{caller} needs a fitted estimator, got {estimator!r}.")
    check_is_fitted(estimator)


def _check_option(value, name, options):
    if value not in options:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}."
        )


def _check_count(value, name, allow_none=False):
    if allow_none and value is None:
        return
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(
            f"{name} must be a positive int{' or None' if allow_none else ''}, "
            f"got {value!r}."
        )


def _class_names(mapping, clusters, class_names):
    """The class matched to each of ``clusters`` (None where none), as text."""
    names = []
    for cluster in clusters:
        if cluster not in mapping:
            names.append(None)
            continue
        label = mapping[cluster]
        names.append(str(class_names[label]) if class_names is not None else str(label))
    return names


def _order_clusters(clusters, sizes, order, mapping, y):
    """Positions of ``clusters`` in the order asked for."""
    positions = np.arange(len(clusters))
    if order == "label":
        return positions
    if order == "size":
        return np.array(sorted(positions, key=lambda i: (-sizes[i], i)), dtype=int)
    # "class": by matched class, in the order of np.unique(y); the others last.
    class_rank = {label: rank for rank, label in enumerate(np.unique(np.asarray(y)))}
    unmatched = len(class_rank)

    def key(i):
        cluster = clusters[i]
        if cluster in mapping:
            return (class_rank.get(mapping[cluster], unmatched), 0, i)
        return (unmatched + 1, -sizes[i], i)

    return np.array(sorted(positions, key=key), dtype=int)


def _labels_and_mapping(estimator, X, y, order, caller):
    """Predicted labels of ``X`` and the matching of clusters to ``y``."""
    if order == "class" and y is None:
        raise ValueError(f"{caller}: order='class' needs the true classes y.")
    labels = np.asarray(estimator.predict(X))
    mapping = None
    if y is not None:
        check_consistent_length(labels, y)
        mapping = match_labels(y, labels)
    return labels, mapping


def _cluster_ids(labels, n_clusters):
    """Every cluster: ``range(n_clusters)`` and any other label found."""
    found = np.unique(labels)
    if n_clusters is None:
        return [label.item() for label in found]
    extra = [label.item() for label in found if label not in range(n_clusters)]
    return list(range(n_clusters)) + extra


# --------------------------------------------------------------------------
# Samples of each cluster
# --------------------------------------------------------------------------


class ClusterSamplesDisplay:
    """Samples of each cluster: one row of images per cluster.

    It is recommended to use :meth:`from_estimator` to create a
    :class:`ClusterSamplesDisplay`. All parameters are stored as attributes.

    Parameters
    ----------
    images : list of ndarray
        For each row, the images shown, an array of shape (n_shown, H, W)
        for grey images or (n_shown, H, W, C) for colour ones (possibly
        with no image, for a cluster with no member in ``X``).

    clusters : array-like of shape (n_rows,)
        The cluster of each row.

    sizes : array-like of shape (n_rows,)
        Number of samples of each cluster (in ``X``).

    matched_classes : list of str or None, default=None
        For each row, the class matched to its cluster (None for a cluster
        matched to no class), or None when no classes are known.

    prototypes : ndarray of shape (n_rows, H, W) or (n_rows, H, W, C), \
            default=None
        A prototype of each cluster, shown framed left of its samples, or
        None.

    sample_indices : list of ndarray, default=None
        For each row, the indices in ``X`` of the images shown.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes of shape (n_rows, n_columns)
        The grid of axes, one row per cluster; with prototypes, the first
        column holds them.

    ims_ : ndarray of shape (n_rows, n_samples_shown), dtype=object
        The ``matplotlib.image.AxesImage`` of each sample shown, None
        where a cluster has fewer samples.

    prototype_ims_ : list of matplotlib AxesImage or None
        The image of each prototype, or None without prototypes.

    row_labels_ : list of matplotlib Text
        The label of each row: cluster, size and matched class.

    bounding_ax_ : matplotlib Axes or None
        The Axes the grid was drawn in, when one was passed as ``ax``.

    figure_ : matplotlib Figure
        The figure holding the grid.

    See Also
    --------
    PrototypesDisplay : The prototypes of the DTI estimators.
    skdeepclust.report.write_html_report : A page of every cluster's images.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skdeepclust import STDACClustering
    >>> from skdeepclust.datasets import load_digits_images
    >>> from skdeepclust.inspection import ClusterSamplesDisplay
    >>> X, y = load_digits_images(return_X_y=True)
    >>> model = STDACClustering(n_clusters=4, n_st_layers=0,
    ...                         conv_channels=(4, 8, 8), hidden_units=16,
    ...                         max_epochs=1, random_state=0,
    ...                         device="cpu").fit(X[:200])
    >>> display = ClusterSamplesDisplay.from_estimator(
    ...     model, X[:200], y[:200], n_samples=5, cmap="gray_r")
    >>> display.axes_.shape
    (4, 5)
    >>> plt.show()
    """

    def __init__(
        self,
        images,
        clusters,
        sizes,
        *,
        matched_classes=None,
        prototypes=None,
        sample_indices=None,
    ):
        self.images = images
        self.clusters = clusters
        self.sizes = sizes
        self.matched_classes = matched_classes
        self.prototypes = prototypes
        self.sample_indices = sample_indices

    def plot(self, *, ax=None, cmap="gray", imshow_kw=None):
        """Plot the samples of each cluster.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw. None makes a new figure; one Axes is a box the
            grid of images is drawn in (the Axes itself is switched off);
            an array of ``n_rows * n_columns`` Axes is used as the grid.

        cmap : str or matplotlib Colormap, default="gray"
            Colour map of grey images (colour images are shown as they
            are); ``"gray_r"`` shows digits as dark ink on white.

        imshow_kw : dict, default=None
            Keyword arguments passed to ``matplotlib.axes.Axes.imshow``.

        Returns
        -------
        display : ClusterSamplesDisplay
            This display, with the matplotlib objects as attributes.
        """
        plt = _check_matplotlib("ClusterSamplesDisplay.plot")
        rows = [np.asarray(images) for images in self.images]
        clusters, sizes = list(self.clusters), list(self.sizes)
        n_rows = len(rows)
        if n_rows == 0 or len(clusters) != n_rows or len(sizes) != n_rows:
            raise ValueError(
                f"images, clusters and sizes must have one entry per row (at least "
                f"one), got {len(rows)}, {len(clusters)} and {len(sizes)}."
            )
        n_shown = max(1, max(len(images) for images in rows))
        first = 1 if self.prototypes is not None else 0
        n_columns = first + n_shown
        figsize = (n_columns * _CELL + 1.2, n_rows * _CELL + 0.2)
        figure, axes, bounding_ax = _image_grid(
            plt, ax, n_rows, n_columns, figsize, "ClusterSamplesDisplay"
        )
        self.ims_ = np.full((n_rows, n_shown), None, dtype=object)
        self.prototype_ims_ = [] if first else None
        self.row_labels_ = []
        for row, images in enumerate(rows):
            if first:
                cell = axes[row, 0]
                self.prototype_ims_.append(
                    _show_image(cell, self.prototypes[row], cmap, imshow_kw)
                )
                for spine in cell.spines.values():
                    spine.set_edgecolor("tab:blue")
                    spine.set_linewidth(2)
                if row == 0:
                    cell.set_title("prototype", fontsize="small")
            for column in range(n_shown):
                cell = axes[row, first + column]
                if column < len(images):
                    self.ims_[row, column] = _show_image(
                        cell, images[column], cmap, imshow_kw
                    )
                else:
                    _hide(cell)
            size = int(sizes[row])
            text = f"cluster {clusters[row]}\n{size} image{'s' * (size != 1)}"
            if self.matched_classes is not None:
                matched = self.matched_classes[row]
                text += f"\nclass {matched}" if matched is not None else "\nno class"
            self.row_labels_.append(_row_label(axes[row, 0], text))
        self.axes_, self.bounding_ax_, self.figure_ = axes, bounding_ax, figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        n_samples=8,
        order="size",
        selection="auto",
        class_names=None,
        prototypes="auto",
        image_shape=None,
        random_state=None,
        ax=None,
        cmap="gray",
        imshow_kw=None,
    ):
        """Plot samples of each cluster of a fitted estimator.

        Parameters
        ----------
        estimator : estimator instance
            A fitted clusterer with ``predict`` (any skdeepclust estimator,
            a scikit-learn clusterer with ``predict``, or a pipeline ending
            with one).

        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            The images, as the estimator takes them.

        y : array-like of shape (n_samples,), default=None
            True classes, if known: each row is labelled with the class its
            cluster is matched to
            (:func:`~skdeepclust.cluster_metrics.match_labels`).

        n_samples : int, default=8
            Largest number of images shown per cluster.

        order : {"size", "label", "class"}, default="size"
            Order of the rows: largest cluster first, by cluster label, or
            by the class matched to each cluster (needs ``y``; clusters
            matched to none last).

        selection : {"auto", "probability", "random"}, default="auto"
            The images shown: those with the highest probability of their
            cluster first (``"probability"``, for an estimator with
            ``predict_proba``), or members drawn at random. ``"auto"`` is
            ``"probability"`` when the estimator has ``predict_proba``, else
            ``"random"``.

        class_names : array-like of str or dict, default=None
            Name of each class, indexed by the values of ``y`` (e.g. the
            ``target_names`` of a dataset); None shows the values of ``y``.

        prototypes : "auto" or bool, default="auto"
            Show the ``prototypes_`` of the estimator (the DTI estimators)
            left of each row. ``"auto"`` shows them when it has some.

        image_shape : tuple of int, default=None
            ``(H, W)`` or ``(H, W, C)`` of flat rows of ``X``; by default the
            ``image_shape_`` of a skdeepclust estimator, else square grey
            images.

        random_state : int, RandomState instance or None, default=None
            Draws the members shown (and breaks ties of probability). Pass an
            int for the same images at every call.

        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw; see :meth:`plot`.

        cmap : str or matplotlib Colormap, default="gray"
            Colour map of grey images.

        imshow_kw : dict, default=None
            Keyword arguments passed to ``matplotlib.axes.Axes.imshow``.

        Returns
        -------
        display : ClusterSamplesDisplay
            The display, plotted.
        """
        caller = "ClusterSamplesDisplay.from_estimator"
        _check_matplotlib(caller)
        _check_fitted(estimator, caller)
        _check_count(n_samples, "n_samples")
        _check_option(order, "order", ("size", "label", "class"))
        _check_option(selection, "selection", ("auto", "probability", "random"))
        if prototypes not in ("auto", True, False):
            raise ValueError(
                f"prototypes must be 'auto', True or False; got {prototypes!r}."
            )
        final = _final_estimator(estimator)
        if selection == "auto":
            selection = (
                "probability" if hasattr(estimator, "predict_proba") else "random"
            )
        elif selection == "probability" and not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"selection='probability' needs an estimator with predict_proba, and "
                f"{type(final).__name__} has none: use selection='random'."
            )
        has_prototypes = getattr(final, "prototypes_", None) is not None
        if prototypes is True and not has_prototypes:
            raise TypeError(
                f"prototypes=True needs an estimator with prototypes_ (DTIKMeans, "
                f"DTIGaussianMixture); {type(final).__name__} has none."
            )
        show_prototypes = has_prototypes and prototypes in ("auto", True)

        labels, mapping = _labels_and_mapping(estimator, X, y, order, caller)
        clusters = _cluster_ids(labels, _n_clusters_of(estimator))
        sizes = np.array([np.sum(labels == cluster) for cluster in clusters])
        rows = _order_clusters(clusters, sizes, order, mapping or {}, y)
        proba = None
        if selection == "probability":
            if not all(isinstance(cluster, Integral) for cluster in clusters):
                raise ValueError(
                    "selection='probability' needs integer cluster labels, the "
                    "columns of predict_proba."
                )
            proba = np.asarray(estimator.predict_proba(X))
        rng = check_random_state(random_state)

        chosen = []
        for position in rows:
            cluster = clusters[position]
            members = np.flatnonzero(labels == cluster)
            if len(members) == 0:
                chosen.append(members)
            elif proba is not None and 0 <= cluster < proba.shape[1]:
                # Highest probability first; ties in a random order.
                ties = rng.permutation(len(members))
                best = np.lexsort((ties, -proba[members, cluster]))
                chosen.append(members[best[:n_samples]])
            else:
                count = min(n_samples, len(members))
                chosen.append(rng.choice(members, count, replace=False))
        everything = np.concatenate(chosen).astype(int)
        shown = _as_display_images(
            _safe_indexing(X, everything), image_shape, estimator
        )
        bounds = np.cumsum([0] + [len(indices) for indices in chosen])
        images = [shown[start:stop] for start, stop in zip(bounds[:-1], bounds[1:])]
        ordered = [clusters[position] for position in rows]
        display = cls(
            images,
            ordered,
            sizes[rows],
            matched_classes=(
                _class_names(mapping, ordered, class_names)
                if mapping is not None
                else None
            ),
            prototypes=(
                np.asarray(final.prototypes_)[[int(c) for c in ordered]]
                if show_prototypes
                else None
            ),
            sample_indices=chosen,
        )
        return display.plot(ax=ax, cmap=cmap, imshow_kw=imshow_kw)


# --------------------------------------------------------------------------
# DTI prototypes and reconstructions
# --------------------------------------------------------------------------


class PrototypesDisplay:
    """Prototypes of a DTI estimator, and aligned reconstructions of images.

    The prototypes are shown in a grid, each titled with its cluster (and,
    when known, its size and matched class). Given images, rows below show
    each image, the prototype of its cluster as learned, and that prototype
    after the transformations predicted for the image (the image's *aligned
    reconstruction*, :meth:`skdeepclust.DTIKMeans.reconstruct`).

    It is recommended to use :meth:`from_estimator` to create a
    :class:`PrototypesDisplay`; the constructor also shows other centres
    as images (the ``cluster_centers_`` of :class:`sklearn.cluster.KMeans`
    reshaped, say). All parameters are stored as attributes.

    Parameters
    ----------
    prototypes : ndarray of shape (n_prototypes, H, W) or \
            (n_prototypes, H, W, C)
        The prototypes, in the order shown.

    clusters : array-like of shape (n_prototypes,), default=None
        The cluster of each prototype; None numbers them from 0.

    sizes : array-like of shape (n_prototypes,), default=None
        Number of samples of each cluster, shown in the titles.

    matched_classes : list of str or None, default=None
        The class matched to each prototype's cluster (None for a cluster
        matched to no class), shown in the titles.

    images : ndarray of shape (n_images, H, W) or (n_images, H, W, C), \
            default=None
        Images shown above their reconstruction.

    reconstructions : ndarray of the shape of ``images``, default=None
        The aligned reconstruction of each image.

    image_clusters : array-like of shape (n_images,), default=None
        The cluster of each image; with it, the prototype of that cluster is
        shown between the image and its reconstruction.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes of shape (n_rows, n_columns)
        The grid of axes: the prototypes' rows, then for each run of
        ``n_columns`` images the rows of inputs, prototypes and
        reconstructions.

    prototype_ims_ : list of matplotlib AxesImage
        The image of each prototype.

    input_ims_ : list of matplotlib AxesImage or None
        The image of each input, or None without images.

    assigned_ims_ : list of matplotlib AxesImage or None
        The prototype of each input's cluster, or None without
        ``image_clusters``.

    reconstruction_ims_ : list of matplotlib AxesImage or None
        The reconstruction of each input, or None without images.

    bounding_ax_ : matplotlib Axes or None
        The Axes the grid was drawn in, when one was passed as ``ax``.

    figure_ : matplotlib Figure
        The figure holding the grid.

    See Also
    --------
    ClusterSamplesDisplay : Members of each cluster, for any estimator.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skdeepclust import DTIKMeans
    >>> from skdeepclust.datasets import load_digits_images
    >>> from skdeepclust.inspection import PrototypesDisplay
    >>> X, y = load_digits_images(return_X_y=True)
    >>> model = DTIKMeans(n_clusters=4, transformations=("identity", "affine"),
    ...                   curriculum_milestones=(0,), max_epochs=1,
    ...                   random_state=0, device="cpu").fit(X[:100])
    >>> display = PrototypesDisplay.from_estimator(
    ...     model, X[:100], n_images=4, random_state=0, cmap="gray_r")
    >>> len(display.prototype_ims_), len(display.reconstruction_ims_)
    (4, 4)
    >>> plt.show()
    """

    def __init__(
        self,
        prototypes,
        *,
        clusters=None,
        sizes=None,
        matched_classes=None,
        images=None,
        reconstructions=None,
        image_clusters=None,
    ):
        self.prototypes = prototypes
        self.clusters = clusters
        self.sizes = sizes
        self.matched_classes = matched_classes
        self.images = images
        self.reconstructions = reconstructions
        self.image_clusters = image_clusters

    def plot(self, *, ax=None, n_columns=None, cmap="gray", imshow_kw=None):
        """Plot the prototypes and the reconstructions.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw. None makes a new figure; one Axes is a box the
            grid of images is drawn in (the Axes itself is switched off);
            an array of ``n_rows * n_columns`` Axes is used as the grid.

        n_columns : int, default=None
            Images per row; by default as many as prototypes or images, at
            most 10.

        cmap : str or matplotlib Colormap, default="gray"
            Colour map of grey images (colour images are shown as they
            are); ``"gray_r"`` shows digits as dark ink on white.

        imshow_kw : dict, default=None
            Keyword arguments passed to ``matplotlib.axes.Axes.imshow``.

        Returns
        -------
        display : PrototypesDisplay
            This display, with the matplotlib objects as attributes.
        """
        plt = _check_matplotlib("PrototypesDisplay.plot")
        _check_count(n_columns, "n_columns", allow_none=True)
        prototypes = np.asarray(self.prototypes)
        n_prototypes = len(prototypes)
        clusters = (
            list(range(n_prototypes)) if self.clusters is None else list(self.clusters)
        )
        images = None if self.images is None else np.asarray(self.images)
        n_images = 0 if images is None else len(images)
        if images is not None and (
            self.reconstructions is None
            or np.shape(self.reconstructions) != images.shape
        ):
            raise ValueError(
                "images need their reconstructions, an array of the same shape."
            )
        if n_columns is None:
            n_columns = max(1, min(10, max(n_prototypes, n_images)))
        prototype_rows = math.ceil(n_prototypes / n_columns)
        block = 2 + (self.image_clusters is not None)
        image_rows = block * math.ceil(n_images / n_columns)
        n_rows = prototype_rows + image_rows
        title_lines = 1 + (self.sizes is not None) + (self.matched_classes is not None)
        figsize = (
            n_columns * _CELL + (0.9 if n_images else 0.2),
            prototype_rows * (_CELL + 0.15 * title_lines)
            + (image_rows + 0.25 * bool(image_rows)) * _CELL
            + 0.2,
        )
        figure, axes, bounding_ax = _image_grid(
            plt, ax, n_rows, n_columns, figsize, "PrototypesDisplay", prototype_rows
        )
        self.prototype_ims_ = []
        for index, cell in enumerate(axes[:prototype_rows].flat):
            if index >= n_prototypes:
                _hide(cell)
                continue
            self.prototype_ims_.append(
                _show_image(cell, prototypes[index], cmap, imshow_kw)
            )
            title = f"cluster {clusters[index]}"
            if self.sizes is not None:
                size = int(self.sizes[index])
                title += f"\n{size} image{'s' * (size != 1)}"
            if self.matched_classes is not None:
                matched = self.matched_classes[index]
                title += f"\nclass {matched}" if matched is not None else "\nno class"
            cell.set_title(title, fontsize="small")

        self.input_ims_ = self.assigned_ims_ = self.reconstruction_ims_ = None
        if images is not None:
            self.input_ims_, self.reconstruction_ims_ = [], []
            position = {cluster: index for index, cluster in enumerate(clusters)}
            if self.image_clusters is not None:
                self.assigned_ims_ = []
            names = ["input"] + ["prototype"] * (block == 3) + ["aligned"]
            for start in range(0, n_images, n_columns):
                top = prototype_rows + block * (start // n_columns)
                for offset, name in enumerate(names):
                    _row_label(axes[top + offset, 0], name)
                for column in range(n_columns):
                    cells = axes[top : top + block, column]
                    index = start + column
                    if index >= n_images:
                        for cell in cells:
                            _hide(cell)
                        continue
                    self.input_ims_.append(
                        _show_image(cells[0], images[index], cmap, imshow_kw)
                    )
                    if block == 3:
                        assigned = prototypes[position[self.image_clusters[index]]]
                        self.assigned_ims_.append(
                            _show_image(cells[1], assigned, cmap, imshow_kw)
                        )
                    self.reconstruction_ims_.append(
                        _show_image(
                            cells[-1], self.reconstructions[index], cmap, imshow_kw
                        )
                    )
        self.axes_, self.bounding_ax_, self.figure_ = axes, bounding_ax, figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X=None,
        y=None,
        *,
        n_images=None,
        order="label",
        class_names=None,
        random_state=None,
        ax=None,
        n_columns=None,
        cmap="gray",
        imshow_kw=None,
    ):
        """Plot the prototypes of a fitted DTI estimator.

        Parameters
        ----------
        estimator : DTIKMeans or DTIGaussianMixture
            A fitted estimator with ``prototypes_`` and ``reconstruct``.

        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C), default=None
            Images, as the estimator takes them: with them, the size of each
            cluster is shown, and ``n_images`` of them with their aligned
            reconstruction.

        y : array-like of shape (n_samples,), default=None
            True classes of ``X``, if known: each prototype is titled with
            the class its cluster is matched to
            (:func:`~skdeepclust.cluster_metrics.match_labels`).

        n_images : int, default=None
            Images of ``X`` drawn at random and shown with their
            reconstruction, ordered by cluster; None shows as many as there
            are columns of prototypes (at most 10), 0 none.

        order : {"label", "size", "class"}, default="label"
            Order of the prototypes: by cluster label, largest cluster first
            (needs ``X``), or by the class matched to each cluster (needs
            ``y``; clusters matched to none last).

        class_names : array-like of str or dict, default=None
            Name of each class, indexed by the values of ``y``; None shows
            the values of ``y``.

        random_state : int, RandomState instance or None, default=None
            Draws the images shown. Pass an int for the same images at every
            call.

        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw; see :meth:`plot`.

        n_columns : int, default=None
            Images per row; see :meth:`plot`.

        cmap : str or matplotlib Colormap, default="gray"
            Colour map of grey images.

        imshow_kw : dict, default=None
            Keyword arguments passed to ``matplotlib.axes.Axes.imshow``.

        Returns
        -------
        display : PrototypesDisplay
            The display, plotted.
        """
        caller = "PrototypesDisplay.from_estimator"
        _check_matplotlib(caller)
        if not (hasattr(estimator, "reconstruct") and hasattr(estimator, "fit")):
            raise TypeError(
                f"{caller} needs a DTI estimator (DTIKMeans or DTIGaussianMixture), "
                f"whose prototypes are images; got {type(estimator).__name__}. "
                f"ClusterSamplesDisplay shows the clusters of any estimator."
            )
        _check_fitted(estimator, caller)
        _check_option(order, "order", ("label", "size", "class"))
        if n_images is not None and not (
            isinstance(n_images, Integral)
            and not isinstance(n_images, bool)
            and n_images >= 0
        ):
            raise ValueError(f"n_images must be an int >= 0 or None, got {n_images!r}.")
        if X is None and (y is not None or order == "size"):
            raise ValueError(f"{caller}: y and order='size' need the images X.")
        prototypes = np.asarray(estimator.prototypes_)
        clusters = list(range(len(prototypes)))
        sizes = mapping = labels = None
        if X is not None:
            labels, mapping = _labels_and_mapping(estimator, X, y, order, caller)
            sizes = np.array([np.sum(labels == cluster) for cluster in clusters])
        rows = _order_clusters(clusters, sizes, order, mapping or {}, y)
        display_kw = {}
        if X is not None:
            if n_images is None:
                n_images = n_columns or min(10, len(prototypes))
            n_images = min(n_images, len(labels))
            if n_images:
                rng = check_random_state(random_state)
                chosen = rng.choice(len(labels), n_images, replace=False)
                rank = {cluster: i for i, cluster in enumerate(rows)}
                chosen = np.array(
                    sorted(chosen, key=lambda i: (rank[labels[i]], i)), dtype=int
                )
                subset = _safe_indexing(X, chosen)
                display_kw = dict(
                    images=_as_display_images(subset, None, estimator),
                    reconstructions=estimator.reconstruct(subset),
                    image_clusters=labels[chosen],
                )
        display = cls(
            prototypes[rows],
            clusters=rows,
            sizes=None if sizes is None else sizes[rows],
            matched_classes=(
                None
                if mapping is None
                else _class_names(mapping, list(rows), class_names)
            ),
            **display_kw,
        )
        return display.plot(ax=ax, n_columns=n_columns, cmap=cmap, imshow_kw=imshow_kw)


# --------------------------------------------------------------------------
# ST-DAC's spatial transformer
# --------------------------------------------------------------------------


class TransformedImagesDisplay:
    """Images above what the first spatial transformer makes of them.

    The spatial transformer layer of :class:`~skdeepclust.STDACClustering`
    resamples each input through an affine transform it predicts, so that
    the convolutions see it re-centred and re-scaled;
    :meth:`~skdeepclust.STDACClustering.transform_images` returns its
    output (the paper's figure 4). Each column shows an input above that
    output.

    It is recommended to use :meth:`from_estimator` to create a
    :class:`TransformedImagesDisplay`. All parameters are stored as
    attributes.

    Parameters
    ----------
    images : ndarray of shape (n_images, H, W) or (n_images, H, W, C)
        The inputs.

    transformed : ndarray of the shape of ``images``
        The spatial transformer's output for each input.

    clusters : array-like of shape (n_images,), default=None
        The cluster of each input, shown above it.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes of shape (n_rows, n_columns)
        The grid of axes: for each run of ``n_columns`` images, a row of
        inputs above a row of outputs.

    input_ims_ : list of matplotlib AxesImage
        The image of each input.

    transformed_ims_ : list of matplotlib AxesImage
        The image of each output.

    bounding_ax_ : matplotlib Axes or None
        The Axes the grid was drawn in, when one was passed as ``ax``.

    figure_ : matplotlib Figure
        The figure holding the grid.

    See Also
    --------
    skdeepclust.STDACClustering.transform_images : The outputs shown.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skdeepclust import STDACClustering
    >>> from skdeepclust.datasets import load_digits_images
    >>> from skdeepclust.inspection import TransformedImagesDisplay
    >>> X, y = load_digits_images(return_X_y=True)
    >>> model = STDACClustering(n_clusters=4, n_st_layers=1,
    ...                         st_init="identity", conv_channels=(4, 8, 8),
    ...                         hidden_units=16, max_epochs=1, random_state=0,
    ...                         device="cpu").fit(X[:200])
    >>> display = TransformedImagesDisplay.from_estimator(
    ...     model, X[:6], n_per_cluster=None, cmap="gray_r")
    >>> display.axes_.shape
    (2, 6)
    >>> plt.show()
    """

    def __init__(self, images, transformed, *, clusters=None):
        self.images = images
        self.transformed = transformed
        self.clusters = clusters

    def plot(self, *, ax=None, n_columns=None, cmap="gray", imshow_kw=None):
        """Plot the inputs above the spatial transformer's outputs.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw. None makes a new figure; one Axes is a box the
            grid of images is drawn in (the Axes itself is switched off);
            an array of ``n_rows * n_columns`` Axes is used as the grid.

        n_columns : int, default=None
            Images per row; by default as many as images, at most 10.

        cmap : str or matplotlib Colormap, default="gray"
            Colour map of grey images (colour images are shown as they
            are); ``"gray_r"`` shows digits as dark ink on white.

        imshow_kw : dict, default=None
            Keyword arguments passed to ``matplotlib.axes.Axes.imshow``.

        Returns
        -------
        display : TransformedImagesDisplay
            This display, with the matplotlib objects as attributes.
        """
        plt = _check_matplotlib("TransformedImagesDisplay.plot")
        _check_count(n_columns, "n_columns", allow_none=True)
        images, transformed = np.asarray(self.images), np.asarray(self.transformed)
        if images.shape != transformed.shape or len(images) == 0:
            raise ValueError(
                f"images and transformed must have one shape, with at least one "
                f"image; got {images.shape} and {transformed.shape}."
            )
        n_images = len(images)
        if n_columns is None:
            n_columns = min(10, n_images)
        n_rows = 2 * math.ceil(n_images / n_columns)
        extra = 0.2 * (self.clusters is not None)
        figsize = (n_columns * _CELL + 1.0, n_rows * _CELL + extra * n_rows / 2 + 0.2)
        figure, axes, bounding_ax = _image_grid(
            plt, ax, n_rows, n_columns, figsize, "TransformedImagesDisplay"
        )
        self.input_ims_, self.transformed_ims_ = [], []
        for start in range(0, n_images, n_columns):
            top = 2 * (start // n_columns)
            _row_label(axes[top, 0], "input")
            _row_label(axes[top + 1, 0], "ST output")
            for column in range(n_columns):
                index = start + column
                upper, lower = axes[top, column], axes[top + 1, column]
                if index >= n_images:
                    _hide(upper)
                    _hide(lower)
                    continue
                self.input_ims_.append(
                    _show_image(upper, images[index], cmap, imshow_kw)
                )
                self.transformed_ims_.append(
                    _show_image(lower, transformed[index], cmap, imshow_kw)
                )
                if self.clusters is not None:
                    upper.set_title(f"cluster {self.clusters[index]}", fontsize="small")
        self.axes_, self.bounding_ax_, self.figure_ = axes, bounding_ax, figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        *,
        n_per_cluster=2,
        random_state=None,
        ax=None,
        n_columns=None,
        cmap="gray",
        imshow_kw=None,
    ):
        """Plot images and the spatial transformer's outputs of an ST-DAC model.

        Parameters
        ----------
        estimator : STDACClustering
            A fitted estimator with ``transform_images`` and at least one
            spatial transformer layer (``n_st_layers >= 1``).

        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images, as the estimator takes them.

        n_per_cluster : int or None, default=2
            Images shown per cluster, drawn at random among its members in
            ``X``, clusters in label order. None shows every image of ``X``,
            in its order.

        random_state : int, RandomState instance or None, default=None
            Draws the images shown. Pass an int for the same images at every
            call.

        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw; see :meth:`plot`.

        n_columns : int, default=None
            Images per row; see :meth:`plot`.

        cmap : str or matplotlib Colormap, default="gray"
            Colour map of grey images.

        imshow_kw : dict, default=None
            Keyword arguments passed to ``matplotlib.axes.Axes.imshow``.

        Returns
        -------
        display : TransformedImagesDisplay
            The display, plotted.
        """
        caller = "TransformedImagesDisplay.from_estimator"
        _check_matplotlib(caller)
        if not (hasattr(estimator, "transform_images") and hasattr(estimator, "fit")):
            raise TypeError(
                f"{caller} needs an STDACClustering estimator, whose spatial "
                f"transformer transform_images shows; got {type(estimator).__name__}."
            )
        _check_fitted(estimator, caller)
        _check_count(n_per_cluster, "n_per_cluster", allow_none=True)
        fitted = getattr(estimator, "_fit_params", {})
        if fitted.get("n_st_layers", getattr(estimator, "n_st_layers", 1)) == 0:
            raise ValueError(
                f"{caller} needs a spatial transformer on the input, but this "
                f"{type(estimator).__name__} was fitted with n_st_layers=0."
            )
        labels = np.asarray(estimator.predict(X))
        if n_per_cluster is None:
            chosen = np.arange(len(labels))
        else:
            rng = check_random_state(random_state)
            chosen = np.concatenate(
                [
                    rng.choice(members, min(n_per_cluster, len(members)), replace=False)
                    for members in (
                        np.flatnonzero(labels == cluster)
                        for cluster in np.unique(labels)
                    )
                ]
            )
        subset = _safe_indexing(X, chosen)
        display = cls(
            _as_display_images(subset, None, estimator),
            estimator.transform_images(subset),
            clusters=labels[chosen],
        )
        return display.plot(ax=ax, n_columns=n_columns, cmap=cmap, imshow_kw=imshow_kw)


# --------------------------------------------------------------------------
# Embedding
# --------------------------------------------------------------------------


def _cluster_colours(cmap, n_colours):
    """``n_colours`` colours of the colour map (a qualitative one by default)."""
    import matplotlib

    if cmap is None:
        cmap = "tab10" if n_colours <= 10 else "tab20" if n_colours <= 20 else "viridis"
    colour_map = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    if isinstance(colour_map, matplotlib.colors.ListedColormap) and (
        colour_map.N >= n_colours
    ):
        return [colour_map(i) for i in range(n_colours)]
    return [colour_map(i / max(n_colours - 1, 1)) for i in range(n_colours)]


class EmbeddingDisplay:
    """A 2-D projection of an embedding, coloured by cluster.

    It is recommended to use :meth:`from_estimator` to create an
    :class:`EmbeddingDisplay`: it projects the output of the estimator's
    ``transform`` on its first two principal components
    (:class:`sklearn.decomposition.PCA`). All parameters are stored as
    attributes.

    Parameters
    ----------
    embedding : ndarray of shape (n_samples, 2)
        The 2-D coordinates of the samples.

    labels : array-like of shape (n_samples,)
        The cluster of each sample.

    centers : ndarray of shape (n_clusters, 2), default=None
        The centre (or mode) of each cluster in the same coordinates, row
        ``k`` for cluster ``k``, drawn as stars; None draws none.

    explained_variance_ratio : array-like of shape (2,), default=None
        Share of the variance of the embedding along each axis, shown in the
        axis labels.

    Attributes
    ----------
    scatter_ : matplotlib PathCollection
        The samples.

    centers_scatter_ : matplotlib PathCollection or None
        The centres, or None without centres.

    cluster_texts_ : list of matplotlib Text
        The number of each cluster, at its centre (or at the mean of its
        points, without centres); empty with ``annotate=False``.

    ax_ : matplotlib Axes
        The axes of the plot.

    figure_ : matplotlib Figure
        The figure holding it.

    See Also
    --------
    skdeepclust.MMDCClustering.transform : MMDC's unit-norm embedding.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skdeepclust import MMDCClustering
    >>> from skdeepclust.datasets import load_digits_images
    >>> from skdeepclust.inspection import EmbeddingDisplay
    >>> X, y = load_digits_images(return_X_y=True)
    >>> model = MMDCClustering(n_clusters=4, input_size=16, max_epochs=3,
    ...                        batch_size=32, refine_epoch=2, random_state=0,
    ...                        device="cpu").fit(X[:200])
    >>> display = EmbeddingDisplay.from_estimator(model, X[:200])
    >>> display.centers_scatter_.get_offsets().shape
    (4, 2)
    >>> plt.show()
    """

    def __init__(
        self, embedding, labels, *, centers=None, explained_variance_ratio=None
    ):
        self.embedding = embedding
        self.labels = labels
        self.centers = centers
        self.explained_variance_ratio = explained_variance_ratio

    def plot(
        self, *, ax=None, cmap=None, annotate=True, scatter_kw=None, centers_kw=None
    ):
        """Plot the embedding.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; None makes a new figure.

        cmap : str or matplotlib Colormap, default=None
            Colours of the clusters; by default ``"tab10"`` for up to 10
            clusters, ``"tab20"`` for up to 20, else ``"viridis"``.

        annotate : bool, default=True
            Write each cluster's number at its centre (or at the mean of its
            points).

        scatter_kw : dict, default=None
            Keyword arguments passed to ``matplotlib.axes.Axes.scatter``
            for the samples.

        centers_kw : dict, default=None
            Keyword arguments passed to ``matplotlib.axes.Axes.scatter``
            for the centres.

        Returns
        -------
        display : EmbeddingDisplay
            This display, with the matplotlib objects as attributes.
        """
        plt = _check_matplotlib("EmbeddingDisplay.plot")
        from matplotlib import patheffects

        points = np.asarray(self.embedding, dtype=float)
        labels = np.asarray(self.labels)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) != len(labels):
            raise ValueError(
                f"embedding must have shape (n_samples, 2) with one label per "
                f"sample; got {points.shape} and {labels.shape[0]} labels."
            )
        centers = None if self.centers is None else np.asarray(self.centers, float)
        ids = np.unique(labels)
        if centers is not None:
            ids = (
                np.union1d(ids, np.arange(len(centers)))
                if ids.dtype.kind in "iu"
                else ids
            )
        colours = _cluster_colours(cmap, len(ids))
        colour_of = {label.item(): colours[i] for i, label in enumerate(ids)}
        if ax is None:
            figure, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
        else:
            figure = ax.figure
        kwargs = dict(s=12, alpha=0.6, linewidths=0)
        kwargs.update(scatter_kw or {})
        self.scatter_ = ax.scatter(
            points[:, 0],
            points[:, 1],
            c=[colour_of[label.item()] for label in labels],
            **kwargs,
        )
        self.centers_scatter_ = None
        self.cluster_texts_ = []
        if centers is not None:
            kwargs = dict(marker="*", s=600, edgecolors="black", linewidths=1.2)
            kwargs.update(centers_kw or {})
            self.centers_scatter_ = ax.scatter(
                centers[:, 0],
                centers[:, 1],
                c=[colour_of.get(k, "white") for k in range(len(centers))],
                **kwargs,
            )
            if annotate:
                # A white outline keeps the number readable on any colour.
                outline = [patheffects.withStroke(linewidth=2.5, foreground="white")]
                for k, (x, y) in enumerate(centers):
                    self.cluster_texts_.append(
                        ax.text(
                            x,
                            y,
                            str(k),
                            ha="center",
                            va="center",
                            fontsize="large",
                            weight="bold",
                            zorder=3,
                            path_effects=outline,
                        )
                    )
        elif annotate:
            for label in ids:
                members = points[labels == label]
                if len(members):
                    x, y = members.mean(axis=0)
                    box = dict(boxstyle="round", facecolor="white", alpha=0.8)
                    self.cluster_texts_.append(
                        ax.text(
                            x,
                            y,
                            str(label.item()),
                            ha="center",
                            va="center",
                            weight="bold",
                            bbox=box,
                        )
                    )
        ratio = self.explained_variance_ratio
        for axis, set_label in enumerate((ax.set_xlabel, ax.set_ylabel)):
            text = f"component {axis + 1}"
            if ratio is not None:
                text += f" ({100 * float(ratio[axis]):.0f}% of the variance)"
            set_label(text)
        self.ax_, self.figure_ = ax, figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        *,
        centers="auto",
        ax=None,
        cmap=None,
        annotate=True,
        scatter_kw=None,
        centers_kw=None,
    ):
        """Plot a 2-D PCA of an estimator's ``transform``, coloured by cluster.

        Parameters
        ----------
        estimator : estimator instance
            A fitted clusterer with ``transform`` and ``predict``; the
            projection is most telling for an embedding such as
            :meth:`skdeepclust.MMDCClustering.transform`.

        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images, as the estimator takes them.

        centers : "auto", array-like of shape (n_clusters, n_outputs) or \
                None, default="auto"
            Points of the ``transform`` space drawn as cluster centres, row
            ``k`` for cluster ``k``. ``"auto"`` takes the estimator's
            ``target_means_`` (the modes of
            :class:`~skdeepclust.MMDCClustering`) when it has some, else
            none; ``cluster_centers_`` are not used, as they live in the input
            space, not in that of ``transform``.

        ax : matplotlib Axes, default=None
            Axes to plot on; None makes a new figure.

        cmap : str or matplotlib Colormap, default=None
            Colours of the clusters; see :meth:`plot`.

        annotate : bool, default=True
            Write each cluster's number at its centre.

        scatter_kw : dict, default=None
            Keyword arguments passed to ``matplotlib.axes.Axes.scatter``
            for the samples.

        centers_kw : dict, default=None
            Keyword arguments passed to ``matplotlib.axes.Axes.scatter``
            for the centres.

        Returns
        -------
        display : EmbeddingDisplay
            The display, plotted.
        """
        caller = "EmbeddingDisplay.from_estimator"
        _check_matplotlib(caller)
        if not (hasattr(estimator, "transform") and hasattr(estimator, "predict")):
            raise TypeError(
                f"{caller} needs a clusterer with transform and predict; "
                f"{type(estimator).__name__} lacks one."
            )
        _check_fitted(estimator, caller)
        embedding = np.asarray(estimator.transform(X), dtype=float)
        labels = np.asarray(estimator.predict(X))
        if embedding.ndim != 2 or embedding.shape[1] < 2 or len(embedding) < 2:
            raise ValueError(
                f"{caller} projects transform's output on two components: it needs "
                f"at least 2 samples and 2 columns, got shape {embedding.shape}."
            )
        if isinstance(centers, str) and centers == "auto":
            centers = getattr(_final_estimator(estimator), "target_means_", None)
        if centers is not None:
            centers = np.asarray(centers, dtype=float)
            if centers.ndim != 2 or centers.shape[1] != embedding.shape[1]:
                raise ValueError(
                    f"centers must have shape (n_clusters, {embedding.shape[1]}), "
                    f"the columns of transform's output; got {centers.shape}."
                )
        with np.errstate(divide="ignore", invalid="ignore"):
            # An embedding without variance (a degenerate fit) has no ratios.
            pca = PCA(n_components=2, random_state=0).fit(embedding)
        ratio = pca.explained_variance_ratio_
        display = cls(
            pca.transform(embedding),
            labels,
            centers=None if centers is None else pca.transform(centers),
            explained_variance_ratio=ratio if np.all(np.isfinite(ratio)) else None,
        )
        return display.plot(
            ax=ax,
            cmap=cmap,
            annotate=annotate,
            scatter_kw=scatter_kw,
            centers_kw=centers_kw,
        )


# --------------------------------------------------------------------------
# Loss curve
# --------------------------------------------------------------------------


class LossCurveDisplay:
    """The training loss of each epoch.

    It is recommended to use :meth:`from_estimator` to create a
    :class:`LossCurveDisplay`. All parameters are stored as attributes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        The mean training loss of each epoch.

    estimator_name : str, default=None
        Name of the estimator, shown in the legend; None shows no legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The loss curve.

    ax_ : matplotlib Axes
        The axes of the plot.

    figure_ : matplotlib Figure
        The figure holding it.

    See Also
    --------
    skdeepclust.DTIKMeans : Its ``loss_curve_``, as every estimator's.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skdeepclust.inspection import LossCurveDisplay
    >>> display = LossCurveDisplay([0.9, 0.5, 0.4], estimator_name="model").plot()
    >>> display.line_.get_xdata().tolist()
    [1, 2, 3]
    >>> plt.show()
    """

    def __init__(self, loss_curve, *, estimator_name=None):
        self.loss_curve = loss_curve
        self.estimator_name = estimator_name

    def plot(self, *, ax=None, name=None, **kwargs):
        """Plot the loss curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; None makes a new figure. Passing the ``ax_`` of
            another display draws the curves together.

        name : str, default=None
            Name of the curve in the legend; by default ``estimator_name``.
            Without either, no legend is drawn.

        **kwargs : dict
            Keyword arguments passed to ``matplotlib.axes.Axes.plot``.

        Returns
        -------
        display : LossCurveDisplay
            This display, with the matplotlib objects as attributes.
        """
        plt = _check_matplotlib("LossCurveDisplay.plot")
        from matplotlib.ticker import MaxNLocator

        losses = np.asarray(self.loss_curve, dtype=float).ravel()
        if ax is None:
            figure, ax = plt.subplots(figsize=(6.4, 3.2), layout="constrained")
        else:
            figure = ax.figure
        name = self.estimator_name if name is None else name
        style = dict(marker="o", markersize=3) if len(losses) <= 40 else {}
        style.update(kwargs)
        if name is not None:
            style.setdefault("label", name)
        epochs = np.arange(1, len(losses) + 1)
        (self.line_,) = ax.plot(epochs, losses, **style)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if "label" in style:
            ax.legend()
        self.ax_, self.figure_ = ax, figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Plot the ``loss_curve_`` of a fitted estimator.

        Parameters
        ----------
        estimator : estimator instance
            A fitted estimator with a ``loss_curve_`` (every skdeepclust
            estimator, or a pipeline ending with one).

        ax : matplotlib Axes, default=None
            Axes to plot on; None makes a new figure.

        name : str, default=None
            Name of the curve in the legend; by default the estimator's class
            name.

        **kwargs : dict
            Keyword arguments passed to ``matplotlib.axes.Axes.plot``.

        Returns
        -------
        display : LossCurveDisplay
            The display, plotted.
        """
        caller = "LossCurveDisplay.from_estimator"
        _check_matplotlib(caller)
        _check_fitted(estimator, caller)
        final = _final_estimator(estimator)
        loss_curve = getattr(final, "loss_curve_", None)
        if loss_curve is None:
            raise TypeError(
                f"{caller} needs an estimator with a loss_curve_ (every skdeepclust "
                f"estimator has one); {type(final).__name__} has none."
            )
        display = cls(list(loss_curve), estimator_name=type(final).__name__)
        return display.plot(ax=ax, name=name, **kwargs)
