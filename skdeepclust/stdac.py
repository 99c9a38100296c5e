"""ST-DAC: Deep Adaptive Clustering with spatial transformer layers.

Deep Adaptive Clustering (DAC, Chang et al., ICCV 2017) recasts clustering as
binary pairwise classification. A network maps each image to a *label
feature*: its softmax output over ``n_clusters``, L2-normalised, so that the
dot product of two label features is a similarity in [0, 1]: 1 for equal
label features, 0 for ones that share no cluster. Pairs whose similarity is above an
upper threshold are labelled "same cluster", those below a lower threshold
"different clusters", the rest are left out; the network is trained by binary
cross-entropy on the labelled pairs, and the thresholds move towards each
other epoch after epoch, until every pair is labelled. A sample's cluster is
the argmax of its label feature.

ST-DAC (Souza & Zanchettin, ICANN 2019) trains the simpler DAC* variant (one
threshold moved linearly per epoch, every pair labelled) with up to three
spatial transformer layers in the network, which learn to centre and scale
what the convolutions see.

The training loop follows the authors' code: each epoch, the data are
shuffled and cut into chunks of ``chunk_size``; for each chunk the label
features are computed once (no augmentation, no dropout), and give both the
pairwise targets and the targets of a second, weighted cross-entropy term
between the network's softmax and those label features ("self targets");
then one pass over the chunk in mini-batches of ``batch_size`` (drawn in a
fresh order when the pseudo-labels use batch statistics), each one
augmented on the device, takes one Adam step.
"""

import numbers
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from skdeepclust.base import (
    SCHEDULE_CONSTRAINTS,
    BaseDeepClusterer,
    as_float_images,
    check_milestones,
    float32_region,
    images_to_numpy,
    report_progress,
    stop_requested,
)
from skdeepclust.nn.augment import augment_images
from skdeepclust.nn.dac_network import DACNetwork, label_features
from skdeepclust.nn.spatial_transformer import ST_INITS, ST_SAMPLINGS

__all__ = ["STDACClustering", "threshold_schedule", "select_pairs"]

# DAC's augmentations (Keras ImageDataGenerator settings in the authors'
# code). ``intensity_scale`` is Keras' ``rescale``: a constant factor applied
# to every training image, not a zoom; ``channel_shift`` adds one uniform
# offset per channel, clipped to the image's range; Keras 1 resamples with
# nearest-neighbour interpolation (``order=0``).
AUGMENTATIONS = {
    "mnist": {
        "rotation": 10.0,
        "translation": 0.1,
        "zoom": (0.95, 1.05),
        "hflip": False,
        "channel_shift": 0.05,
        "intensity_scale": 0.975,
        "interpolation": "nearest",
    },
    "fashion": {
        "rotation": 20.0,
        "translation": 0.18,
        "zoom": (0.85, 1.15),
        "hflip": True,
        "channel_shift": 0.1,
        "intensity_scale": 0.95,
        "interpolation": "nearest",
    },
}
_NO_AUGMENTATION = {
    "rotation": 0.0,
    "translation": 0.0,
    "zoom": (1.0, 1.0),
    "hflip": False,
    "channel_shift": 0.0,
    "intensity_scale": 1.0,
    "interpolation": "bilinear",
}
_INTERPOLATIONS = ("nearest", "bilinear")
# "auto" augments images whose sides are all at least this long; shorter
# ones (1 x d strips of tabular data above all) are not images, and
# rotating or shifting them would only mix their features.
_AUTO_AUGMENT_MIN_SIDE = 8

SELECTIONS = ("dac*", "dac")
BN_STATISTICS = ("running", "batch", "batch_during_fit")

# Samples used to recompute the batch-norm statistics after each epoch.
_RECALIBRATION_SAMPLES = 10_000
# Images summed at a time for the mean pixel.
_MEAN_PIXEL_BATCH = 4096
# Images per forward pass of the training-time passes over many images
# (pseudo-labels, batch-norm recalibration).
_TRAINING_PASS_BATCH = 1024

# torch 2.4 brought fused Adam to CPU parameters.
_FUSED_ADAM_ON_CPU = torch.torch_version.TorchVersion(torch.__version__) >= (2, 4)

# Keras clips probabilities to [eps, 1 - eps] in binary_crossentropy.
_EPS = 1e-7


# --------------------------------------------------------------------------
# The method's maths, as small functions
# --------------------------------------------------------------------------


