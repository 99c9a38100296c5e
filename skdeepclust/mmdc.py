"""Multi-Modal Deep Clustering (Shiran & Weinshall, ICPR 2020).

A network is trained to map every image onto its own *fixed* target point on
the unit sphere. The targets are sampled once from a Gaussian mixture with one
mode per cluster; during training only *which image owns which target*
changes: on every mini-batch the batch's targets are re-assigned to the
batch's images by a linear assignment (Hungarian) on Euclidean distances,
then the network takes one SGD step regressing augmented images onto their
targets. A cluster is the mixture mode nearest to an image's embedding.
From ``refine_epoch`` on, the targets are rebuilt at every epoch start by
k-means on the embeddings (the refinement stage), and natural images add an
auxiliary rotation-prediction task.

The algorithm, its defaults and its quirks follow the authors' code
(github.com/guysrn/mmdc: ``mmdc.py``, ``utils/gmm.py``, ``architectures/``,
``data_handling/transforms.py``); the networks live in
:mod:`skdeepclust.nn.convnets`, the batched augmentation in
:mod:`skdeepclust.nn.augment`.
"""

import numbers
import warnings
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from skdeepclust.base import (
    SCHEDULE_CONSTRAINTS,
    BaseDeepClusterer,
    _is_auto,
    as_float_images,
    auto_milestones,
    check_milestones,
    float32_region,
    iter_minibatches,
)
from skdeepclust.nn.augment import (
    crop_matrices,
    random_affine_matrices,
    rotation_then,
    warp,
)
from skdeepclust.nn.convnets import N_ROTATIONS, SmallResNet18, SmallVGG

__all__ = ["MMDCClustering"]

_BACKBONES = ("auto", "vgg", "resnet18")
_TARGET_MEANS = ("one_hot", "random")
_ROTATION_SCHEDULES = ("alternate", "joint")

# Half-width of the uniform box the "random" means are drawn from before
# normalisation (R in the authors' utils/gmm.py).
_RANDOM_MEANS_RANGE = 0.1

# The authors' MNIST recipe, which "auto" scales to the data: 50 epochs of
# 70,000 images, refinement from epoch 20, the learning rate divided by 10
# at 40. Their recipes keep their epochs whatever the dataset's size (400
# for STL-10's 13,000 images as for CIFAR-10's 60,000): so does "auto".
_AUTO_SCHEDULE = {
    "reference_n_samples": 70_000,
    "reference_epochs": 50,
    "exponent": 0.0,
}
_AUTO_LR_MILESTONE_FRACTIONS = (40 / 50,)
_AUTO_REFINE_FRACTION = 20 / 50

# Colour sets of at least this many images get the authors' natural-image
# ResNet-18 when backbone="auto" (CIFAR-10 and STL-10 have 60,000 and 13,000);
# in the 50 epochs of "auto" a smaller set gives its 11 million parameters
# too few steps, and the VGG trains them in an eighth of the time.
_AUTO_RESNET_MIN_SAMPLES = 10_000

# Restarts of the k-means of the refinement stage: scikit-learn 0.22's
# default, which the authors' ``k_means(preds, k)`` call used.
_REFINE_KMEANS_N_INIT = 10


# --------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------


def _mixture_means(kind, n_clusters, dim, random_state):
    """Unit-norm means of the target mixture, shape (n_clusters, dim)."""
    if isinstance(kind, str):
        if kind == "one_hot":
            means = np.eye(n_clusters, dim)
        else:  # "random"
            means = random_state.uniform(
                -_RANDOM_MEANS_RANGE, _RANDOM_MEANS_RANGE, size=(n_clusters, dim)
            )
    else:
        means = np.array(kind, dtype=np.float64)
    means = means / np.linalg.norm(means, axis=1, keepdims=True)
    return means.astype(np.float32)


def sample_targets(n_samples, means, sigma, random_state):
    """Draw ``n_samples`` unit-norm targets from the mixture of ``means``.

    Each target picks a mode uniformly at random, adds isotropic Gaussian
    noise of standard deviation ``sigma`` and is projected onto the unit
    sphere, as ``GaussianMixtureModel.sample`` in the authors' code.

    Parameters
    ----------
    n_samples : int
        Number of targets.
    means : ndarray of shape (n_modes, dim)
        Unit-norm mode means.
    sigma : float
        Standard deviation of the noise around a mode, before projection.
    random_state : numpy.random.RandomState
        Source of the mode choices and the noise.

    Returns
    -------
    targets : ndarray of shape (n_samples, dim), dtype float32
        Unit-norm targets.
    """
    n_modes, dim = means.shape
    modes = random_state.randint(n_modes, size=n_samples)
    targets = means[modes].astype(np.float64)
    if sigma > 0:
        targets = targets + sigma * random_state.standard_normal((n_samples, dim))
    norms = np.linalg.norm(targets, axis=1, keepdims=True)
    # A zero draw has probability 0; map it onto its mode rather than NaN.
    targets = np.where(norms > 0, targets / np.maximum(norms, 1e-12), means[modes])
    return targets.astype(np.float32)


