"""Tests of STDACClustering and its torch modules (ST-DAC / DAC)."""

import io
import math

import joblib
import numpy as np
import pytest
import torch
from digits_configs import STDAC_PARAMS
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.utils.estimator_checks import check_clustering, parametrize_with_checks

from skdeepclust.cluster_metrics import clustering_accuracy_score
from skdeepclust.nn.augment import warp
from skdeepclust.nn.dac_network import DACNetwork, label_features
from skdeepclust.nn.spatial_transformer import SpatialTransformer, sample
from skdeepclust.stdac import (
    AUGMENTATIONS,
    STDACClustering,
    augment_images,
    pairwise_loss,
    select_pairs,
    threshold_schedule,
)

# A small, fast configuration (the network keeps its layout).
_TINY = dict(
    n_clusters=3,
    n_st_layers=1,
    st_init="identity",
    conv_channels=(4, 8, 8),
    hidden_units=16,
    dropout=0.0,
    max_epochs=3,
    batch_size=16,
    learning_rate=1e-2,
    bn_statistics="running",
    device="cpu",
)


def _tiny(**params):
    return STDACClustering(**{**_TINY, "random_state": 0, **params})


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return (data.images / 16).astype(np.float32), data.target


# --- scikit-learn compatibility ----------------------------------------------


# No spatial transformer here; the ST path is checked for batch invariance
# and pickling below.
_CHECKED = dict(_TINY, n_st_layers=0, max_epochs=10)


def _expected_failed_checks(estimator):
    return {
        "check_clustering": (
            "The ~30 steps of this fast configuration separate sklearn's blobs "
            "only at some seeds and on some CPUs (ARI 0.24-1.0 over seeds 0-9); "
            "test_check_clustering_with_enough_training_steps runs the check "
            "with 60 epochs."
        )
    }


