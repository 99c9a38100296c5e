"""Metrics to evaluate a clustering against ground-truth classes.

Deep clustering papers report three numbers: the clustering accuracy (ACC),
the normalized mutual information (NMI) and the adjusted Rand index (ARI).
ACC is the fraction of samples that are correctly classified once every
predicted cluster has been given the true class that it best corresponds to,
the best one-to-one correspondence being found with the Hungarian algorithm
(:func:`scipy.optimize.linear_sum_assignment`). NMI and ARI are thin wrappers
of scikit-learn's, here so that all three come from one module.

Besides the scores, this module exposes the matching itself
(:func:`match_labels`, :func:`map_labels`, :func:`matched_confusion_matrix`)
and scorers for :class:`~sklearn.model_selection.GridSearchCV`
(``clustering_accuracy_scorer``, ``nmi_scorer``, ``ari_scorer``
and :func:`get_clustering_scorers`).

Matching rules, shared by every function here:

* Labels may be of any type scikit-learn's clustering metrics accept
  (integers, negative integers, strings, ...), and also object arrays of
  labels of several types, e.g. ``np.array([1, "a"], dtype=object)``, which
  scikit-learn's metrics reject. Only equality between labels matters.
  Classes and clusters are sorted with :func:`numpy.unique`; labels that do
  not sort together are grouped as Python's ``==`` and ``hash`` group them
  (``1``, ``1.0`` and ``True`` are one label, as for :func:`numpy.unique`)
  and put in a fixed order: real numbers first, then the other types by
  qualified type name (``builtins.NoneType`` before ``builtins.str``), each
  kind sorted by value, or kept in order of first appearance where its
  values do not sort either (e.g. complex numbers).
* The matching is one-to-one: a cluster is matched to at most one class and a
  class to at most one cluster, and exactly ``min(n_classes, n_clusters)``
  pairs are formed. With more clusters than classes, the extra clusters are
  unmatched and their samples count as errors; with fewer clusters than
  classes, some classes are unmatched and their samples count as errors.
* When several matchings are optimal, one of them is returned; it is
  deterministic for given inputs but otherwise unspecified.
* Empty inputs score 1.0, as :func:`sklearn.metrics.adjusted_rand_score`
  and :func:`sklearn.metrics.normalized_mutual_info_score` do.
"""

import numbers
import warnings

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching
from sklearn.metrics import adjusted_rand_score as _sk_adjusted_rand_score
from sklearn.metrics import make_scorer
from sklearn.metrics import (
    normalized_mutual_info_score as _sk_normalized_mutual_info_score,
)
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.multiclass import type_of_target

__all__ = [
    "adjusted_rand_score",
    "ari_scorer",
    "clustering_accuracy_score",
    "clustering_accuracy_scorer",
    "clustering_scores",
    "get_clustering_scorers",
    "map_labels",
    "match_labels",
    "matched_confusion_matrix",
    "nmi_scorer",
    "normalized_mutual_info_score",
]

# Largest contingency matrix (n_classes * n_clusters entries) solved densely
# with linear_sum_assignment; beyond it, a sparse matching is used so that
# memory stays proportional to the number of samples.
_MAX_DENSE_CONTINGENCY_SIZE = 2**22


# --------------------------------------------------------------------------
# Input checks and the matching
# --------------------------------------------------------------------------


def _type_of_labels(labels):
    """:func:`~sklearn.utils.multiclass.type_of_target`, for mixed labels too.

    ``type_of_target`` sorts an object array that starts with a str, which
    raises TypeError when the array also holds, say, ints. Such labels are
    discrete whatever their types (only a float dtype is "continuous"), so
    they are typed "unknown" instead; any other TypeError, such as the one
    for bytes labels, is scikit-learn's and is raised.
    """
    try:
        return type_of_target(labels)
    except TypeError:
        if labels.dtype != object or not isinstance(labels[0], str):
            raise
        return "unknown"


