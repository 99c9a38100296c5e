"""
Choosing the number of clusters with GridSearchCV
=================================================

Every skdeepclust estimator is a scikit-learn estimator, so
:class:`~sklearn.model_selection.GridSearchCV` can tune its parameters like
any other. This example searches ``n_clusters`` of
:class:`~skdeepclust.dti.DTIKMeans` on scikit-learn's 8x8 digits in the two
situations one meets in practice:

* **with labels** (a labelled sample, or a benchmark): score each candidate
  with the supervised clustering metrics of
  :mod:`skdeepclust.cluster_metrics` (accuracy, NMI, ARI);
* **without labels**: score each candidate with the estimator's own
  :meth:`~skdeepclust.dti.DTIKMeans.score`, the opposite of its training
  loss, and read the curve.
"""

# %%
# Data, estimator and "cross-validation"
# --------------------------------------
# Clustering is *transductive*: we want a partition of the images we have,
# not a model that generalises to new ones. So rather than holding data out,
# each candidate is fitted and scored on all the images, with a "splitter"
# made of a single ``(train, test)`` pair of the same indices. (A held-out
# split such as ``cv=2`` also works; it then measures how well the clusters
# extend to unseen images, with each fit seeing half the data.)
#
# The estimator uses a short schedule, 2 epochs of plain gradient K-means
# then 6 with affine warps, so that the 9 fits below take well under a minute
# on a CPU.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV

from skdeepclust.cluster_metrics import get_clustering_scorers
from skdeepclust.datasets import load_digits_images
from skdeepclust.dti import DTIKMeans

images, digits = load_digits_images(return_X_y=True)
all_images = np.arange(len(images))
fit_and_score_on_all = [(all_images, all_images)]

dti = DTIKMeans(
    transformations=("identity", "affine"),
    curriculum_milestones=(2,),
    max_epochs=8,
    lr_milestones=(7,),
    batch_size=64,
    learning_rate=2e-3,
    init="k-means++",
    random_state=0,
)
param_grid = {"n_clusters": [6, 8, 10, 12]}

# %%
# (a) With labels: supervised scorers
# -----------------------------------
# :func:`~skdeepclust.cluster_metrics.get_clustering_scorers` returns the
# three scorers as a dict, so one search records all of them;
# ``refit="accuracy"`` picks the winner by the Hungarian-matched accuracy and
# refits it on all the images. The labels ``y`` are passed to ``fit`` only
# for the scorers: the estimator never sees them.
start = time.perf_counter()
supervised = GridSearchCV(
    dti,
    param_grid,
    scoring=get_clustering_scorers(),
    refit="accuracy",
    cv=fit_and_score_on_all,
)
supervised.fit(images, digits)
print(f"supervised search: {time.perf_counter() - start:.1f} s")

results = supervised.cv_results_
for k, acc, nmi, ari in zip(
    results["param_n_clusters"],
    results["mean_test_accuracy"],
    results["mean_test_nmi"],
    results["mean_test_ari"],
):
    print(f"n_clusters={k:2d}  ACC {acc:.3f}  NMI {nmi:.3f}  ARI {ari:.3f}")
print("best:", supervised.best_params_, f"ACC {supervised.best_score_:.3f}")

# %%
# ``best_estimator_`` is the refitted winner, ready to use.
labels = supervised.best_estimator_.labels_
print("cluster sizes of the best model:", np.bincount(labels))

# %%
# (b) Without labels: the estimator's own score
# ---------------------------------------------
# With ``scoring=None`` the search calls ``estimator.score(X)``, here minus
# the mean distance of each image to its best transformed prototype, and
# ``fit`` is called without ``y``. More prototypes always fit the images
# better, so this score keeps rising with ``n_clusters`` and its maximum is
# not the answer: we look instead for the *elbow*, where adding clusters
# stops paying off. ``refit=False`` skips refitting the (meaningless)
# highest-scoring candidate.
start = time.perf_counter()
unsupervised = GridSearchCV(
    dti, param_grid, scoring=None, refit=False, cv=fit_and_score_on_all
)
unsupervised.fit(images)
print(f"unsupervised search: {time.perf_counter() - start:.1f} s")

n_clusters = np.asarray(param_grid["n_clusters"])
scores = unsupervised.cv_results_["mean_test_score"]
gain_per_cluster = np.diff(scores) / np.diff(n_clusters)
for k, score in zip(n_clusters, scores):
    print(f"n_clusters={k:2d}  score {score:.5f}")
for k_from, k_to, gain in zip(n_clusters[:-1], n_clusters[1:], gain_per_cluster):
    print(f"{k_from:2d} -> {k_to:2d} clusters: score gain per cluster {gain:.5f}")

# %%
# Plot both curves
# ----------------
# The accuracy peaks at the true number of digits. The unsupervised score is
# only comparable between models with the same ``n_clusters`` (like K-means'
# inertia), so its curve is read for its shape: on this run the gain per
# added cluster is largest up to 10 and drops afterwards. At a fixed
# ``n_clusters``, the same ``scoring=None`` search can compare other
# hyper-parameters (learning rate, transformations) without any label.
fig, (ax_sup, ax_unsup) = plt.subplots(1, 2, figsize=(8, 5.6))
for name in ("accuracy", "nmi", "ari"):
    ax_sup.plot(
        n_clusters,
        results[f"mean_test_{name}"],
        marker="o",
        markersize=9,
        linewidth=2.5,
        label=name,
    )
ax_sup.set_ylabel("score against the digit labels", fontsize=13)
ax_sup.set_title("(a) supervised scorers", fontsize=15)
ax_sup.legend(fontsize=12)

ax_unsup.plot(
    n_clusters, scores, marker="o", markersize=9, linewidth=2.5, color="tab:red"
)
ax_unsup.set_ylabel("DTIKMeans.score (minus the loss)", fontsize=13)
ax_unsup.set_title("(b) no labels: own score", fontsize=15)
for ax in (ax_sup, ax_unsup):
    ax.axvline(10, color="grey", linestyle=":", linewidth=2)
    ax.set_xlabel("n_clusters (dotted: 10 digits)", fontsize=13)
    ax.set_xticks(n_clusters)
    ax.tick_params(labelsize=12)
fig.tight_layout()
plt.show()
