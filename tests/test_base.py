"""Tests of the shared estimator machinery, through a small concrete clusterer."""

import io
import pickle
import platform
import sys

import joblib
import numpy as np
import pytest
import torch
from simple_clusterer import GradientKMeans
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepclust.base import check_images, images_to_numpy, resolve_device

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.fixture
def blobs():
    X, y = make_blobs(n_samples=200, centers=3, n_features=16, random_state=0)
    return X.astype(np.float32), y


@pytest.mark.numerics
@parametrize_with_checks([GradientKMeans(max_epochs=5, device="cpu")])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# --- input shapes ------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, image_shape, expected",
    [
        ((5, 16), None, (4, 4, 1)),  # perfect square -> square grey image
        ((5, 12), None, (1, 12, 1)),  # otherwise a 1 x d strip
        ((5, 12), (3, 4), (3, 4, 1)),
        ((5, 48), (4, 4, 3), (4, 4, 3)),
        ((5, 6, 7), None, (6, 7, 1)),
        ((5, 6, 7, 1), None, (6, 7, 1)),
        ((5, 6, 7, 3), None, (6, 7, 3)),
    ],
)
def test_accepted_shapes(shape, image_shape, expected):
    X = np.random.RandomState(0).rand(*shape)
    est = GradientKMeans(image_shape=image_shape)
    images = check_images(est, X, reset=True)
    assert est.image_shape_ == expected
    assert est.n_features_in_ == int(np.prod(shape[1:]))
    height, width, channels = expected
    assert images.shape == (5, channels, height, width)
    assert images.dtype == np.float32
    # Channels-last in, channels-first inside, channels-last out again.
    back = images_to_numpy(torch.from_numpy(images), expected)
    np.testing.assert_allclose(back.reshape(5, -1), X.reshape(5, -1), rtol=1e-6)


def test_uint8_is_scaled_other_ints_are_not():
    X = np.array([[0, 255, 51, 102]], dtype=np.uint8).repeat(3, axis=0)
    images = check_images(GradientKMeans(), X, reset=True)
    np.testing.assert_allclose(images[0].ravel(), [0, 1, 0.2, 0.4], rtol=1e-6)
    images = check_images(GradientKMeans(), X.astype(np.int64), reset=True)
    np.testing.assert_allclose(images[0].ravel(), [0, 255, 51, 102])


def test_flat_and_image_input_agree_at_predict(blobs):
    X = np.random.RandomState(0).rand(60, 5, 5)
    est = GradientKMeans(max_epochs=3, random_state=0, device="cpu").fit(X)
    np.testing.assert_array_equal(est.predict(X), est.predict(X.reshape(60, 25)))
    np.testing.assert_array_equal(est.predict(X), est.labels_)
    assert est.labels_.dtype == np.int64


@pytest.mark.parametrize(
    "X, params, match",
    [
        (np.full((10, 4), np.nan), {}, "NaN"),
        (np.full((10, 4), np.inf), {}, "infinity"),
        (np.zeros(10), {}, "2D array"),
        (np.zeros((2, 3, 3, 3, 3)), {}, "5 dimensions"),
        (np.zeros((0, 4)), {}, "0 sample"),
        (np.zeros((10, 4, 4, 2)), {}, "C in {1, 3}"),
        (np.zeros((10, 12)), {"image_shape": (3, 5)}, "holds 15 values"),
        (np.zeros((10, 12)), {"image_shape": (3, 4, 2)}, "1 or 3 channels"),
        (np.zeros((10, 4, 4)), {"image_shape": (2, 8)}, "does not match"),
        (np.zeros((2, 4)), {"n_clusters": 3}, "n_samples=2 should be >= n_clusters=3"),
        (
            np.zeros((10, 4)),
            {"n_clusters": 0},
            "'n_clusters' parameter of GradientKMeans must be an int in the range",
        ),
        (np.zeros((10, 4)), {"learning_rate": -1.0}, "learning_rate"),
        (np.zeros((10, 4)), {"device": "tpu"}, "device"),
        (np.zeros((10, 4)), {"device": "not a device"}, "Unknown device"),
    ],
)
def test_bad_input_raises_clear_error(X, params, match):
    with pytest.raises(ValueError, match=match):
        GradientKMeans(**params).fit(X)


