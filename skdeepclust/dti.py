"""Deep Transformation-Invariant clustering: DTI K-means and DTI GMM.

DTI clustering (Monnier, Groueix & Aubry, NeurIPS 2020) clusters images in
pixel space, but compares an image ``x`` with each prototype ``c_k`` only
after transforming the prototype to fit the image: the distance is the
per-pixel mean squared error between ``x`` and ``T_{beta_k(x)}(c_k)``, where
``T`` is a chain of parametric transformations (colour, affine or
projective, morphological, thin-plate spline) whose parameters are predicted
from ``x`` by a shared ResNet-20 encoder and one small MLP per prototype and
per transformation. Prototypes, encoder and heads are learned together by
Adam on mini-batches:

* **DTI K-means** minimises ``mean_i min_k d_ik``; a sample belongs to the
  prototype that reconstructs it best.
* **DTI GMM** fits a Gaussian mixture with diagonal (per-pixel) variances
  ``s_k**2 + min_variance``, whose means *and* standard-deviation maps are
  transformed (the latter by the geometric transformations only), with an
  EM-like loss whose responsibilities are held fixed within a step.

Training follows the authors' code (``monniert/dti-clustering``):
transformations are switched on one after the other at epoch milestones
(curriculum), the learning rate is divided by 10 at epoch milestones, and
clusters that receive less than ``0.2 / n_clusters`` of the samples are
restarted from the largest one every ``reassign_interval`` iterations.
"""

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.utils._param_validation import Interval, StrOptions

from skdeepclust.base import (
    _UINT8_TO_UNIT,
    SCHEDULE_CONSTRAINTS,
    BaseDeepClusterer,
    _is_auto,
    as_float_images,
    auto_milestones,
    check_milestones,
    float32_region,
    images_to_numpy,
    iter_minibatches,
)
from skdeepclust.nn.transformations import PrototypeTransformer, canonical_name

__all__ = ["DTIKMeans", "DTIGaussianMixture"]

# Authors' constants (src/model/dtikmeans.py, dtigmm.py, configs/*.yml).
_REASSIGN_NOISE = 1e-4
_EMPTY_CLUSTER_SHARE = 0.2  # divided by n_clusters
_TRANSFORMER_WEIGHT_DECAY = 1e-6
_SIGMA_INIT = 0.5
_INITS = ("sample", "k-means++", "k-means")
_PADDING_MODES = ("border", "zeros", "reflection")
# Input values beyond this magnitude are far from pixels in [0, 1]: raw 8-bit
# or 16-bit intensities, most likely.
_PIXEL_RANGE_WARNING = 10.0
# The authors' MNIST configuration (configs/mnist.yml), which "auto" scales
# to the data: 40 epochs of 70,000 images, the learning rate divided by 10
# after 35. Their configurations for fewer images keep about as many steps
# (USPS: 270 epochs of 9,298); "auto" gives a small set more epochs but
# fewer steps than that, at a fraction of the cost.
_AUTO_SCHEDULE = {
    "reference_n_samples": 70_000,
    "reference_epochs": 40,
    "exponent": 1 / 3,
}
_AUTO_LR_MILESTONE_FRACTIONS = (35 / 40,)
# Where curriculum_milestones="auto" switches the 2nd and later
# transformations on, as fractions of the epochs: as the authors' MNIST
# curriculum (5, 15, 20) of 40, the 2nd at 1/8, the last at 1/2 and those
# between evenly from 1/8 to 3/8.
_AUTO_CURRICULUM_FIRST, _AUTO_CURRICULUM_MIDDLE_END, _AUTO_CURRICULUM_LAST = (
    1 / 8,
    3 / 8,
    1 / 2,
)
# Images whose smaller side is below this get identity and affine warps only:
# the 7x7 morphological window and the 4x4 spline lattice are as large as
# the image.
_AUTO_SMALL_SIDE = 16
_AUTO_TRANSFORMATIONS = {
    # The authors' MNIST sequence, for grey images of MNIST's size or more.
    "grey": ("identity", "affine", "morphological", "tps"),
    # Their USPS, Fashion-MNIST, colour-MNIST and FRGC sequence.
    "other": ("identity", "color", "affine", "tps"),
    "small": ("identity", "affine"),
}
_AUTO_GREY_SIDE = 28
# The k-means seedings (init "k-means++" and "k-means") look at most this
# many images (drawn at random): they hold them in float64.
_SEEDING_MAX_SAMPLES = 20_000
# Largest number of transformed prototypes (images x prototypes x pixels)
# materialised at once at inference.
_INFERENCE_BUDGET = 2**24
# Runs of Lloyd's algorithm behind init="k-means", as KMeans(n_init=10).
_KMEANS_N_INIT = 10


def _seeding_images(X, random_state):
    """The images the k-means seedings look at, flattened to float64 on the host.

    At most ``_SEEDING_MAX_SAMPLES`` of them, drawn at random; returns
    their indices in ``X`` and the (n, features) array.
    """
    candidates = np.arange(X.shape[0])
    flat = X.flatten(1)
    if X.shape[0] > _SEEDING_MAX_SAMPLES:
        candidates = np.sort(
            random_state.choice(X.shape[0], _SEEDING_MAX_SAMPLES, replace=False)
        )
        flat = flat[torch.as_tensor(candidates, device=X.device)]
    flat = flat.cpu().numpy()
    if flat.dtype == np.uint8:
        # Straight to float64, the values as_float_images gives.
        return candidates, _UINT8_TO_UNIT.astype(np.float64)[flat]
    return candidates, flat.astype(np.float64)


# --------------------------------------------------------------------------
# Torch models
# --------------------------------------------------------------------------


