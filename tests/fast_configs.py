"""Fast configurations of every estimator, shared by the common tests.

Each runs every training path of its method (STDAC with a spatial
transformer, whose grid_sample a NaN can crash) in a few seconds. A new
estimator exported by ``skdeepclust`` gets one here, and the common tests
(``test_common.py``, ``test_reliability.py``) cover it.
"""

import skdeepclust
from skdeepclust import DTIGaussianMixture, DTIKMeans, MMDCClustering, STDACClustering
from skdeepclust.base import BaseDeepClusterer

# Both DTI estimators: identity for one epoch, then affine warps.
_DTI = dict(
    transformations=("identity", "affine"),
    curriculum_milestones=(1,),
    max_epochs=3,
    batch_size=16,
    learning_rate=0.05,
    device="cpu",
)

CONFIGS = {
    "DTIKMeans": (
        DTIKMeans,
        _DTI,
    ),
    "DTIGaussianMixture": (
        DTIGaussianMixture,
        _DTI,
    ),
    "STDACClustering": (
        STDACClustering,
        dict(
            n_st_layers=1,
            st_init="identity",
            conv_channels=(4, 8, 8),
            hidden_units=16,
            dropout=0.0,
            max_epochs=3,
            batch_size=16,
            learning_rate=1e-2,
            device="cpu",
        ),
    ),
    "MMDCClustering": (
        MMDCClustering,
        dict(max_epochs=3, batch_size=16, input_size=16, refine_epoch=2, device="cpu"),
    ),
}
NAMES = list(CONFIGS)


def make(name, **params):
    Estimator, config = CONFIGS[name]
    return Estimator(**{"n_clusters": 3, "random_state": 0, **config, **params})


# Every estimator the package exports.
EXPORTED = sorted(
    name
    for name in skdeepclust.__all__
    if isinstance(getattr(skdeepclust, name), type)
    and issubclass(getattr(skdeepclust, name), BaseDeepClusterer)
)
