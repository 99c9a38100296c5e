"""Tests of skdeepclust.cluster_metrics."""

import itertools

import numpy as np
import pytest
from sklearn import metrics as skmetrics
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics.cluster import contingency_matrix
from sklearn.model_selection import GridSearchCV, KFold

from skdeepclust import cluster_metrics
from skdeepclust.cluster_metrics import (
    adjusted_rand_score,
    ari_scorer,
    clustering_accuracy_score,
    clustering_accuracy_scorer,
    clustering_scores,
    get_clustering_scorers,
    map_labels,
    match_labels,
    matched_confusion_matrix,
    nmi_scorer,
    normalized_mutual_info_score,
)


def _brute_force_accuracy(labels_true, labels_pred):
    """Best matched count / n over every injective partial matching."""
    counts = contingency_matrix(labels_true, labels_pred)
    n_classes, n_clusters = counts.shape
    if n_classes <= n_clusters:
        best = max(
            counts[np.arange(n_classes), list(cols)].sum()
            for cols in itertools.permutations(range(n_clusters), n_classes)
        )
    else:
        best = max(
            counts[list(rows), np.arange(n_clusters)].sum()
            for rows in itertools.permutations(range(n_classes), n_clusters)
        )
    return best / len(labels_true)


def _random_labelings(n_labelings, seed=0, max_k=6):
    """Random (labels_true, labels_pred) pairs with up to ``max_k`` labels."""
    rng = np.random.RandomState(seed)
    for _ in range(n_labelings):
        n_samples = rng.randint(1, 40)
        k_true, k_pred = rng.randint(1, max_k + 1, size=2)
        labels_true = rng.randint(k_true, size=n_samples)
        labels_pred = rng.randint(k_pred, size=n_samples)
        # Arbitrary label values, negatives included.
        offset_true, offset_pred = rng.randint(-5, 5, size=2)
        yield labels_true + offset_true, 3 * labels_pred + offset_pred


# --- accuracy ---------------------------------------------------------------


def test_accuracy_equals_brute_force():
    n_rectangular = 0
    for labels_true, labels_pred in _random_labelings(300):
        n_rectangular += len(set(labels_true)) != len(set(labels_pred))
        assert clustering_accuracy_score(labels_true, labels_pred) == pytest.approx(
            _brute_force_accuracy(labels_true, labels_pred)
        )
        assert clustering_accuracy_score(
            labels_pred, labels_true
        ) == clustering_accuracy_score(labels_true, labels_pred)
    assert n_rectangular > 100  # n_clusters != n_classes is well covered


def test_sparse_matching_agrees_with_dense(monkeypatch):
    # Force the sparse path used for huge contingency matrices.
    monkeypatch.setattr(cluster_metrics, "_MAX_DENSE_CONTINGENCY_SIZE", 0)
    for labels_true, labels_pred in _random_labelings(200, seed=1):
        accuracy = clustering_accuracy_score(labels_true, labels_pred)
        assert accuracy == pytest.approx(
            _brute_force_accuracy(labels_true, labels_pred)
        )
        mapping = match_labels(labels_true, labels_pred)
        n_classes, n_clusters = len(set(labels_true)), len(set(labels_pred))
        assert len(mapping) == min(n_classes, n_clusters)
        assert len(set(mapping.values())) == len(mapping)
        mapped = map_labels(labels_true, labels_pred, fill_value=100)
        assert np.mean(mapped == labels_true) == pytest.approx(accuracy)


@pytest.mark.parametrize("n_classes, n_clusters", [(300, 300), (40, 500), (500, 40)])
def test_sparse_matching_agrees_with_dense_large(monkeypatch, n_classes, n_clusters):
    rng = np.random.RandomState(0)
    labels_true = rng.randint(n_classes, size=20_000)
    labels_pred = rng.permutation(max(n_classes, n_clusters))[labels_true] % n_clusters
    noise = rng.rand(labels_true.shape[0]) < 0.5
    labels_pred[noise] = rng.randint(n_clusters, size=noise.sum())
    dense = clustering_accuracy_score(labels_true, labels_pred)
    monkeypatch.setattr(cluster_metrics, "_MAX_DENSE_CONTINGENCY_SIZE", 0)
    assert clustering_accuracy_score(labels_true, labels_pred) == dense
    mapping = match_labels(labels_true, labels_pred)
    assert len(mapping) == min(n_classes, n_clusters)
    mapped = map_labels(labels_true, labels_pred, fill_value=-1)
    assert np.mean(mapped == labels_true) == dense
    matrix, _, _ = matched_confusion_matrix(labels_true, labels_pred)
    assert np.trace(matrix) == round(dense * labels_true.shape[0])