class _DTIModel(torch.nn.Module):
    """Prototypes and their transformation network (DTI K-means)."""

    def __init__(self, prototypes, transformer):
        super().__init__()
        self.prototypes = torch.nn.Parameter(prototypes)
        self.transformer = transformer

    def cluster_parameters(self):
        return [self.prototypes]

    def explain(self, images, n_active):
        """Transformed prototypes (B, K, C, H, W) and costs (B, K) of a batch.

        The cost of DTI K-means is the per-pixel mean squared error between
        the image and each transformed prototype.
        """
        betas = self.transformer(images, n_active)
        with float32_region(images.device):
            transformed = self.transformer.apply(self.prototypes, betas)
            costs = ((images.unsqueeze(1) - transformed) ** 2).flatten(2).mean(2)
        return transformed.expand(images.shape[0], *transformed.shape[1:]), costs

    def costs(self, images, n_active):
        return self.explain(images, n_active)[1]

    def loss(self, images, n_active):
        costs = self.costs(images, n_active)
        return costs.min(dim=1).values.mean(), costs

    @torch.no_grad()
    def restart_from(self, target, source, optimizer):
        """Restart cluster ``target`` as a noisy copy of cluster ``source``."""
        noise = torch.randn_like(self.prototypes[source]) * _REASSIGN_NOISE
        self.prototypes[target] = self.prototypes[source] + noise
        for parameter in self.cluster_parameters():
            _copy_adam_rows(optimizer, parameter, target, source)
        self.transformer.copy_prototype_(target, source)
        for parameter in self.transformer.heads.parameters():
            _copy_adam_rows(optimizer, parameter, target, source)


class _DTIGMMModel(_DTIModel):
    """Means, standard-deviation maps, mixing logits and transformations."""

    def __init__(self, prototypes, transformer, min_variance):
        super().__init__(prototypes, transformer)
        self.sigmas = torch.nn.Parameter(torch.full_like(prototypes, _SIGMA_INIT))
        self.mixing_logits = torch.nn.Parameter(torch.ones(len(prototypes)))
        self.min_variance = float(min_variance)

    def cluster_parameters(self):
        return [self.prototypes, self.sigmas, self.mixing_logits]

    def variances(self):
        return self.sigmas**2 + self.min_variance

    def explain(self, images, n_active):
        """Transformed means (B, K, C, H, W) and negative log-likelihoods (B, K)."""
        betas = self.transformer(images, n_active)
        with float32_region(images.device):
            means, sigmas = self.transformer.apply(
                self.prototypes, betas, followers=self.sigmas
            )
            variances = sigmas**2 + self.min_variance
            squared = (images.unsqueeze(1) - means) ** 2 / variances
            squared = squared + torch.log(variances)
            n_values = images[0].numel()
            costs = 0.5 * (squared.flatten(2).sum(2) + n_values * np.log(2 * np.pi))
        return means.expand(images.shape[0], *means.shape[1:]), costs

    def log_weights(self):
        return torch.log_softmax(self.mixing_logits, dim=0)

    def loss(self, images, n_active):
        costs = self.costs(images, n_active)
        joint = self.log_weights() - costs
        with torch.no_grad():
            responsibilities = torch.softmax(joint, dim=1)
        return -(responsibilities * joint).sum(dim=1).mean(), costs

    @torch.no_grad()
    def restart_from(self, target, source, optimizer):
        self.sigmas[target] = self.sigmas[source]
        self.mixing_logits[target] = self.mixing_logits[source]
        super().restart_from(target, source, optimizer)


def _copy_adam_rows(optimizer, parameter, target, source):
    """Copy (not alias) the Adam moments of row ``source`` into row ``target``."""
    state = optimizer.state.get(parameter)
    if not state:
        return
    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        if key in state:
            state[key][target] = state[key][source]


# --------------------------------------------------------------------------
# Shared estimator machinery
# --------------------------------------------------------------------------


