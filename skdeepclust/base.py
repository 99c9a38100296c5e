"""Machinery shared by every skdeepclust estimator.

Everything the four estimators have in common lives here, written once:

* input validation and image-shape handling (:func:`check_images`),
* device resolution (:func:`resolve_device`),
* seeding from ``random_state`` (:func:`_seeded_torch`),
* keeping the dataset on the device and drawing mini-batches there
  (:func:`iter_minibatches`),
* the epoch loop with ``verbose`` output, ``loss_curve_``, ``n_iter_``,
  ``warm_start`` and a clear error on a non-finite loss
  (:class:`BaseDeepClusterer`),
* batched inference in evaluation mode (:meth:`BaseDeepClusterer._map_batches`),
* pickling that moves every tensor and module to the CPU, so that a model
  fitted on CUDA loads and predicts on a machine without a GPU.

A concrete estimator subclasses :class:`BaseDeepClusterer` and implements
``_initialize(X, random_state)``, ``_fit_epoch(X, epoch, random_state)`` and
``_predict_tensor(X)``; see its docstring.
"""

import contextlib
import copy
import ctypes
import functools
import math
import numbers
import signal
import sys
import threading
import time
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    clone,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "BaseDeepClusterer",
    "FitInterruptedWarning",
    "SCHEDULE_CONSTRAINTS",
    "as_float_images",
    "auto_max_epochs",
    "auto_milestones",
    "autocast",
    "check_images",
    "check_milestones",
    "float32_region",
    "iter_minibatches",
    "keep_freed_memory",
    "report_progress",
    "resolve_device",
    "stop_requested",
]


# --------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------


def _as_image_shape(image_shape):
    """Normalise a user ``image_shape`` to ``(H, W, C)`` or raise."""
    entries = list(np.asarray(image_shape, dtype=object).ravel())
    if np.ndim(image_shape) != 1 or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in entries
    ):
        raise ValueError(
            f"image_shape must be a tuple of ints, (height, width) or (height, "
            f"width, channels), got {image_shape!r}."
        )
    shape = tuple(int(s) for s in entries)
    if len(shape) == 2:
        shape = shape + (1,)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(
            f"image_shape must be (height, width) or (height, width, channels) "
            f"with positive sizes, got {image_shape!r}."
        )
    if shape[2] not in (1, 3):
        raise ValueError(
            f"image_shape must have 1 or 3 channels, got {shape[2]} "
            f"in image_shape={image_shape!r}."
        )
    return shape


def _infer_image_shape(n_features):
    """Shape ``(H, W, C)`` of a flat sample of ``n_features`` values."""
    side = math.isqrt(n_features)
    if side * side == n_features:
        return (side, side, 1)
    # Not a square: a 1 x d single-channel strip, so that generic 2-D
    # tabular data still goes through the same image code.
    return (1, n_features, 1)


def check_images(estimator, X, *, reset, keep_uint8=False):
    """Validate ``X`` and return it as a float32 array of shape (n, C, H, W).

    Accepted inputs (see DESIGN.md): ``(n, d)`` flat samples, reshaped with
    ``estimator.image_shape`` when set, else as square single-channel images
    when ``d`` is a perfect square, else as ``1 x d`` strips; ``(n, H, W)``
    grey images; ``(n, H, W, C)`` images with ``C`` in {1, 3}. ``uint8``
    input is scaled to [0, 1]; any other numeric dtype is used as is.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator; ``n_features_in_`` and ``image_shape_`` are set on it
        when ``reset`` is True, and checked against when False.
    X : array-like
        The input.
    reset : bool
        True in ``fit``, False at inference.
    keep_uint8 : bool, default=False
        Return ``uint8`` input as ``uint8`` (values 0..255), a quarter of
        the memory of float32; :func:`as_float_images` scales it later,
        batch by batch, to exactly the values this function would return.

    Returns
    -------
    images : ndarray of shape (n_samples, C, H, W), dtype float32 (or uint8)
    """
    # A list or array of images is reshaped to (n, d) *before* sklearn's
    # validation, so that n_features_in_ counts pixels and every error
    # message (NaN, empty, wrong dtype) is sklearn's own.
    given_shape = None
    X_array = X
    if not hasattr(X, "shape") and isinstance(X, (list, tuple)):
        try:
            X_array = np.asarray(X)
        except ValueError as exc:
            shapes = sorted({np.shape(image) for image in X}, key=str)
            raise ValueError(
                f"X holds images of different shapes ({', '.join(map(str, shapes[:4]))}"
                f"{', ...' if len(shapes) > 4 else ''}): resize them to one size "
                f"first, as skdeepclust.datasets.load_image_folder does."
            ) from exc
    ndim = getattr(X_array, "ndim", None)
    if ndim in (3, 4):
        n_samples = X_array.shape[0]
        given_shape = tuple(X_array.shape[1:]) + ((1,) if ndim == 3 else ())
        if given_shape[2] not in (1, 3):
            hint = ""
            if ndim == 4 and X_array.shape[1] in (1, 3):
                hint = (
                    " These look like channels-first images (n, C, H, W), as "
                    "torch stores them: pass X.transpose(0, 2, 3, 1)."
                )
            raise ValueError(
                f"Images of shape (n, H, W, C) must have C in {{1, 3}} "
                f"channels (channels last), got X.shape={X_array.shape}.{hint}"
            )
        # An explicit size, so that an empty (0, H, W) array reaches
        # sklearn's "0 sample(s)" message rather than numpy's reshape error.
        X_array = X_array.reshape(n_samples, math.prod(X_array.shape[1:]))
    elif ndim is not None and ndim > 4:
        raise ValueError(
            f"Expected X of shape (n_samples, n_features), (n_samples, H, W) or "
            f"(n_samples, H, W, C); got an array with {ndim} dimensions."
        )
    is_uint8 = getattr(X_array, "dtype", None) == np.uint8
    if not reset and hasattr(estimator, "image_shape_") and ndim == 2:
        n_values = math.prod(estimator.image_shape_)
        if X_array.shape[1] != n_values:
            raise ValueError(
                f"X has {X_array.shape[1]} features, but "
                f"{type(estimator).__name__} is expecting {n_values} features as "
                f"input: it was fitted on images of shape {estimator.image_shape_}."
            )

    X_flat = validate_data(
        estimator,
        X_array,
        reset=reset,
        # uint8 stays uint8 here: no float copy of the whole set is made.
        dtype=None if is_uint8 else [np.float32, np.float64],
        ensure_min_samples=1,
    )
    n_samples, n_features = X_flat.shape
    if is_uint8:
        if not keep_uint8:
            X_flat = _UINT8_TO_UNIT[X_flat]
    else:
        with np.errstate(over="ignore"):
            X_flat = X_flat.astype(np.float32, copy=False)
        # Checked after the cast: 1e39 is finite in float64 but infinite in
        # the float32 the models compute in.
        n_overflow = X_flat.size - np.count_nonzero(np.isfinite(X_flat))
        if n_overflow:
            raise ValueError(
                f"Input X holds {n_overflow} value(s) beyond the float32 range "
                f"(|x| > {np.finfo(np.float32).max:.3g}), which the models compute "
                f"in; rescale X."
            )

    if reset:
        if given_shape is not None:
            shape = given_shape
            if estimator.image_shape is not None and (
                _as_image_shape(estimator.image_shape) != shape
            ):
                raise ValueError(
                    f"image_shape={estimator.image_shape!r} does not match the "
                    f"shape of the images in X, {given_shape}."
                )
        elif estimator.image_shape is not None:
            shape = _as_image_shape(estimator.image_shape)
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"image_shape={estimator.image_shape!r} holds {math.prod(shape)} "
                    f"values but X has {n_features} features per sample."
                )
        else:
            shape = _infer_image_shape(n_features)
        estimator.image_shape_ = shape
    else:
        shape = estimator.image_shape_
        if given_shape is not None and given_shape != shape:
            raise ValueError(
                f"X has images of shape {given_shape} but "
                f"{type(estimator).__name__} was fitted on images of shape {shape}."
            )

    height, width, channels = shape
    if channels == 1:
        # A view with the standard strides of (n, 1, H, W): a transposed
        # view would have odd strides on the channel axis, and some kernels
        # choose their algorithm (and so their rounding) by strides.
        images = np.ascontiguousarray(X_flat.reshape(n_samples, 1, height, width))
    else:
        images = X_flat.reshape(n_samples, height, width, channels)
        images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    if not images.flags.writeable:
        # torch cannot share read-only memory (it warns); a copy it can.
        images = images.copy()
    return images


