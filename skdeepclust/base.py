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
import math
import numbers
import time
import warnings
from abc import ABCMeta, abstractmethod

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "BaseDeepClusterer",
    "check_images",
    "iter_minibatches",
    "resolve_device",
]


# --------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------


def _as_image_shape(image_shape):
    """Normalise a user ``image_shape`` to ``(H, W, C)`` or raise."""
    shape = tuple(int(s) for s in image_shape)
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


def check_images(estimator, X, *, reset):
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

    Returns
    -------
    images : ndarray of shape (n_samples, C, H, W), dtype float32
    """
    # A list or array of images is reshaped to (n, d) *before* sklearn's
    # validation, so that n_features_in_ counts pixels and every error
    # message (NaN, empty, wrong dtype) is sklearn's own.
    given_shape = None
    X_array = X
    if not hasattr(X, "shape") and isinstance(X, (list, tuple)):
        X_array = np.asarray(X)
    ndim = getattr(X_array, "ndim", None)
    if ndim in (3, 4):
        n_samples = X_array.shape[0]
        given_shape = tuple(X_array.shape[1:]) + ((1,) if ndim == 3 else ())
        if given_shape[2] not in (1, 3):
            raise ValueError(
                f"Images of shape (n, H, W, C) must have C in {{1, 3}} "
                f"channels (channels last), got X.shape={X_array.shape}."
            )
        X_array = X_array.reshape(n_samples, -1)
    elif ndim is not None and ndim > 4:
        raise ValueError(
            f"Expected X of shape (n_samples, n_features), (n_samples, H, W) or "
            f"(n_samples, H, W, C); got an array with {ndim} dimensions."
        )
    is_uint8 = getattr(X_array, "dtype", None) == np.uint8

    X_flat = validate_data(
        estimator,
        X_array,
        reset=reset,
        dtype=[np.float32, np.float64],
        ensure_min_samples=1,
    )
    n_samples, n_features = X_flat.shape
    X_flat = X_flat.astype(np.float32, copy=False)
    if is_uint8:
        X_flat = X_flat / np.float32(255.0)

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
    images = X_flat.reshape(n_samples, height, width, channels)
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2))


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


def iter_minibatches(n_samples, batch_size, *, device, shuffle=True, drop_last=False):
    """Yield index tensors of mini-batches, drawn on ``device``.

    Shuffling uses torch's (seeded) global generator, so the data stays on
    the device and only indices are drawn.
    """
    if shuffle:
        order = torch.randperm(n_samples, device=device)
    else:
        order = torch.arange(n_samples, device=device)
    stop = n_samples - (n_samples % batch_size if drop_last else 0)
    for start in range(0, stop, batch_size):
        yield order[start : start + batch_size]


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


class BaseDeepClusterer(
    ClusterMixin, TransformerMixin, BaseEstimator, metaclass=ABCMeta
):
    """Base class of the skdeepclust estimators.

    It owns the scikit-learn contract: validation at the top of ``fit``,
    device resolution into ``device_``, seeding, the epoch loop, fitted
    attributes, batched inference and persistence. Subclasses own the method:

    ``_initialize(self, X, random_state)``
        Build the torch modules (stored as attributes ending in ``_``) for
        the images ``X`` (a float32 tensor of shape (n, C, H, W) already on
        ``self.device_``). Called by ``fit`` unless ``warm_start`` continues
        a previous fit. ``random_state`` is a :class:`numpy.random.RandomState`.
    ``_fit_epoch(self, X, epoch, random_state)``
        Run one epoch of training over ``X`` and return its mean loss (a
        float). ``epoch`` counts from 0 since initialisation, so schedules
        keep going under ``warm_start``. Modules are in training mode.
    ``_predict_tensor(self, X)``
        Labels of a batch of images (a tensor on ``device_``), as an int64
        tensor. Called in evaluation mode under ``torch.no_grad``.

    Every fitted attribute holding a :class:`torch.nn.Module` or a tensor is
    moved to the CPU when pickled and switched between training and
    evaluation mode by the loop; nothing else needs declaring.

    All subclasses take the common keyword parameters ``max_epochs``,
    ``batch_size``, ``learning_rate``, ``device``, ``random_state``,
    ``verbose``, ``image_shape`` and ``warm_start``.
    """

    # Largest batch used at inference; inference never depends on it.
    _inference_batch_size = 1024

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

    def _check_params(self, n_samples):
        """Validate the parameters shared by every estimator.

        Subclasses extend it to check their own, calling ``super()``.
        """
        check_int(self.n_clusters, "n_clusters", minimum=1)
        check_int(self.max_epochs, "max_epochs", minimum=1)
        check_int(self.batch_size, "batch_size", minimum=1)
        check_real(self.learning_rate, "learning_rate", minimum=0.0, strict=True)
        if n_samples < max(self.n_clusters, 2):
            raise ValueError(
                f"n_samples={n_samples} should be >= n_clusters={self.n_clusters} "
                f"and >= 2: a {type(self).__name__} cannot be fitted on fewer samples."
            )

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
        continuing = self.warm_start and hasattr(self, "labels_")
        # Continuing a fit needs images of the fitted shape: checked as at
        # predict time, without resetting the fitted shape.
        images = check_images(self, X, reset=not continuing)
        self._check_params(images.shape[0])
        self.device_ = resolve_device(self.device)
        random_state = check_random_state(self.random_state)
        seed = int(random_state.randint(np.iinfo(np.int32).max))

        X_device = torch.from_numpy(images).to(self.device_)
        try:
            with _seeded_torch(seed, self.device_):
                if not continuing:
                    self.loss_curve_ = []
                    self._initialize(X_device, random_state)
                else:
                    for module in self._torch_modules():
                        module.to(self.device_)
                self._fit_loop(X_device, random_state)
        except FloatingPointError:
            # A diverged model must not be used to predict: leave unfitted.
            self._forget_fit()
            raise
        self.labels_ = self._predict_device(X_device)
        return self

    def _forget_fit(self):
        for key in [key for key in vars(self) if key.endswith("_")]:
            delattr(self, key)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "labels_")

    def _fit_loop(self, X, random_state):
        first_epoch = len(self.loss_curve_)
        for epoch in range(first_epoch, first_epoch + self.max_epochs):
            start = time.perf_counter()
            self._set_training(True)
            loss = float(self._fit_epoch(X, epoch, random_state))
            self._set_training(False)
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"{type(self).__name__} stopped at epoch {epoch + 1}: the training "
                    f"loss is {loss}. Lower learning_rate (now {self.learning_rate}) "
                    f"or check the input for extreme values."
                )
            self.loss_curve_.append(loss)
            self.n_iter_ = epoch + 1
            if self.verbose:
                print(
                    f"[{type(self).__name__}] epoch {epoch + 1:4d}  "
                    f"loss {loss:.6f}  {time.perf_counter() - start:.2f}s",
                    flush=True,
                )
            self._after_epoch(X, epoch)

    def _after_epoch(self, X, epoch):
        """Called with the training images after every epoch; does nothing.

        A seam for instrumentation (the benchmark script records accuracy
        against training time through it) that leaves training untouched.
        """

    # --- inference ---------------------------------------------------------

    def _check_test_images(self, X):
        check_is_fitted(self)
        return torch.from_numpy(check_images(self, X, reset=False))

    def _map_batches(self, function, X):
        """Apply ``function`` to ``X`` batch by batch on ``device_``.

        ``X`` is a CPU tensor of images; results are concatenated on the
        CPU. Modules are in evaluation mode and no graph is recorded, so the
        output does not depend on the batch composition.
        """
        outputs = []
        with torch.no_grad():
            for start in range(0, X.shape[0], self._inference_batch_size):
                batch = X[start : start + self._inference_batch_size].to(self.device_)
                outputs.append(function(batch).to("cpu"))
        return torch.cat(outputs)

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


def check_int(value, name, *, minimum):
    """Raise unless ``value`` is an int (not a bool) of at least ``minimum``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")


def check_real(
    value, name, *, minimum, strict=False, maximum=None, include_maximum=False
):
    """Raise unless ``value`` is a finite real number within the bounds.

    ``strict`` excludes ``minimum`` itself; ``maximum`` is excluded unless
    ``include_maximum``.
    """
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got {value!r}.")
    if not np.isfinite(value) or value < minimum or (strict and value == minimum):
        bound = ">" if strict else ">="
        raise ValueError(f"{name} must be finite and {bound} {minimum}, got {value!r}.")
    if maximum is not None and (
        value > maximum or (value == maximum and not include_maximum)
    ):
        bound = "<=" if include_maximum else "<"
        raise ValueError(f"{name} must be {bound} {maximum}, got {value!r}.")
