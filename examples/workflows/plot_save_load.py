"""
Saving and loading a fitted model
=================================

A fitted skdeepclust estimator is saved and loaded like any scikit-learn
estimator: with :func:`joblib.dump` / :func:`joblib.load` (or :mod:`pickle`).
Its torch networks, prototypes and optimiser state are part of it, so the
loaded model predicts exactly as the saved one, and can even continue
training. Every tensor is moved to the CPU when the model is pickled, so a
model fitted on a GPU also loads on a machine without one.
"""

# %%
# Fit a model
# -----------
# A short :class:`~skdeepclust.dti.DTIKMeans` schedule on scikit-learn's
# 8x8 digits: 2 epochs of plain gradient K-means, then 6 with affine warps.
import os
import pickle
import tempfile
import time

import joblib
import matplotlib.pyplot as plt
import numpy as np
import torch

from skdeepclust.cluster_metrics import clustering_scores, match_labels
from skdeepclust.datasets import load_digits_images
from skdeepclust.dti import DTIKMeans

images, digits = load_digits_images(return_X_y=True)

start = time.perf_counter()
dti = DTIKMeans(
    n_clusters=10,
    transformations=("identity", "affine"),
    curriculum_milestones=(2,),
    max_epochs=8,
    lr_milestones=(7,),
    batch_size=64,
    learning_rate=2e-3,
    init="k-means++",
    random_state=0,
).fit(images)
labels = dti.predict(images)
print(
    f"fitted in {time.perf_counter() - start:.1f} s on {dti.device_}, "
    f"ACC {clustering_scores(digits, labels)['accuracy']:.3f}"
)

# %%
# Save and load with joblib
# -------------------------
# The file holds the parameters, the fitted attributes and the torch model
# (network weights, prototypes, Adam's state for ``warm_start``). Here it
# lives in a temporary folder; in practice, any path.
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "dti_digits.joblib")
    joblib.dump(dti, path)
    print(f"saved {os.path.getsize(path) / 1e6:.2f} MB to dti_digits.joblib")
    loaded = joblib.load(path)

loaded_labels = loaded.predict(images)
loaded_prototypes = loaded.prototypes_.copy()  # for the figure below
print("loaded:", loaded)
print("same labels:", np.array_equal(labels, loaded_labels))
print("same prototypes:", np.array_equal(dti.prototypes_, loaded.prototypes_))
print(
    "same distances:",
    np.array_equal(dti.transform(images), loaded.transform(images)),
)

# %%
# :mod:`pickle` works the same way, here through bytes in memory. As with
# any pickle, only load files you trust: loading runs code. Load with the
# versions of skdeepclust, scikit-learn and torch that saved the model.
unpickled = pickle.loads(pickle.dumps(dti))
print("pickle, same labels:", np.array_equal(labels, unpickled.predict(images)))

# %%
# From a GPU to a CPU-only machine
# --------------------------------
# Pickling calls the estimator's ``__getstate__``, which copies every torch
# module and tensor to the CPU and stores ``device_`` as a string. Loading
# puts them back on that device when it exists; a model fitted on
# ``"cuda"`` and loaded where CUDA is not available is put on the CPU with a
# warning, and predicts there with the same API. (This machine may have no
# GPU, so we just look at what is written.)
state = dti.__getstate__()
devices = {
    str(tensor.device)
    for value in state.values()
    if isinstance(value, torch.nn.Module)
    for tensor in value.state_dict().values()
}
print(f"device_ stored as {state['device_']!r}; tensors stored on {devices}")

# %%
# Keep training a loaded model
# ----------------------------
# The optimiser state and the schedules come along too, so
# ``warm_start=True`` continues the loaded training for ``max_epochs`` more
# epochs rather than starting afresh.
loaded.set_params(warm_start=True, max_epochs=2).fit(images)
continued = clustering_scores(digits, loaded.labels_)["accuracy"]
print(f"after 2 more epochs: {loaded.n_iter_} epochs in all, ACC {continued:.3f}")

# %%
# Before and after
# ----------------
# The prototypes of the saved model (top) and of the model loaded from the
# file (bottom), ordered by the digit they are matched to (0 to 4, then 5 to
# 9): identical.
order = sorted(match_labels(digits, labels).items(), key=lambda item: item[1])
agreement = np.mean(labels == loaded_labels)
blocks = [
    ("saved model", dti.prototypes_),
    (f"loaded from the file: {agreement:.0%} same labels", loaded_prototypes),
]
# One block of 2x5 prototypes per model, the saved one above.
fig = plt.figure(figsize=(6.4, 5.6), layout="constrained")
for block, (name, prototypes) in zip(fig.subfigures(2, 1), blocks):
    axes = block.subplots(2, 5)
    for ax, (cluster, _) in zip(axes.ravel(), order):
        ax.imshow(np.clip(prototypes[cluster], 0, 1), cmap="Blues")
        ax.set_xticks([])
        ax.set_yticks([])
    block.suptitle(name, fontsize=16)
plt.show()