@pytest.mark.numerics
@parametrize_with_checks(
    [
        STDACClustering(**_CHECKED),
        STDACClustering(**dict(_CHECKED, bn_statistics="batch_during_fit")),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.numerics
@pytest.mark.parametrize("bn_statistics", ["running", "batch_during_fit"])
def test_check_clustering_with_enough_training_steps(bn_statistics):
    # sklearn's check on 50 standardised 2-D blobs (1 x 2 "images"), with
    # random_state=0 set by the check. 60 epochs: ARI >= 0.94 at that seed
    # with every kernel choice tried (default, AVX2, AVX-512), >= 0.5 over
    # seeds 0-9, against the check's 0.4.
    estimator = STDACClustering(
        **dict(_CHECKED, max_epochs=60, bn_statistics=bn_statistics)
    )
    check_clustering("STDACClustering", estimator)


# --- the method works --------------------------------------------------------

DIGITS_PARAMS = dict(STDAC_PARAMS, device="cpu")


@pytest.mark.numerics
def test_clusters_digits(digits):
    # A bar every run clears with margin: with these settings, seeds 0-2
    # under three CPU kernel choices and 1-2 threads gave ACC 0.748-0.904
    # (0.68-0.95 over seeds 0-5 before); a broken model scores far less.
    # Beating KMeans (0.79) on average is a benchmark claim, over seeds.
    X, y = digits
    model = STDACClustering(random_state=0, **DIGITS_PARAMS).fit(X)
    acc = clustering_accuracy_score(y, model.labels_)
    assert acc > 0.6, acc
    assert len(model.loss_curve_) == model.n_iter_ == 30
    assert model.loss_curve_[-1] < model.loss_curve_[0]


@pytest.mark.slow
def test_clusters_digits_on_average(digits):
    X, y = digits
    scores = [
        clustering_accuracy_score(
            y,
            STDACClustering(random_state=seed, **DIGITS_PARAMS).fit(X).labels_,
        )
        for seed in range(1, 5)
    ]
    assert np.mean(scores) > 0.79, scores


# --- threshold schedule and pair selection -----------------------------------


def test_dac_star_schedule_is_the_authors_code():
    # MNIST code: th = 0.99 falls by (0.99 - 0.80) / 10 after each epoch.
    values = [threshold_schedule(e, 10, 0.99, 0.8, "dac*") for e in range(10)]
    for epoch, (upper, lower) in enumerate(values):
        assert upper == lower
        assert upper == pytest.approx(0.99 - 0.019 * epoch)
    assert values[-1][0] == pytest.approx(0.819)
    # warm_start continuation past max_epochs stays at the end point.
    assert threshold_schedule(25, 10, 0.99, 0.8, "dac*") == pytest.approx((0.8, 0.8))


def test_dac_schedule_meets_at_the_last_epoch():
    values = np.array([threshold_schedule(e, 5, 0.99, 0.79, "dac") for e in range(5)])
    np.testing.assert_allclose(values[:, 0], [0.99, 0.965, 0.94, 0.915, 0.89])
    np.testing.assert_allclose(values[:, 1], [0.79, 0.815, 0.84, 0.865, 0.89])
    assert np.all(np.diff(values[:, 0]) < 0) and np.all(np.diff(values[:, 1]) > 0)
    assert values[-1, 0] == values[-1, 1]
    assert threshold_schedule(0, 1, 0.99, 0.79, "dac") == pytest.approx((0.89, 0.89))


@pytest.mark.parametrize("selection", ["dac*", "dac"])
def test_fitted_thresholds_and_pair_fractions(selection):
    X = np.random.RandomState(0).rand(64, 8, 8)
    model = _tiny(selection=selection, max_epochs=4, n_clusters=4).fit(X)
    expected = [threshold_schedule(e, 4, 0.99, 0.8, selection) for e in range(4)]
    np.testing.assert_allclose(model.thresholds_, expected)
    assert model.pair_fraction_.shape == (4,)
    # Every pair is used by DAC* throughout, and by DAC at the last epoch.
    assert model.pair_fraction_[-1] == 1.0
    if selection == "dac*":
        np.testing.assert_array_equal(model.pair_fraction_, 1.0)
    else:
        assert np.all(model.pair_fraction_ <= 1.0)


def test_select_pairs_and_loss_on_a_hand_made_example():
    similarity = torch.tensor([[1.0, 0.95, 0.5], [0.95, 1.0, 0.85], [0.5, 0.85, 1.0]])
    targets, selected = select_pairs(similarity, 0.9, 0.8)
    np.testing.assert_array_equal(targets, [[1, 1, 0], [1, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(
        selected, [[True, True, True], [True, True, False], [True, False, True]]
    )
    # Pairs between the thresholds carry no loss, whatever their value.
    loss = pairwise_loss(similarity, targets, selected)
    expected = (-2 * math.log(0.95) - 2 * math.log(0.5) - 3 * math.log(1 - 1e-7)) / 7
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    # One threshold (DAC*): every pair labelled, the one at it "same".
    targets, selected = select_pairs(similarity, 0.85, 0.85)
    assert bool(selected.all())
    np.testing.assert_array_equal(targets, [[1, 1, 0], [1, 1, 1], [0, 1, 1]])
    # No pair selected: zero loss, not a division by zero.
    none = torch.zeros(3, 3, dtype=torch.bool)
    assert float(pairwise_loss(similarity, targets, none)) == 0.0


def test_label_features_give_unit_norm_similarities():
    probabilities = torch.softmax(torch.randn(5, 4), dim=1)
    features = label_features(probabilities)
    np.testing.assert_allclose(features.norm(dim=1), 1.0, rtol=1e-6)
    similarity = features @ features.T
    assert float(similarity.min()) >= 0 and float(similarity.max()) <= 1 + 1e-6


# --- spatial transformers ----------------------------------------------------


def test_spatial_transformer_starts_at_identity():
    x = torch.rand(4, 3, 28, 28)
    torch.testing.assert_close(SpatialTransformer(3, 28, 28, init="identity")(x), x)


def test_spatial_transformer_authors_init_is_a_zoom():
    x = torch.rand(4, 1, 28, 28)
    out, theta = SpatialTransformer(1, 28, 28, init="authors")(x, return_theta=True)
    zoom = math.tanh(1.0)
    expected_theta = torch.tensor([[zoom, 0.0, 0.0], [0.0, zoom, 0.0]]).expand(4, 2, 3)
    torch.testing.assert_close(theta, expected_theta)
    torch.testing.assert_close(out, warp(x, expected_theta, padding_mode="border"))
    assert 1 / zoom == pytest.approx(1.313, abs=1e-3)


def _seya_sample(image, theta):
    """The authors' sampler (seya's SpatialTransformer, Keras 1), written out.

    Corner-aligned output grid, source index (x + 1) W / 2, floor and
    ceiling indices clipped to the image, bilinear weights from the clipped
    indices.
    """
    channels, height, width = image.shape
    xt, yt = np.meshgrid(np.linspace(-1, 1, width), np.linspace(-1, 1, height))
    source = theta @ np.stack([xt.ravel(), yt.ravel(), np.ones(xt.size)])
    u = (source[0] + 1) * width / 2
    v = (source[1] + 1) * height / 2
    x0 = np.clip(np.floor(u), 0, width - 1).astype(int)
    x1 = np.clip(np.floor(u) + 1, 0, width - 1).astype(int)
    y0 = np.clip(np.floor(v), 0, height - 1).astype(int)
    y1 = np.clip(np.floor(v) + 1, 0, height - 1).astype(int)
    out = (
        (x1 - u) * (y1 - v) * image[:, y0, x0]
        + (x1 - u) * (v - y0) * image[:, y1, x0]
        + (u - x0) * (y1 - v) * image[:, y0, x1]
        + (u - x0) * (v - y0) * image[:, y1, x1]
    )
    return out.reshape(channels, height, width)


@pytest.mark.parametrize("size", [(28, 28), (14, 14), (7, 7), (5, 9), (2, 3)])
def test_authors_sampler_is_the_authors_code(size):
    rng = np.random.RandomState(0)
    images = rng.rand(3, 2, *size)
    thetas = math.tanh(1.0) * np.eye(2, 3) + rng.uniform(-0.2, 0.2, (3, 2, 3))
    thetas[0] = math.tanh(1.0) * np.eye(2, 3)
    out = sample(torch.tensor(images), torch.tensor(thetas), "authors")
    expected = np.stack([_seya_sample(i, t) for i, t in zip(images, thetas)])
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-6)


def test_authors_sampler_zeroes_the_last_row_and_column():
    # At the authors' start on ST-3's 7 x 7 map, 13 of 49 outputs are dead.
    x = torch.rand(2, 4, 7, 7) + 0.5
    theta = (math.tanh(1.0) * torch.eye(2, 3)).expand(2, 2, 3)
    out = sample(x, theta, "authors")
    assert (out[..., -1, :] == 0).all() and (out[..., :, -1] == 0).all()
    assert (out[..., :-1, :-1] != 0).all()
    # A side of one pixel has no corner-aligned grid: sampled as "centered".
    strip = torch.rand(2, 1, 1, 5)
    identity = torch.eye(2, 3).expand(2, 2, 3)
    torch.testing.assert_close(sample(strip, identity, "authors"), strip)


@pytest.mark.parametrize(
    "shape", [(1, 28, 28), (1, 8, 8), (3, 8, 8), (1, 1, 2), (1, 1, 1)]
)
@pytest.mark.parametrize("n_st_layers", [0, 1, 2, 3])
def test_networks_build_and_forward(shape, n_st_layers):
    network = DACNetwork(
        *shape, 5, n_st_layers=n_st_layers, conv_channels=(4, 8, 8), hidden_units=16
    )
    n_transformers = sum(isinstance(m, SpatialTransformer) for m in network.modules())
    assert n_transformers == n_st_layers
    x = torch.rand(6, *shape)
    probabilities = network(x)
    assert probabilities.shape == (6, 5)
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(6))
    probabilities.sum().backward()
    network.eval()
    with torch.no_grad():
        assert network(x[:1]).shape == (1, 5)


@pytest.mark.numerics
@pytest.mark.parametrize("n_samples", [25, 32, 5])
def test_grouped_batch_statistics_equal_separate_batches(n_samples):
    # Pseudo-labels of a chunk in one pass, each group of 8 normalised by
    # itself, are those of passing the groups one by one (a last group of
    # one sample uses the running statistics either way).
    torch.manual_seed(0)
    network = DACNetwork(
        1, 12, 12, 4, n_st_layers=2, conv_channels=(4, 8, 8), hidden_units=16
    ).eval()
    x = torch.randn(n_samples, 1, 12, 12)
    with torch.no_grad():
        network.use_batch_statistics(True)
        separate = torch.cat([network(part) for part in x.split(8)])
        network.use_batch_statistics(True, group_size=8)
        together = network(x)
    torch.testing.assert_close(together, separate, atol=1e-5, rtol=1e-4)


def test_transform_images_starts_at_the_input():
    X = np.random.RandomState(0).rand(40, 8, 8).astype(np.float32)
    # One epoch at a negligible learning rate leaves the layer as built.
    identity = _tiny(learning_rate=1e-12, max_epochs=1, st_sampling="centered")
    np.testing.assert_allclose(
        identity.fit(X).transform_images(X[:5]), X[:5], atol=1e-5
    )
    zoom = math.tanh(1.0)
    theta = torch.tensor([[zoom, 0.0, 0.0], [0.0, zoom, 0.0]]).expand(5, 2, 3)
    images = torch.from_numpy(X[:5, None])
    for sampling in ("centered", "authors"):
        authors = _tiny(
            learning_rate=1e-12, max_epochs=1, st_init="authors", st_sampling=sampling
        ).fit(X)
        # The mean is subtracted before the layer, added back after.
        mean = authors.mean_pixel_
        expected = sample(images - mean, theta, sampling) + mean
        np.testing.assert_allclose(
            authors.transform_images(X[:5]), expected[:, 0], atol=1e-5
        )
    with pytest.raises(ValueError, match="n_st_layers=0"):
        _tiny(n_st_layers=0, max_epochs=1).fit(X).transform_images(X)


# --- inference outputs -------------------------------------------------------


def test_predict_proba_transform_score():
    X = np.random.RandomState(0).rand(60, 8, 8)
    model = _tiny(n_st_layers=2).fit(X)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(proba.argmax(axis=1), model.predict(X))
    np.testing.assert_array_equal(model.labels_, model.predict(X))
    features = model.transform(X)
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(
        features, proba / np.linalg.norm(proba, axis=1, keepdims=True), rtol=1e-5
    )
    score = model.score(X)
    assert np.isfinite(score) and score <= 0


@pytest.mark.numerics
def test_predictions_do_not_depend_on_the_batch():
    X = np.random.RandomState(0).rand(50, 8, 8)
    model = _tiny(n_st_layers=3).fit(X)
    full = model.predict_proba(X)
    np.testing.assert_allclose(model.predict_proba(X[7:9]), full[7:9], atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(X[::-1]), full[::-1], atol=1e-6)


def test_authors_batch_statistics_option():
    X = np.random.RandomState(0).rand(50, 8, 8)
    model = _tiny(bn_statistics="batch").fit(X)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    # The statistics of the batch shape the output: a pair is normalised
    # differently from the whole set.
    assert not np.allclose(model.predict_proba(X[:2]), proba[:2], atol=1e-6)
    assert model.predict_proba(X[:1]).shape == (1, 3)


def test_batch_statistics_during_fit_only():
    X = np.random.RandomState(0).rand(50, 8, 8)
    model = _tiny(bn_statistics="batch_during_fit").fit(X)
    # Predictions use running statistics: independent of the batch...
    full = model.predict_proba(X)
    np.testing.assert_allclose(model.predict_proba(X[7:9]), full[7:9], atol=1e-6)
    # ...but the pseudo-labels of training used batch statistics, so the
    # training went elsewhere than with running statistics throughout.
    running = _tiny(bn_statistics="running").fit(X)
    assert not np.allclose(running.predict_proba(X), full, atol=1e-4)


@pytest.mark.parametrize("bn_statistics", ["batch_during_fit", "batch"])
def test_training_batches_mix_pseudo_label_batches(bn_statistics):
    # As in the authors' code, the pseudo-labels are computed in mini-batches
    # of the chunk in order, and the training mini-batches are drawn from
    # the chunk afresh: with batch statistics, a sample's targets then come
    # from other samples than those it is trained with.
    X = np.random.RandomState(0).rand(64, 8, 8).astype(np.float32)
    model = _tiny(
        bn_statistics=bn_statistics, augmentation=None, chunk_size=64, max_epochs=1
    )
    batches = {True: [], False: []}

    def record(module, inputs, output):
        norm = module.logits[1]
        if module.training:
            groups = [inputs[0]]
        elif norm.batch_statistics and norm.group_size:
            # The pseudo-label pass: each group normalised by itself.
            groups = inputs[0].split(norm.group_size)
        else:
            return
        for group in groups:
            batches[module.training].append(
                frozenset(map(tuple, group.flatten(1).tolist()))
            )

    original_initialize = STDACClustering._initialize

    def initialize_and_record(self, *args):
        original_initialize(self, *args)
        self.network_.register_forward_hook(record)

    model._initialize = initialize_and_record.__get__(model)
    model.fit(X)
    # Four pseudo-label batches and four training steps of 16 samples.
    pseudo = batches[False]
    assert len(pseudo) == 4 and len(batches[True]) == 4
    assert all(len(rows) == 16 for rows in pseudo + batches[True])
    assert frozenset().union(*pseudo) == frozenset().union(*batches[True])
    for rows in batches[True]:
        assert sum(bool(rows & block) for block in pseudo) > 1


def test_reproducible_and_pickle_round_trip():
    X = np.random.RandomState(0).rand(50, 8, 8)
    model = _tiny(n_st_layers=2).fit(X)
    again = clone(model).fit(X)
    np.testing.assert_array_equal(model.labels_, again.labels_)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    loaded = joblib.load(buffer)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.transform_images(X), model.transform_images(X))
    # A loaded model continues training with its Adam state.
    assert loaded._optimizer is None and loaded._optimizer_state["state"]
    loaded.set_params(warm_start=True, max_epochs=1).fit(X)
    assert loaded.n_iter_ == model.n_iter_ + 1


def test_warm_start_continues_the_schedule():
    X = np.random.RandomState(0).rand(40, 8, 8)
    model = _tiny(max_epochs=2, warm_start=True).fit(X)
    model.fit(X)
    assert model.n_iter_ == 4 and len(model.thresholds_) == 4
    np.testing.assert_allclose(model.thresholds_[:, 0], [0.99, 0.895, 0.8, 0.8])


# --- augmentation and preprocessing ------------------------------------------


def test_augmentation_settings():
    images = torch.rand(8, 1, 28, 28)
    for name in ("mnist", "fashion"):
        model = _tiny(augmentation=name, max_epochs=1).fit(np.random.rand(20, 12, 12))
        assert model.augmentation_["rotation"] == {"mnist": 10.0, "fashion": 20.0}[name]
        out = augment_images(images, model.augmentation_)
        assert out.shape == images.shape and torch.isfinite(out).all()
    # "auto": DAC's MNIST recipe for images, nothing for 1 x d strips.
    assert _tiny(max_epochs=1).fit(np.random.rand(20, 8, 8)).augmentation_["zoom"] == (
        0.95,
        1.05,
    )
    assert _tiny(max_epochs=1).fit(np.random.rand(20, 2)).augmentation_ is None
    custom = _tiny(augmentation={"rotation": 5}, max_epochs=1).fit(
        np.random.rand(20, 8, 8)
    )
    assert (
        custom.augmentation_["rotation"] == 5 and custom.augmentation_["hflip"] is False
    )
    # With nothing random, the constant intensity factor is all that is left.
    scaled = augment_images(
        images,
        {
            "rotation": 0.0,
            "translation": 0.0,
            "zoom": (1.0, 1.0),
            "hflip": False,
            "channel_shift": 0.0,
            "intensity_scale": 0.5,
            "interpolation": "bilinear",
        },
    )
    torch.testing.assert_close(scaled, images * 0.5, atol=1e-5, rtol=1e-5)
    # Keras 1 resamples with nearest neighbours: a warp only moves pixels
    # (bilinear sampling would blend them into new values).
    geometric = {"channel_shift": 0.0, "intensity_scale": 1.0}
    for interpolation, only_moves in (("nearest", True), ("bilinear", False)):
        params = dict(AUGMENTATIONS["mnist"], **geometric, interpolation=interpolation)
        warped = augment_images(images, params)
        assert torch.isin(warped, images).all().item() is only_moves


def test_mean_subtraction():
    X = np.random.RandomState(0).rand(30, 8, 8).astype(np.float32)
    assert _tiny(max_epochs=1).fit(X).mean_pixel_ == pytest.approx(X.mean(), rel=1e-5)
    assert _tiny(max_epochs=1, subtract_mean=False).fit(X).mean_pixel_ == 0.0


# --- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"n_st_layers": 4}, ValueError, "n_st_layers"),
        ({"n_st_layers": 1.5}, ValueError, "n_st_layers"),
        ({"st_init": "zoom"}, ValueError, "st_init"),
        ({"selection": "dec"}, ValueError, "selection"),
        ({"bn_statistics": "mode2"}, ValueError, "bn_statistics"),
        ({"upper_threshold": 1.5}, ValueError, "upper_threshold"),
        ({"lower_threshold": -0.1}, ValueError, "lower_threshold"),
        (
            {"upper_threshold": 0.8, "lower_threshold": 0.9},
            ValueError,
            "must not exceed",
        ),
        ({"self_target_weight": -1}, ValueError, "self_target_weight"),
        ({"subtract_mean": "yes"}, TypeError, "subtract_mean"),
        ({"chunk_size": 1}, ValueError, "chunk_size"),
        ({"chunk_size": 10.0}, TypeError, "chunk_size"),
        ({"hidden_units": 0}, ValueError, "hidden_units"),
        ({"conv_channels": (4, 8)}, ValueError, "conv_channels"),
        ({"dropout": 1.0}, ValueError, "dropout"),
        ({"augmentation": "cifar"}, ValueError, "augmentation"),
        ({"augmentation": {"shear": 3}}, ValueError, "shear"),
        ({"augmentation": {"zoom": (1.0,)}}, ValueError, "zoom"),
        ({"augmentation": {"interpolation": "cubic"}}, ValueError, "interpolation"),
        ({"augmentation": 3}, TypeError, "augmentation"),
        ({"learning_rate": 0}, ValueError, "learning_rate"),
        ({"n_clusters": 0}, ValueError, "n_clusters"),
        ({"device": "tpu"}, ValueError, "device"),
    ],
)
def test_bad_parameters(params, error, match):
    X = np.random.RandomState(0).rand(20, 8, 8)
    model = _tiny(**params)
    with pytest.raises(error, match=match):
        model.fit(X)
    assert not hasattr(model, "labels_")