def threshold_schedule(epoch, max_epochs, upper, lower, selection):
    """Upper and lower selection thresholds of a (0-based) epoch.

    ``"dac*"`` (the authors' code): a single threshold ``th`` starts at
    ``upper`` and falls by ``(upper - lower) / max_epochs`` after each epoch
    (0.99, 0.971, ..., 0.819 for 0.99, 0.80 and 10 epochs); it is returned as
    ``(th, th)``, so that every pair is labelled.

    ``"dac"`` (Chang et al.): ``upper`` falls and ``lower`` rises by the same
    step so that they meet half-way at the last epoch, where every pair is
    labelled (DAC stops when the upper threshold reaches the lower one).

    Epochs past ``max_epochs`` (a ``warm_start`` continuation) keep the
    final thresholds.

    Parameters
    ----------
    epoch : int
        The epoch, from 0.
    max_epochs : int
        Number of epochs of the schedule.
    upper : float
        Upper threshold at the first epoch.
    lower : float
        Lower threshold (``"dac"``: at the first epoch; ``"dac*"``: where
        the single threshold would arrive after ``max_epochs``).
    selection : {"dac*", "dac"}
        The schedule.

    Returns
    -------
    thresholds : tuple of float
        The upper and lower thresholds of the epoch.
    """
    if selection == "dac*":
        step = (upper - lower) / max_epochs
        th = upper - min(epoch, max_epochs) * step
        return th, th
    progress = 1.0 if max_epochs <= 1 else min(epoch / (max_epochs - 1), 1.0)
    if progress == 1.0:
        # Exactly equal, so that rounding cannot leave a gap of unused pairs.
        middle = (upper + lower) / 2
        return middle, middle
    half_gap = progress * (upper - lower) / 2
    return upper - half_gap, lower + half_gap


def select_pairs(similarity, upper, lower):
    """Pseudo-labels of pairs from their similarities.

    Pairs with ``similarity >= upper`` are labelled 1 (same cluster), those
    with ``similarity < lower`` 0 (different clusters); the others are not
    selected. With ``upper == lower`` every pair is labelled.

    Parameters
    ----------
    similarity : torch.Tensor
        Similarities of the pairs, any shape.
    upper : float
        Similarity from which a pair is labelled "same".
    lower : float
        Similarity below which a pair is labelled "different".

    Returns
    -------
    targets : torch.Tensor
        1.0 for "same" and 0.0 otherwise, of the shape of ``similarity``.
    selected : torch.Tensor
        Boolean, of the same shape: which pairs are labelled.
    """
    same = similarity >= upper
    selected = same | (similarity < lower)
    return same.to(similarity.dtype), selected


def _binary_cross_entropy(probabilities, targets):
    """Element-wise BCE on probabilities clipped as Keras does."""
    p = probabilities.clamp(_EPS, 1 - _EPS)
    return -(targets * torch.log(p) + (1 - targets) * torch.log1p(-p))


def pairwise_loss(similarity, targets, selected):
    """Mean BCE over the selected pairs (0 when none is selected)."""
    selected = selected.to(similarity.dtype)
    losses = _binary_cross_entropy(similarity, targets) * selected
    return losses.sum() / selected.sum().clamp(min=1)


def _resolve_augmentation(augmentation, image_shape):
    """The augmentation parameter as a full dict, or None."""
    if augmentation is None:
        return None
    if isinstance(augmentation, str):
        if augmentation == "auto":
            if min(image_shape[:2]) < _AUTO_AUGMENT_MIN_SIDE:
                return None
            augmentation = "mnist"
        if augmentation not in AUGMENTATIONS:
            raise ValueError(
                f"augmentation must be 'auto', 'mnist', 'fashion', None or a dict, "
                f"got {augmentation!r}."
            )
        return dict(AUGMENTATIONS[augmentation])
    if isinstance(augmentation, dict):
        unknown = set(augmentation) - set(_NO_AUGMENTATION)
        if unknown:
            raise ValueError(
                f"Unknown augmentation keys {sorted(unknown)}; the keys are "
                f"{sorted(_NO_AUGMENTATION)}."
            )
        params = {**_NO_AUGMENTATION, **augmentation}
        params["zoom"] = tuple(float(z) for z in params["zoom"])
        if len(params["zoom"]) != 2 or min(params["zoom"]) <= 0:
            raise ValueError(
                f"augmentation['zoom'] must be a (low, high) pair of positive "
                f"numbers, got {augmentation['zoom']!r}."
            )
        if params["interpolation"] not in _INTERPOLATIONS:
            raise ValueError(
                f"augmentation['interpolation'] must be one of {_INTERPOLATIONS}, "
                f"got {params['interpolation']!r}."
            )
        return params
    raise TypeError(
        f"augmentation must be 'auto', 'mnist', 'fashion', None or a dict, "
        f"got {type(augmentation).__name__}."
    )


def _adam(network, learning_rate):
    """Adam (Keras' defaults are torch's), fused into one kernel per step.

    The 12,544 x 3,096 dense layer holds 39 M of the 40 M parameters at
    28 x 28; the unfused update makes several passes over them. Fused Adam
    runs on CUDA, and on the CPU from torch 2.4 on; before, the default
    (multi-tensor) update is used.
    """
    device = next(network.parameters()).device
    fused = device.type == "cuda" or _FUSED_ADAM_ON_CPU
    return torch.optim.Adam(network.parameters(), lr=learning_rate, fused=fused)