def _check_clusterings(labels_true, labels_pred):
    """Check that both labelings are 1D and of the same length.

    Same checks, messages and warning as scikit-learn's (private)
    ``sklearn.metrics.cluster._supervised.check_clusterings``.
    """
    labels_true = check_array(
        labels_true, ensure_2d=False, ensure_min_samples=0, dtype=None
    )
    labels_pred = check_array(
        labels_pred, ensure_2d=False, ensure_min_samples=0, dtype=None
    )
    type_label = _type_of_labels(labels_true)
    type_pred = _type_of_labels(labels_pred)
    if "continuous" in (type_pred, type_label):
        warnings.warn(
            "Clustering metrics expects discrete values but received"
            f" {type_label} values for label, and {type_pred} values "
            "for target",
            UserWarning,
        )
    if labels_true.ndim != 1:
        raise ValueError(f"labels_true must be 1D: shape is {labels_true.shape!r}")
    if labels_pred.ndim != 1:
        raise ValueError(f"labels_pred must be 1D: shape is {labels_pred.shape!r}")
    check_consistent_length(labels_true, labels_pred)
    return labels_true, labels_pred


def _label_kind(label):
    """Sort key of the kind of ``label``: real numbers, then types by name."""
    if isinstance(label, numbers.Real):
        # int, float, bool and numpy's scalars compare with one another.
        return (0, "")
    kind = type(label)
    return (1, f"{kind.__module__}.{kind.__qualname__}")


def _factorize_unsortable(labels):
    """Unique labels and codes of a 1D object array that does not sort.

    The labels are grouped by a dict, that is by ``hash`` and ``==`` as
    :func:`numpy.unique` groups them by ``==``, then ordered by
    :func:`_label_kind` and by value within a kind. A kind whose values do
    not sort either keeps the order of first appearance, which still
    depends only on the input.
    """
    first_seen = {}
    try:
        codes = np.fromiter(
            (first_seen.setdefault(label, len(first_seen)) for label in labels),
            dtype=np.intp,
            count=labels.shape[0],
        )
    except TypeError as exc:
        raise TypeError(
            "Labels must be sortable with numpy.unique or hashable, to be "
            f"compared; these are neither sortable nor hashable: {exc}"
        ) from exc
    by_kind = {}
    for label in first_seen:
        by_kind.setdefault(_label_kind(label), []).append(label)
    ordered = []
    for kind in sorted(by_kind):
        members = by_kind[kind]
        try:
            members = sorted(members)
        except TypeError:
            pass
        ordered.extend(members)
    new_code = {label: code for code, label in enumerate(ordered)}
    remap = np.array([new_code[label] for label in first_seen], dtype=np.intp)
    # Item by item: assigning a list could broadcast tuple labels.
    uniques = np.empty(len(ordered), dtype=object)
    for code, label in enumerate(ordered):
        uniques[code] = label
    return uniques, remap[codes]


def _factorize(labels):
    """Sorted unique labels of a 1D array and the code of each sample."""
    try:
        uniques, codes = np.unique(labels, return_inverse=True)
    except TypeError:
        # Only object arrays mixing types that Python does not order, such
        # as ints and strs, get here.
        return _factorize_unsortable(labels)
    return uniques, codes.ravel()


def _encode(labels_true, labels_pred):
    """Validate, then return sorted classes, clusters and their codes."""
    labels_true, labels_pred = _check_clusterings(labels_true, labels_pred)
    classes, class_idx = _factorize(labels_true)
    clusters, cluster_idx = _factorize(labels_pred)
    return classes, clusters, class_idx, cluster_idx


def _dense_contingency(class_idx, cluster_idx, n_classes, n_clusters):
    """Counts of shape (n_classes, n_clusters) from integer codes."""
    flat = class_idx.astype(np.int64) * n_clusters + cluster_idx
    counts = np.bincount(flat, minlength=n_classes * n_clusters)
    return counts.reshape(n_classes, n_clusters)


