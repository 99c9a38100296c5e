"""Self-contained HTML reports of a fitted clustering of images.

:func:`write_html_report` writes one HTML file that shows what a fitted
skdeepclust estimator made of a set of images: a summary (estimator, number
of images, cluster sizes, the estimator's unsupervised ``score``), then one
section per cluster with its prototype (the DTI estimators) or its most
representative member, and a grid of members, and finally the settings
(the estimator's parameters, the data, the library versions).

The file needs nothing else: the images are embedded as base64 PNG data,
the style sheet is inline, and the page needs no JavaScript (a few lines of
it only record, on the ``<body>`` element, how many images the browser
decoded, for automated checks). It is the page the command-line interface
(``python -m skdeepclust``) writes.
"""

import base64
import datetime
import html
import inspect
import io
import numbers
import os
import platform
import re

import numpy as np
from PIL import Image
from sklearn.utils.validation import check_is_fitted

__all__ = ["write_html_report"]

# Thumbnails are shown about this many CSS pixels on their larger side,
# enlarged by a whole factor so that pixelated upscaling stays even.
_THUMBNAIL_PIXELS = 96

_STYLE = """
:root { --fg: #1d2430; --muted: #5b6574; --line: #d9dee6; --accent: #2f6db5;
        --card: #ffffff; --bg: #f4f6f9; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; background: var(--bg); color: var(--fg);
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
             "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 0 0 12px; }
.subtitle { color: var(--muted); margin: 0 0 20px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
          padding: 16px 20px; margin: 0 0 20px; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 4px 14px 4px 0; vertical-align: middle;
         border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: var(--muted); font-size: 13px; }
.bar { display: inline-block; height: 12px; background: var(--accent);
       border-radius: 2px; vertical-align: middle; }
img { image-rendering: pixelated; image-rendering: crisp-edges; display: block;
      background: #e9edf2; }
.sizes img { margin: 2px 0; height: 64px; width: auto; }
tr.group th { color: var(--accent); padding-top: 14px; font-size: 15px; }
.cluster h2 .size { color: var(--muted); font-weight: normal; font-size: 16px; }
.cluster-body { display: grid; grid-template-columns: max-content 1fr; gap: 20px;
                align-items: start; }
figure { margin: 0; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 3px;
             overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.key figcaption { font-weight: 600; color: var(--fg); }
.key img { outline: 3px solid var(--accent); }
.members { display: grid; gap: 10px 8px;
           grid-template-columns: repeat(auto-fill, minmax(var(--tile), 1fr)); }
.pair { display: flex; gap: 2px; }
.more { color: var(--muted); margin: 10px 0 0; }
.settings td { font-family: ui-monospace, "DejaVu Sans Mono", monospace;
               font-size: 13px; word-break: break-all; }
a { color: var(--accent); }
nav a { margin-right: 10px; }
"""

# Records on <body> how many images the browser decoded: for automated
# checks of the rendered page; the report itself needs no script.
_SCRIPT = """
window.addEventListener("load", function () {
  var images = document.images, decoded = 0;
  for (var i = 0; i < images.length; i++) {
    if (images[i].complete && images[i].naturalWidth > 0) { decoded++; }
  }
  document.body.setAttribute("data-images", String(images.length));
  document.body.setAttribute("data-images-decoded", String(decoded));
});
"""


def _e(value):
    """``value`` as HTML-escaped text (quotes included)."""
    return html.escape(str(value), quote=True)


def _display_images(estimator, X):
    """``X`` as (n, H, W, C) float images, as the estimator reads it."""
    # The estimator's own input check: the same reshaping (flat rows, grey
    # images), the same uint8 scaling and the same shape check as predict.
    from skdeepclust.base import check_images

    images = check_images(estimator, X, reset=False)
    return images.transpose(0, 2, 3, 1)


def _display_range(images):
    """Values shown black and white: [0, 1] unless the data goes beyond."""
    if images.size == 0:
        return 0.0, 1.0
    low = min(0.0, float(np.min(images)))
    high = max(1.0, float(np.max(images)))
    return low, high


