"""What every estimator promises whatever the input, the CPU or the fault.

Outputs that do not depend on the batch, divergence that raises
``FloatingPointError`` instead of crashing the process, a ``fit`` that is
transactional (a failed call leaves the estimator as it was, Ctrl-C leaves a
consistent and resumable one), clear errors and warnings for input that would
otherwise give garbage.
"""

import os
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch
from fast_configs import NAMES, make
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from torch.optim.optimizer import register_optimizer_step_post_hook

from skdeepclust import DTIKMeans, MMDCClustering
from skdeepclust.base import FitInterruptedWarning, as_float_images, check_images


@pytest.fixture(scope="module")
def images():
    rng = np.random.RandomState(0)
    return rng.rand(48, 8, 8).astype(np.float32)


def _inference_methods(estimator):
    names = ["predict", "transform", "predict_proba", "score_samples"]
    return [name for name in names if hasattr(estimator, name)]


def _fitted_state(estimator):
    """Fitted attributes and parameters as comparable numpy values."""
    state = {}
    for key, value in vars(estimator).items():
        if isinstance(value, torch.nn.Module):
            for name, tensor in value.state_dict().items():
                state[f"{key}.{name}"] = tensor.detach().cpu().numpy().copy()
        elif isinstance(value, torch.Tensor):
            state[key] = value.detach().cpu().numpy().copy()
        elif key.endswith("_") and isinstance(
            value, (np.ndarray, list, int, float, tuple)
        ):
            state[key] = np.array(
                value, dtype=object if isinstance(value, tuple) else None
            )
    return state


def _assert_same_state(before, after):
    assert before.keys() == after.keys()
    for key in before:
        np.testing.assert_array_equal(before[key], after[key], err_msg=key)


# --------------------------------------------------------------------------
# Outputs do not depend on the batch
# --------------------------------------------------------------------------


@pytest.mark.numerics
@pytest.mark.parametrize("name", NAMES)
def test_outputs_are_exactly_independent_of_the_batch(name, images):
    estimator = make(name).fit(images)
    for method_name in _inference_methods(estimator):
        method = getattr(estimator, method_name)
        full = method(images)
        one_by_one = np.concatenate([method(image[None]) for image in images[:7]])
        # Exact, not approximate: every sample goes through kernels of one shape.
        np.testing.assert_array_equal(full[:7], one_by_one, err_msg=method_name)
        np.testing.assert_array_equal(method(images[::-1])[::-1], full)


# --------------------------------------------------------------------------
# Divergence raises FloatingPointError, never crashes the process
# --------------------------------------------------------------------------


def on_training_forward(estimator, step, action):
    """Run ``action(estimator)`` at the ``step``-th training forward pass.

    Counted over every submodule of the fitted modules, once they are built.
    """
    original = type(estimator)._initialize
    calls = []

    def instrumented(self, X, random_state):
        original(self, X, random_state)

        def hook(module, inputs):
            if module.training:
                calls.append(1)
                if len(calls) == step:
                    action(self)

        for root in self._torch_modules():
            for module in root.modules():
                module.register_forward_pre_hook(hook)

    estimator._initialize = instrumented.__get__(estimator)


def poison_after_steps(n_steps):
    """Turn every trained weight NaN after the ``n_steps``-th optimizer step.

    As a user's divergence comes: one step leaves non-finite weights.
    """
    steps = []

    def hook(optimizer, args, kwargs):
        steps.append(1)
        if len(steps) == n_steps:
            with torch.no_grad():
                for group in optimizer.param_groups:
                    for parameter in group["params"]:
                        parameter.fill_(float("nan"))

    return register_optimizer_step_post_hook(hook)