def test_perfect_labeling_scores_one():
    labels = [0, 0, 1, 1, 2, 2]
    assert clustering_accuracy_score(labels, labels) == 1.0
    assert clustering_accuracy_score(labels, [2, 2, 0, 0, 1, 1]) == 1.0
    assert clustering_accuracy_score(labels, ["x", "x", "y", "y", "z", "z"]) == 1.0


def test_accuracy_invariant_to_renaming_and_sample_order():
    rng = np.random.RandomState(0)
    for labels_true, labels_pred in _random_labelings(50, seed=2):
        expected = clustering_accuracy_score(labels_true, labels_pred)
        # Rename classes to strings and clusters by a random bijection.
        classes = np.unique(labels_true)
        clusters = np.unique(labels_pred)
        new_true = np.array([f"class_{c}" for c in classes])[
            np.searchsorted(classes, labels_true)
        ]
        new_pred = (-7 * rng.permutation(len(clusters)))[
            np.searchsorted(clusters, labels_pred)
        ]
        assert clustering_accuracy_score(new_true, new_pred) == pytest.approx(expected)
        order = rng.permutation(len(labels_true))
        assert clustering_accuracy_score(
            labels_true[order], labels_pred[order]
        ) == pytest.approx(expected)


def test_accuracy_label_types():
    assert clustering_accuracy_score(["a", "a", "b", "b"], [-1, -1, -2, -3]) == 0.75
    assert clustering_accuracy_score([-5, -5, -9, -9], [-1, -1, -2, -3]) == 0.75
    assert clustering_accuracy_score([True, True, False], [0, 0, 1]) == 1.0
    # A mixed list is converted to strings, as by scikit-learn's metrics.
    assert clustering_accuracy_score([1, 1, "a", "a"], ["p", "p", 2, 3]) == 0.75


def _mixed(values):
    """An object array of ``values``, which numpy.unique cannot sort."""
    labels = np.empty(len(values), dtype=object)
    labels[:] = values
    return labels


def test_mixed_type_labels_all_metrics():
    # numpy.unique, hence scikit-learn's own metrics (1.9), raise TypeError
    # on these; only equality matters to a clustering metric.
    labels_true = _mixed([1, "a", 1, "a", None, None])
    relabelled = _mixed(["x", 2, "x", 2, 3.5, 3.5])
    for labels_pred in (relabelled, [0, 1, 0, 1, 2, 2]):
        assert clustering_accuracy_score(labels_true, labels_pred) == 1.0
        assert clustering_accuracy_score(labels_pred, labels_true) == 1.0
        assert normalized_mutual_info_score(labels_true, labels_pred) == 1.0
        assert adjusted_rand_score(labels_true, labels_pred) == 1.0
        assert clustering_scores(labels_true, labels_pred) == {
            "accuracy": 1.0,
            "nmi": 1.0,
            "ari": 1.0,
        }
        assert map_labels(labels_true, labels_pred).tolist() == labels_true.tolist()
    assert match_labels(labels_true, relabelled) == {2: "a", 3.5: None, "x": 1}

    # An imperfect labeling scores as its integer-coded copy does.
    labels_pred = _mixed(["x", "x", "x", 2, 2, 2])
    coded_true, coded_pred = [0, 1, 0, 1, 2, 2], [0, 0, 0, 1, 1, 1]
    assert clustering_accuracy_score(labels_true, labels_pred) == 4 / 6
    assert normalized_mutual_info_score(labels_true, labels_pred) == (
        skmetrics.normalized_mutual_info_score(coded_true, coded_pred)
    )
    assert adjusted_rand_score(labels_true, labels_pred) == (
        skmetrics.adjusted_rand_score(coded_true, coded_pred)
    )
    mapped = map_labels(labels_true, labels_pred, fill_value="?")
    assert np.mean(mapped == labels_true) == pytest.approx(4 / 6)


