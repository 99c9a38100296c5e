"""Deep image clustering with a scikit-learn API."""

from skdeepclust import cluster_metrics, datasets, inspection
from skdeepclust._authors import authors_params
from skdeepclust.dti import DTIGaussianMixture, DTIKMeans
from skdeepclust.mmdc import MMDCClustering
from skdeepclust.stdac import STDACClustering

__version__ = "0.1.0.dev0"

__all__ = [
    "DTIGaussianMixture",
    "DTIKMeans",
    "MMDCClustering",
    "STDACClustering",
    "authors_params",
    "cluster_metrics",
    "datasets",
    "inspection",
]