def assign_targets(predictions, targets):
    """Best one-to-one assignment of a batch's targets to its predictions.

    Solves ``min over permutations p of sum_i ||predictions[i] -
    targets[p[i]]||`` (Euclidean, not squared, as the authors' ``lap.lapjv``
    on ``euclidean_distances``) with
    :func:`scipy.optimize.linear_sum_assignment`.

    This is the one host synchronisation per mini-batch of MMDC training: the
    (batch x batch) cost matrix goes to the CPU and the permutation comes
    back (128 x 128 solves in well under a millisecond).

    Parameters
    ----------
    predictions : Tensor of shape (batch, dim)
        Network outputs of the batch.
    targets : Tensor of shape (batch, dim)
        The targets currently owned by the batch's samples.

    Returns
    -------
    permutation : LongTensor of shape (batch,), on the predictions' device
        ``targets[permutation]`` are the re-assigned targets.
    """
    with float32_region(predictions.device):
        cost = torch.cdist(predictions.float(), targets.float()).cpu().numpy()
    if not np.isfinite(cost).all():
        raise FloatingPointError("the network's outputs are no longer finite")
    _, columns = linear_sum_assignment(cost)
    return torch.as_tensor(columns, dtype=torch.long).to(predictions.device)


def _match_labels_to_previous(labels, previous, n_clusters):
    """Relabel k-means ``labels`` to agree most with ``previous`` labels."""
    overlap = np.zeros((n_clusters, n_clusters), dtype=np.int64)
    np.add.at(overlap, (labels, previous), 1)
    rows, columns = linear_sum_assignment(overlap, maximize=True)
    mapping = np.empty(n_clusters, dtype=np.int64)
    mapping[rows] = columns
    return mapping[labels]


# --------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------