def test_mixed_type_labels_order_is_deterministic():
    # Numbers first, in increasing order, then the other types by name
    # (NoneType before str), each by value; not the order of appearance.
    labels_true = _mixed(["b", 2, None, "a", 1.5, 2, "b"])
    labels_pred = [0, 1, 2, 3, 4, 1, 0]
    matrix, classes, clusters = matched_confusion_matrix(labels_true, labels_pred)
    assert classes.tolist() == [1.5, 2, None, "a", "b"]
    assert clusters.tolist() == [4, 1, 2, 3, 0]
    np.testing.assert_array_equal(matrix, np.diag([1, 2, 1, 1, 2]))
    rng = np.random.RandomState(0)
    for _ in range(5):
        order = rng.permutation(len(labels_true))
        _, shuffled, _ = matched_confusion_matrix(
            labels_true[order], np.asarray(labels_pred)[order]
        )
        assert shuffled.tolist() == classes.tolist()
    # Labels equal in Python are one label, as numpy.unique makes them.
    _, classes, _ = matched_confusion_matrix(_mixed([1, 1.0, True, "a"]), [0, 0, 0, 1])
    assert classes.tolist() == [1, "a"]
    # Values of one type that do not order keep their order of appearance.
    _, classes, _ = matched_confusion_matrix(_mixed([2j, "a", 1j, 2j]), [0, 1, 2, 0])
    assert classes.tolist() == [2j, 1j, "a"]


def test_mixed_type_labels_scorers(blobs):
    X, y = blobs
    kmeans = KMeans(n_clusters=4, n_init=10, random_state=0).fit(X)
    # Two classes named by ints and two by strs.
    y_mixed = _mixed([int(c) if c < 2 else f"class {c}" for c in y])
    assert clustering_accuracy_scorer(kmeans, X, y_mixed) == 1.0
    assert nmi_scorer(kmeans, X, y_mixed) == nmi_scorer(kmeans, X, y)
    assert ari_scorer(kmeans, X, y_mixed) == ari_scorer(kmeans, X, y)
    for name, scorer in get_clustering_scorers().items():
        assert scorer(kmeans, X, y_mixed) == pytest.approx(1.0), name


def test_unhashable_unorderable_labels_raise():
    # Sets are neither ordered against strs nor hashable: no way to group them.
    with pytest.raises(TypeError, match="neither sortable nor hashable"):
        clustering_accuracy_score(_mixed([{1}, "a"]), [0, 1])


def test_accuracy_unequal_numbers_of_clusters_and_classes():
    # More clusters than classes: the extra clusters are errors.
    assert clustering_accuracy_score([0, 0, 1, 1], [0, 1, 2, 3]) == 0.5
    assert clustering_accuracy_score([0, 0, 0, 0], [0, 1, 2, 3]) == 0.25
    # Fewer clusters than classes: the unmatched classes are errors.
    assert clustering_accuracy_score([0, 1, 2, 3], [0, 0, 0, 0]) == 0.25
    assert clustering_accuracy_score([0, 0, 1, 2], [5, 5, 5, 7]) == 0.75


def test_empty_input_scores_one():
    assert clustering_accuracy_score([], []) == 1.0
    assert clustering_scores([], []) == {"accuracy": 1.0, "nmi": 1.0, "ari": 1.0}
    assert match_labels([], []) == {}
    assert map_labels([], []).shape == (0,)
    matrix, classes, clusters = matched_confusion_matrix([], [])
    assert matrix.shape == (0, 0) and classes.shape == clusters.shape == (0,)


@pytest.mark.parametrize(
    "func",
    [
        clustering_accuracy_score,
        normalized_mutual_info_score,
        adjusted_rand_score,
        clustering_scores,
        match_labels,
        map_labels,
        matched_confusion_matrix,
    ],
)
def test_input_validation(func):
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[3, 4\]"):
        func([0, 1, 1], [0, 1, 1, 0])
    with pytest.raises(ValueError, match="labels_true must be 1D"):
        func([[0, 1], [1, 0]], [0, 1])
    with pytest.raises(ValueError, match="labels_pred must be 1D"):
        func([0, 1], [[0], [1]])


def test_continuous_labels_warn():
    with pytest.warns(UserWarning, match="expects discrete values"):
        clustering_accuracy_score([0.5, 1.5, 0.5], [0, 1, 0])


@pytest.mark.parametrize("n_classes, n_samples", [(250, 50_000), (1000, 100_000)])
def test_many_clusters(n_classes, n_samples):
    rng = np.random.RandomState(0)
    labels_true = rng.randint(n_classes, size=n_samples)
    renaming = rng.permutation(n_classes) + 10
    labels_pred = renaming[labels_true]
    assert clustering_accuracy_score(labels_true, labels_pred) == 1.0
    assert match_labels(labels_true, labels_pred) == dict(
        zip(renaming.tolist(), range(n_classes))
    )
    # Corrupt 30% of the samples: the identity matching is still the best
    # matching and finds every untouched sample (and the lucky ones).
    noisy = labels_pred.copy()
    corrupt = rng.rand(n_samples) < 0.3
    noisy[corrupt] = renaming[rng.randint(n_classes, size=corrupt.sum())]
    expected = np.mean(noisy == labels_pred)
    assert clustering_accuracy_score(labels_true, noisy) == pytest.approx(expected)
    # Each cluster maps back to the class it was renamed from.
    inverse = np.argsort(renaming)
    np.testing.assert_array_equal(map_labels(labels_true, noisy), inverse[noisy - 10])