# The float32 of each uint8 value v, v / 255 as numpy rounds it. Scaling by
# looking up this table gives the same bits on every device, where a
# division on the device might round differently.
_UINT8_TO_UNIT = np.arange(256, dtype=np.float32) / np.float32(255)


@functools.lru_cache(maxsize=8)
def _uint8_table(device):
    return torch.from_numpy(_UINT8_TO_UNIT).to(device)


def as_float_images(images):
    """Images as float32 in [0, 1], from uint8 images kept so on the device.

    The estimators keep ``uint8`` training images as ``uint8`` on their
    device (a quarter of the memory of float32) and scale each batch with
    this function as it is used. The values are exactly numpy's float32
    ``X / 255``, on every device.

    Parameters
    ----------
    images : torch.Tensor
        Images of dtype ``uint8`` (values 0..255) or float32.

    Returns
    -------
    images : torch.Tensor
        ``uint8`` images divided by 255, as float32 on the same device;
        any other tensor as it is (no copy).
    """
    if images.dtype != torch.uint8:
        return images
    # int32 indices: half the memory of int64 ones for a large chunk.
    return _uint8_table(images.device)[images.to(torch.int32)]


def images_to_numpy(images, image_shape):
    """(n, C, H, W) tensor -> numpy images in the user's layout.

    Grey images come back as ``(n, H, W)``, colour ones as ``(n, H, W, C)``,
    so the output can be passed to ``matplotlib.pyplot.imshow`` as it is.
    """
    array = images.detach().to("cpu", torch.float32).numpy()
    if image_shape[2] == 1:
        return array[:, 0]
    return array.transpose(0, 2, 3, 1)


# --------------------------------------------------------------------------
# Device, seeding, batching
# --------------------------------------------------------------------------


def resolve_device(device):
    """Turn the ``device`` parameter into a :class:`torch.device`.

    ``"auto"`` (or None) means CUDA when available, else the CPU. A CUDA
    device without an index gets the current one, so that ``device_``
    compares equal to the device of the fitted tensors.

    Parameters
    ----------
    device : str, torch.device or None
        ``"auto"``, None, or anything :class:`torch.device` accepts.

    Returns
    -------
    device : torch.device
        The device to train on.
    """
    if device is None or (isinstance(device, str) and device == "auto"):
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"Unknown device {device!r}: use 'auto', 'cpu', 'cuda', 'cuda:<index>' "
            f"or a torch.device."
        ) from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was asked for but CUDA is not available on this "
                f"machine; use device='cpu' or device='auto'."
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was asked for but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)."
            )
        if resolved.index is None:
            resolved = torch.device("cuda", torch.cuda.current_device())
    elif resolved.type != "cpu":
        raise ValueError(
            f"Unsupported device {device!r}: skdeepclust trains on 'cpu' or 'cuda'."
        )
    return resolved


#: The ``precision`` options: the dtype the networks compute in.
PRECISIONS = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def autocast(device, precision):
    """The context in which networks compute in ``precision`` on ``device``.

    ``"float32"`` changes nothing. ``"bfloat16"`` is :func:`torch.autocast`'s
    mixed precision: convolutions and matrix products take bfloat16 inputs
    (and accumulate in float32), while parameters, optimizer state and the
    operations autocast keeps in float32 stay so. An estimator runs its
    losses, similarities and geometry in :func:`float32_region`.

    Parameters
    ----------
    device : torch.device
        Where the networks run.
    precision : {"float32", "bfloat16"}
        The ``precision`` parameter.

    Returns
    -------
    context : torch.autocast
    """
    enabled = precision != "float32"
    # No cast cache: it would keep each weight's bfloat16 copy for the whole
    # context, and a context spans many optimizer steps here.
    return torch.autocast(
        device.type,
        dtype=PRECISIONS[precision] if enabled else None,
        enabled=enabled,
        cache_enabled=False,
    )