def _mean_pixel(X):
    """Mean pixel value of the images ``X`` (a tensor, uint8 or float32).

    Summed in float64 a few thousand images at a time, so that uint8 images
    and the same images scaled to float32 give the same value, and no float
    copy of a uint8 set is made.
    """
    total = torch.zeros((), dtype=torch.float64, device=X.device)
    for part in X.split(_MEAN_PIXEL_BATCH):
        total += as_float_images(part).sum(dtype=torch.float64)
    return float(total) / max(X.numel(), 1)


def _split_sizes(n_items, size):
    """Sizes of consecutive slices of ``size``; the remainder joins the last."""
    if n_items <= size:
        return [n_items]
    sizes = [size] * (n_items // size)
    sizes[-1] += n_items % size
    return sizes


# --------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------


class STDACClustering(BaseDeepClusterer):
    """Deep Adaptive Clustering with spatial transformer layers (ST-DAC).

    A convolutional network with up to three spatial transformers maps each
    image to a softmax over ``n_clusters``; it is trained to classify pairs
    of images as same/different cluster, with pseudo-labels taken from its
    own similarities (dot products of the L2-normalised softmax outputs)
    and thresholds that label more pairs every epoch. Each image's cluster is
    the argmax of its softmax.

    Read more in the :ref:`User Guide <stdac>`.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of clusters (size of the softmax output).

    n_st_layers : {0, 1, 2, 3}, default=2
        Number of spatial transformer layers: on the input image, then after
        the second and after the third convolution block. Two is the
        paper's best setting on MNIST, three on Fashion-MNIST. The
        authors' MNIST script for three layers builds a third localisation
        network but wires in only two spatial transformers, so the paper's
        MNIST "3 ST" accuracy (0.961) is a second 10-run mean of the 2-ST
        network (0.980): compare MNIST runs with ``n_st_layers=2`` against
        both. Their Fashion-MNIST script does insert the third.

    st_init : {"authors", "identity"}, default="authors"
        Start of the spatial transformers' localisation networks. Both
        initialise the last dense layer to zero weights and the identity
        transform as bias. ``"authors"``, as the authors' code, follows it
        with a tanh: the layers start as a 1.31x zoom into the centre
        (``tanh(1) = 0.7616``), and every coefficient of their transforms
        stays in [-1, 1]. ``"identity"`` has no tanh: the layers start as
        the exact identity (Jaderberg et al.). The default is the setting
        behind the published numbers; on small, tightly framed images
        ``"identity"`` does better (see Notes). (The zoom is 1.31x with
        ``st_sampling="centered"``; the authors' sampler turns the same
        matrix into 1.27x at 28 x 28, 1.22x at 14 x 14 and 1.13x at 7 x 7.)

    st_sampling : {"authors", "centered"}, default="authors"
        How the spatial transformers resample. ``"authors"``: the
        convention of the sampler in the authors' code (seya's
        ``SpatialTransformer`` for Keras 1): a corner-to-corner output grid,
        a half-pixel shift, and 0 for every sample outside the image or on
        its last row or column. ``"centered"``: torch's
        ``align_corners=False`` convention with border padding, for which
        the identity matrix reproduces the input exactly. Details in
        :mod:`skdeepclust.nn.spatial_transformer`; measured effects in
        :ref:`stdac-notes`.

    selection : {"dac*", "dac"}, default="dac*"
        Pair selection. ``"dac*"``, the variant the paper trains and the
        authors' code runs: a single threshold falls linearly, epoch after
        epoch, from ``upper_threshold`` towards ``lower_threshold`` (reaching
        ``lower + (upper - lower) / max_epochs`` at the last epoch); pairs
        above it are "same", all the others "different", so every pair is
        labelled. ``"dac"``: the full adaptive selection of Chang et al.;
        pairs at or above the upper threshold are "same", those below the
        lower one "different", the ones between are left out; the upper
        threshold falls and the lower one rises until they meet at the last
        epoch, where every pair is used. See
        :func:`~skdeepclust.stdac.threshold_schedule`.

    upper_threshold : float, default=0.99
        Start of the single threshold (``"dac*"``) or of the upper one
        (``"dac"``).

    lower_threshold : float, default=0.8
        Where the threshold(s) head for. The authors' code runs 0.99 -> 0.80
        on MNIST and 0.99 -> 0.90 on Fashion-MNIST, while the paper states
        [0.9, 0.99] for MNIST and [0.8, 0.99] for Fashion-MNIST, i.e. the
        other way round. The default follows the MNIST code, which produced
        the published MNIST numbers; use 0.9 for the Fashion-MNIST code's
        schedule.

    self_target_weight : float, default=10.0
        Weight of the authors' extra term: binary cross-entropy between the
        network's softmax on the augmented images and the L2-normalised
        label features of the same images computed, without augmentation,
        before the chunk's updates. It keeps each sample close to its
        current assignment while the pairwise term reorganises the
        clusters. 0 trains on the pairwise term alone (as in the paper's
        description).

    subtract_mean : bool, default=True
        Subtract the mean pixel value of the training images (one scalar,
        stored as ``mean_pixel_``) from every input, as the authors' code.

    augmentation : {"auto", "mnist", "fashion"}, dict or None, default="auto"
        Random augmentation of the training mini-batches, run on the device.
        ``"mnist"``: DAC's MNIST setting (rotation 10 degrees, shifts 0.1,
        channel shift 0.05, intensity rescale 0.975, zoom [0.95, 1.05]);
        ``"fashion"``: its Fashion-MNIST setting (rotation 20, shifts 0.18,
        channel shift 0.1, horizontal flips, rescale 0.95, zoom
        [0.85, 1.15]); both resample with nearest-neighbour interpolation,
        as the authors' Keras 1 does. ``"auto"``: ``"mnist"`` for images at
        least 8 pixels on each side, none for smaller ones (1 x d strips of
        tabular data); a dict with any of the keys ``rotation`` (degrees),
        ``translation`` (fraction of the side), ``zoom`` ((low, high)),
        ``hflip`` (bool), ``channel_shift``, ``intensity_scale`` and
        ``interpolation`` ("nearest" or "bilinear", the default for a
        dict); None: no augmentation.

    chunk_size : int, default=1000
        Samples per chunk: the pseudo-labels are computed once per chunk,
        then the chunk is passed through once in mini-batches. The last
        chunk takes the remainder.

    conv_channels : tuple of 3 int, default=(64, 128, 256)
        Channels of the three convolution blocks.

    hidden_units : int, default=3096
        Width of the hidden dense layer (3096 in the paper).

    dropout : float, default=0.5
        Dropout rate after the hidden dense layer. The authors' scripts use
        0.5, except the MNIST script without spatial transformers, which
        has no dropout (``dropout=0``).

    bn_statistics : {"batch_during_fit", "running", "batch"}, \
            default="batch_during_fit"
        Statistics batch normalisation uses outside training steps (pseudo
        labels, ``predict``, ``transform``...).
        ``"batch_during_fit"``: batch statistics for the pseudo-labels,
        computed in mini-batches of ``batch_size`` as the authors' Keras code
        (``mode=2``, predicting 32 at a time), and running ones, recalibrated
        on the training set (10,000 random samples of larger ones) after
        every epoch, for ``predict`` and ``transform``, so that a sample's
        prediction does not depend on the samples passed with it.
        Normalising the output layer over each batch spreads the batch over
        the clusters, which is what keeps the authors' training from
        collapsing.
        ``"running"``: running averages (recalibrated as above, and before
        the first epoch) for the pseudo-labels too; on small sets it does as
        well as ``"batch_during_fit"``, and a sample's pseudo-label then
        does not depend on its batch.
        ``"batch"``: the statistics of the batch at hand everywhere, as the
        authors; predictions then depend on what they are predicted with
        (batches of up to 1024 samples), which scikit-learn's estimator
        checks reject. Measured effects: :ref:`stdac-notes`.

    max_epochs : "auto" or int, default="auto"
        Number of epochs; the threshold schedule spans them. ``"auto"``: the
        authors' 10 epochs for 70,000 images or more; for fewer, more epochs
        but fewer optimisation steps, ``ceil(10 * sqrt(70000 / n_samples))``
        (63 for scikit-learn's 1,797 digits, 27 for 10,000 images;
        :ref:`auto-schedules`). ``max_epochs_`` holds the number.

    batch_size : int, default=32
        Mini-batch size (pairs are formed within a mini-batch). A chunk
        smaller than one mini-batch is used whole; otherwise the last
        ``chunk % batch_size`` samples of a chunk are dropped for that epoch,
        as in the authors' code.

    learning_rate : float, default=1e-4
        Adam's learning rate.

    lr_milestones : "auto" or sequence of int, default=()
        Epochs after which the learning rate is multiplied by ``lr_gamma``
        (none in the authors' code, and none with ``"auto"``).

    lr_gamma : float, default=0.1
        Factor of each learning-rate decay.

    device : str or torch.device, default="auto"
        Where to train: "auto" (CUDA when available, else CPU), "cpu",
        "cuda", "cuda:<index>" or a :class:`torch.device`.

    precision : {"float32", "bfloat16"}, default="float32"
        Arithmetic of the networks. ``"bfloat16"`` runs their convolutions and
        matrix products in bfloat16 with float32 accumulation (mixed precision,
        :func:`torch.autocast`), while the spatial transformers' sampling
        grids, the similarities and the loss stay in float32. It pays on
        hardware with bfloat16 units (CPUs with AVX-512 BF16 or AMX, recent
        GPUs) and is slower elsewhere; a fit in bfloat16 differs from a float32
        one of the same seed. Measured speed and accuracy: :ref:`user guide
        <precision>`.

    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, augmentation and dropout. Pass an
        int for reproducible results on a given device.

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
        samples; by default square grey images, or 1 x d strips when the
        number of features is not a square.

    warm_start : bool, default=False
        Continue the previous fit instead of starting afresh. The threshold
        schedule goes on from where it was and stays at its final value
        past ``max_epochs``. Adam's moments go on too, also after pickling.

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
        Cluster of each training sample.

    network_ : torch.nn.Module
        The trained :class:`~skdeepclust.nn.dac_network.DACNetwork`.

    mean_pixel_ : float
        Mean pixel value subtracted from the inputs (0 when
        ``subtract_mean=False``).

    augmentation_ : dict or None
        The augmentation used, with every key.

    thresholds_ : ndarray of shape (n_epochs, 2)
        Upper and lower selection thresholds of each epoch (equal for
        ``"dac*"``).

    pair_fraction_ : ndarray of shape (n_epochs,)
        Fraction of the mini-batches' pairs labelled (used by the loss) in
        each epoch; 1 throughout for ``"dac*"``.

    loss_curve_ : list of float
        Mean training loss (pairwise + weighted self-target term) of each
        epoch.

    n_iter_ : int
        Number of epochs run.

    max_epochs_ : int
        Epochs of the fit: ``max_epochs``, or the number ``"auto"`` chose.

    lr_milestones_ : tuple of int
        The learning-rate milestones used (none with ``"auto"``, as the
        authors').

    init_scores_ : ndarray of shape (n_init,)
        The :meth:`score` of each of the ``n_init`` fits on the training
        images (only when ``n_init > 1``); the model kept has the highest.

    n_features_in_ : int
        Number of features (pixels x channels) seen in ``fit``.

    image_shape_ : tuple of int
        ``(height, width, channels)`` of the training images.

    device_ : torch.device
        Device the model was trained on.

    See Also
    --------
    sklearn.cluster.KMeans : K-means on the raw features.
    MMDCClustering : Multi-modal deep clustering.
    DTIKMeans : Deep transformation-invariant K-means.

    Notes
    -----
    ``predict_proba`` returns the softmax outputs (the label features
    normalised to sum to 1); ``transform`` returns the label features
    themselves (L2-normalised, the space where DAC measures similarity);
    ``score`` is minus the pairwise loss at the final thresholds over all
    pairs of the given samples. Like the training objective, ``score``
    rewards confident, consistent pairwise decisions, not the number of
    clusters used: compare it between models with the same ``n_clusters``,
    and use labels (``scoring=``) where there are some.

    The defaults are the authors' MNIST settings, made for 70,000 images,
    i.e. about 2,000 Adam steps per epoch. On a small set they undertrain;
    the user guide (:ref:`stdac-notes`) gives settings for small sets and
    what each changes, measured.

    Differences from the authors' code: predictions normalised with
    running batch-norm statistics recalibrated on the training set after
    each epoch (the authors' Keras layers normalise every batch of 32 by
    itself, predictions included: :meth:`predict_with_batch_statistics`
    computes their evaluation; ``bn_statistics="batch"`` normalises
    batches of up to 1,024); a fused Adam update; the zoom augmentation
    about the image's centre and the shift applied after the rotation
    (Keras: about a point half a pixel off, and inside it); incomplete
    chunks are merged into the last one instead of being dropped;
    pseudo-labels exactly at the threshold count as "same" (the code gives
    them 0.5); the ``"dac"`` selection brings both thresholds together by
    the last epoch; and smaller or larger inputs are handled as described
    in :mod:`skdeepclust.nn.dac_network`.

    References
    ----------
    .. [1] T. V. M. de Souza and C. Zanchettin, "Improving Deep Image
       Clustering With Spatial Transformer Layers", ICANN 2019,
       arXiv:1902.05401.
    .. [2] J. Chang, L. Wang, G. Meng, S. Xiang and C. Pan, "Deep Adaptive
       Image Clustering", ICCV 2017.
    .. [3] M. Jaderberg, K. Simonyan, A. Zisserman and K. Kavukcuoglu,
       "Spatial Transformer Networks", NeurIPS 2015.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdeepclust.stdac import STDACClustering
    >>> X = load_digits().images[:300] / 16
    >>> model = STDACClustering(n_clusters=10, max_epochs=2, n_st_layers=1,
    ...                         conv_channels=(8, 16, 32), hidden_units=64,
    ...                         random_state=0, device="cpu").fit(X)
    >>> model.labels_.shape
    (300,)
    >>> model.predict_proba(X[:2]).shape
    (2, 10)
    >>> model.transform_images(X[:2]).shape
    (2, 8, 8)
    """

    def __init__(
        self,
        n_clusters=10,
        *,
        n_st_layers=2,
        st_init="authors",
        st_sampling="authors",
        selection="dac*",
        upper_threshold=0.99,
        lower_threshold=0.8,
        self_target_weight=10.0,
        subtract_mean=True,
        augmentation="auto",
        chunk_size=1000,
        conv_channels=(64, 128, 256),
        hidden_units=3096,
        dropout=0.5,
        bn_statistics="batch_during_fit",
        max_epochs="auto",
        batch_size=32,
        learning_rate=1e-4,
        lr_milestones=(),
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
        self.n_st_layers = n_st_layers
        self.st_init = st_init
        self.st_sampling = st_sampling
        self.selection = selection
        self.upper_threshold = upper_threshold
        self.lower_threshold = lower_threshold
        self.self_target_weight = self_target_weight
        self.subtract_mean = subtract_mean
        self.augmentation = augmentation
        self.chunk_size = chunk_size
        self.conv_channels = conv_channels
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.bn_statistics = bn_statistics
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
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

    # --- validation ----------------------------------------------------------

    # The authors' MNIST script, which max_epochs="auto" scales to the data:
    # 10 epochs of 70,000 images.
    _auto_schedule = {
        "reference_n_samples": 70_000,
        "reference_epochs": 10,
        "exponent": 0.5,
    }

    _parameter_constraints = {
        **BaseDeepClusterer._parameter_constraints,
        "n_st_layers": [Interval(Integral, 0, 3, closed="both")],
        "st_init": [StrOptions(set(ST_INITS))],
        "st_sampling": [StrOptions(set(ST_SAMPLINGS))],
        "selection": [StrOptions(set(SELECTIONS))],
        "upper_threshold": [Interval(Real, 0, 1, closed="both")],
        "lower_threshold": [Interval(Real, 0, 1, closed="both")],
        "self_target_weight": [Interval(Real, 0, None, closed="left")],
        "subtract_mean": ["boolean"],
        "augmentation": [StrOptions({"auto", *AUGMENTATIONS}), dict, None],
        "chunk_size": [Interval(Integral, 2, None, closed="left")],
        "conv_channels": ["array-like"],
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "bn_statistics": [StrOptions(set(BN_STATISTICS))],
        **SCHEDULE_CONSTRAINTS,
    }

    _warm_start_fixed = (
        "n_clusters",
        "n_st_layers",
        "st_init",
        "st_sampling",
        "subtract_mean",
        "augmentation",
        "conv_channels",
        "hidden_units",
        "dropout",
        "bn_statistics",
    )

    def _check_params_vs_input(self, X):
        super()._check_params_vs_input(X)
        if self.lower_threshold > self.upper_threshold:
            raise ValueError(
                f"lower_threshold={self.lower_threshold} must not exceed "
                f"upper_threshold={self.upper_threshold}."
            )
        check_milestones(self._fitted_param("lr_milestones"), "lr_milestones")
        channels = self.conv_channels
        if not (
            len(channels) == 3
            and all(
                isinstance(c, numbers.Integral) and not isinstance(c, bool) and c >= 1
                for c in channels
            )
        ):
            raise ValueError(
                f"conv_channels must be 3 positive ints, got {self.conv_channels!r}."
            )

    # --- hooks of BaseDeepClusterer -----------------------------------------------

    def _initialize(self, X, random_state):
        channels, height, width = X.shape[1:]
        # Validated before anything is built, so a bad value leaves no model.
        self.augmentation_ = _resolve_augmentation(self.augmentation, self.image_shape_)
        self.mean_pixel_ = _mean_pixel(X) if self.subtract_mean else 0.0
        self.network_ = DACNetwork(
            channels,
            height,
            width,
            self.n_clusters,
            n_st_layers=self.n_st_layers,
            st_init=self.st_init,
            st_sampling=self.st_sampling,
            conv_channels=tuple(int(c) for c in self.conv_channels),
            hidden_units=self.hidden_units,
            dropout=self.dropout,
        ).to(X.device)
        self.network_.use_batch_statistics(self.bn_statistics == "batch")
        if self.bn_statistics != "batch":
            # Statistics of the data from the start: a fresh batch norm is
            # the identity in evaluation mode, and the first chunk's pseudo
            # labels would come from un-normalised, near-uniform outputs.
            self._recalibrate_batch_norm(X)
        self.thresholds_ = np.empty((0, 2))
        self.pair_fraction_ = np.empty(0)

    def _fit_epoch(self, X, epoch, random_state):
        network = self.network_
        optimizer = self._current_optimizer()
        upper, lower = threshold_schedule(
            epoch,
            self._fitted_param("max_epochs"),
            self.upper_threshold,
            self.lower_threshold,
            self.selection,
        )
        batch_statistics = self.bn_statistics != "running"
        pseudo_label_batch = _TRAINING_PASS_BATCH
        if batch_statistics:
            # Statistics of each run of batch_size samples: see below.
            network.use_batch_statistics(True, group_size=self.batch_size)
            pseudo_label_batch -= pseudo_label_batch % self.batch_size
            pseudo_label_batch = max(pseudo_label_batch, self.batch_size)
        try:
            totals = self._train_chunks(
                X, epoch, upper, lower, batch_statistics, pseudo_label_batch, optimizer
            )
        finally:
            # Even when interrupted, the network is left as after an epoch.
            if batch_statistics:
                network.use_batch_statistics(self.bn_statistics == "batch")
        total_loss, n_selected, n_pairs, n_steps = totals
        if self.bn_statistics != "batch":
            # The running averages lag behind the weights, most of all with
            # few steps per epoch; exact statistics of the training set make
            # the next pseudo-labels and the predictions those of the
            # network as trained (see the user guide's notes on STDAC).
            self._recalibrate_batch_norm(X)
        if not stop_requested():
            self.thresholds_ = np.vstack([self.thresholds_, [[upper, lower]]])
            self.pair_fraction_ = np.append(
                self.pair_fraction_, float(n_selected) / max(n_pairs, 1)
            )
        return float(total_loss) / max(n_steps, 1)

    def _train_chunks(
        self, X, epoch, upper, lower, batch_statistics, pseudo_label_batch, optimizer
    ):
        """The epoch's chunks; returns (total loss, selected, pairs, steps)."""
        network = self.network_
        device = X.device
        total_loss = torch.zeros((), device=device)
        n_selected = torch.zeros((), device=device)
        n_pairs = 0
        n_steps = 0
        order = torch.randperm(X.shape[0], device=device)
        start = 0
        for chunk_length in _split_sizes(X.shape[0], self.chunk_size):
            if stop_requested():
                break
            chunk = as_float_images(X[order[start : start + chunk_length]])
            chunk -= self.mean_pixel_
            start += chunk_length
            # Pseudo-labels of the whole chunk, from the network as it is
            # now, without augmentation or dropout. With batch statistics
            # they come in mini-batches, as the authors' Keras predict (32
            # samples): normalising over a few samples spreads each small
            # batch over the clusters. The mini-batches go through the
            # network together, each normalised by itself.
            network.eval()
            with torch.no_grad():
                chunk_features = torch.cat(
                    [
                        label_features(network(part))
                        for part in chunk.split(pseudo_label_batch)
                    ]
                )
            network.train()
            if batch_statistics:
                # Training batches drawn afresh from the chunk, as the
                # authors' code does, so that a sample's targets come from
                # another batch (normalised by other samples) than the one
                # it trains in. With running statistics the pseudo-labels
                # do not depend on the batches: the order is random already.
                within = torch.randperm(chunk_length, device=device)
                chunk, chunk_features = chunk[within], chunk_features[within]
            batch_size = min(self.batch_size, chunk_length)
            for batch_start in range(0, chunk_length - batch_size + 1, batch_size):
                if stop_requested():
                    break
                images = chunk[batch_start : batch_start + batch_size]
                features = chunk_features[batch_start : batch_start + batch_size]
                if self.augmentation_ is not None:
                    images = augment_images(images, self.augmentation_)
                probabilities = network(images)
                with float32_region(device):
                    predicted = label_features(probabilities)
                    targets, selected = select_pairs(
                        features @ features.T, upper, lower
                    )
                    loss = pairwise_loss(predicted @ predicted.T, targets, selected)
                    if self.self_target_weight:
                        self_loss = _binary_cross_entropy(probabilities, features)
                        loss = loss + self.self_target_weight * self_loss.mean()
                self._check_step_loss(loss, epoch)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total_loss += loss.detach()
                n_selected += selected.sum()
                n_pairs += selected.numel()
                n_steps += 1
                report_progress(start - chunk_length + batch_start + batch_size, len(X))
        return total_loss, n_selected, n_pairs, n_steps

    def _recalibrate_batch_norm(self, X):
        """Batch-norm statistics from (a random subset of) the training set."""
        if X.shape[0] > _RECALIBRATION_SAMPLES:
            # 10,000 samples pin the statistics down; all 70,000 of MNIST
            # would add a fifth to a CPU epoch.
            subset = torch.randperm(X.shape[0], device=X.device)
            X = X[subset[:_RECALIBRATION_SAMPLES]]
        self.network_.recalibrate_batch_norm(
            as_float_images(X), _TRAINING_PASS_BATCH, offset=self.mean_pixel_
        )

    def _make_optimizer(self):
        return _adam(self.network_, self.learning_rate)

    def _pads_inference_batches(self):
        # With bn_statistics="batch" the outputs depend on the batch by design.
        return self._fitted_param("bn_statistics") != "batch"

    def _probabilities(self, X):
        return self.network_(X - self.mean_pixel_)

    def _predict_tensor(self, X):
        return self._probabilities(X).argmax(dim=1)

    # --- public inference ---------------------------------------------------------

    def predict_proba(self, X):
        """Soft cluster assignments: the softmax outputs of the network.

        They are the label features normalised to sum to 1 instead of to
        unit L2 norm; their argmax is ``predict``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
        """
        X = self._check_test_images(X)
        return self._map_batches(self._probabilities, X).numpy()

    def transform(self, X):
        """Label features: the L2-normalised softmax outputs.

        The dot product of two rows is the similarity DAC trains on.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_clusters)
        """
        X = self._check_test_images(X)
        return self._map_batches(
            lambda batch: label_features(self._probabilities(batch)), X
        ).numpy()

    def score(self, X, y=None):
        """Minus the mean pairwise loss of ``X`` at the final thresholds.

        All pairs of samples of ``X`` are labelled from their own
        similarities with the last epoch's thresholds (see
        ``thresholds_``), and the binary cross-entropy is averaged over the
        labelled pairs. Higher is better; 0 means every pair is confidently
        same or different. The cost grows with ``n_samples ** 2``.

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
        """
        features = torch.from_numpy(self.transform(X)).to(self.device_)
        upper, lower = self.thresholds_[-1]
        total = torch.zeros((), dtype=torch.float64, device=self.device_)
        count = torch.zeros((), dtype=torch.float64, device=self.device_)
        with torch.no_grad():
            for start in range(0, features.shape[0], self._inference_batch_size):
                rows = features[start : start + self._inference_batch_size]
                similarity = (rows @ features.T).clamp(0, 1)
                targets, selected = select_pairs(similarity, upper, lower)
                losses = _binary_cross_entropy(similarity, targets)
                total += (losses * selected).sum(dtype=torch.float64)
                count += selected.sum(dtype=torch.float64)
        return -float(total / count.clamp(min=1))

    def predict_with_batch_statistics(self, X, *, group_size=32, random_state=0):
        """Predict as the authors evaluate: batch statistics in groups of 32.

        The authors' accuracies come from a Keras ``predict`` of the whole
        set in batches of 32, in one shuffled order, with every batch
        normalisation using the statistics of the batch at hand (Keras'
        ``mode=2``). This does the same: the images are put in one random
        order, each run of ``group_size`` consecutive images is normalised
        by its own statistics (the last run takes what is left), and the
        labels come back in the order of ``X``. Unlike :meth:`predict`, an
        image's label depends on the images it is grouped with.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.
        group_size : int, default=32
            Images normalised together (Keras' ``predict`` batch size).
        random_state : int, RandomState instance or None, default=0
            The order the images are grouped in.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype int64
            Index of the cluster of each image.
        """
        X = self._check_test_images(X)
        order = check_random_state(random_state).permutation(X.shape[0])
        network = self.network_
        was_training = network.training
        # Whole groups per pass, so that groups run on across passes.
        pass_size = group_size * max(1, _TRAINING_PASS_BATCH // group_size)
        shuffled = torch.as_tensor(order)
        labels = []
        try:
            network.eval()
            network.use_batch_statistics(True, group_size=group_size)
            with torch.no_grad(), self._autocast():
                for start in range(0, X.shape[0], pass_size):
                    batch = X[shuffled[start : start + pass_size]].to(self.device_)
                    batch = as_float_images(batch)
                    labels.append(network(batch - self.mean_pixel_).argmax(1).cpu())
        finally:
            network.use_batch_statistics(self._fitted_param("bn_statistics") == "batch")
            network.train(was_training)
        result = np.empty(X.shape[0], dtype=np.int64)
        result[order] = torch.cat(labels).numpy()
        return result

    def transform_images(self, X):
        """Images as the first spatial transformer layer outputs them.

        The layer acts on the input image (after mean subtraction, added
        back here), so its output shows how the network re-frames each
        sample: the paper's figure 4.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.

        Returns
        -------
        images : ndarray of shape (n_samples, H, W) or (n_samples, H, W, C)
            Grey images come back as (n_samples, H, W).
        """
        X = self._check_test_images(X)
        if self._fitted_param("n_st_layers") < 1:
            raise ValueError(
                "transform_images needs a spatial transformer on the input: "
                "this model was fitted with n_st_layers=0."
            )
        images = self._map_batches(
            lambda batch: (
                self.network_.input_transform(batch - self.mean_pixel_)
                + self.mean_pixel_
            ),
            X,
        )
        return images_to_numpy(images, self.image_shape_)
