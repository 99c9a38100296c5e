"""
Quickstart: clustering digits
=============================

Cluster scikit-learn's embedded 8x8 digits with each skdeepclust estimator and
score the result against the true digit labels with the Hungarian-matched
accuracy (ACC), normalised mutual information (NMI) and adjusted Rand index
(ARI). K-means on raw pixels is the baseline every deep method must beat.

The settings below are short schedules that suit 1,797 tiny images on a CPU;
each estimator's docstring gives the published per-dataset configurations.
"""

# %%
# Load the images
# ---------------
# ``load_digits_images`` returns the digits as ``(n, 8, 8)`` images in
# [0, 1]; the estimators also accept flat ``(n, 64)`` arrays and
# ``(n, H, W, C)`` colour images.
import time

import matplotlib.pyplot as plt
from sklearn.cluster import KMeans

from skdeepclust import (
    DTIGaussianMixture,
    DTIKMeans,
    MMDCClustering,
    STDACClustering,
)
from skdeepclust.cluster_metrics import clustering_scores
from skdeepclust.datasets import load_digits_images

images, labels = load_digits_images(return_X_y=True)
print(f"{len(images)} images of shape {images.shape[1:]}")

# %%
# Fit and score
# -------------
# Every estimator follows the scikit-learn clusterer API: ``fit_predict``
# returns one cluster index per image. Labels are only used to score.
dti_schedule = dict(
    transformations=("identity", "affine"),
    curriculum_milestones=(5,),
    max_epochs=18,
    lr_milestones=(15,),
    batch_size=64,
    init="k-means++",
)
estimators = {
    "KMeans (pixels)": KMeans(n_clusters=10, n_init=10, random_state=0),
    "DTIKMeans": DTIKMeans(10, learning_rate=2e-3, random_state=0, **dti_schedule),
    "DTIGaussianMixture": DTIGaussianMixture(
        10, learning_rate=5e-3, random_state=0, **dti_schedule
    ),
    "STDACClustering": STDACClustering(
        10,
        n_st_layers=1,
        st_init="identity",
        conv_channels=(16, 32, 64),
        hidden_units=128,
        self_target_weight=1.0,
        batch_size=64,
        learning_rate=2e-3,
        max_epochs=30,
        bn_statistics="running",  # as good as the default here, batch-independent
        random_state=0,
    ),
    "MMDCClustering": MMDCClustering(
        10,
        input_size=16,
        batch_size=32,
        max_epochs=10,
        refine_epoch=7,
        lr_milestones=(9,),
        random_state=0,
    ),
}

results = {}
for name, estimator in estimators.items():
    start = time.perf_counter()
    X = images.reshape(len(images), -1) if name.startswith("KMeans") else images
    predicted = estimator.fit_predict(X)
    results[name] = clustering_scores(labels, predicted)
    print(
        f"{name:20s} ACC {results[name]['accuracy']:.3f}  "
        f"NMI {results[name]['nmi']:.3f}  ARI {results[name]['ari']:.3f}  "
        f"({time.perf_counter() - start:.1f} s)"
    )

# %%
# Compare
# -------
# The accuracy of each estimator, K-means on pixels in grey.
names = list(results)
accuracy = [results[name]["accuracy"] for name in names]
fig, ax = plt.subplots(figsize=(6.4, 4.5))
bars = ax.barh(
    names,
    accuracy,
    height=0.7,
    color=["tab:gray"] + ["tab:blue"] * (len(names) - 1),
)
ax.bar_label(bars, fmt="%.2f", padding=5, fontsize=15)
for y, name in enumerate(names):  # names inside the bars: they stay wide
    ax.text(0.02, y, name, va="center", color="white", fontsize=14, weight="bold")
ax.set_yticks([])
ax.set_xlim(0, 1.1)
ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
ax.tick_params(labelsize=12)
ax.set_xlabel("clustering accuracy (ACC)", fontsize=13)
ax.set_title("Clustering the 1,797 digits", fontsize=15)
ax.invert_yaxis()
for side in ("top", "right", "left"):
    ax.spines[side].set_visible(False)
fig.tight_layout()
plt.show()