def float32_region(device):
    """A context where everything computes in float32, even inside :func:`autocast`.

    Tensors that come in as bfloat16 (network outputs) still need
    ``.float()``; within the region, no operation casts them down again.

    Parameters
    ----------
    device : torch.device
        Where the computation runs.

    Returns
    -------
    context : torch.autocast
        Autocast switched off for ``device``'s type.
    """
    return torch.autocast(device.type, enabled=False)


def _flushes_denormals():
    """Whether this thread flushes float32 denormals to zero (x86 FTZ/DAZ)."""
    return bool(torch.tensor([1e-39]).mul(1.0).item() == 0.0)


@contextlib.contextmanager
def _flushing_denormals():
    """Flush denormal floats to zero on this thread, then restore the mode.

    Values below 1.2e-38 in magnitude (gradients of DTI GMM's near-zero
    responsibilities, for one) make x86 arithmetic many times slower;
    flushed to zero, DTI GMM trains about 1.5 times as fast on one CPU
    thread. torch sets the mode of the calling thread only: with several
    threads, torch's worker threads keep theirs.
    """
    previous = _flushes_denormals()
    supported = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if supported:
            torch.set_flush_denormal(previous)


# mallopt's parameter numbers (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_KEEP_FREED_BYTES = 1 << 30


def keep_freed_memory():
    """Let the C allocator reuse large freed blocks instead of unmapping them.

    By default glibc's ``malloc`` gives every block above 32 MiB its own
    memory mapping and returns it to the operating system when freed, so a
    training step that allocates such a tensor (a large layer's gradient, a
    batch of activations) faults fresh zeroed pages in at every step. This
    function raises glibc's mmap and trim thresholds to 1 GiB, so that
    freed blocks stay in the process and are reused. On the CPU it makes
    training faster where large tensors are allocated at every step
    (STDACClustering's dense layer, above all), at the cost of memory that
    the process keeps once it has used it; results do not change. See the
    user guide's :ref:`performance` section for measurements.

    It changes the whole process, not one estimator, so skdeepclust never
    calls it by itself: the command line (``python -m skdeepclust``) and
    the benchmark scripts call it; call it at the start of a script of
    your own. It does nothing where the C library is not glibc.

    Returns
    -------
    applied : bool
        Whether both thresholds were set.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(
        mallopt(_M_MMAP_THRESHOLD, _KEEP_FREED_BYTES)
        and mallopt(_M_TRIM_THRESHOLD, _KEEP_FREED_BYTES)
    )


@contextlib.contextmanager
def _seeded_torch(seed, device):
    """Run a block with torch's RNGs seeded, restoring them afterwards.

    Seeding torch's global generators (rather than threading a generator
    through every call) also makes parameter initialisation, dropout and
    ``randperm`` reproducible; forking keeps the user's global RNG state
    untouched by ``fit``.
    """
    devices = []
    if device.type == "cuda":
        devices = [
            device.index if device.index is not None else torch.cuda.current_device()
        ]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _torch_rng_state(device):
    """The states of torch's generators that a fit on ``device`` draws from."""
    cuda = torch.cuda.get_rng_state(device) if device.type == "cuda" else None
    return torch.get_rng_state(), cuda


@contextlib.contextmanager
def _restored_torch(state, device):
    """Run a block with torch's RNGs in ``state`` (from ``_torch_rng_state``),
    restoring the user's afterwards, as ``_seeded_torch`` does."""
    cpu, cuda = state
    with torch.random.fork_rng(devices=[device] if cuda is not None else []):
        torch.set_rng_state(cpu)
        if cuda is not None:
            torch.cuda.set_rng_state(cuda, device)
        yield


@contextlib.contextmanager
def _replayed_warnings():
    """Record the warnings of a block and issue them again at its end.

    Seen through "always", so that the same warning of several fits (one
    per initialisation) is not swallowed by the filters' once-per-place
    rule inside the block.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        warnings.warn_explicit(
            warning.message, warning.category, warning.filename, warning.lineno
        )


def iter_minibatches(n_samples, batch_size, *, device, shuffle=True, drop_last=False):
    """Yield index tensors of mini-batches, drawn on ``device``.

    Shuffling uses torch's (seeded) global generator, so the data stays on
    the device and only indices are drawn. The iteration stops early when
    :func:`stop_requested`.

    Parameters
    ----------
    n_samples : int
        Number of samples to draw batches from.
    batch_size : int
        Size of each mini-batch (the last one may be smaller).
    device : torch.device
        Device the index tensors are created on.
    shuffle : bool, default=True
        Draw the samples in a random order.
    drop_last : bool, default=False
        Leave out a last batch smaller than ``batch_size``.

    Yields
    ------
    indices : torch.Tensor
        int64 indices of one mini-batch.
    """
    if shuffle:
        order = torch.randperm(n_samples, device=device)
    else:
        order = torch.arange(n_samples, device=device)
    stop = n_samples - (n_samples % batch_size if drop_last else 0)
    for start in range(0, stop, batch_size):
        report_progress(start, stop)
        if stop_requested():
            return
        yield order[start : start + batch_size]
    report_progress(stop, stop)


# --------------------------------------------------------------------------
# Interruption
# --------------------------------------------------------------------------


class FitInterruptedWarning(UserWarning):
    """Warning that a fit was stopped by Ctrl-C before its last epoch."""


_ACTIVE_FIT = threading.local()

# Where the documentation is published (also pyproject's [project.urls]).
DOCUMENTATION_URL = "https://skdeepclust.readthedocs.io/en/latest/"


def stop_requested():
    """True when the user pressed Ctrl-C during the fit running in this thread.

    Training loops check it after each optimisation step and stop there, so
    that the model is left between two steps (:func:`iter_minibatches` does
    so by itself).

    Returns
    -------
    requested : bool
        Whether training should stop after the current step.
    """
    interrupt = getattr(_ACTIVE_FIT, "interrupt", None)
    return interrupt is not None and interrupt.requested


def report_progress(done, total):
    """Tell a verbose fit how far the pass over the data has come.

    :func:`iter_minibatches` calls it by itself; a training loop that draws
    its batches otherwise calls it after each step. With ``verbose >= 1``
    the fit prints a line with the share done and the time left in the pass
    at most every ten seconds; otherwise this does nothing.

    Parameters
    ----------
    done : int
        Samples of the pass already trained on.
    total : int
        Samples in the pass (``done`` starting again from 0 begins a new
        pass, as an epoch of several passes does).
    """
    progress = getattr(_ACTIVE_FIT, "progress", None)
    if progress is not None:
        progress.update(done, total)


def _duration(seconds):
    """``seconds`` in words: "45 s", "3 min 20 s", "2 h 05 min"."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class _EpochProgress:
    """The progress lines of a verbose fit within one epoch."""

    # Seconds between two lines, and before the first one of an epoch.
    interval = 10.0

    def __init__(self, name, epoch, n_epochs, clock=time.perf_counter):
        self.prefix = f"[{name}] epoch {epoch}/{n_epochs}"
        self.clock = clock
        self.pass_start = self.last_line = clock()
        self.last_done = 0

    def update(self, done, total):
        now = self.clock()
        if done < self.last_done:
            self.pass_start = now
        self.last_done = done
        if not 0 < done < total or now - self.last_line < self.interval:
            return
        self.last_line = now
        elapsed = now - self.pass_start
        left = elapsed * (total - done) / done
        print(
            f"{self.prefix}: {100 * done / total:3.0f}% ({done:,}/{total:,} images), "
            f"{_duration(elapsed)} in, about {_duration(left)} left",
            flush=True,
        )


