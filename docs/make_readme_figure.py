"""Draw the README's picture: DTIKMeans prototypes and members on digits.

Run from the repository root: ``python docs/make_readme_figure.py``. It fits
the README's example (seed 0, one torch thread, about 15 s on a CPU) and
writes ``docs/_static/readme_digits.png``.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from skdeepclust import DTIKMeans  # noqa: E402
from skdeepclust.cluster_metrics import clustering_scores, match_labels  # noqa: E402
from skdeepclust.datasets import load_digits_images  # noqa: E402

OUTPUT = Path(__file__).resolve().parent / "_static" / "readme_digits.png"
N_MEMBERS = 12


def main():
    torch.set_num_threads(1)
    images, labels = load_digits_images(return_X_y=True)
    model = DTIKMeans(
        n_clusters=10,
        transformations=("identity", "affine"),
        curriculum_milestones=(5,),
        max_epochs=18,
        lr_milestones=(15,),
        batch_size=64,
        learning_rate=2e-3,
        init="k-means++",
        random_state=0,
    ).fit(images)
    accuracy = clustering_scores(labels, model.labels_)["accuracy"]
    digit_of = match_labels(labels, model.labels_)
    rng = np.random.RandomState(0)
    fig, axes = plt.subplots(
        10, N_MEMBERS + 2, figsize=(N_MEMBERS + 2, 10.6),
        gridspec_kw={"width_ratios": [1, 0.25] + [1] * N_MEMBERS},
    )
    for row, cluster in zip(axes, sorted(digit_of, key=digit_of.get)):
        members = np.flatnonzero(model.labels_ == cluster)
        shown = rng.choice(members, min(N_MEMBERS, len(members)), replace=False)
        row[0].imshow(model.prototypes_[cluster].squeeze(), cmap="gray_r")
        for ax, index in zip(row[2:], shown):
            ax.imshow(images[index], cmap="gray_r")
        row[2].set_title(f"{len(members)} images", fontsize=9, loc="left")
        for ax in row:
            ax.set_axis_off()
    axes[0, 0].set_title("prototype", fontsize=9)
    fig.suptitle(
        f"DTIKMeans on scikit-learn's digits: one learned prototype and a "
        f"random sample of members per cluster (ACC {accuracy:.3f}, seed 0)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(OUTPUT, dpi=60)
    print(f"ACC {accuracy:.3f}; wrote {OUTPUT}")


if __name__ == "__main__":
    main()