class _BaseDTI(BaseDeepClusterer):
    """The parts common to DTI K-means and DTI GMM."""

    # --- parameters -----------------------------------------------------------

    _parameter_constraints = {
        **BaseDeepClusterer._parameter_constraints,
        "transformations": ["array-like", StrOptions({"auto"})],
        "curriculum_milestones": ["array-like", StrOptions({"auto"})],
        "init": [StrOptions(set(_INITS))],
        "grid_size": [Interval(Integral, 2, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "padding_mode": [StrOptions(set(_PADDING_MODES))],
        "reassign_interval": [Interval(Integral, 1, None, closed="left"), None],
        **SCHEDULE_CONSTRAINTS,
    }

    _warm_start_fixed = (
        "n_clusters",
        "transformations",
        "grid_size",
        "kernel_size",
        "padding_mode",
    )

    _auto_schedule = _AUTO_SCHEDULE
    _auto_lr_milestone_fractions = _AUTO_LR_MILESTONE_FRACTIONS

    def _auto_params(self, X):
        resolved = super()._auto_params(X)
        transformations = self.transformations
        if _is_auto(transformations):
            transformations = _auto_transformations(X.shape[1:])
        resolved["transformations"] = tuple(transformations)
        milestones = self.curriculum_milestones
        if _is_auto(milestones):
            fractions = _auto_curriculum_fractions(len(transformations) - 1)
            milestones = auto_milestones(milestones, fractions, resolved["max_epochs"])
        resolved["curriculum_milestones"] = tuple(milestones)
        return resolved

    def _check_params_vs_input(self, X):
        super()._check_params_vs_input(X)
        transformations = self._fitted_param("transformations")
        if len(transformations) == 0:
            raise ValueError("transformations must name at least one transformation.")
        self._transformation_names = [canonical_name(name) for name in transformations]
        n_milestones = len(transformations) - 1
        curriculum = self._fitted_param("curriculum_milestones")
        milestones = check_milestones(curriculum, "curriculum_milestones")
        if len(milestones) != n_milestones:
            raise ValueError(
                f"curriculum_milestones must hold len(transformations) - 1 = "
                f"{n_milestones} epoch(s), one per transformation after the first; "
                f"got {curriculum!r}."
            )
        check_milestones(self._fitted_param("lr_milestones"), "lr_milestones")
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {self.kernel_size}.")
        _warn_unless_pixels(self, X)

    def _n_active(self, epoch, milestones=None):
        """Transformations active during (0-based) ``epoch``.

        The authors' ``TransformationSequence.step``: after ``m`` finished
        epochs, the transformation following milestone ``m`` is switched on.
        """
        if milestones is None:
            milestones = self._fitted_param("curriculum_milestones")
        return 1 + sum(int(epoch >= milestone) for milestone in milestones)

    # --- training -------------------------------------------------------------

    def _initial_prototypes(self, X, random_state):
        if self.init == "sample":
            indices = random_state.choice(X.shape[0], self.n_clusters, replace=False)
            indices = torch.as_tensor(indices, dtype=torch.long, device=X.device)
            return as_float_images(X[indices]).clone()
        candidates, flat = _seeding_images(X, random_state)
        if self.init == "k-means":
            centres = (
                KMeans(
                    self.n_clusters, n_init=_KMEANS_N_INIT, random_state=random_state
                )
                .fit(flat)
                .cluster_centers_
            )
            centres = torch.as_tensor(centres, dtype=torch.float32, device=X.device)
            return centres.view(self.n_clusters, *X.shape[1:]).contiguous()
        _, chosen = kmeans_plusplus(flat, self.n_clusters, random_state=random_state)
        indices = torch.as_tensor(candidates[chosen], dtype=torch.long, device=X.device)
        return as_float_images(X[indices]).clone()

    def _build_model(self, prototypes, transformer):
        return _DTIModel(prototypes, transformer)

    def _initialize(self, X, random_state):
        transformer = PrototypeTransformer(
            self.n_clusters,
            tuple(X.shape[1:]),
            self._transformation_names,
            grid_size=self.grid_size,
            kernel_size=self.kernel_size,
            padding_mode=self.padding_mode,
        )
        self.model_ = self._build_model(
            self._initial_prototypes(X, random_state), transformer
        ).to(X.device)
        self._reassign_state = {
            "n_steps": 0,
            "n_batches": 0,
            "shares": torch.zeros(self.n_clusters, device=X.device),
        }

    def _make_optimizer(self):
        return torch.optim.Adam(
            [
                {"params": self.model_.cluster_parameters(), "weight_decay": 0.0},
                {
                    "params": list(self.model_.transformer.parameters()),
                    "weight_decay": _TRANSFORMER_WEIGHT_DECAY,
                },
            ],
            lr=self.learning_rate,
        )

    def _set_fitted_attributes(self):
        model = self.model_
        prototypes = images_to_numpy(model.prototypes, self.image_shape_)
        self.prototypes_ = prototypes
        self.cluster_centers_ = prototypes.reshape(self.n_clusters, -1)

    def _fit_epoch(self, X, epoch, random_state):
        optimizer = self._current_optimizer()
        n_active = self._n_active(epoch)
        if self.verbose and epoch > 0 and n_active > self._n_active(epoch - 1):
            names = ", ".join(
                self._transformation_names[self._n_active(epoch - 1) : n_active]
            )
            print(f"[{type(self).__name__}] epoch {epoch + 1}: activating {names}")

        n_samples = X.shape[0]
        # Batch norm cannot train on a last batch of a single image.
        drop_last = n_samples > self.batch_size and n_samples % self.batch_size == 1
        total = torch.zeros((), device=X.device)
        n_seen = 0
        for batch in iter_minibatches(
            n_samples, self.batch_size, device=X.device, drop_last=drop_last
        ):
            loss, costs = self.model_.loss(as_float_images(X[batch]), n_active)
            self._check_step_loss(loss, epoch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * batch.numel()
            n_seen += batch.numel()
            if self.reassign_interval is not None:
                self._track_assignments(costs.detach(), optimizer)
        return float(total) / max(n_seen, 1)

    def _track_assignments(self, costs, optimizer):
        """Accumulate cluster shares; reassign every ``reassign_interval`` steps.

        As the authors' trainer: the share of each cluster is averaged over
        the mini-batches since the last check (not weighted by batch size),
        and the step counter runs across epochs.
        """
        state = self._reassign_state
        counts = torch.bincount(costs.argmin(dim=1), minlength=self.n_clusters)
        state["shares"] += counts / costs.shape[0]
        state["n_batches"] += 1
        state["n_steps"] += 1
        if state["n_steps"] % self.reassign_interval == 0:
            shares = (state["shares"] / state["n_batches"]).cpu().numpy()
            state["shares"].zero_()
            state["n_batches"] = 0
            self._reassign_empty_clusters(shares, optimizer)

    def _reassign_empty_clusters(self, shares, optimizer):
        """Restart every cluster whose share is below ``0.2 / n_clusters``.

        Each is restarted from the largest cluster: its prototype (plus
        N(0, 1e-4^2) noise), its heads and their Adam moments are copied;
        the largest cluster then gets the same noise on its own prototype.
        Returns the restarted clusters.
        """
        source = int(np.argmax(shares))
        starved = np.flatnonzero(shares < _EMPTY_CLUSTER_SHARE / self.n_clusters)
        for target in starved:
            self.model_.restart_from(int(target), source, optimizer)
        if len(starved):
            self.model_.restart_from(source, source, optimizer)
            if self.verbose:
                print(
                    f"[{type(self).__name__}] step {self._reassign_state['n_steps']}: "
                    f"clusters {starved.tolist()} restarted from cluster {source}"
                )
        return starved

    # --- inference ---------------------------------------------------------------

    @property
    def _inference_batch_size(self):
        n_values = int(np.prod(self.image_shape_)) * self._n_fitted_clusters()
        return int(
            max(
                1,
                min(
                    BaseDeepClusterer._inference_batch_size,
                    _INFERENCE_BUDGET // n_values,
                ),
            )
        )

    def _n_fitted_clusters(self):
        return self.model_.prototypes.shape[0]

    def _inference_active(self):
        return self._n_active(self.n_iter_, self._fitted_param("curriculum_milestones"))

    def _costs_tensor(self, X):
        return self.model_.costs(X, self._inference_active())

    def _predict_tensor(self, X):
        costs = self._costs_tensor(X)
        self._check_finite_output(costs)
        return costs.argmin(dim=1)

    def _costs(self, X):
        return self._map_batches(self._costs_tensor, self._check_test_images(X))

    def reconstruct(self, X, *, all_prototypes=False):
        """Transformed prototypes that best explain each image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.
        all_prototypes : bool, default=False
            Return the transformed version of every prototype instead of the
            one of the predicted cluster.

        Returns
        -------
        reconstructions : ndarray of shape (n_samples, H, W), (n_samples, H, W, C), \
                (n_samples, n_clusters, H, W) or (n_samples, n_clusters, H, W, C)
            The prototype of the sample's cluster (of every cluster with
            ``all_prototypes=True``) after the transformations predicted for
            the sample, in the layout of grey ``(H, W)`` or colour
            ``(H, W, C)`` images. Values are not clipped to [0, 1].
        """
        images = self._check_test_images(X)
        n_active = self._inference_active()

        def best(batch):
            transformed, costs = self.model_.explain(batch, n_active)
            if all_prototypes:
                return transformed
            rows = torch.arange(batch.shape[0], device=batch.device)
            return transformed[rows, costs.argmin(dim=1)]

        output = self._map_batches(best, images)
        if not all_prototypes:
            return images_to_numpy(output, self.image_shape_)
        n_samples = output.shape[0]
        flat = images_to_numpy(output.flatten(0, 1), self.image_shape_)
        return flat.reshape(n_samples, self._n_fitted_clusters(), *flat.shape[1:])


def _auto_curriculum_fractions(n_milestones):
    """Where ``curriculum_milestones="auto"`` puts ``n_milestones``."""
    if n_milestones <= 1:
        return (_AUTO_CURRICULUM_FIRST,) * n_milestones
    middle = np.linspace(
        _AUTO_CURRICULUM_FIRST, _AUTO_CURRICULUM_MIDDLE_END, n_milestones - 1
    )
    return (*middle.tolist(), _AUTO_CURRICULUM_LAST)


def _auto_transformations(image_shape):
    """What ``transformations="auto"`` chooses for images of shape (C, H, W)."""
    channels, height, width = image_shape
    if min(height, width) < _AUTO_SMALL_SIDE:
        return _AUTO_TRANSFORMATIONS["small"]
    if channels == 1 and min(height, width) >= _AUTO_GREY_SIDE:
        return _AUTO_TRANSFORMATIONS["grey"]
    return _AUTO_TRANSFORMATIONS["other"]


def _warn_unless_pixels(estimator, X):
    """Warn when the images ``X`` are far from pixel values in [0, 1]."""
    if X.dtype == np.uint8:
        # Scaled to [0, 1] as they are used.
        return
    low, high = float(X.min()), float(X.max())
    if max(abs(low), abs(high)) > _PIXEL_RANGE_WARNING:
        warnings.warn(
            f"{type(estimator).__name__} compares pixels in [0, 1], but X ranges "
            f"over [{low:.4g}, {high:.4g}]: the prototypes, the distances and the "
            f"default learning rate are meant for [0, 1]. Scale X, e.g. X / 255 for "
            f"8-bit images (or pass them as uint8, which is scaled), X / 65535 for "
            f"16-bit ones.",
            UserWarning,
            stacklevel=5,
        )


# --------------------------------------------------------------------------
# Public estimators
# --------------------------------------------------------------------------


class DTIKMeans(_BaseDTI):
    """Deep Transformation-Invariant K-means clustering of images.

    Learns ``n_clusters`` prototype images and a network that predicts, for
    every image and every prototype, the transformations (affine, thin-plate
    spline, ...) that make the prototype look most like the image. A sample
    belongs to the prototype that reconstructs it best after transformation:
    K-means where the distance to a centre is invariant to the chosen
    transformations.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of clusters (prototypes).

    transformations : "auto" or sequence of str, default="auto"
        The transformations applied to the prototypes, in this order, among
        ``"identity"``, ``"color"`` (per-channel scale and bias),
        ``"affine"``, ``"projective"`` (homography), ``"morphological"``
        (soft erosion/dilation with a learned 7x7 structuring element; not an
        exact identity at start: a mild blur) and ``"tps"`` (thin-plate
        spline on a ``grid_size x grid_size`` lattice). The authors' short
        names (``"id"``, ``"col"``, ``"aff"``, ``"proj"``, ``"morpho"``) are
        accepted too. ``"auto"`` chooses by image size, as the authors did
        per dataset: ``("identity", "affine", "morphological", "tps")`` (their
        MNIST sequence) for grey images of at least 28 x 28 pixels,
        ``("identity", "color", "affine", "tps")`` (their USPS,
        Fashion-MNIST and colour sequence) for colour images and grey ones of
        16 to 27 pixels, and ``("identity", "affine")`` below 16 pixels a
        side, where a 7 x 7 morphological window or a 4 x 4 spline lattice
        would be as large as the image. ``transformations_`` holds the
        choice.

    curriculum_milestones : "auto" or sequence of int, default="auto"
        Epochs after which the 2nd, 3rd, ... transformation is switched on:
        ``len(transformations) - 1`` non-decreasing epochs. The authors'
        MNIST curriculum ``(5, 15, 20)`` of 40 epochs trains the identity
        alone (plain gradient clustering in pixel space) for 5 epochs, then
        adds affine warps, at 15 the morphological transform and at 20 the
        thin-plate spline. ``"auto"`` puts the milestones at the same
        fractions of ``max_epochs``: the 2nd transformation after 1/8, the
        last after 1/2, those between evenly from 1/8 to 3/8. A milestone of
        0 activates its transformation from the start.

    init : {"k-means++", "k-means", "sample"}, default="k-means++"
        Initial prototypes: images picked by k-means++ seeding
        (:func:`sklearn.cluster.kmeans_plusplus`, on at most 20,000 images
        drawn at random), which spreads them out; the centres of
        :class:`sklearn.cluster.KMeans` (``n_init=10``) on those images; or
        ``n_clusters`` distinct random training images (the authors' choice).

    grid_size : int, default=4
        Control points per side of the thin-plate-spline lattice.

    kernel_size : int, default=7
        Side of the morphological window (odd).

    padding_mode : {"border", "zeros", "reflection"}, default="border"
        Value of the pixels that geometric warps bring in from outside the
        prototype. The authors use ``"zeros"`` for USPS.

    reassign_interval : int or None, default=50
        Every ``reassign_interval`` training steps, clusters that received
        less than ``0.2 / n_clusters`` of the samples (on average over those
        steps) are restarted from the largest cluster. None disables it.

    max_epochs : "auto" or int, default="auto"
        Number of passes over the data. With ``warm_start=True``, the number
        of additional epochs. ``"auto"``: the authors' 40 epochs for 70,000
        images or more; for fewer, more epochs but fewer optimisation steps,
        ``ceil(40 * (70000 / n_samples) ** (1 / 3))`` (136 for
        scikit-learn's 1,797 digits, 77 for 10,000 images;
        :ref:`auto-schedules`). ``max_epochs_`` holds the number.

    batch_size : int, default=128
        Mini-batch size.

    learning_rate : float, default=1e-3
        Adam's initial learning rate (for every parameter; the encoder and
        heads also have a weight decay of 1e-6, the cluster parameters none).

    lr_milestones : "auto" or sequence of int, default="auto"
        Epochs after which the learning rate is multiplied by ``lr_gamma``:
        non-decreasing ints. ``"auto"``: after 7/8 of ``max_epochs``, as the
        authors' 35 of 40.

    lr_gamma : float, default=0.1
        Factor of each learning-rate decay (the authors' divide by 10).

    device : str or torch.device, default="auto"
        Where to train: ``"auto"`` (CUDA when available), ``"cpu"``,
        ``"cuda"``, ``"cuda:<index>"``.

    precision : {"float32", "bfloat16"}, default="float32"
        Arithmetic of the networks. ``"bfloat16"`` runs their convolutions and
        matrix products in bfloat16 with float32 accumulation (mixed precision,
        :func:`torch.autocast`), while the transformations of the prototypes,
        the distances and the loss stay in float32. It pays on hardware with
        bfloat16 units (CPUs with AVX-512 BF16 or AMX, recent GPUs) and is
        slower elsewhere; a fit in bfloat16 differs from a float32 one of the
        same seed. Measured speed and accuracy: :ref:`user guide <precision>`.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial prototypes, the network's initialisation and the
        shuffling. Pass an int for reproducible results (on a given device).

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
        When positive, print one line per epoch (loss, seconds, time left),
        curriculum and reassignment events, and within a long epoch a
        progress line every ten seconds (share done, time left).

    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(H, W, C)`` of flat input rows; inferred when None
        (square grey images, else ``1 x n_features`` strips).

    warm_start : bool, default=False
        When True, ``fit`` continues the previous training (prototypes,
        network, Adam state, curriculum and learning-rate schedule) for
        ``max_epochs`` more epochs.

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
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The prototypes as flat rows, in the layout of flat input rows
        (channels last).

    prototypes_ : ndarray of shape (n_clusters, H, W) or (n_clusters, H, W, C)
        The learned prototypes as images (not clipped to [0, 1]).

    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample.

    n_iter_ : int
        Number of epochs run (in total, across warm starts).

    max_epochs_ : int
        Epochs of the fit: ``max_epochs``, or the number ``"auto"`` chose.

    transformations_ : tuple of str
        The transformations used (``"auto"``'s choice, or as set).

    curriculum_milestones_ : tuple of int
        The curriculum's epochs used (``"auto"``'s choice, or as set).

    lr_milestones_ : tuple of int
        The learning-rate milestones used (``"auto"``'s choice, or as set).

    init_scores_ : ndarray of shape (n_init,)
        The :meth:`score` of each of the ``n_init`` fits on the training
        images (only when ``n_init > 1``); the model kept has the highest.

    loss_curve_ : list of float
        Mean training loss of each epoch.

    n_features_in_ : int
        Number of values per sample seen during ``fit``.

    image_shape_ : tuple of int
        ``(H, W, C)`` of the training images.

    device_ : torch.device
        Device the model was trained on.

    model_ : torch.nn.Module
        The trained torch model: prototypes (``model_.prototypes``, shape
        (n_clusters, C, H, W)) and transformation network
        (``model_.transformer``).

    See Also
    --------
    DTIGaussianMixture : The Gaussian-mixture variant, with soft assignments.
    sklearn.cluster.KMeans : K-means without transformations.

    Notes
    -----
    For an image ``x`` and prototype ``c_k`` the distance is the per-pixel
    mean squared error ``d_ik = mean((x - T_{beta_k(x)}(c_k))**2)``, the loss
    ``mean_i min_k d_ik`` and the cluster ``argmin_k d_ik``. K-means has only
    hard assignments, so there is no ``predict_proba``; :meth:`transform`
    gives the distances.

    The encoder is the CIFAR ResNet-20 without its classifier (64 features);
    each transformation of each prototype has its own MLP
    (64-128-128-n_parameters, last layer zero-initialised), so every
    transformation starts as the identity. The prototypes are not clipped to
    [0, 1], as in the authors' code.

    The defaults adapt the authors' MNIST configuration (70,000 images, 547
    steps per epoch) to the data (:ref:`auto-schedules`); on 70,000 grey
    28 x 28 images they differ from it in ``init`` only.
    :func:`~skdeepclust.authors_params` gives the authors' configurations:

    ==============  ==============================  ==============  ======  =========
    dataset         ``transformations``             curriculum      epochs  LR drop
    ==============  ==============================  ==============  ======  =========
    MNIST           identity, affine, morpho., tps  (5, 15, 20)     40      (35,)
    Fashion-MNIST   identity, color, affine, tps    (5, 15, 25)     40      (35,)
    USPS            identity, color, affine, tps    (60, 120, 200)  270     (250,)
    MNIST test 10k  identity, affine, morpho., tps  (50, 150, 200)  300     (280,)
    SVHN            identity, color, projective     (2, 18)         33      (30,)
    ==============  ==============================  ==============  ======  =========

    (USPS also uses ``padding_mode="zeros"``; all of them ``init="sample"``.)

    References
    ----------
    T. Monnier, T. Groueix and M. Aubry, "Deep Transformation-Invariant
    Clustering", NeurIPS 2020. https://arxiv.org/abs/2006.11132

    Examples
    --------
    >>> from skdeepclust.dti import DTIKMeans
    >>> from skdeepclust.datasets import load_digits_images
    >>> X, y = load_digits_images(return_X_y=True)
    >>> dti = DTIKMeans(n_clusters=10, transformations=("identity", "affine"),
    ...                 curriculum_milestones=(2,), max_epochs=4,
    ...                 random_state=0, device="cpu").fit(X[:300])
    >>> dti.prototypes_.shape
    (10, 8, 8)
    >>> dti.transform(X[:3]).shape
    (3, 10)
    >>> dti.reconstruct(X[:3]).shape
    (3, 8, 8)
    """

    def __init__(
        self,
        n_clusters=10,
        *,
        transformations="auto",
        curriculum_milestones="auto",
        init="k-means++",
        grid_size=4,
        kernel_size=7,
        padding_mode="border",
        reassign_interval=50,
        max_epochs="auto",
        batch_size=128,
        learning_rate=1e-3,
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
        self.transformations = transformations
        self.curriculum_milestones = curriculum_milestones
        self.init = init
        self.grid_size = grid_size
        self.kernel_size = kernel_size
        self.padding_mode = padding_mode
        self.reassign_interval = reassign_interval
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

    def transform(self, X):
        """Distance of each image to each transformed prototype.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters)
            Per-pixel mean squared error between each image and each
            prototype after the transformations predicted for that image.
        """
        return self._costs(X).numpy()

    def score(self, X, y=None):
        """Opposite of the DTI K-means loss on ``X`` (higher is better).

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
            ``-mean_i min_k d_ik``.
        """
        return -float(self._costs(X).min(dim=1).values.double().mean())


class DTIGaussianMixture(_BaseDTI):
    """Deep Transformation-Invariant Gaussian mixture clustering of images.

    A Gaussian mixture in pixel space with one diagonal (per-pixel variance)
    component per cluster, whose mean image *and* standard-deviation map are
    transformed for every image by a predicted chain of transformations, as
    in :class:`DTIKMeans`: the likelihood of a component is invariant to
    those transformations.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of mixture components.

    transformations : "auto" or sequence of str, default="auto"
        The transformations applied to the prototypes, in this order, among
        ``"identity"``, ``"color"`` (per-channel scale and bias),
        ``"affine"``, ``"projective"`` (homography), ``"morphological"``
        (soft erosion/dilation with a learned 7x7 structuring element; not an
        exact identity at start: a mild blur) and ``"tps"`` (thin-plate
        spline on a ``grid_size x grid_size`` lattice). The authors' short
        names (``"id"``, ``"col"``, ``"aff"``, ``"proj"``, ``"morpho"``) are
        accepted too. ``"auto"`` chooses by image size, as the authors did
        per dataset: ``("identity", "affine", "morphological", "tps")`` (their
        MNIST sequence) for grey images of at least 28 x 28 pixels,
        ``("identity", "color", "affine", "tps")`` (their USPS,
        Fashion-MNIST and colour sequence) for colour images and grey ones of
        16 to 27 pixels, and ``("identity", "affine")`` below 16 pixels a
        side, where a 7 x 7 morphological window or a 4 x 4 spline lattice
        would be as large as the image. ``transformations_`` holds the
        choice.

    curriculum_milestones : "auto" or sequence of int, default="auto"
        Epochs after which the 2nd, 3rd, ... transformation is switched on:
        ``len(transformations) - 1`` non-decreasing epochs. The authors'
        MNIST curriculum ``(5, 15, 20)`` of 40 epochs trains the identity
        alone (plain gradient clustering in pixel space) for 5 epochs, then
        adds affine warps, at 15 the morphological transform and at 20 the
        thin-plate spline. ``"auto"`` puts the milestones at the same
        fractions of ``max_epochs``: the 2nd transformation after 1/8, the
        last after 1/2, those between evenly from 1/8 to 3/8. A milestone of
        0 activates its transformation from the start.

    init : {"k-means++", "k-means", "sample"}, default="k-means++"
        Initial prototypes: images picked by k-means++ seeding
        (:func:`sklearn.cluster.kmeans_plusplus`, on at most 20,000 images
        drawn at random), which spreads them out; the centres of
        :class:`sklearn.cluster.KMeans` (``n_init=10``) on those images; or
        ``n_clusters`` distinct random training images (the authors' choice).

    grid_size : int, default=4
        Control points per side of the thin-plate-spline lattice.

    kernel_size : int, default=7
        Side of the morphological window (odd).

    padding_mode : {"border", "zeros", "reflection"}, default="border"
        Value of the pixels that geometric warps bring in from outside the
        prototype. The authors use ``"zeros"`` for USPS.

    reassign_interval : int or None, default=50
        Every ``reassign_interval`` training steps, clusters that received
        less than ``0.2 / n_clusters`` of the samples (on average over those
        steps) are restarted from the largest cluster. None disables it.
    min_variance : float, default=0.0625
        Lower bound of every pixel's variance: ``var = s**2 + min_variance``
        with ``s`` the learned standard-deviation map (the authors' ``var_min``,
        0.25 squared, on [0, 1] pixels).

    max_epochs : "auto" or int, default="auto"
        Number of passes over the data. With ``warm_start=True``, the number
        of additional epochs. ``"auto"``: the authors' 40 epochs for 70,000
        images or more; for fewer, more epochs but fewer optimisation steps,
        ``ceil(40 * (70000 / n_samples) ** (1 / 3))`` (136 for
        scikit-learn's 1,797 digits, 77 for 10,000 images;
        :ref:`auto-schedules`). ``max_epochs_`` holds the number.

    batch_size : int, default=128
        Mini-batch size.

    learning_rate : float, default=1e-3
        Adam's initial learning rate (for every parameter; the encoder and
        heads also have a weight decay of 1e-6, the cluster parameters none).

    lr_milestones : "auto" or sequence of int, default="auto"
        Epochs after which the learning rate is multiplied by ``lr_gamma``:
        non-decreasing ints. ``"auto"``: after 7/8 of ``max_epochs``, as the
        authors' 35 of 40.

    lr_gamma : float, default=0.1
        Factor of each learning-rate decay (the authors' divide by 10).

    device : str or torch.device, default="auto"
        Where to train: ``"auto"`` (CUDA when available), ``"cpu"``,
        ``"cuda"``, ``"cuda:<index>"``.

    precision : {"float32", "bfloat16"}, default="float32"
        Arithmetic of the networks. ``"bfloat16"`` runs their convolutions and
        matrix products in bfloat16 with float32 accumulation (mixed precision,
        :func:`torch.autocast`), while the transformations of the prototypes,
        the distances and the loss stay in float32. It pays on hardware with
        bfloat16 units (CPUs with AVX-512 BF16 or AMX, recent GPUs) and is
        slower elsewhere; a fit in bfloat16 differs from a float32 one of the
        same seed. Measured speed and accuracy: :ref:`user guide <precision>`.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial prototypes, the network's initialisation and the
        shuffling. Pass an int for reproducible results (on a given device).

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
        When positive, print one line per epoch (loss, seconds, time left),
        curriculum and reassignment events, and within a long epoch a
        progress line every ten seconds (share done, time left).

    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(H, W, C)`` of flat input rows; inferred when None
        (square grey images, else ``1 x n_features`` strips).

    warm_start : bool, default=False
        When True, ``fit`` continues the previous training (prototypes,
        network, Adam state, curriculum and learning-rate schedule) for
        ``max_epochs`` more epochs.

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
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The component means (untransformed) as flat rows, channels last.

    weights_ : ndarray of shape (n_clusters,)
        Mixing weights.

    covariances_ : ndarray of shape (n_clusters, n_features)
        Per-pixel variances of each (untransformed) component, in the layout
        of ``cluster_centers_`` (scikit-learn's "diag" covariances).

    prototypes_ : ndarray of shape (n_clusters, H, W) or (n_clusters, H, W, C)
        The learned prototypes as images (not clipped to [0, 1]).

    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample.

    n_iter_ : int
        Number of epochs run (in total, across warm starts).

    max_epochs_ : int
        Epochs of the fit: ``max_epochs``, or the number ``"auto"`` chose.

    transformations_ : tuple of str
        The transformations used (``"auto"``'s choice, or as set).

    curriculum_milestones_ : tuple of int
        The curriculum's epochs used (``"auto"``'s choice, or as set).

    lr_milestones_ : tuple of int
        The learning-rate milestones used (``"auto"``'s choice, or as set).

    init_scores_ : ndarray of shape (n_init,)
        The :meth:`score` of each of the ``n_init`` fits on the training
        images (only when ``n_init > 1``); the model kept has the highest.

    loss_curve_ : list of float
        Mean training loss of each epoch.

    n_features_in_ : int
        Number of values per sample seen during ``fit``.

    image_shape_ : tuple of int
        ``(H, W, C)`` of the training images.

    device_ : torch.device
        Device the model was trained on.

    model_ : torch.nn.Module
        The trained torch model: prototypes (``model_.prototypes``, shape
        (n_clusters, C, H, W)) and transformation network
        (``model_.transformer``).

    See Also
    --------
    DTIKMeans : The K-means variant.
    sklearn.mixture.GaussianMixture : Gaussian mixture without transformations.

    Notes
    -----
    With ``mu_k``, ``s_k`` the transformed mean and standard-deviation map of
    component ``k`` for image ``x`` (the standard-deviation map undergoes the
    geometric transformations only, not colour nor morphological ones), the
    log-likelihood is ``log N(x; mu_k, s_k**2 + min_variance)`` summed over
    pixels. Training minimises ``-mean_i sum_k gamma_ik (log pi_k + log
    N_ik)`` with responsibilities ``gamma`` computed without gradient (an EM
    step per mini-batch).

    As in the authors' code, :meth:`predict` assigns a sample to the
    component of highest likelihood *without* the mixing weights, whereas
    :meth:`predict_proba` gives the posterior responsibilities, which include
    them: the argmax of ``predict_proba`` can differ from ``predict`` when the
    weights are unbalanced. :meth:`transform` gives the negative
    log-likelihoods, so ``predict`` is their argmin.

    The defaults adapt the authors' MNIST configuration (70,000 images, 547
    steps per epoch) to the data (:ref:`auto-schedules`); on 70,000 grey
    28 x 28 images they differ from it in ``init`` only.
    :func:`~skdeepclust.authors_params` gives the authors' configurations:

    ==============  ==============================  ==============  ======  =========
    dataset         ``transformations``             curriculum      epochs  LR drop
    ==============  ==============================  ==============  ======  =========
    MNIST           identity, affine, morpho., tps  (5, 15, 20)     40      (35,)
    Fashion-MNIST   identity, color, affine, tps    (5, 15, 25)     40      (35,)
    USPS            identity, color, affine, tps    (60, 120, 200)  270     (250,)
    MNIST test 10k  identity, affine, morpho., tps  (50, 150, 200)  300     (280,)
    SVHN            identity, color, projective     (2, 18)         33      (30,)
    ==============  ==============================  ==============  ======  =========

    (USPS also uses ``padding_mode="zeros"``; all of them ``init="sample"``.)

    References
    ----------
    T. Monnier, T. Groueix and M. Aubry, "Deep Transformation-Invariant
    Clustering", NeurIPS 2020. https://arxiv.org/abs/2006.11132

    Examples
    --------
    >>> from skdeepclust.dti import DTIGaussianMixture
    >>> from skdeepclust.datasets import load_digits_images
    >>> X, y = load_digits_images(return_X_y=True)
    >>> gmm = DTIGaussianMixture(n_clusters=10, transformations=("identity", "affine"),
    ...                          curriculum_milestones=(2,), max_epochs=4,
    ...                          random_state=0, device="cpu").fit(X[:300])
    >>> gmm.weights_.shape, gmm.covariances_.shape
    ((10,), (10, 64))
    >>> gmm.predict_proba(X[:3]).sum(axis=1).round(6)
    array([1., 1., 1.])
    """

    def __init__(
        self,
        n_clusters=10,
        *,
        transformations="auto",
        curriculum_milestones="auto",
        init="k-means++",
        grid_size=4,
        kernel_size=7,
        padding_mode="border",
        reassign_interval=50,
        min_variance=0.0625,
        max_epochs="auto",
        batch_size=128,
        learning_rate=1e-3,
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
        self.transformations = transformations
        self.curriculum_milestones = curriculum_milestones
        self.init = init
        self.grid_size = grid_size
        self.kernel_size = kernel_size
        self.padding_mode = padding_mode
        self.reassign_interval = reassign_interval
        self.min_variance = min_variance
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

    _parameter_constraints = {
        **_BaseDTI._parameter_constraints,
        "min_variance": [Interval(Real, 0, None, closed="neither")],
    }

    _warm_start_fixed = (*_BaseDTI._warm_start_fixed, "min_variance")

    def _loss_per_value(self, loss):
        # The loss is a negative log-likelihood summed over an image's values.
        return loss / int(np.prod(self.image_shape_))

    def _build_model(self, prototypes, transformer):
        return _DTIGMMModel(prototypes, transformer, self.min_variance)

    def _set_fitted_attributes(self):
        super()._set_fitted_attributes()
        model = self.model_
        with torch.no_grad():
            self.weights_ = torch.softmax(model.mixing_logits, 0).cpu().numpy()
            variances = images_to_numpy(model.variances(), self.image_shape_)
        self.covariances_ = variances.reshape(self.n_clusters, -1)

    def _joint_log_likelihood(self, X):
        """``log pi_k + log N(x; ...)`` of each sample and component, (n, K)."""
        return self._map_batches(
            lambda batch: self.model_.log_weights() - self._costs_tensor(batch),
            self._check_test_images(X),
        ).double()

    def transform(self, X):
        """Negative log-likelihood of each image under each component.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.

        Returns
        -------
        nll : ndarray of shape (n_samples, n_clusters)
            ``-log N(x; mu_k, var_k)`` after the transformations predicted for
            the image (mixing weights not included); ``predict`` is its
            argmin.
        """
        return self._costs(X).numpy()

    def predict_proba(self, X):
        """Posterior probability of each component for each image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
            Responsibilities ``softmax_k(log pi_k + log N_ik)``; rows sum to 1.
        """
        return torch.softmax(self._joint_log_likelihood(X), dim=1).numpy()

    def score_samples(self, X):
        """Log-likelihood of each image under the mixture.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            ``log sum_k pi_k N(x; mu_k, var_k)``, each component transformed
            for the image.
        """
        return torch.logsumexp(self._joint_log_likelihood(X), dim=1).numpy()

    def score(self, X, y=None):
        """Mean log-likelihood of ``X`` under the mixture (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) \
                or (n_samples, H, W, C)
            Images of the shape seen in ``fit``.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        log_likelihood : float
            Mean of :meth:`score_samples`.
        """
        return float(self.score_samples(X).mean())