_POISONED_FIT = textwrap.dedent(
    """
    import sys, numpy as np, torch
    sys.path.insert(0, {tests!r})
    from fast_configs import make
    from test_reliability import poison_after_steps
    torch.set_num_threads(1)
    estimator = make({name!r})
    poison_after_steps({n_steps})
    X = np.random.RandomState(0).rand(48, 8, 8)
    try:
        estimator.fit(X)
    except FloatingPointError as exc:
        assert not hasattr(estimator, "labels_"), "left half-fitted"
        print("FloatingPointError:", exc)
    """
)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n_steps", [2, 3], ids=["mid-epoch", "last step"])
def test_divergence_raises_floating_point_error_in_a_process_that_survives(
    name, n_steps
):
    # In a child process: on the code before the fix, the NaN reaches the
    # backward pass of grid_sample, which kills the process (SIGSEGV). Three
    # steps make an epoch here.
    code = _POISONED_FIT.format(
        tests=os.path.dirname(__file__), name=name, n_steps=n_steps
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert "FloatingPointError: " in result.stdout
    assert "stopped at epoch" in result.stdout


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_beyond_float32_are_rejected(name, dtype):
    X = np.random.RandomState(0).rand(48, 8, 8).astype(dtype)
    X[3, 4, 4] = 1e39 if dtype == np.float64 else np.inf
    estimator = (
        make(name, init="sample", curriculum_milestones=(0,))
        if (name.startswith("DTI"))
        else make(name)
    )
    with pytest.raises(ValueError, match="float32|infinity"):
        estimator.fit(X)


def test_mmdc_divergence_in_the_refinement_raises_floating_point_error(
    images, monkeypatch
):
    estimator = make("MMDCClustering", refine_epoch=0)
    original = MMDCClustering._embed

    def diverged(self, X):
        return original(self, X) * float("nan")

    monkeypatch.setattr(MMDCClustering, "_embed", diverged)
    with pytest.raises(FloatingPointError, match="embeddings"):
        estimator.fit(images)
    assert not hasattr(estimator, "labels_")


# --------------------------------------------------------------------------
# fit is transactional
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_rejected_refit_leaves_the_fitted_model(name, images):
    estimator = make(name).fit(images)
    before = _fitted_state(estimator)
    labels = estimator.predict(images)
    other = np.random.RandomState(1).rand(20, 6, 6)
    with pytest.raises(ValueError):
        estimator.set_params(batch_size=0).fit(other)
    with pytest.raises(ValueError, match="n_samples"):
        estimator.set_params(batch_size=16, n_clusters=30).fit(other)
    estimator.set_params(n_clusters=3)
    _assert_same_state(before, _fitted_state(estimator))
    assert estimator.n_features_in_ == 64
    np.testing.assert_array_equal(estimator.predict(images), labels)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("warm_start", [False, True])
def test_an_error_during_training_restores_the_previous_fit(
    name, images, warm_start, monkeypatch
):
    estimator = make(name).fit(images)
    before = _fitted_state(estimator)
    Estimator = type(estimator)
    original = Estimator._fit_epoch

    def failing(self, X, epoch, random_state):
        loss = original(self, X, epoch, random_state)
        if epoch >= (4 if warm_start else 1):
            raise RuntimeError("out of memory")
        return loss

    monkeypatch.setattr(Estimator, "_fit_epoch", failing)
    with pytest.raises(RuntimeError, match="out of memory"):
        estimator.set_params(warm_start=warm_start).fit(images)
    _assert_same_state(before, _fitted_state(estimator))


def test_a_failed_first_fit_leaves_the_estimator_unfitted(images, monkeypatch):
    estimator = make("DTIKMeans")
    monkeypatch.setattr(
        DTIKMeans, "_fit_epoch", lambda *args: (_ for _ in ()).throw(MemoryError())
    )
    with pytest.raises(MemoryError):
        estimator.fit(images)
    assert vars(estimator).keys() == make("DTIKMeans").__dict__.keys()
    with pytest.raises(NotFittedError):
        estimator.predict(images)


@pytest.fixture
def python_sigint_handler():
    """Python's own SIGINT handler, as in a process started in a terminal.

    A process started in the background by a non-interactive shell (``cmd &``)
    inherits SIGINT ignored; the tests that press Ctrl-C need the handler a
    user's process has.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _press_ctrl_c(how):
    def press(estimator):
        if how == "signal":
            os.kill(os.getpid(), signal.SIGINT)
        else:
            raise KeyboardInterrupt

    return press


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("how", ["signal", "exception"])
def test_ctrl_c_stops_with_a_consistent_resumable_model(
    name, images, how, python_sigint_handler
):
    estimator = make(name, max_epochs=4)
    on_training_forward(estimator, 7, _press_ctrl_c(how))
    with pytest.warns(FitInterruptedWarning, match="interrupted after"):
        estimator.fit(images)
    assert 0 <= estimator.n_iter_ < 4
    assert len(estimator.loss_curve_) == estimator.n_iter_
    np.testing.assert_array_equal(estimator.labels_, estimator.predict(images))
    # Python's own handler is back: a later Ctrl-C is a KeyboardInterrupt.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    done = estimator.n_iter_
    del estimator._initialize
    estimator.set_params(warm_start=True, max_epochs=2).fit(images)
    assert estimator.n_iter_ == done + 2
    assert len(estimator.loss_curve_) == done + 2


def test_ctrl_c_then_a_second_one_restores_the_previous_fit(
    images, monkeypatch, python_sigint_handler
):
    estimator = make("DTIKMeans").fit(images)
    before = _fitted_state(estimator)

    def impatient(self, X):
        raise KeyboardInterrupt

    estimator.set_params(warm_start=True)
    on_training_forward(estimator, 2, _press_ctrl_c("signal"))
    monkeypatch.setattr(DTIKMeans, "_predict_device", impatient)
    with pytest.raises(KeyboardInterrupt):
        estimator.fit(images)
    monkeypatch.undo()
    del estimator._initialize
    _assert_same_state(before, _fitted_state(estimator))


# --------------------------------------------------------------------------
# n_init with warm-ups: the kept fit is the fit of its seed alone
# --------------------------------------------------------------------------


def _kept_seed(estimator):
    seeds = np.random.RandomState(estimator.random_state).randint(
        np.iinfo(np.int32).max, size=estimator.n_init
    )
    return int(seeds[np.argmax(estimator.init_scores_)])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("init_epochs", [1, 1 / 3])
def test_warm_ups_keep_the_best_and_end_as_its_seed_alone(name, images, init_epochs):
    # One epoch either way: the fast configurations train three.
    epochs = []
    estimator = make(
        name,
        n_init=3,
        init_epochs=init_epochs,
        callback=lambda model, info: epochs.append(1),
    ).fit(images)
    # Three one-epoch warm-ups, then the kept one's last two epochs.
    assert len(epochs) == 3 + 2
    assert estimator.init_scores_.shape == (3,)
    assert estimator.n_iter_ == 3 and len(estimator.loss_curve_) == 3
    assert not hasattr(estimator, "_paused_fit")
    alone = make(name, random_state=_kept_seed(estimator)).fit(images)
    kept = _fitted_state(estimator)
    del kept["init_scores_"]
    _assert_same_state(_fitted_state(alone), kept)
    assert estimator._fitted_param("random_state") == 0
    assert estimator._fitted_param("init_epochs") == init_epochs


@pytest.mark.parametrize("name", ["DTIKMeans", "MMDCClustering"])
def test_warm_ups_as_long_as_the_schedule_are_full_initialisations(name, images):
    whole = make(name, n_init=2).fit(images)
    warm_ups = make(name, n_init=2, init_epochs=5).fit(images)
    np.testing.assert_array_equal(whole.init_scores_, warm_ups.init_scores_)
    _assert_same_state(_fitted_state(whole), _fitted_state(warm_ups))


def test_ctrl_c_in_a_warm_up_keeps_the_best_so_far_as_it_stands(
    images, monkeypatch, python_sigint_handler
):
    fits = []
    original = DTIKMeans._initialize

    def initialize(self, X, random_state):
        original(self, X, random_state)
        fits.append(self)
        if len(fits) == 2:
            # Ctrl-C in the second initialisation's first epoch.
            calls = []

            def hook(module, inputs):
                if module.training:
                    calls.append(1)
                    if len(calls) == 3:
                        os.kill(os.getpid(), signal.SIGINT)

            for root in self._torch_modules():
                for module in root.modules():
                    module.register_forward_pre_hook(hook)

    monkeypatch.setattr(DTIKMeans, "_initialize", initialize)
    estimator = make("DTIKMeans", n_init=3, init_epochs=2)
    with pytest.warns(FitInterruptedWarning):
        estimator.fit(images)
    # No third initialisation, and no training beyond the warm-ups.
    assert len(fits) == 2 and len(estimator.init_scores_) == 2
    assert estimator.n_iter_ <= 2
    np.testing.assert_array_equal(estimator.labels_, estimator.predict(images))
    assert not hasattr(estimator, "_paused_fit")


# --------------------------------------------------------------------------
# No silent garbage
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["DTIKMeans", "DTIGaussianMixture"])
@pytest.mark.parametrize(
    "convert",
    [
        lambda X: X.astype(np.float32),
        lambda X: X.astype(np.int64),
        lambda X: X.astype(np.uint16) * 257,
    ],
    ids=["float32 0..255", "int64", "uint16"],
)
def test_dti_warns_when_pixels_are_not_in_0_1(name, convert):
    X8 = (np.random.RandomState(0).rand(48, 8, 8) * 255).astype(np.uint8)
    with pytest.warns(UserWarning, match=r"pixels in \[0, 1\].*X / 255"):
        make(name, max_epochs=1).fit(convert(X8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make(name, max_epochs=1).fit(X8)
        make(name, max_epochs=1).fit(X8 / 255.0)


@pytest.mark.parametrize("name", NAMES)
def test_non_finite_outputs_at_inference_raise(name, images):
    estimator = make(name).fit(images)
    extreme = images * 1e37
    for method_name in _inference_methods(estimator):
        method = getattr(estimator, method_name)
        try:
            output = method(extreme)
        except ValueError as exc:
            assert "non-finite" in str(exc)
        else:
            # Saturating models (softmax outputs) stay finite: no garbage.
            assert np.isfinite(output).all(), method_name


def test_dti_predict_on_extreme_input_raises_instead_of_cluster_0(images):
    estimator = make("DTIKMeans").fit(images)
    with pytest.raises(ValueError, match="non-finite"):
        estimator.predict(images * 1e20)
    with pytest.raises(ValueError, match="non-finite"):
        estimator.transform(images * 1e20)


def test_a_fit_that_puts_everything_in_one_cluster_warns():
    X = np.zeros((48, 8, 8))
    with pytest.warns(ConvergenceWarning, match="every training sample in one cluster"):
        make("DTIKMeans", max_epochs=1).fit(X)


def test_a_fit_with_a_huge_loss_warns(images):
    with pytest.warns(ConvergenceWarning, match="training loss of"):
        make("DTIKMeans", max_epochs=1, learning_rate=1e-6).fit(images * 1e5)


# --------------------------------------------------------------------------
# The remaining gaps: each a clear error or the right behaviour
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_empty_image_stack_gets_sklearns_message(name):
    with pytest.raises(ValueError, match="0 sample"):
        make(name).fit(np.zeros((0, 8, 8)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "params, match",
    [
        ({"image_shape": "8x8"}, "image_shape"),
        ({"image_shape": 5}, "image_shape"),
        ({"image_shape": (8, 8.5)}, "image_shape must be a tuple of ints"),
        ({"warm_start": "no"}, "warm_start"),
        ({"warm_start": "yes"}, "warm_start"),
        ({"verbose": "loud"}, "verbose"),
        ({"batch_size": 1}, "batch_size"),
        ({"n_clusters": 2.0}, "n_clusters"),
        ({"max_epochs": 0}, "max_epochs"),
    ],
)
def test_invalid_parameters_are_rejected_before_anything_changes(name, params, match):
    estimator = make(name, **params)
    with pytest.raises(ValueError, match=match):
        estimator.fit(np.random.RandomState(0).rand(48, 64))
    assert not hasattr(estimator, "n_features_in_")


def test_stdac_rejects_a_float_number_of_st_layers():
    with pytest.raises(ValueError, match="n_st_layers"):
        make("STDACClustering", n_st_layers=2.0).fit(np.random.rand(20, 8, 8))


@pytest.mark.parametrize("name", NAMES)
def test_warm_start_with_a_new_structure_is_rejected(name, images):
    estimator = make(name).fit(images)
    before = _fitted_state(estimator)
    with pytest.raises(ValueError, match=r"n_clusters=3 -> 4.*warm_start=False"):
        estimator.set_params(warm_start=True, n_clusters=4).fit(images)
    _assert_same_state(before, _fitted_state(estimator))


@pytest.mark.parametrize(
    "name, changes",
    [
        ("DTIKMeans", {"curriculum_milestones": (9,), "n_clusters": 5}),
        ("DTIGaussianMixture", {"curriculum_milestones": (9,), "n_clusters": 5}),
        ("STDACClustering", {"n_st_layers": 0, "bn_statistics": "batch"}),
        (
            "MMDCClustering",
            {"n_clusters": 5, "target_sigma": 0.5, "crop_fractions": (0.5,)},
        ),
    ],
)
def test_fitted_behaviour_ignores_parameters_changed_after_fit(name, changes, images):
    estimator = make(name).fit(images)
    methods = _inference_methods(estimator)
    if name == "STDACClustering":
        methods.append("transform_images")
    if name.startswith("DTI"):
        methods.append("reconstruct")
    expected = {method: getattr(estimator, method)(images) for method in methods}
    estimator.set_params(**changes)
    for method in methods:
        np.testing.assert_array_equal(
            getattr(estimator, method)(images), expected[method], err_msg=method
        )


@pytest.mark.parametrize("name", NAMES)
def test_read_only_input_gives_no_torch_warning(name, images):
    X = images.copy()
    X.setflags(write=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator = make(name, max_epochs=1).fit(X)
        estimator.predict(X)
        clone(estimator).fit(X.reshape(len(X), -1))
    assert not [w for w in caught if "writable" in str(w.message)]


def test_channels_first_images_get_a_hint():
    with pytest.raises(ValueError, match=r"channels-first.*transpose\(0, 2, 3, 1\)"):
        make("DTIKMeans").fit(np.zeros((10, 3, 8, 8)))


def test_images_of_different_sizes_get_a_clear_error():
    X = [np.zeros((8, 8))] * 5 + [np.zeros((6, 8))] * 5
    with pytest.raises(ValueError, match="different shapes.*resize them"):
        make("DTIKMeans").fit(X)


def test_a_flat_input_of_another_size_at_predict_names_the_fitted_shape(images):
    estimator = make("DTIKMeans", max_epochs=1).fit(images)
    message = r"81 features.*expecting 64.*shape \(8, 8, 1\)"
    with pytest.raises(ValueError, match=message):
        estimator.predict(np.zeros((3, 81)))


# --------------------------------------------------------------------------
# uint8 images stay uint8 on the device
# --------------------------------------------------------------------------


def test_as_float_images_gives_the_values_check_images_gives():
    values = np.arange(256, dtype=np.uint8)
    expected = values.astype(np.float32) / np.float32(255)
    scaled = as_float_images(torch.from_numpy(values)).numpy()
    assert scaled.dtype == np.float32
    np.testing.assert_array_equal(scaled.view(np.uint32), expected.view(np.uint32))
    checked = check_images(make("DTIKMeans"), values.reshape(16, 16), reset=True)
    np.testing.assert_array_equal(checked.ravel(), expected)
    kept = check_images(
        make("DTIKMeans"), values.reshape(16, 16), reset=True, keep_uint8=True
    )
    assert kept.dtype == np.uint8
    floats = torch.rand(3, 1, 2, 2)
    assert as_float_images(floats) is floats


@pytest.mark.numerics
@pytest.mark.parametrize("name", NAMES)
def test_uint8_images_train_as_uint8_and_fit_as_their_float_scaling(name, monkeypatch):
    X8 = (np.random.RandomState(0).rand(48, 8, 8) * 256).astype(np.uint8)
    estimator_class = type(make(name))
    stored = []
    initialize = estimator_class._initialize

    def record_dtype(self, X, random_state):
        stored.append(X.dtype)
        return initialize(self, X, random_state)

    monkeypatch.setattr(estimator_class, "_initialize", record_dtype)
    from_uint8 = make(name).fit(X8)
    from_float = make(name).fit(X8.astype(np.float32) / np.float32(255))
    # The training set is held as the user gave it: 1 byte a pixel.
    assert stored == [torch.uint8, torch.float32]
    np.testing.assert_array_equal(from_uint8.labels_, from_float.labels_)
    _assert_same_state(_fitted_state(from_float), _fitted_state(from_uint8))
    for method_name in _inference_methods(from_uint8):
        np.testing.assert_array_equal(
            getattr(from_uint8, method_name)(X8),
            getattr(from_float, method_name)(X8 / 255.0),
            err_msg=method_name,
        )