def _png_data_uri(image, value_range):
    """A (H, W, C) float image as a ``data:image/png;base64,...`` URI."""
    low, high = value_range
    scaled = (np.asarray(image, dtype=np.float64) - low) / (high - low)
    pixels = np.round(np.clip(np.nan_to_num(scaled), 0, 1) * 255).astype(np.uint8)
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        picture = Image.fromarray(pixels, "RGB")
    else:
        # Grey images, and the first channel of any other number.
        picture = Image.fromarray(pixels.reshape(pixels.shape[:2] + (-1,))[..., 0], "L")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _img(uri, size, alt):
    width, height = size
    return (
        f'<img src="{uri}" width="{width}" height="{height}" alt="{_e(alt)}" '
        f'title="{_e(alt)}">'
    )


def _thumbnail_size(image_shape):
    height, width = image_shape[:2]
    factor = max(1, round(_THUMBNAIL_PIXELS / max(height, width)))
    return width * factor, height * factor


def _first_doc_line(function):
    """The summary line of a docstring, without its reStructuredText markup."""
    doc = (inspect.getdoc(function) or "").strip()
    if not doc:
        return ""
    line = doc.splitlines()[0]
    line = re.sub(r":[\w:]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", line)
    return line.replace("``", "")


def _rank_members(estimator, X, labels, n_clusters):
    """Members of each cluster, most representative first, and the rule used.

    DTI estimators (with prototypes): the lowest cost in ``transform``
    (distance or negative log-likelihood to the cluster's prototype). Others:
    the highest ``predict_proba`` of the cluster, ties (hard posteriors)
    broken by the distance in ``transform`` space to the mean of the
    cluster's members; without either, the input order.
    """
    members = [np.flatnonzero(labels == k) for k in range(n_clusters)]
    if len(labels) == 0:
        return members, "input order"
    if hasattr(estimator, "prototypes_") and hasattr(estimator, "transform"):
        costs = np.asarray(estimator.transform(X), dtype=np.float64)
        ranked = [
            idx[np.argsort(costs[idx, k], kind="stable")]
            for k, idx in enumerate(members)
        ]
        return ranked, "lowest cost to the prototype (transform) first"
    proba = None
    if hasattr(estimator, "predict_proba"):
        proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    features = None
    if hasattr(estimator, "transform"):
        features = np.asarray(estimator.transform(X), dtype=np.float64)
        features = features.reshape(len(features), -1)
    if proba is None and features is None:
        return members, "input order"
    ranked = []
    for k, idx in enumerate(members):
        keys = []
        if features is not None and len(idx):
            centre = features[idx].mean(axis=0)
            keys.append(np.sum((features[idx] - centre) ** 2, axis=1))
        if proba is not None:
            keys.append(-proba[idx, k])
        # np.lexsort sorts by the last key first.
        ranked.append(idx[np.lexsort(keys)] if keys else idx)
    rule = {
        (True, True): "highest cluster probability (predict_proba) first, then "
        "nearest to the members' mean in transform space",
        (True, False): "highest cluster probability (predict_proba) first",
        (False, True): "nearest to the members' mean in transform space first",
    }[(proba is not None, features is not None)]
    return ranked, rule