# --- NMI, ARI and the combined scores ----------------------------------------


def test_nmi_and_ari_equal_sklearn():
    for labels_true, labels_pred in _random_labelings(100, seed=3):
        assert normalized_mutual_info_score(labels_true, labels_pred) == (
            skmetrics.normalized_mutual_info_score(labels_true, labels_pred)
        )
        assert adjusted_rand_score(labels_true, labels_pred) == (
            skmetrics.adjusted_rand_score(labels_true, labels_pred)
        )
        for method in ("min", "geometric", "max"):
            assert normalized_mutual_info_score(
                labels_true, labels_pred, average_method=method
            ) == skmetrics.normalized_mutual_info_score(
                labels_true, labels_pred, average_method=method
            )


def test_clustering_scores():
    labels_true, labels_pred = next(_random_labelings(1, seed=4))
    scores = clustering_scores(labels_true, labels_pred)
    assert scores == {
        "accuracy": clustering_accuracy_score(labels_true, labels_pred),
        "nmi": normalized_mutual_info_score(labels_true, labels_pred),
        "ari": adjusted_rand_score(labels_true, labels_pred),
    }
    assert all(type(value) is float for value in scores.values())


# --- the matching ---------------------------------------------------------------


def test_matching_consistency():
    for labels_true, labels_pred in _random_labelings(200, seed=5):
        n_samples = len(labels_true)
        accuracy = clustering_accuracy_score(labels_true, labels_pred)
        classes, clusters = np.unique(labels_true), np.unique(labels_pred)
        n_matched = min(len(classes), len(clusters))

        mapping = match_labels(labels_true, labels_pred)
        assert len(mapping) == n_matched
        assert set(mapping) <= set(clusters.tolist())
        assert len(set(mapping.values())) == n_matched  # one-to-one
        assert list(mapping) == sorted(mapping)
        if len(clusters) <= len(classes):
            assert set(mapping) == set(clusters.tolist())

        mapped = map_labels(labels_true, labels_pred, fill_value=100)
        assert np.mean(mapped == labels_true) == pytest.approx(accuracy)
        for cluster, label in zip(labels_pred, mapped):
            assert label == mapping.get(cluster, 100)

        matrix, row_labels, col_labels = matched_confusion_matrix(
            labels_true, labels_pred
        )
        assert matrix.shape == (len(classes), len(clusters))
        assert matrix.sum() == n_samples
        assert np.trace(matrix) == round(accuracy * n_samples)
        assert sorted(row_labels.tolist()) == classes.tolist()
        assert sorted(col_labels.tolist()) == clusters.tolist()
        diagonal = dict(zip(col_labels[:n_matched].tolist(), row_labels[:n_matched]))
        assert diagonal == mapping
        # Matched classes sorted, then unmatched ones; same for clusters.
        assert list(row_labels[:n_matched]) == sorted(row_labels[:n_matched])
        assert list(row_labels[n_matched:]) == sorted(row_labels[n_matched:])
        assert list(col_labels[n_matched:]) == sorted(col_labels[n_matched:])
        if len(clusters) >= len(classes):
            np.testing.assert_array_equal(row_labels, classes)
        for i, j in itertools.product(range(len(classes)), range(len(clusters))):
            assert matrix[i, j] == np.sum(
                (labels_true == row_labels[i]) & (labels_pred == col_labels[j])
            )


def test_match_labels_returns_python_scalars():
    mapping = match_labels(np.array(["b", "a", "a"]), np.array([7, 3, 3]))
    assert mapping == {3: "a", 7: "b"}
    assert all(type(key) is int for key in mapping)
    assert all(type(value) is str for value in mapping.values())