def _sparse_matching(class_idx, cluster_idx, n_classes, n_clusters):
    """Maximum-weight matching on the sparse contingency matrix.

    Solves the square graph ``[[C, D_classes], [D_clusters, C.T]]`` where
    ``C`` holds the class/cluster pairs that share samples, with weight
    ``count + 1``, the diagonal blocks ``D`` give every class and every
    cluster a weight-1 "unmatched" partner, and ``C.T`` (weight 1) pairs the
    partners of matched labels. A perfect matching always exists and its
    weight is ``n_classes + n_clusters`` plus the matched count. (SciPy's
    solver is much slower on rectangular graphs.) Labels left unmatched are
    then paired, with a zero count, so that ``min(n_classes, n_clusters)``
    pairs are formed as by :func:`scipy.optimize.linear_sum_assignment`.

    Returns (class codes, cluster codes, matched count).
    """
    flat = class_idx.astype(np.int64) * n_clusters + cluster_idx
    keys, counts = np.unique(flat, return_counts=True)
    row, col = keys // n_clusters, keys % n_clusters
    size = n_classes + n_clusters
    blocks = [  # (rows, columns, weights)
        (row, col, counts + 1.0),
        (np.arange(n_classes), n_clusters + np.arange(n_classes), 1.0),
        (n_classes + np.arange(n_clusters), np.arange(n_clusters), 1.0),
        (n_classes + col, n_clusters + row, 1.0),
    ]
    graph = csr_matrix(
        (
            np.concatenate([np.broadcast_to(w, r.shape) for r, _, w in blocks]),
            (
                np.concatenate([r for r, _, _ in blocks]),
                np.concatenate([c for _, c, _ in blocks]),
            ),
        ),
        shape=(size, size),
    )
    rows, cols = min_weight_full_bipartite_matching(graph, maximize=True)
    real = (rows < n_classes) & (cols < n_clusters)
    rows, cols = rows[real].astype(np.intp), cols[real].astype(np.intp)
    n_matched = int(counts[np.isin(keys, rows * np.int64(n_clusters) + cols)].sum())
    free_rows = np.setdiff1d(np.arange(n_classes), rows)
    free_cols = np.setdiff1d(np.arange(n_clusters), cols)
    n_free = min(free_rows.shape[0], free_cols.shape[0])
    rows = np.concatenate([rows, free_rows[:n_free]])
    cols = np.concatenate([cols, free_cols[:n_free]])
    return rows, cols, n_matched


def _matching(class_idx, cluster_idx, n_classes, n_clusters):
    """Best one-to-one matching: (class codes, cluster codes, matched count).

    ``min(n_classes, n_clusters)`` pairs, sorted by class code.
    """
    if n_classes * n_clusters <= _MAX_DENSE_CONTINGENCY_SIZE:
        contingency = _dense_contingency(class_idx, cluster_idx, n_classes, n_clusters)
        rows, cols = linear_sum_assignment(contingency, maximize=True)
        n_matched = int(contingency[rows, cols].sum())
    else:
        rows, cols, n_matched = _sparse_matching(
            class_idx, cluster_idx, n_classes, n_clusters
        )
    order = np.argsort(rows)
    return rows[order], cols[order], n_matched


# --------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------


def clustering_accuracy_score(labels_true, labels_pred):
    """Clustering accuracy under the best one-to-one cluster-to-class matching.

    Each predicted cluster is matched to at most one true class (and each
    class to at most one cluster) so that the number of samples whose cluster
    is matched to their class is maximal; the accuracy is that number divided
    by the number of samples. The matching is found with the Hungarian
    algorithm (:func:`scipy.optimize.linear_sum_assignment`) on the
    contingency matrix.

    The score does not depend on the values of the labels, only on how they
    partition the samples, and it is symmetric in its two arguments. When
    the numbers of classes and of clusters differ, the samples of unmatched
    clusters (more clusters than classes) or of unmatched classes (fewer
    clusters than classes) count as misclassified, so over- and
    under-segmenting are both penalised.

    The dense ``(n_classes, n_clusters)`` contingency matrix is built from
    integer codes with :func:`numpy.bincount`; when it would have more than
    ``2**22`` entries, the matching is instead solved on the sparse
    contingency matrix with
    :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`, so that
    memory stays proportional to the number of samples.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground truth class labels.

    labels_pred : array-like of shape (n_samples,)
        Cluster labels to evaluate.

    Returns
    -------
    accuracy : float
        Fraction of samples correctly classified after matching, between 0
        and 1 (1.0 for a perfect labeling up to a renaming of the clusters).
        Empty inputs score 1.0, as in
        :func:`sklearn.metrics.adjusted_rand_score`.

    See Also
    --------
    match_labels : The matching itself.
    map_labels : Cluster labels translated into class labels.
    matched_confusion_matrix : Confusion matrix under the matching.

    Examples
    --------
    >>> from skdeepclust.cluster_metrics import clustering_accuracy_score
    >>> clustering_accuracy_score([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> clustering_accuracy_score(["a", "a", "b", "b"], [5, 5, 5, 7])
    0.75

    An extra cluster is never matched, so its samples are errors:

    >>> clustering_accuracy_score([0, 0, 1, 1], [0, 0, 1, 2])
    0.75
    """
    classes, clusters, class_idx, cluster_idx = _encode(labels_true, labels_pred)
    n_samples = class_idx.shape[0]
    if n_samples == 0:
        return 1.0
    _, _, n_matched = _matching(
        class_idx, cluster_idx, classes.shape[0], clusters.shape[0]
    )
    return n_matched / n_samples


