"""The "auto" schedules: what they choose, and the authors' configurations."""

import numpy as np
import pytest

from skdeepclust import (
    DTIGaussianMixture,
    DTIKMeans,
    MMDCClustering,
    STDACClustering,
    authors_params,
)
from skdeepclust.base import auto_max_epochs
from skdeepclust.datasets import load_digits_images


def _resolved(estimator, shape, continuing=False):
    """The fitted parameters ``fit`` would use on images of ``shape``."""
    if not continuing:
        estimator._fit_params = estimator.get_params()
    images = np.broadcast_to(np.uint8(0), shape)  # no memory: only the shape counts
    estimator._resolve_auto_params(images, continuing)
    return estimator._fit_params


@pytest.fixture(scope="module")
def small_digits():
    images, labels = load_digits_images(return_X_y=True)
    return images[:120], labels[:120]


MNIST = (70_000, 1, 28, 28)
DIGITS = (1_797, 1, 8, 8)


@pytest.mark.parametrize("estimator_class", [DTIKMeans, DTIGaussianMixture])
def test_dti_auto_is_the_authors_mnist_schedule_on_mnist(estimator_class):
    fitted = _resolved(estimator_class(), MNIST)
    authors = authors_params(estimator_class, "mnist")
    for name in ("transformations", "curriculum_milestones", "max_epochs"):
        assert fitted[name] == authors[name]
    assert fitted["lr_milestones"] == authors["lr_milestones"] == (35,)
    # The one difference: k-means++ seeding instead of random images.
    assert (fitted["init"], authors["init"]) == ("k-means++", "sample")


def test_stdac_and_mmdc_auto_are_the_authors_mnist_schedules_on_mnist():
    assert _resolved(STDACClustering(), MNIST)["max_epochs"] == 10
    fitted = _resolved(MMDCClustering(), MNIST)
    assert {k: fitted[k] for k in authors_params("MMDCClustering", "mnist")} == (
        authors_params("MMDCClustering", "mnist")
    )


def test_auto_lengthens_the_schedule_of_a_small_dataset():
    fitted = _resolved(DTIKMeans(), DIGITS)
    # ceil(40 * (70000 / 1797) ** (1/3)) = ceil(135.6): more epochs, fewer steps.
    assert fitted["max_epochs"] == 136
    assert fitted["transformations"] == ("identity", "affine")
    assert fitted["curriculum_milestones"] == (17,)  # 1/8 of the epochs
    assert fitted["lr_milestones"] == (119,)  # 7/8
    # ceil(10 * sqrt(70000 / 1797)) = ceil(62.4)
    assert _resolved(STDACClustering(), DIGITS)["max_epochs"] == 63
    assert _resolved(STDACClustering(), DIGITS)["lr_milestones"] == ()
    # MMDC's authors keep their epochs across dataset sizes.
    fitted = _resolved(MMDCClustering(), DIGITS)
    assert (fitted["max_epochs"], fitted["refine_epoch"]) == (50, 20)
    assert fitted["lr_milestones"] == (40,)
    # Larger sets than the reference keep its epochs.
    assert auto_max_epochs(700_000, 70_000, 40, 0.5) == 40
    assert auto_max_epochs(70_000 // 4, 70_000, 40, 0.5) == 80
    assert auto_max_epochs(70_000 // 8, 70_000, 40, 1 / 3) == 80
    assert auto_max_epochs(70_000 // 4, 70_000, 40, 1.0) == 160


@pytest.mark.parametrize(
    "shape, expected",
    [
        ((100, 1, 28, 28), ("identity", "affine", "morphological", "tps")),
        ((100, 1, 64, 48), ("identity", "affine", "morphological", "tps")),
        ((100, 1, 16, 16), ("identity", "color", "affine", "tps")),
        ((100, 3, 32, 32), ("identity", "color", "affine", "tps")),
        ((100, 3, 12, 40), ("identity", "affine")),
        ((100, 1, 8, 8), ("identity", "affine")),
    ],
)
def test_auto_transformations_follow_the_image_size(shape, expected):
    assert _resolved(DTIGaussianMixture(), shape)["transformations"] == expected


def test_set_values_are_kept_and_auto_milestones_follow_the_set_epochs():
    fitted = _resolved(
        DTIKMeans(max_epochs=16, transformations=("identity", "color", "affine")),
        DIGITS,
    )
    assert fitted["max_epochs"] == 16
    # 1/8 and 1/2 of 16 epochs; the learning rate drops after 14.
    assert fitted["curriculum_milestones"] == (2, 8)
    assert fitted["lr_milestones"] == (14,)
    fitted = _resolved(DTIKMeans(curriculum_milestones=[1, 2, 3]), MNIST)
    assert fitted["curriculum_milestones"] == (1, 2, 3)


def test_fit_exposes_the_choices_and_keeps_the_parameters(small_digits):
    images, _ = small_digits
    dti = DTIKMeans(n_clusters=4, max_epochs=2, batch_size=32, device="cpu")
    dti.fit(images)
    assert dti.get_params()["transformations"] == "auto"
    assert dti.transformations_ == ("identity", "affine")
    assert dti.curriculum_milestones_ == (1,)
    assert dti.lr_milestones_ == (2,)
    assert dti.max_epochs_ == dti.n_iter_ == 2


def test_warm_start_keeps_the_first_fit_s_choices():
    dti = DTIKMeans(warm_start=True)
    first = dict(_resolved(dti, DIGITS))
    # Continuing on twice the images: the schedule does not move.
    again = _resolved(dti, (2 * DIGITS[0], *DIGITS[1:]), continuing=True)
    for name in ("max_epochs", "curriculum_milestones", "lr_milestones"):
        assert again[name] == first[name]
    assert dti._continued_value("transformations") == first["transformations"]


def test_n_init_keeps_the_chosen_values_and_the_user_s_seed(small_digits):
    images, _ = small_digits
    dti = DTIKMeans(
        n_clusters=4,
        max_epochs=1,
        batch_size=32,
        n_init=2,
        random_state=3,
        device="cpu",
    ).fit(images)
    assert dti._fitted_param("transformations") == ("identity", "affine")
    assert dti._fitted_param("random_state") == 3
    assert dti._fitted_param("n_init") == 2
    assert dti.transformations_ == ("identity", "affine")


def test_authors_params():
    params = authors_params("DTIKMeans", "usps")
    assert params["max_epochs"] == 270 and params["padding_mode"] == "zeros"
    params["max_epochs"] = 1
    assert authors_params(DTIKMeans(), "usps")["max_epochs"] == 270
    assert authors_params(STDACClustering, "fashion_mnist")["n_st_layers"] == 3
    DTIGaussianMixture(**authors_params("DTIGaussianMixture", "fashion_mnist"))
    with pytest.raises(ValueError, match="no configuration of MMDCClustering"):
        authors_params("MMDCClustering", "usps")
    with pytest.raises(ValueError, match="No authors' configurations for 'KMeans'"):
        authors_params("KMeans", "mnist")
