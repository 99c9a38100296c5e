"""
Multi-Modal Deep Clustering: the learned embedding
==================================================

:class:`~skdeepclust.mmdc.MMDCClustering` trains a small ConvNet to send every
image onto its own fixed target on the unit sphere. The targets are drawn once
from a Gaussian mixture with one mode per cluster (by default the one-hot
vectors of R^10); on each mini-batch they are re-assigned to the images by a
linear assignment before one SGD step on augmented views. A digit's cluster is
the mode its embedding lands nearest to.

Here we fit it on scikit-learn's 8x8 digits with a short schedule, score the
clusters against the true digits (ACC, NMI, ARI, next to K-means on pixels)
and look at the unit-norm embedding in 2-D.
"""

# %%
# Fit
# ---
# The authors' MNIST recipe is 50 epochs of 128-image batches on a 32x32
# input. The digits are tiny, so a 16x16 input, 32-image batches and 10
# epochs (the refinement stage, k-means targets, from epoch 7) are enough and
# take a few seconds on a CPU.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

from skdeepclust.cluster_metrics import clustering_scores
from skdeepclust.datasets import load_digits_images
from skdeepclust.mmdc import MMDCClustering

images, digits = load_digits_images(return_X_y=True)

mmdc = MMDCClustering(
    n_clusters=10,
    input_size=16,
    batch_size=32,
    max_epochs=10,
    refine_epoch=7,
    lr_milestones=(9,),
    random_state=0,
)
labels = mmdc.fit_predict(images)

kmeans = KMeans(n_clusters=10, n_init=10, random_state=0)
kmeans_labels = kmeans.fit_predict(images.reshape(len(images), -1))
for name, predicted in [("K-means", kmeans_labels), ("MMDC", labels)]:
    scores = clustering_scores(digits, predicted)
    print(
        f"{name:8s} ACC {scores['accuracy']:.3f}  NMI {scores['nmi']:.3f}  "
        f"ARI {scores['ari']:.3f}"
    )

# %%
# The embedding
# -------------
# ``transform`` returns the unit-norm network outputs. Their first two
# principal components show the clusters gathered around their mixture modes
# (the stars, numbered by cluster: the one-hot modes, projected the same
# way).
embedding = mmdc.transform(images)
pca = PCA(n_components=2).fit(embedding)
points = pca.transform(embedding)
modes = pca.transform(mmdc.target_means_)

fig, ax = plt.subplots(figsize=(6.4, 4.8))
ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=12, alpha=0.6)
ax.scatter(
    modes[:, 0],
    modes[:, 1],
    c=np.arange(10),
    cmap="tab10",
    marker="*",
    s=1100,
    edgecolors="black",
    linewidths=1.5,
)
for cluster, (x, y) in enumerate(modes):  # each mode's cluster, on its star
    ax.text(x, y, str(cluster), ha="center", va="center", fontsize=11, weight="bold")
ax.tick_params(labelsize=11)
ax.set_title("MMDC embedding (PCA), coloured by cluster", fontsize=15)
fig.tight_layout()

# %%
# Training curve
# --------------
# The loss is the mean squared error between the embeddings of augmented
# views and their assigned targets. From epoch 8 (``refine_epoch=7``, counted
# from 0) the targets are no longer re-assigned per batch but rebuilt from a
# k-means of the embedding at every epoch start.
fig, ax = plt.subplots(figsize=(6.4, 3.2))
ax.plot(np.arange(1, mmdc.n_iter_ + 1), mmdc.loss_curve_, marker="o")
ax.axvline(
    mmdc.refine_epoch + 0.5, color="grey", linestyle="--", label="refinement stage"
)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.legend()
fig.tight_layout()
plt.show()