def normalized_mutual_info_score(
    labels_true, labels_pred, *, average_method="arithmetic"
):
    """Normalized mutual information between two clusterings.

    Thin wrapper of :func:`sklearn.metrics.normalized_mutual_info_score`,
    here so that all clustering scores come from one module. Deep clustering
    papers use the default arithmetic normalisation.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground truth class labels.

    labels_pred : array-like of shape (n_samples,)
        Cluster labels to evaluate.

    average_method : {"min", "geometric", "arithmetic", "max"}, \
            default="arithmetic"
        How to compute the normaliser in the denominator.

    Returns
    -------
    nmi : float
        Score between 0.0 and 1.0; 1.0 stands for a perfect labeling.

    Examples
    --------
    >>> from skdeepclust.cluster_metrics import normalized_mutual_info_score
    >>> normalized_mutual_info_score([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> round(normalized_mutual_info_score([0, 0, 1, 1], [0, 0, 1, 2]), 4)
    0.8
    """
    # Integer codes, so that labels scikit-learn cannot sort (ints mixed
    # with strs) are accepted; the score depends only on the partitions.
    _, _, class_idx, cluster_idx = _encode(labels_true, labels_pred)
    return float(
        _sk_normalized_mutual_info_score(
            class_idx, cluster_idx, average_method=average_method
        )
    )


def adjusted_rand_score(labels_true, labels_pred):
    """Rand index adjusted for chance.

    Thin wrapper of :func:`sklearn.metrics.adjusted_rand_score`, here so
    that all clustering scores come from one module.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground truth class labels.

    labels_pred : array-like of shape (n_samples,)
        Cluster labels to evaluate.

    Returns
    -------
    ari : float
        Score between -0.5 and 1.0; 1.0 stands for a perfect labeling and
        random labelings score close to 0.0.

    Examples
    --------
    >>> from skdeepclust.cluster_metrics import adjusted_rand_score
    >>> adjusted_rand_score([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> adjusted_rand_score([0, 0, 1, 1], [0, 1, 0, 1])
    -0.5
    """
    # Integer codes, as in normalized_mutual_info_score.
    _, _, class_idx, cluster_idx = _encode(labels_true, labels_pred)
    return float(_sk_adjusted_rand_score(class_idx, cluster_idx))


def clustering_scores(labels_true, labels_pred):
    """Accuracy, NMI and ARI of a clustering in one call.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground truth class labels.

    labels_pred : array-like of shape (n_samples,)
        Cluster labels to evaluate.

    Returns
    -------
    scores : dict
        ``{"accuracy": float, "nmi": float, "ari": float}``, from
        :func:`clustering_accuracy_score`,
        :func:`normalized_mutual_info_score` (arithmetic) and
        :func:`adjusted_rand_score`.

    Examples
    --------
    >>> from skdeepclust.cluster_metrics import clustering_scores
    >>> clustering_scores([0, 0, 1, 1], [1, 1, 0, 0])
    {'accuracy': 1.0, 'nmi': 1.0, 'ari': 1.0}
    """
    # Encode once; the three scores then work on the integer codes.
    _, _, class_idx, cluster_idx = _encode(labels_true, labels_pred)
    return {
        "accuracy": clustering_accuracy_score(class_idx, cluster_idx),
        "nmi": normalized_mutual_info_score(class_idx, cluster_idx),
        "ari": adjusted_rand_score(class_idx, cluster_idx),
    }


# --------------------------------------------------------------------------
# The matching
# --------------------------------------------------------------------------