def test_non_numeric_input_raises():
    with pytest.raises(ValueError):
        GradientKMeans().fit([["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]])
    with pytest.raises(TypeError, match="n_clusters"):
        GradientKMeans(n_clusters=2.5).fit(np.zeros((10, 4)))


def test_predict_checks_image_shape():
    est = GradientKMeans(n_clusters=2, max_epochs=1, device="cpu")
    est.fit(np.random.rand(20, 4, 6))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(4, 6, 1\)"):
        est.predict(np.random.rand(5, 6, 4))
    with pytest.raises(ValueError, match="features"):
        est.predict(np.random.rand(5, 23))


def test_unfitted_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        GradientKMeans().predict(np.zeros((3, 4)))


# --- device, seeding ------------------------------------------------------------


def test_resolve_device():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda:0")


def test_device_param_is_kept_and_resolved(blobs):
    X, _ = blobs
    est = GradientKMeans(max_epochs=1).fit(X)
    assert est.device == "auto"
    assert est.device_ == resolve_device("auto")


def test_same_seed_same_model_and_global_rng_untouched(blobs):
    X, _ = blobs
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    a = GradientKMeans(random_state=7, max_epochs=4, device="cpu").fit(X)
    after = torch.rand(3)
    b = GradientKMeans(random_state=7, max_epochs=4, device="cpu").fit(X)
    # The fit draws from a forked generator: the user's stream is unchanged.
    assert torch.equal(before, after)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert a.loss_curve_ == b.loss_curve_
    c = GradientKMeans(random_state=8, max_epochs=4, device="cpu").fit(X)
    assert not np.array_equal(a.transform(X), c.transform(X))


# --- the loop -------------------------------------------------------------


@pytest.mark.numerics
def test_recovers_blobs_and_records_curve(blobs):
    X, y = blobs
    est = GradientKMeans(max_epochs=15, random_state=0, device="cpu").fit(X)
    assert adjusted_rand_score(y, est.labels_) > 0.9
    assert est.n_iter_ == 15 and len(est.loss_curve_) == 15
    assert est.loss_curve_[-1] < est.loss_curve_[0]


def test_verbose_prints_one_line_per_epoch(blobs, capsys):
    X, _ = blobs
    GradientKMeans(max_epochs=3, verbose=1, device="cpu").fit(X)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert "epoch" in lines[0] and "loss" in lines[0] and "left)" in lines[0]
    assert lines[-1].endswith("s")  # nothing left after the last epoch
    GradientKMeans(max_epochs=3, verbose=0, device="cpu").fit(X)
    assert capsys.readouterr().out == ""


def test_warm_start_continues(blobs):
    X, _ = blobs
    est = GradientKMeans(max_epochs=2, warm_start=True, random_state=0, device="cpu")
    est.fit(X)
    centers = est.centers_module_[0].detach().clone()
    est.fit(X)
    assert est.n_iter_ == 4 and len(est.loss_curve_) == 4
    assert not torch.equal(centers, est.centers_module_[0].detach())
    # A cold refit starts again.
    est.set_params(warm_start=False).fit(X)
    assert est.n_iter_ == 2
    # Continuing needs the fitted image shape.
    est.set_params(warm_start=True)
    with pytest.raises(ValueError, match="features"):
        est.fit(X[:, :9])


def test_non_finite_loss_raises_and_leaves_unfitted():
    X = np.full((20, 4), 1e30, dtype=np.float32)
    X[::2] = -1e30
    est = GradientKMeans(n_clusters=2, max_epochs=2, random_state=0, device="cpu")
    with pytest.raises(FloatingPointError, match="stopped at epoch 1"):
        est.fit(X)
    assert not hasattr(est, "labels_")
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        est.predict(X)


# --- composition and persistence ------------------------------------------------


def test_clone_pipeline_and_grid_search(blobs):
    from sklearn.model_selection import GridSearchCV, KFold

    X, y = blobs
    est = GradientKMeans(max_epochs=5, random_state=0, device="cpu")
    assert clone(est).get_params() == est.get_params()
    pipe = make_pipeline(FunctionTransformer(lambda Z: Z / 10), est).fit(X)
    assert adjusted_rand_score(y, pipe.predict(X)) > 0.9
    search = GridSearchCV(
        est,
        {"n_clusters": [2, 3, 4]},
        scoring="adjusted_rand_score",
        cv=KFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    assert search.best_params_ == {"n_clusters": 3}


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_round_trip(blobs, tmp_path, dump):
    X, _ = blobs
    est = GradientKMeans(max_epochs=3, random_state=0).fit(X)
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(est))
    else:
        joblib.dump(est, tmp_path / "model.joblib")
        loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
    assert loaded.device_ == est.device_


def test_pickled_state_holds_only_cpu_tensors(blobs):
    X, _ = blobs
    est = GradientKMeans(max_epochs=1).fit(X)
    state = est.__getstate__()
    assert isinstance(state["device_"], str)
    for parameter in state["centers_module_"].parameters():
        assert parameter.device.type == "cpu"
    # Pickling does not move the live estimator.
    assert est.centers_module_[0].device == est.device_


def test_cuda_fitted_model_loads_on_cpu_only_machine(blobs, monkeypatch):
    # What a CUDA fit leaves in the pickle: CPU tensors and device_ 'cuda'.
    X, _ = blobs
    est = GradientKMeans(max_epochs=2, random_state=0, device="cpu").fit(X)
    state = est.__getstate__()
    state["device_"] = "cuda:0"
    payload = io.BytesIO()
    pickle.dump((type(est), state), payload)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    cls, state = pickle.loads(payload.getvalue())
    loaded = cls.__new__(cls)
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        loaded.__setstate__(state)
    assert loaded.device_ == torch.device("cpu")
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


@needs_cuda
def test_cuda_fit_pickles_to_cpu(blobs, monkeypatch):
    X, _ = blobs
    est = GradientKMeans(max_epochs=2, random_state=0, device="cuda").fit(X)
    payload = pickle.dumps(est)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        loaded = pickle.loads(payload)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_keep_freed_memory_sets_glibc_thresholds_only_on_linux(monkeypatch):
    from skdeepclust.base import keep_freed_memory

    if sys.platform.startswith("linux") and "glibc" in platform.libc_ver()[0]:
        assert keep_freed_memory() is True
    monkeypatch.setattr(sys, "platform", "darwin")
    assert keep_freed_memory() is False


@pytest.mark.parametrize("flushing_before", [False, True])
def test_fit_and_predict_flush_denormals_then_restore_the_mode(flushing_before):
    # Denormals slow x86 arithmetic many times over (DTI GMM's gradients
    # have them); fit and inference flush them, and leave the mode as found.
    from skdeepclust.base import _flushes_denormals

    X = np.random.RandomState(0).rand(40, 4, 4).astype(np.float32)
    during = []
    estimator = GradientKMeans(
        max_epochs=2, device="cpu", random_state=0,
        callback=lambda est, info: during.append(_flushes_denormals()),
    )  # fmt: skip
    supported = torch.set_flush_denormal(flushing_before)
    try:
        if not supported:
            pytest.skip("this CPU cannot flush denormals")
        estimator.fit(X)
        assert during == [True, True]
        assert _flushes_denormals() is flushing_before
        estimator.predict(X)
        assert _flushes_denormals() is flushing_before
    finally:
        torch.set_flush_denormal(False)