def test_bad_input_at_predict():
    model = _tiny(max_epochs=1).fit(np.random.rand(20, 8, 8))
    with pytest.raises(ValueError, match="features"):
        model.predict(np.random.rand(5, 7, 7))
    with pytest.raises(ValueError, match="shape"):
        model.predict(np.random.rand(5, 4, 16))
    with pytest.raises(ValueError):
        model.predict(np.full((5, 64), np.nan))


def test_adam_is_fused_only_where_torch_offers_it(monkeypatch):
    import skdeepclust.stdac as stdac

    X = np.random.RandomState(0).rand(40, 8, 8)
    monkeypatch.setattr(stdac, "_FUSED_ADAM_ON_CPU", False)  # torch < 2.4
    model = _tiny(max_epochs=1).fit(X)
    assert model._current_optimizer().defaults["fused"] is False
    monkeypatch.setattr(stdac, "_FUSED_ADAM_ON_CPU", True)
    assert _tiny(max_epochs=1).fit(X)._current_optimizer().defaults["fused"] is True


# --- the authors' evaluation and augmentation ----------------------------------


@pytest.mark.numerics
def test_predict_with_batch_statistics_is_keras_predict_in_batches_of_32():
    X = np.random.RandomState(0).rand(100, 8, 8).astype(np.float32)
    estimator = _tiny(max_epochs=2).fit(X)
    labels = estimator.predict_with_batch_statistics(X, random_state=3)
    # Keras: one shuffled order, then each batch of 32 (the last of 4) alone.
    order = np.random.RandomState(3).permutation(len(X))
    network = estimator.network_.eval().use_batch_statistics(True)
    with torch.no_grad():
        images = torch.from_numpy(X[order][:, None]) - estimator.mean_pixel_
        parts = [network(part).argmax(1) for part in images.split(32)]
    network.use_batch_statistics(False)
    expected = np.empty(len(X), dtype=np.int64)
    expected[order] = torch.cat(parts).numpy()
    np.testing.assert_array_equal(labels, expected)
    # The model is left as it was: predict still uses the running statistics.
    np.testing.assert_array_equal(estimator.predict(X), estimator.labels_)


def test_keras_zoom_draws_a_factor_per_axis():
    from skdeepclust.nn.augment import random_affine_matrices

    torch.manual_seed(0)
    keras = random_affine_matrices(2000, zoom=(0.8, 1.2), keras_zoom=True)
    zx, zy = keras[:, 0, 0], keras[:, 1, 1]
    assert 0.8 <= zx.min() and zx.max() <= 1.2 and 0.8 <= zy.min() and zy.max() <= 1.2
    assert abs(float(torch.corrcoef(torch.stack([zx, zy]))[0, 1])) < 0.1
    assert (keras[:, 0, 1] == 0).all() and (keras[:, 1, 0] == 0).all()
    isotropic = random_affine_matrices(50, zoom=(0.8, 1.2))
    torch.testing.assert_close(isotropic[:, 0, 0], isotropic[:, 1, 1])