def test_map_labels_fill_value():
    labels_true, labels_pred = [0, 0, 1, 1], [5, 5, 3, 4]
    mapped = map_labels(labels_true, labels_pred)
    np.testing.assert_array_equal(mapped, [0, 0, 1, -1])
    assert mapped.dtype.kind == "i"
    mapped = map_labels(labels_true, labels_pred, fill_value=np.nan)
    assert mapped.dtype == np.float64 and np.isnan(mapped[3])
    # -1 is a class and is needed as a fill value.
    with pytest.raises(ValueError, match="fill_value=-1 is one of the classes"):
        map_labels([-1, -1, 1, 1], labels_pred)
    mapped = map_labels([-1, -1, 1, 1], labels_pred, fill_value=99)
    np.testing.assert_array_equal(mapped, [-1, -1, 1, 99])
    # ... but no fill value is needed when every cluster is matched.
    np.testing.assert_array_equal(
        map_labels([-1, -1, 1, 1], [5, 5, 3, 3]), [-1, -1, 1, 1]
    )


def test_map_labels_string_classes():
    labels_true, labels_pred = ["a", "a", "b", "b"], [5, 5, 3, 4]
    mapped = map_labels(labels_true, labels_pred, fill_value="?")
    np.testing.assert_array_equal(mapped, ["a", "a", "b", "?"])
    assert mapped.dtype.kind == "U"
    mapped = map_labels(labels_true, labels_pred, fill_value=None)
    assert mapped.dtype == object
    assert mapped.tolist() == ["a", "a", "b", None]
    mapped = map_labels(labels_true, labels_pred)
    assert mapped.dtype == object and mapped.tolist() == ["a", "a", "b", -1]
    with pytest.raises(ValueError, match="is one of the classes"):
        map_labels(labels_true, labels_pred, fill_value="b")
    mapped = map_labels(labels_true, [5, 5, 3, 3])
    assert mapped.dtype.kind == "U" and mapped.tolist() == labels_true


def test_matched_confusion_matrix_fewer_clusters():
    # Class 0 is left unmatched: its row goes last so the diagonal stays matched.
    matrix, classes, clusters = matched_confusion_matrix(
        [0, 1, 1, 2, 2, 2], [9, 8, 8, 9, 9, 9]
    )
    np.testing.assert_array_equal(matrix, [[2, 0], [0, 3], [0, 1]])
    np.testing.assert_array_equal(classes, [1, 2, 0])
    np.testing.assert_array_equal(clusters, [8, 9])


# --- scorers and model selection ---------------------------------------------


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(n_samples=600, centers=4, cluster_std=0.6, random_state=0)


def _search(scoring, refit=True):
    return GridSearchCV(
        KMeans(n_init=10, random_state=0),
        {"n_clusters": [2, 3, 4, 5, 6]},
        scoring=scoring,
        refit=refit,
        cv=KFold(3, shuffle=True, random_state=0),
    )


def test_scorers_call_the_metrics(blobs):
    X, y = blobs
    kmeans = KMeans(n_clusters=5, n_init=10, random_state=0).fit(X)
    labels = kmeans.predict(X)
    assert clustering_accuracy_scorer(kmeans, X, y) == clustering_accuracy_score(
        y, labels
    )
    assert nmi_scorer(kmeans, X, y) == normalized_mutual_info_score(y, labels)
    assert ari_scorer(kmeans, X, y) == adjusted_rand_score(y, labels)
    scorers = get_clustering_scorers()
    assert set(scorers) == {"accuracy", "nmi", "ari"}
    assert scorers is not get_clustering_scorers()


def test_grid_search_accuracy_selects_true_number_of_clusters(blobs):
    X, y = blobs
    search = _search(clustering_accuracy_scorer).fit(X, y)
    assert search.best_params_ == {"n_clusters": 4}
    assert search.best_score_ == 1.0
    # Extra clusters are never matched, so over-segmenting is penalised.
    scores = search.cv_results_["mean_test_score"]
    assert scores[3] < 1.0 and scores[4] < 1.0


def test_grid_search_multi_metric(blobs):
    X, y = blobs
    search = _search(get_clustering_scorers(), refit="accuracy").fit(X, y)
    assert search.best_params_ == {"n_clusters": 4}
    assert search.best_estimator_.n_clusters == 4
    results = search.cv_results_
    for name in ("accuracy", "nmi", "ari"):
        assert f"mean_test_{name}" in results
    # n_clusters=4 recovers the blobs exactly on every split; a perfect
    # labeling is the only one to score 1.0 under each metric, so all three
    # rank it first. (NMI is not guaranteed to pick the true number of
    # clusters in general; this follows from the perfect recovery here.)
    for name in ("accuracy", "nmi", "ari"):
        assert results[f"mean_test_{name}"][2] == pytest.approx(1.0)
        assert results[f"rank_test_{name}"][2] == 1
