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
from sklearn.cluster import KMeans

from skdeepclust.cluster_metrics import clustering_scores
from skdeepclust.datasets import load_digits_images
from skdeepclust.inspection import EmbeddingDisplay, LossCurveDisplay
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
# ``transform`` returns the unit-norm network outputs.
# :class:`~skdeepclust.inspection.EmbeddingDisplay` projects them on their
# first two principal components, which show the clusters gathered around
# their mixture modes (the stars, numbered by cluster: the one-hot modes,
# ``target_means_``, projected the same way).
display = EmbeddingDisplay.from_estimator(
    mmdc, images, centers_kw=dict(s=1100, linewidths=1.5)
)
display.ax_.tick_params(labelsize=11)
display.ax_.set_title("MMDC embedding (PCA), coloured by cluster", fontsize=15)

# %%
# Training curve
# --------------
# The loss is the mean squared error between the embeddings of augmented
# views and their assigned targets. From epoch 8 (``refine_epoch=7``, counted
# from 0) the targets are no longer re-assigned per batch but rebuilt from a
# k-means of the embedding at every epoch start.
# :class:`~skdeepclust.inspection.LossCurveDisplay` draws ``loss_curve_``;
# its ``ax_`` takes the line that marks the refinement stage.
display = LossCurveDisplay.from_estimator(mmdc)
display.ax_.axvline(
    mmdc.refine_epoch + 0.5, color="grey", linestyle="--", label="refinement stage"
)
display.ax_.legend()
plt.show()