def match_labels(labels_true, labels_pred):
    """Best one-to-one matching of predicted clusters to true classes.

    This is the matching under which :func:`clustering_accuracy_score` is
    computed.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground truth class labels.

    labels_pred : array-like of shape (n_samples,)
        Cluster labels to evaluate.

    Returns
    -------
    mapping : dict
        ``{cluster label: class label}`` for the ``min(n_classes,
        n_clusters)`` matched clusters, in increasing order of cluster label
        (for labels of mixed types, in the order given in the module
        docstring).
        With more clusters than classes the extra clusters are absent; with
        at most as many clusters as classes every cluster is present (a
        cluster may then be matched to a class it shares no sample with, if
        that does not lower the matched count). Labels are returned as Python
        scalars (``int``, ``str``, ...).

    See Also
    --------
    map_labels : Apply the matching to ``labels_pred``.

    Examples
    --------
    >>> from skdeepclust.cluster_metrics import match_labels
    >>> match_labels(["cat", "cat", "dog", "dog"], [1, 1, 0, 0])
    {0: 'dog', 1: 'cat'}
    >>> match_labels([0, 0, 1, 1, 1], [7, 7, 3, 3, 9])
    {3: 1, 7: 0}
    """
    classes, clusters, class_idx, cluster_idx = _encode(labels_true, labels_pred)
    rows, cols, _ = _matching(
        class_idx, cluster_idx, classes.shape[0], clusters.shape[0]
    )
    order = np.argsort(cols)
    return dict(zip(clusters[cols[order]].tolist(), classes[rows[order]].tolist()))


def _output_dtype(classes, fill_value):
    """Dtype that holds both the class labels and ``fill_value``."""
    fill = np.asarray(fill_value)
    numeric = "biuf"
    if classes.dtype.kind in numeric and fill.dtype.kind in numeric:
        return np.result_type(classes.dtype, fill.dtype)
    if classes.dtype.kind in "US" and fill.dtype.kind == classes.dtype.kind:
        return np.result_type(classes.dtype, fill.dtype)
    return np.dtype(object)


def map_labels(labels_true, labels_pred, *, fill_value=-1):
    """Translate predicted cluster labels into true class labels.

    Every sample gets the class its cluster is matched to by
    :func:`match_labels`, so that
    ``np.mean(map_labels(y, c) == y) == clustering_accuracy_score(y, c)``.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground truth class labels.

    labels_pred : array-like of shape (n_samples,)
        Cluster labels to translate.

    fill_value : scalar, default=-1
        Label given to the samples of unmatched clusters, which exist only
        when there are more clusters than classes. It must not be one of the
        classes, so that those samples never count as correct; a
        ``ValueError`` is raised if it is and it is needed. The default
        ``-1`` follows scikit-learn's convention for samples that belong to
        no cluster; pass another value when ``-1`` is a class, e.g.
        ``fill_value=None`` or ``"unmatched"`` for string classes.

    Returns
    -------
    labels_mapped : ndarray of shape (n_samples,)
        The translated labels. Its dtype is that of the classes, promoted to
        hold ``fill_value`` when some cluster is unmatched: numeric classes
        and a numeric ``fill_value`` give a numeric array, string classes and
        a string ``fill_value`` a string array, and any other combination
        (e.g. string classes and the default ``-1``) an object array.

    See Also
    --------
    match_labels : The matching as a dict.

    Examples
    --------
    >>> from skdeepclust.cluster_metrics import map_labels
    >>> map_labels([0, 0, 1, 1], [5, 5, 3, 3])
    array([0, 0, 1, 1])
    >>> map_labels([0, 0, 1, 1], [5, 5, 3, 4])
    array([ 0,  0,  1, -1])
    >>> map_labels(["a", "a", "b", "b"], [5, 5, 3, 4], fill_value="?")
    array(['a', 'a', 'b', '?'], dtype='<U1')
    """
    classes, clusters, class_idx, cluster_idx = _encode(labels_true, labels_pred)
    rows, cols, _ = _matching(
        class_idx, cluster_idx, classes.shape[0], clusters.shape[0]
    )
    if cols.shape[0] == clusters.shape[0]:
        return classes[rows[np.argsort(cols)]][cluster_idx]
    if any(label == fill_value for label in classes.tolist()):
        raise ValueError(
            f"fill_value={fill_value!r} is one of the classes of labels_true; "
            "pass a fill_value that is not a class label."
        )
    lookup = np.empty(clusters.shape[0], dtype=_output_dtype(classes, fill_value))
    lookup[:] = fill_value
    lookup[cols] = classes[rows]
    return lookup[cluster_idx]


