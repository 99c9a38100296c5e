"""The four estimators on a CUDA device: training, inference, persistence.

Skipped where CUDA is absent (CI has no GPU); run on a GPU machine with
``python -m pytest tests/test_cuda.py``.
"""

import pickle

import numpy as np
import pytest
import torch
from digits_configs import (
    DTI_LEARNING_RATES,
    DTI_SCHEDULE,
    MMDC_PARAMS,
    STDAC_PARAMS,
)
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits

from skdeepclust import (
    DTIGaussianMixture,
    DTIKMeans,
    MMDCClustering,
    STDACClustering,
)
from skdeepclust.cluster_metrics import clustering_accuracy_score

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


def _digits_estimator(name, seed):
    """The digits configuration of the CPU tests, on the GPU."""
    common = {"random_state": seed, "device": "cuda"}
    if name.startswith("DTI"):
        estimator_class = {
            "DTIKMeans": DTIKMeans,
            "DTIGaussianMixture": DTIGaussianMixture,
        }
        return estimator_class[name](
            10, learning_rate=DTI_LEARNING_RATES[name], **DTI_SCHEDULE, **common
        )
    if name == "MMDCClustering":
        return MMDCClustering(**MMDC_PARAMS, **common)
    return STDACClustering(**STDAC_PARAMS, **common)


ESTIMATORS = ["DTIGaussianMixture", "DTIKMeans", "MMDCClustering", "STDACClustering"]


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return (data.images / 16.0).astype(np.float32), data.target


@pytest.fixture(scope="module")
def kmeans_accuracy(digits):
    X, y = digits
    labels = KMeans(10, n_init=10, random_state=0).fit_predict(X.reshape(len(X), -1))
    return clustering_accuracy_score(y, labels)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_clusters_digits_on_cuda(name, digits, kmeans_accuracy):
    X, y = digits
    # These short digits configurations vary by several points between
    # seeds, and CUDA draws other random numbers than the CPU does: on an
    # H100 the means of seeds 0 and 1 were 0.76-0.78 for three of the four
    # (KMeans 0.79). What is checked here is that training on the device
    # learns clusters (chance is 0.1); the CPU tests and the recorded
    # benchmarks check quality.
    scores = []
    for seed in range(2):
        est = _digits_estimator(name, seed).fit(X)
        assert est.device_.type == "cuda"
        scores.append(clustering_accuracy_score(y, est.labels_))
    assert np.mean(scores) > 0.7, (scores, kmeans_accuracy)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_cuda_model_predicts_and_pickles_to_cpu(name, digits, monkeypatch):
    X, _ = digits
    est = _digits_estimator(name, 0).set_params(max_epochs=2).fit(X[:400])
    labels = est.predict(X[:400])
    np.testing.assert_array_equal(labels, est.labels_)
    embedding = est.transform(X[:50])
    assert isinstance(embedding, np.ndarray) and np.isfinite(embedding).all()

    # The pickle holds CPU tensors; a machine without CUDA loads it on
    # the CPU and predicts the same clusters.
    payload = pickle.dumps(est)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        loaded = pickle.loads(payload)
    cpu_labels = loaded.predict(X[:400])
    agreement = np.mean(cpu_labels == labels)
    # cuDNN and CPU convolutions round differently: a handful of images
    # near a boundary may switch, no more.
    assert agreement > 0.99, agreement


@pytest.mark.parametrize("name", ESTIMATORS)
def test_cuda_warm_start_continues(name, digits):
    X, _ = digits
    est = _digits_estimator(name, 0).set_params(max_epochs=1, warm_start=True)
    est.fit(X[:300]).fit(X[:300])
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2