def _loss_svg(loss_curve, width=320, height=64):
    """An inline SVG line of the training loss per epoch."""
    values = np.asarray(loss_curve, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return ""
    low, high = float(values.min()), float(values.max())
    span = (high - low) or 1.0
    xs = np.linspace(4, width - 4, len(values))
    ys = height - 4 - (values - low) / span * (height - 8)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    return (
        f'<svg class="loss" width="{width}" height="{height}" role="img" '
        f'aria-label="training loss per epoch" viewBox="0 0 {width} {height}">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f4f6f9"/>'
        f'<polyline fill="none" stroke="#2f6db5" stroke-width="2" '
        f'points="{points}"/></svg>'
    )


def _versions():
    import sklearn
    import torch

    import skdeepclust

    return [
        ("skdeepclust", skdeepclust.__version__),
        ("torch", torch.__version__),
        ("numpy", np.__version__),
        ("scikit-learn", sklearn.__version__),
        ("Python", platform.python_version()),
        ("platform", platform.platform()),
    ]


def _group(title):
    return f'<tr class="group"><th colspan="2">{_e(title)}</th></tr>'


def _rows(pairs):
    return "".join(
        f"<tr><th>{_e(key)}</th><td>{_e(value)}</td></tr>" for key, value in pairs
    )


def write_html_report(
    estimator,
    X,
    path,
    *,
    labels=None,
    filenames=None,
    y=None,
    target_names=None,
    settings=None,
    max_members=40,
    title=None,
):
    """Write a self-contained HTML report of a fitted clustering of images.

    The page shows, from top to bottom:

    * a summary: the estimator, the number of images and their shape, the
      estimator's unsupervised ``score(X)`` (with what it measures), the
      training loss per epoch, a table of the cluster sizes with each
      cluster's prototype or representative, and, when ``y`` is given, the
      agreement of the clusters with those classes (ACC, NMI, ARI);
    * one section per cluster: its size, its prototype (``prototypes_`` of
      the DTI estimators) or else its most representative member, and a
      grid of up to ``max_members`` members, most representative first, each
      titled with its file name. For the DTI estimators each member is shown
      beside its reconstruction (:meth:`~skdeepclust.DTIKMeans.reconstruct`:
      the prototype as transformed to match it). Members are ranked by the
      lowest ``transform`` cost (DTI), else by the highest ``predict_proba``
      with ties broken by the distance to the members' mean in ``transform``
      space;
    * the settings: the estimator's parameters (``get_params``), fitted
      attributes (epochs run, device, final loss), the rows of ``settings``
      and the versions of skdeepclust, torch, numpy and scikit-learn.

    Images are embedded as base64 PNG at the resolution the estimator sees
    them and enlarged by the browser without smoothing, so the file opens
    anywhere, offline, and can be mailed or archived as it is. All text is
    HTML-escaped. Values are shown black at 0 and white at 1 (or over the
    data's range, when it exceeds [0, 1]); prototypes are clipped to it.

    Parameters
    ----------
    estimator : BaseDeepClusterer
        A fitted skdeepclust estimator.

    X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
            or (n_samples, H, W, C)
        The images to report on, of the shape seen in ``fit`` (usually the
        training images).

    path : str or path-like
        The HTML file to write (overwritten if it exists).

    labels : array-like of shape (n_samples,), default=None
        The cluster of each image; None means ``estimator.predict(X)``.

    filenames : sequence of str, default=None
        A name per image, shown under its thumbnail; None means
        ``"image 0"``, ``"image 1"``...

    y : array-like of shape (n_samples,), default=None
        Known classes of the images (a folder's sub-folders, say), only to
        report how well the clusters agree with them; None leaves it out.
        Negative values mean "unknown" and are left out too.

    target_names : sequence of str, default=None
        The name of each class of ``y``, by index; None shows the values.

    settings : dict, default=None
        More rows for the settings table (the command line, the image
        folder, the fit time...), shown as ``str(value)``.

    max_members : int, default=40
        Largest number of members shown per cluster; the others are
        counted.

    title : str, default=None
        The page title; None means ``"<estimator class>: <k> clusters of
        <n> images"``.

    Returns
    -------
    path : str
        The path of the written file.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If ``labels``, ``filenames`` or ``y`` do not have one entry per
        image, or ``max_members`` is negative.

    Examples
    --------
    >>> from skdeepclust import DTIKMeans
    >>> from skdeepclust.datasets import load_digits_images
    >>> from skdeepclust.report import write_html_report
    >>> X, y = load_digits_images(return_X_y=True)
    >>> dti = DTIKMeans(n_clusters=3, transformations=("identity",),
    ...                 curriculum_milestones=(), max_epochs=1,
    ...                 random_state=0, device="cpu").fit(X[:60])
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "digits.html")
    >>> write_html_report(dti, X[:60], path) == path
    True
    """
    check_is_fitted(estimator)
    if int(max_members) < 0:
        raise ValueError(f"max_members must be >= 0, got {max_members!r}.")
    max_members = int(max_members)
    images = _display_images(estimator, X)
    n_samples = len(images)
    n_clusters = int(
        getattr(estimator, "_fit_params", {}).get("n_clusters", estimator.n_clusters)
    )

    if labels is None:
        labels = estimator.predict(X)
    labels = np.asarray(labels).astype(np.int64, copy=False).reshape(-1)
    if filenames is None:
        filenames = [f"image {i}" for i in range(n_samples)]
    filenames = [str(name) for name in filenames]
    for name, values in (("labels", labels), ("filenames", filenames)):
        if len(values) != n_samples:
            raise ValueError(
                f"{name} has {len(values)} entries but X has {n_samples} images."
            )
    if y is not None:
        y = np.asarray(y).reshape(-1)
        if len(y) != n_samples:
            raise ValueError(f"y has {len(y)} entries but X has {n_samples} images.")

    score = float(estimator.score(X))
    score_meaning = _first_doc_line(type(estimator).score)
    ranked, rank_rule = _rank_members(estimator, X, labels, n_clusters)
    sizes = np.array([len(idx) for idx in ranked])

    value_range = _display_range(images)
    shape = tuple(int(v) for v in estimator.image_shape_)
    thumb = _thumbnail_size(shape)
    name = type(estimator).__name__
    if title is None:
        title = f"{name}: {n_clusters} clusters of {n_samples} images"

    prototypes = getattr(estimator, "prototypes_", None)
    if prototypes is not None:
        prototypes = np.asarray(prototypes).reshape((n_clusters,) + shape)
    reconstruct = getattr(estimator, "reconstruct", None)

    def key_image(k):
        """(uri, caption) of cluster k's prototype or representative."""
        if prototypes is not None:
            return _png_data_uri(prototypes[k], value_range), "prototype"
        if sizes[k]:
            index = ranked[k][0]
            return _png_data_uri(images[index], value_range), "representative"
        return None, "empty"

    keys = [key_image(k) for k in range(n_clusters)]

    # --- summary -----------------------------------------------------------
    summary = [
        ("Estimator", name),
        ("Images", f"{n_samples} of shape {shape} (height, width, channels)"),
        ("Clusters", f"{n_clusters} ({int(np.count_nonzero(sizes))} non-empty)"),
        ("Score", f"{score:.6g}: {score_meaning}" if score_meaning else f"{score:.6g}"),
    ]
    if y is not None:
        from skdeepclust.cluster_metrics import clustering_scores

        known = (
            y.astype(np.int64) >= 0
            if y.dtype.kind in "iu"
            else np.ones(n_samples, bool)
        )
        if np.any(known):
            scores = clustering_scores(y[known], labels[known])
            summary.append(
                (
                    "Agreement with the known classes",
                    f"ACC {scores['accuracy']:.3f}, NMI {scores['nmi']:.3f}, "
                    f"ARI {scores['ari']:.3f} ({int(np.sum(known))} images)",
                )
            )
    loss_curve = list(getattr(estimator, "loss_curve_", []) or [])
    svg = _loss_svg(loss_curve)

    def class_name(value):
        if target_names is not None and isinstance(value, numbers.Integral):
            if 0 <= value < len(target_names):
                return str(target_names[value])
        return str(value)

    size_rows = []
    largest = max(int(sizes.max()) if n_clusters else 0, 1)
    for k in range(n_clusters):
        uri, caption = keys[k]
        picture = _img(uri, thumb, f"cluster {k} {caption}") if uri else ""
        share = sizes[k] / n_samples if n_samples else 0.0
        width = 160 * sizes[k] / largest
        bar = f'<span class="bar" style="width:{width:.1f}px"></span>'
        size_rows.append(
            f'<tr><td><a href="#cluster-{k}">Cluster {k}</a></td><td>{picture}</td>'
            f'<td class="num">{sizes[k]}</td><td class="num">{100 * share:.1f}%</td>'
            f"<td>{bar}</td></tr>"
        )

    # Grid column width: a thumbnail, or two side by side, and a margin.
    tile = thumb[0] * (2 if reconstruct is not None else 1) + 8
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="skdeepclust">',
        f"<title>{_e(title)}</title>",
        f"<style>{_STYLE}.members {{ --tile: {tile}px; }}</style>",
        "</head>",
        f'<body data-n-clusters="{n_clusters}" data-n-images="{n_samples}">',
        f"<h1>{_e(title)}</h1>",
        f'<p class="subtitle">skdeepclust report written '
        f"{_e(datetime.datetime.now().strftime('%Y-%m-%d %H:%M'))}</p>",
        '<section id="summary">',
        "<h2>Summary</h2>",
        f"<table>{_rows(summary)}</table>",
    ]
    if svg:
        parts.append(
            f'<p class="note">Training loss per epoch ({len(loss_curve)} epochs, '
            f"{_e(f'{min(loss_curve):.4g}')} to {_e(f'{max(loss_curve):.4g}')}):</p>"
            f"{svg}"
        )
    parts += [
        '<h2 style="margin-top:18px">Cluster sizes</h2>',
        '<table class="sizes"><tr><th>Cluster</th><th>'
        + ("Prototype" if prototypes is not None else "Representative")
        + "</th><th>Images</th><th>Share</th><th></th></tr>"
        + "".join(size_rows)
        + "</table>",
        "</section>",
    ]

    # --- clusters ----------------------------------------------------------
    for k in range(n_clusters):
        idx = ranked[k]
        uri, caption = keys[k]
        shown = idx[:max_members]
        share = f"{100 * sizes[k] / n_samples:.1f}%" if n_samples else "0%"
        heading = (
            f'<h2>Cluster {k} <span class="size">{sizes[k]} image'
            f"{'' if sizes[k] == 1 else 's'} ({share})</span></h2>"
        )
        if uri is not None:
            key_html = (
                f'<figure class="key">{_img(uri, thumb, f"cluster {k} {caption}")}'
                f"<figcaption>{_e(caption.capitalize())}</figcaption></figure>"
            )
        else:
            key_html = '<p class="note">Empty cluster</p>'
        composition = ""
        if y is not None and np.any(known[idx]):
            classes, counts = np.unique(y[idx][known[idx]], return_counts=True)
            order = np.argsort(-counts, kind="stable")
            composition = (
                '<p class="note">Known classes: '
                + ", ".join(
                    f"{_e(class_name(classes[i]))} {int(counts[i])}" for i in order
                )
                + "</p>"
            )
        tiles = []
        if len(shown):
            recon = None
            if reconstruct is not None:
                recon = np.asarray(reconstruct(np.asarray(X)[shown]))
                recon = recon.reshape((len(shown),) + shape)
            for position, index in enumerate(shown):
                member = _img(
                    _png_data_uri(images[index], value_range), thumb, filenames[index]
                )
                if recon is not None:
                    model = _img(
                        _png_data_uri(recon[position], value_range),
                        thumb,
                        f"{filenames[index]}: transformed prototype",
                    )
                    member = f'<div class="pair">{member}{model}</div>'
                tiles.append(
                    f'<figure class="member" data-index="{int(index)}">{member}'
                    f"<figcaption>{_e(filenames[index])}</figcaption></figure>"
                )
        more = ""
        if len(idx) > len(shown):
            more = (
                f'<p class="more">... and {len(idx) - len(shown)} more '
                f"image{'' if len(idx) - len(shown) == 1 else 's'} not shown.</p>"
            )
        pair_note = (
            " Each member is shown beside the prototype as transformed to match it."
            if reconstruct is not None and len(shown)
            else ""
        )
        parts += [
            f'<section class="cluster" id="cluster-{k}" data-cluster="{k}" '
            f'data-size="{sizes[k]}">',
            heading,
            '<div class="cluster-body">',
            f"<div>{key_html}</div>",
            "<div>",
            composition,
            (
                f'<p class="note">Members, {_e(rank_rule)}.{_e(pair_note)}</p>'
                if len(shown)
                else ""
            ),
            f'<div class="members">{"".join(tiles)}</div>',
            more,
            "</div></div></section>",
        ]

    # --- settings ----------------------------------------------------------
    params = sorted(estimator.get_params(deep=False).items())
    fitted = [
        ("data shape", str(np.shape(X))),
        ("image shape (H, W, C)", str(shape)),
    ]
    for attribute, label in (("n_iter_", "epochs run"), ("device_", "device")):
        if hasattr(estimator, attribute):
            fitted.append((label, str(getattr(estimator, attribute))))
    if loss_curve:
        fitted.append(("final training loss", f"{loss_curve[-1]:.6g}"))
    fitted.append(("member ranking", rank_rule))
    extra = [(str(key), str(value)) for key, value in (settings or {}).items()]
    parts += [
        '<section id="settings">',
        "<h2>Settings</h2>",
        '<table class="settings">',
        _group("Run") + _rows(extra) if extra else "",
        _group("Data and fit") + _rows(fitted),
        _group(f"Parameters of {name}")
        + _rows((key, repr(value)) for key, value in params),
        _group("Versions") + _rows(_versions()),
        "</table>",
        "</section>",
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8") as file:
        file.write("\n".join(part for part in parts if part))
    return path