def matched_confusion_matrix(labels_true, labels_pred):
    """Confusion matrix with clusters reordered to face their matched classes.

    Rows are classes and columns clusters. The first
    ``min(n_classes, n_clusters)`` rows are the matched classes in sorted
    order and the first columns the clusters matched to them, in the same
    order, so that the matched counts lie on the diagonal and the trace is
    ``clustering_accuracy_score(labels_true, labels_pred) * n_samples``.
    Unmatched clusters (more clusters than classes) follow as extra columns,
    unmatched classes (fewer clusters than classes) as extra rows, both in
    sorted order. When there are at least as many clusters as classes every
    class is matched, so the rows are simply the sorted classes. Labels of
    mixed types (an object array of ints and strs, say) are "sorted" in the
    fixed order given in the module docstring.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground truth class labels.

    labels_pred : array-like of shape (n_samples,)
        Cluster labels to evaluate.

    Returns
    -------
    matrix : ndarray of shape (n_classes, n_clusters), dtype=int64
        ``matrix[i, j]`` is the number of samples of class
        ``class_labels[i]`` in cluster ``cluster_labels[j]``.

    class_labels : ndarray of shape (n_classes,)
        Class label of each row.

    cluster_labels : ndarray of shape (n_clusters,)
        Cluster label of each column.

    Examples
    --------
    >>> from skdeepclust.cluster_metrics import matched_confusion_matrix
    >>> matrix, classes, clusters = matched_confusion_matrix(
    ...     [0, 0, 1, 1, 1, 2], [4, 4, 2, 2, 9, 3])
    >>> matrix
    array([[2, 0, 0, 0],
           [0, 2, 0, 1],
           [0, 0, 1, 0]])
    >>> classes
    array([0, 1, 2])
    >>> clusters
    array([4, 2, 3, 9])
    """
    classes, clusters, class_idx, cluster_idx = _encode(labels_true, labels_pred)
    n_classes, n_clusters = classes.shape[0], clusters.shape[0]
    rows, cols, _ = _matching(class_idx, cluster_idx, n_classes, n_clusters)
    row_order = np.concatenate([rows, np.setdiff1d(np.arange(n_classes), rows)])
    col_order = np.concatenate([cols, np.setdiff1d(np.arange(n_clusters), cols)])
    row_order, col_order = row_order.astype(np.intp), col_order.astype(np.intp)
    matrix = _dense_contingency(class_idx, cluster_idx, n_classes, n_clusters)
    return (
        matrix[np.ix_(row_order, col_order)],
        classes[row_order],
        clusters[col_order],
    )


# --------------------------------------------------------------------------
# Scorers
# --------------------------------------------------------------------------


def get_clustering_scorers():
    """Fresh scorers for multi-metric model selection.

    Returns
    -------
    scorers : dict
        ``{"accuracy": ..., "nmi": ..., "ari": ...}``, scorers built with
        :func:`sklearn.metrics.make_scorer` from
        :func:`clustering_accuracy_score`,
        :func:`normalized_mutual_info_score` and
        :func:`adjusted_rand_score`. They compare ``estimator.predict(X)``
        with ``y``. Pass the dict as ``scoring`` to
        :class:`~sklearn.model_selection.GridSearchCV` with, e.g.,
        ``refit="accuracy"``.

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skdeepclust.cluster_metrics import get_clustering_scorers
    >>> X, y = make_blobs(n_samples=300, centers=3, random_state=0)
    >>> search = GridSearchCV(
    ...     KMeans(n_init=10, random_state=0), {"n_clusters": [2, 3, 4]},
    ...     scoring=get_clustering_scorers(), refit="accuracy").fit(X, y)
    >>> search.best_params_
    {'n_clusters': 3}
    """
    return {
        "accuracy": make_scorer(clustering_accuracy_score, response_method="predict"),
        "nmi": make_scorer(normalized_mutual_info_score, response_method="predict"),
        "ari": make_scorer(adjusted_rand_score, response_method="predict"),
    }


#: Scorer of :func:`clustering_accuracy_score` on ``estimator.predict(X)``,
#: for ``GridSearchCV(scoring=clustering_accuracy_scorer)``.
clustering_accuracy_scorer = make_scorer(
    clustering_accuracy_score, response_method="predict"
)

#: Scorer of :func:`normalized_mutual_info_score` on ``estimator.predict(X)``.
nmi_scorer = make_scorer(normalized_mutual_info_score, response_method="predict")

#: Scorer of :func:`adjusted_rand_score` on ``estimator.predict(X)``.
ari_scorer = make_scorer(adjusted_rand_score, response_method="predict")