class MMDCClustering(BaseDeepClusterer):
    """Multi-Modal Deep Clustering (MMDC) of images.

    A ConvNet maps every image to a unit-norm embedding of size
    ``target_dim``. Before training, one target per image is sampled from a
    Gaussian mixture with one mode per cluster and projected onto the unit
    sphere; the targets are fixed, only their assignment to images changes.
    Each mini-batch step (i) predicts the batch in evaluation mode on a
    deterministic view (centre crop, resize) and re-assigns the batch's
    targets to its images by solving the linear assignment on Euclidean
    distances, then (ii) takes one SGD step on the mean squared error between
    the embeddings of randomly augmented views (rotation, random crop,
    resize) and their assigned targets. From epoch ``refine_epoch`` on, the
    targets are rebuilt at every epoch start by k-means on the embeddings
    (refinement stage). An image's cluster is the mixture mode nearest to its
    embedding.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of clusters, which is also the number of mixture modes.

    target_dim : int, default=None
        Size of the embedding and of the targets; None means ``n_clusters``
        (the authors' default). With ``target_means="one_hot"`` it must be at
        least ``n_clusters``.

    target_means : {"one_hot", "random"} or array-like of shape \
            (n_clusters, target_dim), default="one_hot"
        Means of the mixture modes, L2-normalised. ``"one_hot"``: the first
        ``n_clusters`` standard basis vectors (authors' default, so that the
        cluster is the argmax of the embedding); ``"random"``: uniform in
        [-0.1, 0.1]^d, drawn from ``random_state``; an array gives them
        explicitly.

    target_sigma : float, default=0.0
        Standard deviation of the isotropic Gaussian noise added to a mode
        before projecting a target onto the sphere. 0 (authors' default and
        every published command) gives exact copies of the means.

    backbone : {"auto", "vgg", "resnet18"}, default="auto"
        ``"vgg"``: the small 4-block VGG of the authors' MNIST runs;
        ``"resnet18"``: the small-image ResNet-18 of their natural-image runs.
        ``"auto"`` picks ``"resnet18"`` for colour (3-channel) sets of
        10,000 images or more and ``"vgg"`` otherwise: on smaller sets the
        ResNet-18 gets too few steps in the 50 epochs of ``max_epochs="auto"``
        (:ref:`auto-schedules`).

    input_size : "auto" or int, default="auto"
        Height and width of the network input; every view is resized to it
        in the same warp as its crop. ``"auto"``: 32 for images whose larger
        side is at most 32 (MNIST 28 -> 32 as the authors, also 8x8 digits
        and 1xd strips of tabular data), else 64 (the authors' STL-10 and
        Tiny-ImageNet setting). The VGG needs a multiple of 16.

    rotation_weight : "auto" or float, default="auto"
        Weight of the auxiliary rotation-prediction loss (cross-entropy over
        0/90/180/270-degree rotations on a head of the backbone's features);
        0 disables it and the head. ``"auto"``: 1.0 for colour images, else 0
        (the authors use it on every natural-image dataset, not on MNIST).

    rotation_schedule : {"alternate", "joint"}, default="alternate"
        ``"alternate"`` (authors' code): before each clustering epoch, one
        whole epoch of rotation prediction with the same optimiser, its loss
        scaled by ``rotation_weight``. ``"joint"``: every clustering step
        adds ``rotation_weight`` times the rotation loss of the same batch's
        four rotated crops (one forward pass over both, so batch norm sees
        them together; half the optimiser steps for the same compute).

    refine_epoch : "auto", int or None, default="auto"
        Epoch (counted from 0) at which the refinement stage starts: at the
        start of this and every later epoch, k-means on the embeddings of
        all images gives labels, relabelled to agree best with the previous
        targets (Hungarian matching), and each image's target becomes the
        mean of its label's mode (one-hot by default); the per-batch
        assignment is then switched off. None never refines. ``"auto"``:
        after 2/5 of ``max_epochs``, as the authors' 20 of 50.

    crop_fractions : tuple of float, default=(24/28, 20/28, 16/28)
        Side of the random crops, as fractions of the image side (the
        authors' {24, 20, 16} pixels of a 28-pixel MNIST digit); each
        training view uses one of them at random. The first one is also the
        centre crop of the deterministic view used to assign targets and to
        predict.

    augment_rotation : float, default=25.0
        Largest random rotation of the training views, in degrees (fill 0).

    hflip : bool, default=False
        Mirror half of the training views left-right (the authors' natural
        image runs use it, with colour jitter, which is not implemented).

    max_epochs : "auto" or int, default="auto"
        Epochs to train. ``"auto"``: the authors' 50, whatever the number
        of images (their recipes keep their epochs across dataset sizes);
        ``refine_epoch`` and ``lr_milestones`` follow it
        (:ref:`auto-schedules`).

    batch_size : int, default=128
        Mini-batch size, also the size of each assignment problem.

    learning_rate : float, default=0.05
        Initial SGD learning rate.

    momentum : float, default=0.9
        SGD momentum.

    weight_decay : float, default=5e-4
        L2 penalty on the weight matrices and convolution kernels; biases and
        batch-norm parameters (1-D) are not decayed, as in the authors' code.

    lr_milestones : "auto" or tuple of int, default="auto"
        Epochs at which the learning rate is multiplied by ``lr_gamma``.
        ``"auto"``: after 4/5 of ``max_epochs``, as the authors' 40 of 50.

    lr_gamma : float, default=0.1
        Learning-rate decay factor.

    device : str or torch.device, default="auto"
        Where to train: "auto" (CUDA when available), "cpu", "cuda",
        "cuda:<index>" or a :class:`torch.device`.

    precision : {"float32", "bfloat16"}, default="float32"
        Arithmetic of the networks. ``"bfloat16"`` runs their convolutions and
        matrix products in bfloat16 with float32 accumulation (mixed precision,
        :func:`torch.autocast`), while the target assignment and the loss stay
        in float32. It pays on hardware with bfloat16 units (CPUs with AVX-512
        BF16 or AMX, recent GPUs) and is slower elsewhere; a fit in bfloat16
        differs from a float32 one of the same seed. Measured speed and
        accuracy: :ref:`user guide <precision>`.

    random_state : int, RandomState instance or None, default=None
        Seeds the targets, the network initialisation, the batches, the
        augmentations and the refinement k-means.

    n_init : int, default=1
        Number of fits from different seeds (drawn from ``random_state``);
        the one with the best :meth:`score` on the training images is kept,
        as ``KMeans(n_init=...)`` keeps its lowest inertia. It costs
        ``n_init`` times the time of one fit; callbacks run in every one of
        them. A ``warm_start`` continuation trains the fitted model alone.
        Its measured effect is in the :ref:`user guide <n-init>`.

    init_epochs : int, float or None, default=None
        With ``n_init > 1``: how long each initialisation trains before they
        are compared by :meth:`score`, in epochs (an int) or as a share of
        ``max_epochs_`` (a float in (0, 1)); only the best goes on to the
        end of the schedule, and ends exactly as a fit from its seed alone
        would. It costs ``n_init - 1`` times that many epochs more than one
        fit. None: every initialisation trains the whole schedule. Measured
        effect: :ref:`user guide <n-init>`.

    verbose : int, default=0
        When positive, print one line per epoch (loss, seconds, time left)
        and within a long epoch a progress line every ten seconds (share
        done, time left).

    image_shape : tuple of int, default=None
        ``(height, width)`` or ``(height, width, channels)`` of flat input
        rows; by default square grey images, else 1xd strips.

    warm_start : bool, default=False
        Continue training the fitted network, targets and optimiser state for
        ``max_epochs`` more epochs instead of starting again. Epochs keep
        counting, so learning-rate milestones and ``refine_epoch`` apply to
        the total; with a training set of a different size, its targets are
        drawn afresh.

    callback : callable or list of callables, default=None
        Called after every epoch as ``callback(estimator, info)``, with
        ``info`` a dict: ``"epoch"`` (epochs completed, in total),
        ``"loss"``, ``"seconds"`` (of the epoch) and ``"training_labels"``,
        a function without arguments that returns the current labels of the
        training images. Training stops after the epoch when it returns
        True (with a list, each is called; one returning True stops).
        :class:`~skdeepclust.callbacks.EarlyStopping` and
        :class:`~skdeepclust.callbacks.Checkpoint` are ready-made; between
        epochs the estimator predicts, and ``joblib.dump(estimator, path)``
        saves a model that ``warm_start=True`` continues (if the callback
        itself pickles, as a module-level function does).

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training image.

    targets_ : ndarray of shape (n_samples, target_dim)
        The target currently assigned to each training image. Before the
        refinement stage its rows are a fixed set of samples, only permuted
        between images; in the refinement stage each row is a mode mean.

    target_means_ : ndarray of shape (n_clusters, target_dim)
        Unit-norm means of the mixture modes, i.e. the cluster centres in
        embedding space.

    network_ : torch.nn.Module
        The trained network (:class:`~skdeepclust.nn.convnets.SmallVGG` or
        :class:`~skdeepclust.nn.convnets.SmallResNet18`).

    backbone_ : str
        The backbone used, ``"vgg"`` or ``"resnet18"``.

    input_size_ : int
        Height and width of the network input.

    rotation_weight_ : float
        Weight of the rotation loss used (0 when disabled).

    loss_curve_ : list of float
        Mean training loss of each epoch (mean squared error to the targets
        plus ``rotation_weight_`` times the rotation cross-entropy).

    n_iter_ : int
        Number of epochs run.

    max_epochs_ : int
        Epochs of the fit: ``max_epochs``, or the number ``"auto"`` chose.

    refine_epoch_ : int or None
        The epoch the refinement stage started at (``"auto"``'s choice, or
        as set).

    lr_milestones_ : tuple of int
        The learning-rate milestones used (``"auto"``'s choice, or as set).

    init_scores_ : ndarray of shape (n_init,)
        The :meth:`score` of each of the ``n_init`` fits on the training
        images (only when ``n_init > 1``); the model kept has the highest.

    n_features_in_ : int
        Number of values per input sample.

    image_shape_ : tuple of int
        ``(height, width, channels)`` of the training images.

    device_ : torch.device
        Device the model was trained on.

    See Also
    --------
    STDACClustering : Deep adaptive clustering with spatial transformers.
    DTIKMeans : Deep transformation-invariant K-means.
    sklearn.cluster.KMeans : K-means on the raw pixels.

    Notes
    -----
    **One mode per cluster.** The paper's mixture is "multi-modal" in that
    it has one Gaussian mode per cluster, and "the cluster assignments are
    determined by mixture component association" (abstract); the authors'
    code uses a single ``k`` for both, and its refinement stage builds
    one-hot targets of that ``k``. Several modes per cluster are therefore
    not offered: the number of modes is ``n_clusters``.

    **Prediction** is the nearest mode, ``argmin_c ||z - m_c||``, i.e. the
    argmax of the cosine similarity ``z . m_c`` (both are unit vectors); for
    one-hot means this is the argmax of the embedding, exactly as the code.
    Views are built on the device by one affine warp per batch
    (:mod:`skdeepclust.nn.augment`): the deterministic view is a centre crop
    of ``crop_fractions[0]`` resized to ``input_size_``; a training view is a
    random rotation, a random crop and the resize, composed into one
    bilinear resampling (the authors apply PIL transforms one after the
    other).

    **predict_proba** is the posterior of the target mixture restricted to
    the unit sphere, where each Gaussian mode of standard deviation sigma
    becomes a von Mises-Fisher density of concentration 1/sigma^2:
    ``softmax_c(z . m_c / sigma^2)``. With the default ``target_sigma=0``
    the modes are points and the posterior is the one-hot vector of the
    predicted cluster.

    **score** is minus the mean squared error (per embedding coordinate)
    between each embedding and its nearest mode: the training loss of the
    refinement stage, evaluated on ``X``. Higher is better; it is comparable
    between models of the same ``target_dim`` and ``n_clusters`` only.

    **Cost.** Each clustering step runs the network twice (evaluation pass
    for the assignment, training pass) and synchronises with the host once
    to solve the assignment. The rotation task adds four rotated copies of
    every image per epoch. Inference does not depend on batch composition
    (batch norm uses its running statistics).

    References
    ----------
    .. [1] G. Shiran and D. Weinshall, "Multi-Modal Deep Clustering:
       Unsupervised Partitioning of Images", International Conference on
       Pattern Recognition (ICPR), 2020. arXiv:1912.02678.
    .. [2] P. Bojanowski and A. Joulin, "Unsupervised Learning by Predicting
       Noise", ICML 2017 (noise as targets, the per-batch assignment).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdeepclust.mmdc import MMDCClustering
    >>> X = load_digits().images[:200] / 16
    >>> mmdc = MMDCClustering(n_clusters=10, max_epochs=2, random_state=0,
    ...                       device="cpu").fit(X)
    >>> mmdc.labels_.shape
    (200,)
    >>> mmdc.transform(X[:3]).shape
    (3, 10)
    >>> mmdc.targets_.shape
    (200, 10)
    """

    def __init__(
        self,
        n_clusters=10,
        *,
        target_dim=None,
        target_means="one_hot",
        target_sigma=0.0,
        backbone="auto",
        input_size="auto",
        rotation_weight="auto",
        rotation_schedule="alternate",
        refine_epoch="auto",
        crop_fractions=(24 / 28, 20 / 28, 16 / 28),
        augment_rotation=25.0,
        hflip=False,
        max_epochs="auto",
        batch_size=128,
        learning_rate=0.05,
        momentum=0.9,
        weight_decay=5e-4,
        lr_milestones="auto",
        lr_gamma=0.1,
        device="auto",
        precision="float32",
        random_state=None,
        n_init=1,
        init_epochs=None,
        verbose=0,
        image_shape=None,
        warm_start=False,
        callback=None,
    ):
        self.n_clusters = n_clusters
        self.target_dim = target_dim
        self.target_means = target_means
        self.target_sigma = target_sigma
        self.backbone = backbone
        self.input_size = input_size
        self.rotation_weight = rotation_weight
        self.rotation_schedule = rotation_schedule
        self.refine_epoch = refine_epoch
        self.crop_fractions = crop_fractions
        self.augment_rotation = augment_rotation
        self.hflip = hflip
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.lr_milestones = lr_milestones
        self.lr_gamma = lr_gamma
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.n_init = n_init
        self.init_epochs = init_epochs
        self.verbose = verbose
        self.image_shape = image_shape
        self.warm_start = warm_start
        self.callback = callback

    # --- parameters ------------------------------------------------------------

    _parameter_constraints = {
        **BaseDeepClusterer._parameter_constraints,
        "target_dim": [Interval(Integral, 1, None, closed="left"), None],
        "target_means": [StrOptions(set(_TARGET_MEANS)), "array-like"],
        "target_sigma": [Interval(Real, 0, None, closed="left")],
        "backbone": [StrOptions(set(_BACKBONES))],
        "input_size": [
            StrOptions({"auto"}),
            Interval(Integral, 8, None, closed="left"),
        ],
        "rotation_weight": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="left"),
        ],
        "rotation_schedule": [StrOptions(set(_ROTATION_SCHEDULES))],
        "refine_epoch": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        "crop_fractions": [Interval(Real, 0, 1, closed="right"), "array-like"],
        "augment_rotation": [Interval(Real, 0, None, closed="left")],
        "hflip": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        **SCHEDULE_CONSTRAINTS,
    }

    _warm_start_fixed = (
        "n_clusters",
        "target_dim",
        "target_means",
        "target_sigma",
        "backbone",
        "input_size",
        "rotation_weight",
    )

    def _check_params_vs_input(self, X):
        super()._check_params_vs_input(X)
        self._check_target_params()
        fractions = np.atleast_1d(np.asarray(self.crop_fractions, dtype=object))
        if (
            fractions.ndim != 1
            or fractions.size == 0
            or not all(
                isinstance(f, numbers.Real) and not isinstance(f, bool) and 0 < f <= 1
                for f in fractions
            )
        ):
            raise ValueError(
                f"crop_fractions must be a non-empty sequence of numbers in (0, 1], "
                f"got {self.crop_fractions!r}."
            )
        check_milestones(self._fitted_param("lr_milestones"), "lr_milestones")

    _auto_schedule = _AUTO_SCHEDULE
    _auto_lr_milestone_fractions = _AUTO_LR_MILESTONE_FRACTIONS

    def _auto_params(self, X):
        resolved = super()._auto_params(X)
        refine_epoch = self.refine_epoch
        if _is_auto(refine_epoch):
            (refine_epoch,) = auto_milestones(
                "auto", (_AUTO_REFINE_FRACTION,), resolved["max_epochs"]
            )
        resolved["refine_epoch"] = refine_epoch
        return resolved

    def _check_target_params(self):
        dim = self.target_dim
        if dim is not None and (
            not isinstance(dim, numbers.Integral) or isinstance(dim, bool)
        ):
            raise TypeError(f"target_dim must be an int or None, got {dim!r}.")
        if isinstance(self.target_means, str):
            if self.target_means not in _TARGET_MEANS:
                raise ValueError(
                    f"target_means must be one of {_TARGET_MEANS} or an array of "
                    f"shape (n_clusters, target_dim), got {self.target_means!r}."
                )
            dim = self.n_clusters if dim is None else dim
            if self.target_means == "one_hot" and dim < self.n_clusters:
                raise ValueError(
                    f"target_means='one_hot' needs target_dim >= n_clusters; got "
                    f"target_dim={dim} with n_clusters={self.n_clusters}."
                )
            if dim < 1:
                raise ValueError(f"target_dim must be >= 1, got {dim}.")
            return
        try:
            means = np.asarray(self.target_means, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "target_means must be 'one_hot', 'random' or a numeric array of "
                "shape (n_clusters, target_dim)."
            ) from exc
        if means.ndim != 2 or means.shape[0] != self.n_clusters:
            raise ValueError(
                f"target_means must have shape (n_clusters, target_dim) = "
                f"({self.n_clusters}, d), got shape {means.shape}."
            )
        if dim is not None and means.shape[1] != dim:
            raise ValueError(
                f"target_means has {means.shape[1]} columns but target_dim={dim}."
            )
        if not np.all(np.isfinite(means)) or np.any(np.linalg.norm(means, axis=1) == 0):
            raise ValueError("target_means must be finite with non-zero rows.")

    def _resolve_architecture(self, n_samples):
        height, width, channels = self.image_shape_
        backbone = self.backbone
        if backbone == "auto":
            large_colour = channels == 3 and n_samples >= _AUTO_RESNET_MIN_SAMPLES
            backbone = "resnet18" if large_colour else "vgg"
        input_size = self.input_size
        if input_size == "auto":
            input_size = 32 if max(height, width) <= 32 else 64
        if backbone == "vgg" and input_size % 16:
            raise ValueError(
                f"backbone='vgg' needs input_size to be a multiple of 16 "
                f"(four 2x2 poolings), got input_size={input_size}."
            )
        rotation_weight = self.rotation_weight
        if rotation_weight == "auto":
            rotation_weight = 1.0 if channels == 3 else 0.0
        return backbone, int(input_size), float(rotation_weight)

    # --- hooks -----------------------------------------------------------------

    def _initialize(self, X, random_state):
        self.backbone_, self.input_size_, self.rotation_weight_ = (
            self._resolve_architecture(X.shape[0])
        )
        dim = self.n_clusters if self.target_dim is None else self.target_dim
        if not isinstance(self.target_means, str):
            dim = np.shape(self.target_means)[1]
        self.target_means_ = _mixture_means(
            self.target_means, self.n_clusters, dim, random_state
        )
        self.targets_ = sample_targets(
            X.shape[0], self.target_means_, self.target_sigma, random_state
        )
        channels = X.shape[1]
        rotation_head = self.rotation_weight_ > 0
        if self.backbone_ == "vgg":
            network = SmallVGG(
                channels, dim, input_size=self.input_size_, rotation_head=rotation_head
            )
        else:
            network = SmallResNet18(channels, dim, rotation_head=rotation_head)
        # NHWC convolutions are about twice as fast with oneDNN on the CPU and
        # what tensor cores prefer on CUDA.
        self.network_ = network.to(self.device_, memory_format=torch.channels_last)

    def _fit_epoch(self, X, epoch, random_state):
        n_samples = X.shape[0]
        if self.targets_.shape[0] != n_samples:
            # warm_start on a training set of another size: new targets.
            self.targets_ = sample_targets(
                n_samples, self.target_means_, self.target_sigma, random_state
            )
        refine_epoch = self._fitted_param("refine_epoch")
        refining = refine_epoch is not None and epoch >= refine_epoch
        if refining:
            self.targets_ = self._refined_targets(X, epoch, random_state)
        # A copy: the assignment permutes it in place, once per batch.
        targets = torch.tensor(self.targets_, device=X.device)
        optimizer = self._current_optimizer()
        for group in optimizer.param_groups:
            # A warm start may have changed them.
            group["momentum"] = self.momentum
        optimizer.param_groups[1]["weight_decay"] = self.weight_decay

        total = torch.zeros((), device=X.device)
        rotating = self.rotation_weight_ > 0
        if rotating and self.rotation_schedule == "alternate":
            total += self._rotation_epoch(X, epoch, optimizer)
        total += self._clustering_epoch(
            X, epoch, targets, optimizer, assign=not refining
        )

        self.targets_ = targets.cpu().numpy()
        return float(total)

    def _predict_tensor(self, X):
        return self._similarities(X).argmax(dim=1)

    # --- training ---------------------------------------------------------------

    def _make_optimizer(self):
        """SGD with weight decay on the weights, not on biases and batch norm."""
        decay, no_decay = [], []
        for parameter in self.network_.parameters():
            (no_decay if parameter.ndim <= 1 else decay).append(parameter)
        return torch.optim.SGD(
            [
                {"params": no_decay, "weight_decay": 0.0},
                {"params": decay, "weight_decay": self.weight_decay},
            ],
            lr=self.learning_rate,
            momentum=self.momentum,
        )

    def _clustering_epoch(self, X, epoch, targets, optimizer, *, assign):
        """One pass of (assign, regress) steps; returns the mean loss (tensor)."""
        network = self.network_
        n_samples = X.shape[0]
        joint_rotation = self.rotation_weight_ > 0 and self.rotation_schedule == "joint"
        total = torch.zeros((), device=X.device)
        for batch in iter_minibatches(n_samples, self.batch_size, device=X.device):
            images = as_float_images(X[batch])
            if assign:
                # Step 1: evaluation mode, deterministic view, no gradient.
                network.eval()
                with torch.no_grad():
                    predictions = network(self._eval_view(images))
                batch_targets = targets[batch]
                try:
                    permutation = assign_targets(predictions, batch_targets)
                except FloatingPointError as exc:
                    raise self._divergence(epoch, str(exc)) from exc
                targets[batch] = batch_targets[permutation]
                network.train()
            # Step 2: one SGD step on a random view.
            views = self._train_view(images)
            if joint_rotation:
                rotated, rotation_labels = self._rotation_views(images)
                features = network.features(torch.cat([views, rotated]))
                embeddings = network.embed(features[: len(batch)])
                logits = network.rotation_logits(features[len(batch) :])
                loss = F.mse_loss(embeddings, targets[batch])
                loss = loss + self.rotation_weight_ * F.cross_entropy(
                    logits, rotation_labels
                )
            else:
                loss = F.mse_loss(network(views), targets[batch])
            self._check_step_loss(loss, epoch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(batch)
        return total / n_samples

    def _rotation_epoch(self, X, epoch, optimizer):
        """One epoch of 4-way rotation prediction; returns the weighted mean loss."""
        network = self.network_
        n_samples = X.shape[0]
        total = torch.zeros((), device=X.device)
        for batch in iter_minibatches(n_samples, self.batch_size, device=X.device):
            rotated, labels = self._rotation_views(as_float_images(X[batch]))
            logits = network.rotation_logits(network.features(rotated))
            loss = self.rotation_weight_ * F.cross_entropy(logits, labels)
            self._check_step_loss(loss, epoch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(batch)
        return total / n_samples

    def _refined_targets(self, X, epoch, random_state):
        """k-means on the embeddings -> labels matched to the old targets -> modes."""
        self.network_.eval()
        embeddings = self._map_batches(self._embed, X, check_finite=False).numpy()
        self.network_.train()
        kmeans = KMeans(
            self.n_clusters,
            n_init=_REFINE_KMEANS_N_INIT,
            random_state=random_state.randint(np.iinfo(np.int32).max),
        )
        if not np.isfinite(embeddings).all():
            raise self._divergence(epoch, "the embeddings are no longer finite")
        with warnings.catch_warnings():
            # Fewer distinct embeddings than clusters early on is harmless here.
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = kmeans.fit_predict(embeddings)
        previous = np.argmax(self.targets_ @ self.target_means_.T, axis=1)
        labels = _match_labels_to_previous(labels, previous, self.n_clusters)
        return self.target_means_[labels].copy()

    # --- views ------------------------------------------------------------------

    def _output_size(self):
        return (self.input_size_, self.input_size_)

    def _eval_view(self, images):
        """Centre crop of ``crop_fractions[0]``, resized to the input size."""
        matrices = crop_matrices(
            images.shape[0],
            float(np.atleast_1d(self._fitted_param("crop_fractions"))[0]),
            device=images.device,
        )
        views = warp(images, matrices, output_size=self._output_size())
        return views.contiguous(memory_format=torch.channels_last)

    def _train_view(self, images):
        """Random rotation, random crop (one of ``crop_fractions``), resize."""
        matrices = random_affine_matrices(
            images.shape[0],
            rotation=float(self.augment_rotation),
            hflip=bool(self.hflip),
            crop_fractions=[float(f) for f in np.atleast_1d(self.crop_fractions)],
            device=images.device,
        )
        views = warp(images, matrices, output_size=self._output_size())
        return views.contiguous(memory_format=torch.channels_last)

    def _rotation_views(self, images):
        """Each image rotated by 0, 90, 180, 270 degrees, random-cropped, resized.

        As the authors' rotation task: crops only, no flip, no small rotation.
        Returns the (4 * n) views and their rotation classes.
        """
        n_images = images.shape[0]
        quarter_turns = torch.arange(N_ROTATIONS, device=images.device)
        quarter_turns = quarter_turns.repeat_interleave(n_images)
        crops = random_affine_matrices(
            N_ROTATIONS * n_images,
            crop_fractions=[float(f) for f in np.atleast_1d(self.crop_fractions)],
            device=images.device,
        )
        views = warp(
            images.repeat(N_ROTATIONS, 1, 1, 1),
            rotation_then(crops, quarter_turns),
            output_size=self._output_size(),
        )
        return views.contiguous(memory_format=torch.channels_last), quarter_turns

    # --- inference --------------------------------------------------------------

    @property
    def _n_features_out(self):
        return self.target_means_.shape[1]

    def _embed(self, X):
        return self.network_(self._eval_view(X))

    def _similarities(self, X):
        """Cosine similarities (n, n_clusters) of embeddings to the mode means."""
        means = torch.as_tensor(self.target_means_, device=X.device)
        return self._embed(X) @ means.T

    def transform(self, X):
        """Unit-norm embeddings of the images ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.

        Returns
        -------
        embeddings : ndarray of shape (n_samples, target_dim)
            Network outputs on the deterministic view, on the unit sphere.
        """
        X = self._check_test_images(X)
        return self._map_batches(self._embed, X).numpy()

    def predict_proba(self, X):
        """Posterior probability of each mixture mode (cluster).

        ``softmax_c(z . m_c / target_sigma^2)``: the posterior of the target
        mixture restricted to the unit sphere (a von Mises-Fisher mixture of
        concentration ``1 / target_sigma^2`` with equal weights). With
        ``target_sigma=0`` the modes are points and the posterior is the
        one-hot vector of :meth:`predict`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
            Rows sum to 1.
        """
        X = self._check_test_images(X)
        sigma = float(self._fitted_param("target_sigma"))
        n_clusters = self.target_means_.shape[0]

        def posterior(batch):
            similarities = self._similarities(batch)
            if sigma == 0:
                return F.one_hot(similarities.argmax(dim=1), n_clusters).float()
            return torch.softmax(similarities / sigma**2, dim=1)

        return self._map_batches(posterior, X).numpy().astype(np.float64)

    def score(self, X, y=None):
        """Negative mean squared error between embeddings and nearest modes.

        The refinement-stage training loss on ``X``: the mean over samples and
        embedding coordinates of ``(z - m)^2``, ``m`` the nearest mode mean.
        Higher is better; 0 means every embedding sits on a mode.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float
            Negative mean squared error per embedding coordinate, in
            ``[-4 / target_dim, 0]``.
        """
        X = self._check_test_images(X)
        # ||z - m||^2 = 2 - 2 z.m for unit vectors.
        best = self._map_batches(lambda b: self._similarities(b).max(dim=1).values, X)
        dim = self.target_means_.shape[1]
        return -float(torch.mean(2.0 - 2.0 * best.double())) / dim