class _GracefulInterrupt:
    """Turn the first Ctrl-C of a fit into a request to stop after the step.

    Only in the main thread and only where Python's own SIGINT handler is in
    place; a second Ctrl-C interrupts at once, as usual. Elsewhere a
    ``KeyboardInterrupt`` raised by the training loop stops it the same way,
    wherever it arrived.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            self._previous = signal.signal(signal.SIGINT, self._request)
        _ACTIVE_FIT.interrupt = self
        return self

    def _request(self, signum, frame):
        self.requested = True
        signal.signal(signal.SIGINT, self._previous)

    def __exit__(self, *exc_info):
        _ACTIVE_FIT.interrupt = None
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


# --------------------------------------------------------------------------
# Persistence
# --------------------------------------------------------------------------


def _to_cpu(value):
    """A CPU copy of ``value`` if it holds torch state, else ``value``."""
    if isinstance(value, torch.nn.Module):
        return copy.deepcopy(value).to("cpu")
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu")
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, dict):
        return {key: _to_cpu(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_cpu(item) for item in value)
    return value


def _to_device(value, device):
    if isinstance(value, (torch.nn.Module, torch.Tensor)):
        return value.to(device)
    if isinstance(value, dict):
        return {key: _to_device(item, device) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_device(item, device) for item in value)
    return value


# --------------------------------------------------------------------------
# Estimator base class
# --------------------------------------------------------------------------


#: The ``_parameter_constraints`` of ``max_epochs``, ``lr_milestones`` and
#: ``lr_gamma``, the schedule every estimator offers (the learning rate is
#: multiplied by ``lr_gamma`` at each epoch of ``lr_milestones``), each of
#: the first two possibly ``"auto"`` (the estimator then sets
#: ``_auto_schedule``); an estimator merges them into its own constraints.
SCHEDULE_CONSTRAINTS = {
    "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "lr_milestones": ["array-like", StrOptions({"auto"})],
    "lr_gamma": [Interval(Real, 0, None, closed="neither")],
}


def _is_auto(value):
    return isinstance(value, str) and value == "auto"


def auto_max_epochs(n_samples, reference_n_samples, reference_epochs, exponent):
    """The number of epochs ``max_epochs="auto"`` gives ``n_samples`` images.

    The reference configuration (an authors' one) trains
    ``reference_epochs`` epochs of ``reference_n_samples`` images. A dataset
    at least that large gets the reference's epochs; a smaller one
    ``reference_epochs * (reference_n_samples / n_samples) ** exponent``,
    rounded up: with ``exponent=0`` as many epochs (fewer optimisation
    steps, the smaller the data), with 1 as many steps, in between more
    epochs but fewer steps.

    Parameters
    ----------
    n_samples : int
        Number of training images.
    reference_n_samples : int
        Number of images of the reference configuration.
    reference_epochs : int
        Epochs of the reference configuration.
    exponent : float
        How the epochs grow as the data shrinks, in [0, 1].

    Returns
    -------
    max_epochs : int
        The number of epochs.
    """
    ratio = max(reference_n_samples / n_samples, 1.0)
    # The small tolerance keeps a ratio that is a whole power exact.
    return int(math.ceil(reference_epochs * ratio**exponent - 1e-9))


def auto_milestones(value, fractions, max_epochs):
    """The milestones of a schedule parameter that may be ``"auto"``.

    Parameters
    ----------
    value : "auto" or sequence of int
        The parameter as set.
    fractions : sequence of float
        Where ``"auto"`` puts the milestones, as fractions of ``max_epochs``.
    max_epochs : int
        The number of epochs of the fit.

    Returns
    -------
    milestones : tuple of int
        ``value`` as a tuple when it is not ``"auto"``, else the epochs
        ``round(fraction * max_epochs)``, at least 1.
    """
    if not _is_auto(value):
        return tuple(value) if hasattr(value, "__iter__") else value
    return tuple(max(1, int(round(f * max_epochs))) for f in fractions)


def check_milestones(milestones, name):
    """The epochs of ``milestones`` as a list, or raise.

    Parameters
    ----------
    milestones : sequence of int
        Epochs, non-decreasing and >= 0; a sequence, not a single number.
    name : str
        The parameter's name, for the error message.

    Returns
    -------
    milestones : list of int
        The epochs.
    """
    if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
        raise TypeError(f"{name} must be a sequence of epochs, got {milestones!r}.")
    milestones = list(milestones)
    for milestone in milestones:
        if not isinstance(milestone, numbers.Integral) or isinstance(milestone, bool):
            raise TypeError(f"{name} must hold ints, got {milestones!r}.")
        if milestone < 0:
            raise ValueError(f"{name} must be >= 0, got {milestones!r}.")
    if milestones != sorted(milestones):
        raise ValueError(f"{name} must be non-decreasing, got {milestones!r}.")
    return milestones


class BaseDeepClusterer(
    ClusterMixin,
    TransformerMixin,
    ClassNamePrefixFeaturesOutMixin,
    BaseEstimator,
    metaclass=ABCMeta,
):
    """Base class of the skdeepclust estimators.

    It owns the scikit-learn contract: parameter validation at the top of
    ``fit`` (from ``_parameter_constraints``), device resolution into
    ``device_``, seeding, the epoch loop, fitted attributes, batched
    inference and persistence. Subclasses own the method:

    ``_initialize(self, X, random_state)``
        Build the torch modules (attributes whose names end with an
        underscore) for the images ``X`` (a tensor of shape (n, C, H, W) already on
        ``self.device_``: float32, or uint8 when the user passed uint8, which
        :func:`as_float_images` scales batch by batch). Called by ``fit``
        unless ``warm_start`` continues a previous fit. ``random_state`` is
        a :class:`numpy.random.RandomState`.
    ``_fit_epoch(self, X, epoch, random_state)``
        Run one epoch of training over ``X`` and return its mean loss (a
        float). ``epoch`` counts from 0 since initialisation, so schedules
        keep going under ``warm_start``. Modules are in training mode. Each
        step passes its loss to ``_check_step_loss`` before
        ``backward``, and the epoch stops early when :func:`stop_requested`
        (:func:`iter_minibatches` does so by itself).
    ``_predict_tensor(self, X)``
        Labels of a batch of images (a tensor on ``device_``), as an int64
        tensor. Called in evaluation mode under ``torch.no_grad``.

    Optionally ``_make_optimizer(self)`` (the torch optimizer of the fitted
    modules, with its parameter groups; Adam over every parameter by
    default), ``_check_params_vs_input(self, X)`` (the checks that involve
    several parameters or the data, after ``_parameter_constraints``),
    ``_set_fitted_attributes(self)`` (numpy views of the model, after each
    fit) and ``_warm_start_fixed``, the parameters that a ``warm_start`` fit
    cannot change (the model's structure).

    The base class owns the optimizer: it is built once per model, given the
    learning rate of each epoch (``learning_rate``, divided by
    ``1 / lr_gamma`` at each of ``lr_milestones`` where the estimator has
    them), kept across ``warm_start`` fits and pickled with the model (as
    its state dict), so that a warm start after loading resumes it too.
    ``_current_optimizer()`` returns it within an epoch.

    ``fit`` is transactional: when it raises, the estimator is left as it
    was before the call. A Ctrl-C stops training after the current step and
    leaves a consistent model (see :class:`FitInterruptedWarning`). Fitted
    behaviour reads the parameters as they were at fit time
    (``_fitted_param``), never later changes made by ``set_params``.

    Every fitted attribute holding a :class:`torch.nn.Module` or a tensor is
    moved to the CPU when pickled and switched between training and
    evaluation mode by the loop; nothing else needs declaring.

    All subclasses take the common keyword parameters ``max_epochs``,
    ``batch_size``, ``learning_rate``, ``device``, ``random_state``,
    ``verbose``, ``image_shape`` and ``warm_start``; with ``n_init`` too,
    ``fit`` keeps the best of that many fits by ``score``, and with
    ``precision`` their training epochs and inference batches run in
    :func:`autocast` (subclasses then keep their losses and geometry in
    :func:`float32_region`).
    """

    # The "?" of the HTML repr opens the estimator's API page. Pages are
    # named by the public import path (skdeepclust.DTIKMeans), not the
    # defining module that scikit-learn's default template would use.
    _doc_link_module = "skdeepclust"
    _doc_link_template = DOCUMENTATION_URL + "generated/skdeepclust.{name}.html"

    def _doc_link_url_param_generator(self):
        return {"name": type(self).__name__}

    _parameter_constraints = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        # Every model has batch normalisation, which cannot train on one image.
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "device": [str, torch.device, None],
        "random_state": ["random_state"],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_epochs": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
            None,
        ],
        "verbose": ["verbose"],
        "image_shape": [None, "array-like"],
        "warm_start": ["boolean"],
        "callback": [callable, list, tuple, None],
        "precision": [StrOptions(set(PRECISIONS))],
    }

    # The reference of max_epochs="auto" where an estimator allows it: the
    # keyword arguments of auto_max_epochs but n_samples.
    _auto_schedule = None
    # Where lr_milestones="auto" puts its milestones, as fractions of the epochs.
    _auto_lr_milestone_fractions = ()

    # Parameters fixed by the first fit: a warm start cannot change them.
    _warm_start_fixed = ("n_clusters",)

    # Rows of every inference batch. Each batch has exactly this many (the
    # last one padded), so that every sample goes through the same kernels
    # wherever it sits: outputs do not depend on the batch composition.
    _inference_batch_size = 256

    # A final training loss above this (per value, see _loss_per_value) means
    # the model has not fitted the data.
    _degenerate_loss = 1e6

    # --- hooks -----------------------------------------------------------

    @abstractmethod
    def _initialize(self, X, random_state):
        """Build the torch modules for the images ``X``."""

    @abstractmethod
    def _fit_epoch(self, X, epoch, random_state):
        """Train for one epoch; return the mean loss."""

    @abstractmethod
    def _predict_tensor(self, X):
        """Labels of a batch of images, in evaluation mode."""

    def _check_params_vs_input(self, X):
        """Checks that involve the data (``X``: images (n, C, H, W)).

        Subclasses extend it to check their own, calling ``super()``.
        """
        if isinstance(self.callback, (list, tuple)) and not all(
            callable(callback) for callback in self.callback
        ):
            raise ValueError(
                f"callback must be a callable or a list of callables, got "
                f"{self.callback!r}."
            )
        n_samples = X.shape[0]
        if n_samples < max(self.n_clusters, 2):
            raise ValueError(
                f"n_samples={n_samples} should be >= n_clusters={self.n_clusters} "
                f"and >= 2: a {type(self).__name__} cannot be fitted on fewer samples."
            )

    def _make_optimizer(self):
        """A new optimizer of the fitted modules' parameters."""
        parameters = [
            p for module in self._torch_modules() for p in module.parameters()
        ]
        return torch.optim.Adam(parameters, lr=self.learning_rate)

    def _set_fitted_attributes(self):
        """Set the fitted attributes derived from the model; none by default."""

    def _current_optimizer(self):
        """The optimizer of this model, built (and its state restored) once."""
        if self._optimizer is None:
            optimizer = self._make_optimizer()
            if self._optimizer_state is not None:
                # Also moves the state to the parameters' device.
                optimizer.load_state_dict(self._optimizer_state)
            self._optimizer, self._optimizer_state = optimizer, None
        return self._optimizer

    def _learning_rate_at(self, epoch):
        """The learning rate of (0-based) ``epoch`` in the fitted schedule."""
        milestones = self._fit_params.get("lr_milestones", ())
        gamma = self._fit_params.get("lr_gamma", 1.0)
        n_decays = sum(int(epoch >= milestone) for milestone in milestones)
        return self.learning_rate * gamma**n_decays

    def _loss_per_value(self, loss):
        """The training loss on the scale of one value (see ``_degenerate_loss``)."""
        return loss

    def _torch_modules(self):
        """The fitted torch modules, in a stable order."""
        return [
            value
            for key, value in sorted(vars(self).items())
            if key.endswith("_") and isinstance(value, torch.nn.Module)
        ]

    def _set_training(self, training):
        for module in self._torch_modules():
            module.train(training)

    @property
    def _n_features_out(self):
        """Columns of ``transform``'s output: one per cluster by default.

        They are named ``<estimator>0``, ``<estimator>1``... by
        ``get_feature_names_out``, as :class:`sklearn.cluster.KMeans` names
        its distances, so that ``set_output(transform="pandas")`` works.
        """
        return self._fitted_param("n_clusters")

    def _fitted_param(self, name):
        """The value parameter ``name`` had when the model was fitted.

        A parameter left to ``"auto"`` reads as the value ``fit`` chose.
        """
        return self._fit_params[name]

    def _auto_params(self, X):
        """The values ``fit`` uses for the parameters that may be ``"auto"``.

        ``X`` holds the training images, an array of shape (n, C, H, W).
        Returns a dict: for each such parameter, the value chosen from the
        data when the parameter is ``"auto"``, else the value set. Each is
        exposed as the fitted attribute ``<name>_`` and read back by
        ``_fitted_param``. By default: ``max_epochs`` and, where the
        estimator has it, ``lr_milestones``, from ``_auto_schedule``.
        """
        resolved = {}
        if _is_auto(self.max_epochs):
            if self._auto_schedule is None:
                raise TypeError(
                    f"{type(self).__name__} sets no _auto_schedule: it cannot take "
                    f"max_epochs='auto'."
                )
            resolved["max_epochs"] = auto_max_epochs(X.shape[0], **self._auto_schedule)
        else:
            resolved["max_epochs"] = self.max_epochs
        if "lr_milestones" in self._fit_params:
            resolved["lr_milestones"] = auto_milestones(
                self.lr_milestones,
                self._auto_lr_milestone_fractions,
                resolved["max_epochs"],
            )
        return resolved

    def _resolve_auto_params(self, X, continuing):
        """Put the values of the ``"auto"`` parameters into the fitted ones.

        A ``warm_start`` continuation keeps the first fit's choice for every
        parameter still ``"auto"``, so that its schedule goes on unchanged.
        """
        resolved = self._auto_params(X)
        auto = [name for name in resolved if _is_auto(getattr(self, name))]
        if continuing:
            kept = self._auto_resolved
            resolved.update({name: kept[name] for name in auto if name in kept})
        self._auto_resolved = {name: resolved[name] for name in auto}
        self._fit_params.update(resolved)
        for name, value in resolved.items():
            setattr(self, name + "_", value)
        if self.verbose and self._auto_resolved and not continuing:
            chosen = ", ".join(f"{k}={v!r}" for k, v in self._auto_resolved.items())
            print(f"[{type(self).__name__}] auto: {chosen}", flush=True)

    def _autocast(self):
        """:func:`autocast` for the fitted ``precision`` on ``device_``.

        ``precision`` is optional for a subclass: without it, float32.
        """
        return autocast(self.device_, self._fit_params.get("precision", "float32"))

    # --- fit -------------------------------------------------------------

    def fit(self, X, y=None):
        """Train the model on the images ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Training images; ``uint8`` images are scaled to [0, 1].
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        continuing = self.warm_start and self.__sklearn_is_fitted__()
        if continuing:
            self._check_warm_start_params()
        # A warm start trains the fitted model in place: keep a copy of it.
        saved = self._fit_state(deep=continuing)
        try:
            # n_init is optional for a subclass: without it, one fit.
            if continuing or getattr(self, "n_init", 1) == 1:
                if not continuing:
                    vars(self).pop("init_scores_", None)
                self._fit(X, continuing)
            else:
                self._fit_best_of(X)
        except BaseException:
            self._restore_fit_state(saved)
            raise
        return self

    def _fit_best_of(self, X):
        """Fit ``n_init`` copies from seeds drawn from ``random_state``; keep the
        one whose ``score`` on ``X`` is best.

        With ``init_epochs``, each copy trains that many epochs of its
        schedule, they are compared then, and only the best goes on to the
        end: it ends exactly as a fit from its seed alone would.
        """
        seeds = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=self.n_init
        )
        # An estimator without the parameter trains every initialisation whole.
        warm_up = getattr(self, "init_epochs", None)
        best, scores = None, []
        for i, seed in enumerate(seeds):
            candidate = clone(self).set_params(random_state=int(seed), n_init=1)
            with _replayed_warnings():
                interrupted = candidate._fit(X, False, pause_after=warm_up)
            scores.append(float(candidate.score(X)))
            if self.verbose:
                print(
                    f"[{type(self).__name__}] initialisation {i + 1}/{self.n_init}: "
                    f"score {scores[-1]:.6g}"
                    + (f" after {candidate.n_iter_} epochs" if warm_up else ""),
                    flush=True,
                )
            if best is None or scores[-1] > max(scores[:-1]):
                best = candidate
            if interrupted:
                # Ctrl-C ends the whole fit: keep the best model so far.
                break
        if hasattr(best, "_paused_fit"):
            if self.verbose:
                print(
                    f"[{type(self).__name__}] initialisation "
                    f"{scores.index(max(scores)) + 1} goes on",
                    flush=True,
                )
            with _replayed_warnings():
                best._resume_fit(X, train=not interrupted)
        params = self.get_params(deep=False)
        self._restore_fit_state(
            {key: value for key, value in vars(best).items() if key not in params}
        )
        # The kept fit's own parameters (its "auto" choices among them), but
        # the seed and n_init the user set.
        self._fit_params.update(
            random_state=copy.deepcopy(params["random_state"]), n_init=params["n_init"]
        )
        self.init_scores_ = np.array(scores)

    def _fit(self, X, continuing, pause_after=None):
        """Train; True when Ctrl-C stopped the training early.

        With ``pause_after`` (epochs, or a share of ``max_epochs`` as a
        float, rounded), training stops there and the fit is left paused:
        ``_resume_fit`` goes on from there, with the random streams as they
        were, so that the model ends as an uninterrupted fit would.
        """
        # Continuing a fit needs images of the fitted shape: checked as at
        # predict time, without resetting the fitted shape.
        images = check_images(self, X, reset=not continuing, keep_uint8=True)
        self._fit_params = copy.deepcopy(self.get_params(deep=False))
        self._resolve_auto_params(images, continuing)
        self._check_params_vs_input(images)
        self.device_ = resolve_device(self.device)
        random_state = check_random_state(self.random_state)
        seed = int(random_state.randint(np.iinfo(np.int32).max))

        X_device = torch.from_numpy(images).to(self.device_)
        with _seeded_torch(seed, self.device_):
            if not continuing:
                self.loss_curve_ = []
                self.n_iter_ = 0
                self._optimizer = self._optimizer_state = None
                self._initialize(X_device, random_state)
            else:
                for module in self._torch_modules():
                    module.to(self.device_)
                if self._optimizer is not None:
                    # Rebuilt from its state, on the modules' device.
                    self._optimizer_state = self._optimizer.state_dict()
                    self._optimizer = None
            n_epochs = self._fitted_param("max_epochs")
            last_epoch = len(self.loss_curve_) + n_epochs
            stop = last_epoch
            if pause_after is not None:
                if not isinstance(pause_after, Integral):
                    # A share of the schedule.
                    pause_after = max(1, round(pause_after * n_epochs))
                stop = min(last_epoch, len(self.loss_curve_) + pause_after)
            outcome = self._fit_loop(X_device, random_state, stop)
            if outcome == "done" and self.n_iter_ < last_epoch:
                rng_state = _torch_rng_state(self.device_)
                self._paused_fit = (random_state, rng_state, last_epoch)
                return False
        return self._end_fit(X_device, outcome == "interrupted")

    def _resume_fit(self, X, train=True):
        """Go on with a fit that ``_fit(..., pause_after=...)`` left paused;
        with ``train=False``, end it where it stands. True when Ctrl-C
        stopped the training early."""
        random_state, rng_state, last_epoch = self._paused_fit
        del self._paused_fit
        images = check_images(self, X, reset=False, keep_uint8=True)
        X_device = torch.from_numpy(images).to(self.device_)
        outcome = "done"
        if train:
            with _restored_torch(rng_state, self.device_):
                outcome = self._fit_loop(X_device, random_state, last_epoch)
        return self._end_fit(X_device, outcome == "interrupted")

    def _end_fit(self, X, interrupted):
        """Labels and fitted attributes of a fit's end; returns ``interrupted``."""
        self.labels_ = self._predict_device(X)
        self._set_fitted_attributes()
        if interrupted:
            warnings.warn(
                f"{type(self).__name__}.fit was interrupted after {self.n_iter_} "
                f"complete epoch(s); the model is kept as it stands. Fit again with "
                f"warm_start=True to go on.",
                FitInterruptedWarning,
                stacklevel=4,
            )
        else:
            self._warn_if_degenerate()
        return interrupted

    def _fit_state(self, *, deep):
        """Everything ``fit`` may change: the attributes that are not parameters."""
        params = self.get_params(deep=False)
        state = {key: value for key, value in vars(self).items() if key not in params}
        return copy.deepcopy(state) if deep else state

    def _restore_fit_state(self, state):
        params = self.get_params(deep=False)
        for key in [key for key in vars(self) if key not in params]:
            delattr(self, key)
        vars(self).update(state)

    def _check_warm_start_params(self):
        changed = [
            f"{name}={self._fitted_param(name)!r} -> {getattr(self, name)!r}"
            for name in self._warm_start_fixed
            if not _same_value(self._continued_value(name), self._fitted_param(name))
        ]
        if changed:
            raise ValueError(
                f"warm_start=True continues the fitted model, whose structure these "
                f"parameters fix: {', '.join(changed)}. Restore them, or set "
                f"warm_start=False to fit a new model."
            )

    def _continued_value(self, name):
        """The value parameter ``name`` would have in a warm-start continuation."""
        value = getattr(self, name)
        if _is_auto(value) and name in self._auto_resolved:
            return self._auto_resolved[name]
        return value

    def __sklearn_is_fitted__(self):
        # During a fit, from the first epoch on, the model predicts: a
        # callback may use it, and a checkpoint taken then goes on with
        # warm_start. labels_ come at the end of fit.
        return hasattr(self, "labels_") or getattr(self, "n_iter_", 0) > 0

    def _fit_loop(self, X, random_state, last_epoch):
        """Train up to epoch ``last_epoch``.

        Returns "done", "interrupted" (Ctrl-C stopped it early) or
        "stopped" (a callback did).
        """
        first_epoch = len(self.loss_curve_)
        fit_start = time.perf_counter()
        with _GracefulInterrupt(), _flushing_denormals():
            for epoch in range(first_epoch, last_epoch):
                start = time.perf_counter()
                if self.verbose:
                    _ACTIVE_FIT.progress = _EpochProgress(
                        type(self).__name__, epoch + 1, last_epoch
                    )
                for group in self._current_optimizer().param_groups:
                    group["lr"] = self._learning_rate_at(epoch)
                self._set_training(True)
                try:
                    with self._autocast():
                        loss = float(self._fit_epoch(X, epoch, random_state))
                except KeyboardInterrupt:
                    # No handler of ours (not the main thread, or a handler
                    # of the user's): stop where the interrupt came.
                    self._set_training(False)
                    return "interrupted"
                finally:
                    _ACTIVE_FIT.progress = None
                self._set_training(False)
                if stop_requested():
                    return "interrupted"
                if not math.isfinite(loss):
                    raise self._divergence(epoch, f"the training loss is {loss}")
                self._check_finite_parameters(epoch)
                self.loss_curve_.append(loss)
                self.n_iter_ = epoch + 1
                seconds = time.perf_counter() - start
                if self.verbose:
                    n_done = epoch + 1 - first_epoch
                    left = (time.perf_counter() - fit_start) / n_done
                    left *= last_epoch - epoch - 1
                    print(
                        f"[{type(self).__name__}] epoch {epoch + 1:4d}  "
                        f"loss {loss:.6f}  {seconds:.2f}s"
                        + (
                            f"  (about {_duration(left)} left)"
                            if epoch + 1 < last_epoch
                            else ""
                        ),
                        flush=True,
                    )
                if self._run_callbacks(self._epoch_info(X, epoch, loss, seconds)):
                    return "stopped"
        return "done"

    def _run_callbacks(self, info):
        """Call every callback after an epoch; True when one asks to stop."""
        callbacks = self.callback
        if callbacks is None:
            return False
        if callable(callbacks):
            callbacks = [callbacks]
        # Each one is called, also after one has asked to stop (a checkpoint
        # of the last epoch is still written).
        return any([bool(callback(self, info)) for callback in callbacks])

    def _epoch_info(self, X, epoch, loss, seconds):
        """What ``callback`` gets to know about the epoch just finished."""
        return {
            "epoch": epoch + 1,
            "loss": loss,
            "seconds": seconds,
            "training_labels": lambda: self._predict_device(X),
        }

    # --- divergence and degenerate fits -------------------------------------

    def _divergence(self, epoch, reason):
        """The ``FloatingPointError`` of a fit that diverged at ``epoch``."""
        return FloatingPointError(
            f"{type(self).__name__} stopped at epoch {epoch + 1}: {reason}. Lower "
            f"learning_rate (now {self.learning_rate}) or check the input for "
            f"extreme values."
        )

    def _check_step_loss(self, loss, epoch):
        """Raise ``FloatingPointError`` unless a step's loss is finite.

        Called before ``backward``: a NaN that reaches the backward pass of
        ``grid_sample`` on the CPU crashes the process.
        """
        if not bool(torch.isfinite(loss).all()):
            raise self._divergence(
                epoch, f"the training loss is {float(loss.detach())}"
            )

    def _check_finite_parameters(self, epoch):
        for module in self._torch_modules():
            for name, parameter in module.named_parameters():
                if not bool(torch.isfinite(parameter).all()):
                    raise self._divergence(
                        epoch, f"parameter {name} is no longer finite"
                    )

    def _warn_if_degenerate(self):
        n_found = np.unique(self.labels_).size
        if self.n_clusters > 1 and n_found == 1:
            warnings.warn(
                f"{type(self).__name__} put every training sample in one cluster "
                f"of the {self.n_clusters} asked for; the fit is degenerate. Try "
                f"another random_state, more epochs or another learning_rate.",
                ConvergenceWarning,
                stacklevel=4,
            )
        loss = self.loss_curve_[-1] if self.loss_curve_ else 0.0
        if abs(self._loss_per_value(loss)) > self._degenerate_loss:
            warnings.warn(
                f"{type(self).__name__} ended with a training loss of {loss:.3g}: "
                f"the model has not fitted the data. Check the scale of X.",
                ConvergenceWarning,
                stacklevel=4,
            )

    # --- inference ---------------------------------------------------------

    def _check_test_images(self, X):
        check_is_fitted(self)
        return torch.from_numpy(check_images(self, X, reset=False, keep_uint8=True))

    def _pads_inference_batches(self):
        """Whether inference batches are padded to one shape (see above).

        False for a model whose outputs depend on the batch by design.
        """
        return True

    def _map_batches(self, function, X, *, check_finite=True):
        """Apply ``function`` to ``X`` batch by batch on ``device_``.

        ``X`` is a tensor of images (uint8 ones are scaled batch by batch,
        see :func:`as_float_images`); results are concatenated on the CPU.
        Modules are in evaluation mode and no graph is recorded. Every
        batch has ``_inference_batch_size`` rows (the last one padded with
        zeros), so the output does not depend on the batch composition.
        Non-finite floating-point outputs raise a ``ValueError``, unless
        ``check_finite`` is False.
        """
        size = self._inference_batch_size
        pad = self._pads_inference_batches()
        outputs = []
        with torch.no_grad(), _flushing_denormals(), self._autocast():
            for start in range(0, X.shape[0], size):
                batch = as_float_images(X[start : start + size].to(self.device_))
                n_rows = batch.shape[0]
                if pad and n_rows < size:
                    padding = batch.new_zeros((size - n_rows, *batch.shape[1:]))
                    batch = torch.cat([batch, padding])
                output = function(batch)[:n_rows]
                if output.is_floating_point() and output.dtype != torch.float64:
                    output = output.float()
                if check_finite:
                    self._check_finite_output(output)
                outputs.append(output.to("cpu"))
        return torch.cat(outputs)

    def _check_finite_output(self, output):
        if output.is_floating_point() and not bool(torch.isfinite(output).all()):
            raise ValueError(
                f"{type(self).__name__} computed non-finite values (inf or NaN) "
                f"for some images of X: they hold values far outside the range of "
                f"the training images."
            )

    def _predict_device(self, X):
        return self._map_batches(self._predict_tensor, X).numpy().astype(np.int64)

    def predict(self, X):
        """Predict the cluster of each sample in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype int64
            Index of the cluster each sample belongs to.
        """
        return self._predict_device(self._check_test_images(X))

    # --- persistence ---------------------------------------------------------

    def __getstate__(self):
        state = super().__getstate__()
        optimizer = state.get("_optimizer")
        if optimizer is not None:
            # Its state dict pickles without the parameters it points to.
            state["_optimizer"] = None
            state["_optimizer_state"] = optimizer.state_dict()
        return {key: _to_cpu(value) for key, value in state.items()}

    def __setstate__(self, state):
        device = state.get("device_")
        if device is not None:
            device = torch.device(device)
            if device.type == "cuda" and not torch.cuda.is_available():
                warnings.warn(
                    f"{type(self).__name__} was fitted on {device} but CUDA is not "
                    f"available here; it is loaded on the CPU.",
                    UserWarning,
                    stacklevel=2,
                )
                device = torch.device("cpu")
            state = {key: _to_device(value, device) for key, value in state.items()}
            state["device_"] = device
        super().__setstate__(state)


def _same_value(a, b):
    """Equality of two parameter values, arrays and sequences included."""
    try:
        return bool(
            np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
        )
    except (TypeError, ValueError):
        return a == b
