"""Parametric image transformations and their per-prototype predictors (DTI).

Deep Transformation-Invariant clustering (Monnier, Groueix & Aubry, 2020)
explains an image ``x`` by a prototype ``c_k`` seen through a chain of
parametric transformations ``T_beta``, whose parameters ``beta_k(x)`` are
predicted from the image by a shared encoder and one small MLP per
prototype and per transformation. This module owns that maths:

* the transformations (:class:`ColorTransform`, :class:`AffineTransform`,
  :class:`ProjectiveTransform`, :class:`MorphologicalTransform`,
  :class:`TPSTransform` and :class:`IdentityTransform`). Each maps a batch of
  images ``(N, C, H, W)`` and raw parameters ``(N, n_parameters)`` to
  transformed images; zero parameters give the identity (the morphological
  one excepted, see its docstring), because a transformation adds its
  parameters to a fixed identity vector;
* :class:`PrototypeHeads`, the K parameter predictors of one transformation
  as a single module whose weights are stacked over the prototypes, so that
  all K heads run in three batched matrix products;
* :class:`PrototypeTransformer`, the encoder, the chain of transformations
  and their heads, applying all ``B x K`` (image, prototype) pairs of a batch
  in one call per transformation.

Geometric transformations follow :func:`torch.nn.functional.affine_grid`:
they map *output* pixel coordinates in [-1, 1] (pixel centres, i.e.
``align_corners=False``) to the input coordinates that are sampled.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from skdeepclust.nn.augment import warp
from skdeepclust.nn.resnet import MiniResNet

__all__ = [
    "AffineTransform",
    "ColorTransform",
    "IdentityTransform",
    "MorphologicalTransform",
    "PrototypeHeads",
    "PrototypeTransformer",
    "ProjectiveTransform",
    "TPSTransform",
    "canonical_name",
    "TRANSFORMATIONS",
    "depthwise_conv",
    "make_transform",
    "pixel_centres",
]

# Width of the hidden layers of every parameter predictor (authors' value).
N_HIDDEN_UNITS = 128


def pixel_centres(height, width, *, dtype=torch.float32, device=None):
    """Normalised (x, y) coordinates of the pixel centres, shape (H * W, 2).

    Row-major over the image, ``x`` along the width, as the grids of
    :func:`torch.nn.functional.affine_grid` with ``align_corners=False``.
    """
    ys = (torch.arange(height, dtype=dtype, device=device) * 2 + 1) / height - 1
    xs = (torch.arange(width, dtype=dtype, device=device) * 2 + 1) / width - 1
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([grid_x.flatten(), grid_y.flatten()], dim=1)


def _sample(images, grid, padding_mode):
    """Bilinear sampling of ``images`` at ``grid`` (N, H * W, 2)."""
    n_images, _, height, width = images.shape
    return F.grid_sample(
        images,
        grid.reshape(n_images, height, width, 2),
        mode="bilinear",
        padding_mode=padding_mode,
        align_corners=False,
    )


class _DepthwiseConv(torch.autograd.Function):
    """Depthwise "same" convolution whose backward is two forward convolutions.

    On the CPU, oneDNN's backward of a depthwise convolution with thousands
    of groups (one per image and channel) is several times slower than its
    forward; both gradients are depthwise convolutions themselves: the input
    gradient is the output gradient convolved with the flipped kernels, the
    kernel gradient the padded input "convolved" with the output gradient.
    """

    @staticmethod
    def forward(ctx, inputs, kernels):
        ctx.save_for_backward(inputs, kernels)
        return _depthwise_conv(inputs, kernels)

    @staticmethod
    def backward(ctx, grad_output):
        inputs, kernels = ctx.saved_tensors
        groups, _, size, _ = kernels.shape
        height, width = inputs.shape[-2:]
        grad_output = grad_output.contiguous()
        grad_inputs = grad_kernels = None
        if ctx.needs_input_grad[0]:
            grad_inputs = _depthwise_conv(grad_output, kernels.flip(-1, -2))
        if ctx.needs_input_grad[1]:
            padded = F.pad(inputs, (size // 2,) * 4)
            grad_kernels = F.conv2d(
                padded, grad_output.view(groups, 1, height, width), groups=groups
            ).view(groups, 1, size, size)
        return grad_inputs, grad_kernels


def _depthwise_conv(inputs, kernels):
    """(1, G, H, W) images, (G, 1, k, k) kernels -> (1, G, H, W), zero padding."""
    return F.conv2d(
        inputs, kernels, padding=kernels.shape[-1] // 2, groups=kernels.shape[0]
    )


def depthwise_conv(inputs, kernels):
    """Convolve every channel of ``inputs`` (1, G, H, W) with its own kernel.

    ``kernels`` has shape (G, 1, k, k), ``k`` odd; zero padding keeps the
    size. Differentiable in both arguments.
    """
    if inputs.device.type == "cpu":
        return _DepthwiseConv.apply(inputs, kernels)
    return _depthwise_conv(inputs, kernels)


# --------------------------------------------------------------------------
# Transformations
# --------------------------------------------------------------------------


class _Transform(nn.Module):
    """A parametric transformation ``(images, raw parameters) -> images``.

    Subclasses set ``n_parameters`` and ``spatial`` (whether it moves
    pixels; the GMM warps its variance maps with spatial ones only).
    """

    n_parameters = 0
    spatial = False

    def forward(self, images, beta):
        raise NotImplementedError


class IdentityTransform(_Transform):
    """No transformation (no parameters); the first phase of the curriculum."""

    def forward(self, images, beta=None):
        return images


class ColorTransform(_Transform):
    """Per-channel affine intensity change ``y_c = (1 + a_c) x_c + b_c``.

    Parameters are ``(a_0, b_0, a_1, b_1, ...)``, two per channel (grey or
    RGB); the channels are not mixed.

    Parameters
    ----------
    n_channels : int
        Channels of the images.
    """

    def __init__(self, n_channels):
        super().__init__()
        self.n_channels = n_channels
        self.n_parameters = 2 * n_channels

    def forward(self, images, beta):
        scale, bias = beta.view(-1, self.n_channels, 2, 1, 1).unbind(dim=2)
        return images * (1 + scale) + bias


class AffineTransform(_Transform):
    """Affine warp by the 2 x 3 matrix ``[I | 0] + beta``.

    Parameters
    ----------
    padding_mode : {"border", "zeros", "reflection"}, default="border"
        Value of the samples falling outside the image.
    """

    spatial = True
    n_parameters = 6

    def __init__(self, padding_mode="border"):
        super().__init__()
        self.padding_mode = padding_mode
        self.register_buffer(
            "identity", torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]), persistent=False
        )

    def forward(self, images, beta):
        matrices = (beta + self.identity).view(-1, 2, 3)
        return warp(images, matrices, padding_mode=self.padding_mode)


class ProjectiveTransform(_Transform):
    """Projective warp (homography) by the 3 x 3 matrix ``I + beta``.

    An output pixel at normalised coordinates ``(x, y)`` samples the input at
    ``(u / w, v / w)`` with ``(u, v, w) = H (x, y, 1)``; a homography whose
    last row is ``(0, 0, 1)`` is exactly :class:`AffineTransform`.

    Parameters
    ----------
    image_size : tuple of int
        ``(height, width)`` of the images.
    padding_mode : {"border", "zeros", "reflection"}, default="border"
        Value of the samples falling outside the image.
    """

    spatial = True
    n_parameters = 9

    def __init__(self, image_size, padding_mode="border"):
        super().__init__()
        self.padding_mode = padding_mode
        height, width = image_size
        points = pixel_centres(height, width)
        homogeneous = torch.cat([points, torch.ones(len(points), 1)], dim=1)
        self.register_buffer("points", homogeneous, persistent=False)
        self.register_buffer("identity", torch.eye(3).flatten(), persistent=False)

    def forward(self, images, beta):
        n_images = images.shape[0]
        homographies = (beta + self.identity).view(n_images, 3, 3)
        # One (H * W, 3) x (3, N * 3) product rather than N small ones.
        mapped = self.points @ homographies.permute(2, 0, 1).reshape(3, -1)
        mapped = mapped.view(-1, n_images, 3).transpose(0, 1)
        depth = mapped[..., 2:]
        # Points sent to infinity are sampled at the origin rather than NaN.
        safe = depth.abs() > 1e-8
        scale = torch.where(safe, 1 / torch.where(safe, depth, 1.0), 0.0)
        return _sample(images, mapped[..., :2] * scale, self.padding_mode)


def _tps_radial(points, control_points):
    """TPS kernel ``U(r) = r^2 log r`` between two point sets (float64)."""
    squared = ((points[:, None, :] - control_points[None, :, :]) ** 2).sum(-1)
    # 0.5 d log d with d = r^2, and U(0) = 0.
    return torch.where(
        squared > 0, 0.5 * squared * torch.log(squared.clamp_min(1e-300)), 0.0
    )


class TPSTransform(_Transform):
    """Thin-plate-spline warp driven by a ``grid_size x grid_size`` lattice.

    The control points sit on a uniform lattice of [-1, 1]^2; the parameters
    move them (``2 * grid_size**2`` offsets, (x, y) per point, row-major).
    The warp is the thin-plate spline that maps every lattice point to its
    moved position, evaluated at each output pixel. It is linear in the moved
    points, so the whole mapping is one precomputed (H * W, grid_size**2)
    matrix and a batch of warps is a single matrix product.

    Parameters
    ----------
    image_size : tuple of int
        ``(height, width)`` of the images.
    grid_size : int, default=4
        Control points per side.
    padding_mode : {"border", "zeros", "reflection"}, default="border"
        Value of the samples falling outside the image.
    """

    spatial = True

    def __init__(self, image_size, grid_size=4, padding_mode="border"):
        super().__init__()
        self.padding_mode = padding_mode
        self.grid_size = grid_size
        self.n_parameters = 2 * grid_size**2
        lattice = torch.linspace(-1, 1, grid_size, dtype=torch.float64)
        lattice_y, lattice_x = torch.meshgrid(lattice, lattice, indexing="ij")
        control = torch.stack([lattice_x.flatten(), lattice_y.flatten()], dim=1)
        n_control = len(control)
        # System of the spline: [[U, 1, P], [1^T, 0, 0], [P^T, 0, 0]].
        system = torch.zeros(n_control + 3, n_control + 3, dtype=torch.float64)
        system[:n_control, :n_control] = _tps_radial(control, control)
        system[:n_control, n_control] = 1
        system[n_control, :n_control] = 1
        system[:n_control, n_control + 1 :] = control
        system[n_control + 1 :, :n_control] = control.T
        inverse = torch.linalg.inv(system)
        height, width = image_size
        points = pixel_centres(height, width, dtype=torch.float64)
        basis = torch.cat(
            [
                _tps_radial(points, control),
                torch.ones(len(points), 1, dtype=torch.float64),
                points,
            ],
            dim=1,
        )
        # Only the first n_control right-hand-side rows are non-zero.
        mapping = basis @ inverse[:, :n_control]
        self.register_buffer("mapping", mapping.float(), persistent=False)
        self.register_buffer("identity", control.float().flatten(), persistent=False)

    def forward(self, images, beta):
        n_images = images.shape[0]
        moved = (beta + self.identity).view(n_images, self.grid_size**2, 2)
        # One (H * W, n) x (n, N * 2) product rather than N small ones.
        grid = self.mapping @ moved.permute(1, 0, 2).reshape(self.grid_size**2, -1)
        grid = grid.view(-1, n_images, 2).transpose(0, 1)
        return _sample(images, grid, self.padding_mode)


class MorphologicalTransform(_Transform):
    """Soft erosion / dilation with a learned structuring element.

    A "smooth max" over a ``kernel_size x kernel_size`` window::

        y_p = sum_j K_j x_j exp(alpha x_j) / sum_j K_j exp(alpha x_j)

    with ``alpha`` (starting at 0) and ``K = sigmoid(w)``, ``w`` starting at
    -5 everywhere and +5 at the centre. ``alpha > 0`` tends to a dilation,
    ``alpha < 0`` to an erosion. Pixels outside the image count as zeros,
    and the kernel is shared by the channels (the authors' module only
    handles grey images; here colour images work too).

    As in the authors' code the transformation is *not* the identity at
    start: with ``alpha = 0`` it is a weighted mean where the centre pixel
    has weight sigmoid(5) / (sigmoid(5) + 48 sigmoid(-5)) ~ 0.756, a mild
    blur (see :meth:`initial_blur`).

    Both sums are per-sample depthwise convolutions, computed with one
    grouped :func:`torch.nn.functional.conv2d` (the zero padding of the
    denominator's ``exp(alpha * 0) = 1`` is added back as the kernel's sum).

    Parameters
    ----------
    kernel_size : int, default=7
        Side of the window (odd).
    """

    def __init__(self, kernel_size=7):
        super().__init__()
        self.kernel_size = kernel_size
        self.n_parameters = 1 + kernel_size**2
        logits = torch.full((kernel_size, kernel_size), -5.0)
        logits[kernel_size // 2, kernel_size // 2] = 5.0
        self.register_buffer(
            "identity", torch.cat([torch.zeros(1), logits.flatten()]), persistent=False
        )

    def forward(self, images, beta):
        n_images, channels, height, width = images.shape
        size = self.kernel_size
        beta = beta + self.identity
        alpha = beta[:, :1].view(n_images, 1, 1, 1)
        kernel = torch.sigmoid(beta[:, 1:]).view(n_images, 1, size, size)
        scaled = alpha * images
        weight = torch.exp(scaled)
        # Channels (numerator, denominator) of every image and channel side by
        # side, each convolved with its own image's kernel.
        stacked = torch.cat([images * weight, torch.expm1(scaled)], dim=1)
        filters = kernel.expand(n_images, 2 * channels, size, size)
        sums = depthwise_conv(
            stacked.reshape(1, n_images * 2 * channels, height, width),
            filters.reshape(n_images * 2 * channels, 1, size, size),
        ).view(n_images, 2 * channels, height, width)
        numerator, denominator = sums.split(channels, dim=1)
        denominator = denominator + kernel.sum(dim=(2, 3), keepdim=True)
        return numerator / denominator

    def initial_blur(self):
        """The (kernel_size, kernel_size) averaging kernel applied at start."""
        weights = torch.sigmoid(self.identity[1:]).view(self.kernel_size, -1)
        return weights / weights.sum()


TRANSFORMATIONS = {
    "identity": IdentityTransform,
    "color": ColorTransform,
    "affine": AffineTransform,
    "projective": ProjectiveTransform,
    "morphological": MorphologicalTransform,
    "tps": TPSTransform,
}

# Short names used in the authors' configuration files.
_ALIASES = {
    "id": "identity",
    "col": "color",
    "aff": "affine",
    "proj": "projective",
    "homography": "projective",
    "morpho": "morphological",
    "thinplatespline": "tps",
}


def canonical_name(name):
    """The canonical name of a transformation, or a ``ValueError``."""
    if isinstance(name, str):
        key = _ALIASES.get(name.lower(), name.lower())
        if key in TRANSFORMATIONS:
            return key
    raise ValueError(
        f"Unknown transformation {name!r}; choose among {sorted(TRANSFORMATIONS)}."
    )


def make_transform(
    name, image_shape, *, grid_size=4, kernel_size=7, padding_mode="border"
):
    """Build the transformation ``name`` for images of shape (C, H, W)."""
    name = canonical_name(name)
    channels, height, width = image_shape
    if name == "identity":
        return IdentityTransform()
    if name == "color":
        return ColorTransform(channels)
    if name == "affine":
        return AffineTransform(padding_mode)
    if name == "projective":
        return ProjectiveTransform((height, width), padding_mode)
    if name == "morphological":
        return MorphologicalTransform(kernel_size)
    return TPSTransform((height, width), grid_size, padding_mode)


# --------------------------------------------------------------------------
# Parameter predictors
# --------------------------------------------------------------------------


class PrototypeHeads(nn.Module):
    """K independent MLPs, one per prototype, evaluated together.

    Each head is ``Linear(in, 128) - ReLU - Linear(128, 128) - ReLU -
    Linear(128, out)`` (the authors' regressor); the weights of the K heads
    are stacked in tensors whose first dimension is the prototype. The last
    layer starts at zero, so every transformation starts at its identity
    parameters. The other layers use :class:`torch.nn.Linear`'s default
    initialisation.

    Parameters
    ----------
    n_heads : int
        Number of prototypes K.
    in_features : int
        Size of the shared image features.
    out_features : int
        Number of parameters predicted by each head.
    hidden_units : int, default=128
        Width of the two hidden layers.
    """

    def __init__(self, n_heads, in_features, out_features, hidden_units=N_HIDDEN_UNITS):
        super().__init__()
        self.n_heads = n_heads
        shapes = [
            (in_features, hidden_units),
            (hidden_units, hidden_units),
            (hidden_units, out_features),
        ]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for index, (fan_in, fan_out) in enumerate(shapes):
            weight = torch.empty(n_heads, fan_in, fan_out)
            bias = torch.empty(n_heads, fan_out)
            if index == len(shapes) - 1:
                weight.zero_()
                bias.zero_()
            else:
                # nn.Linear's default: uniform in +-1/sqrt(fan_in).
                bound = 1 / math.sqrt(fan_in)
                weight.uniform_(-bound, bound)
                bias.uniform_(-bound, bound)
            self.weights.append(nn.Parameter(weight))
            self.biases.append(nn.Parameter(bias))

    def forward(self, features):
        """Features (B, in) -> parameters (B, K, out)."""
        n_samples, in_features = features.shape
        first, *others = zip(self.weights, self.biases)
        # One matrix product for the first layer of all heads.
        weight, bias = first
        hidden = features @ weight.permute(1, 0, 2).reshape(in_features, -1)
        hidden = F.relu(hidden.view(n_samples, self.n_heads, -1) + bias)
        hidden = hidden.transpose(0, 1)  # (K, B, hidden)
        for index, (weight, bias) in enumerate(others):
            hidden = torch.baddbmm(bias.unsqueeze(1), hidden, weight)
            if index < len(others) - 1:
                hidden = F.relu(hidden)
        return hidden.transpose(0, 1)

    @torch.no_grad()
    def copy_head_(self, target, source):
        """Make head ``target`` an exact copy of head ``source``."""
        for parameter in self.parameters():
            parameter[target] = parameter[source]


class PrototypeTransformer(nn.Module):
    """Encoder, transformation chain and per-prototype heads of DTI.

    ``forward(images, n_active)`` predicts, for each image and each of the K
    prototypes, the parameters of the first ``n_active`` transformations;
    :meth:`apply` transforms prototypes with them.

    Parameters
    ----------
    n_prototypes : int
        Number of prototypes K.
    image_shape : tuple of int
        ``(C, H, W)``.
    transformations : sequence of str
        Transformation names, applied to the prototypes in this order.
    grid_size : int, default=4
        TPS lattice size.
    kernel_size : int, default=7
        Morphological window size.
    padding_mode : str, default="border"
        Padding of the geometric warps.
    """

    def __init__(
        self,
        n_prototypes,
        image_shape,
        transformations,
        *,
        grid_size=4,
        kernel_size=7,
        padding_mode="border",
    ):
        super().__init__()
        self.n_prototypes = n_prototypes
        self.names = [canonical_name(name) for name in transformations]
        self.transforms = nn.ModuleList(
            make_transform(
                name,
                image_shape,
                grid_size=grid_size,
                kernel_size=kernel_size,
                padding_mode=padding_mode,
            )
            for name in self.names
        )
        # Heads only for transformations with parameters, keyed by position;
        # no encoder at all when no transformation has any.
        self.encoder = None
        self.heads = nn.ModuleDict()
        if any(transform.n_parameters for transform in self.transforms):
            # NHWC weights make the convolutions NHWC (oneDNN's faster path
            # on the CPU, about 10% of a DTI step; tensor cores' on CUDA).
            self.encoder = MiniResNet(image_shape[0]).to(
                memory_format=torch.channels_last
            )
            for index, transform in enumerate(self.transforms):
                if transform.n_parameters:
                    self.heads[str(index)] = PrototypeHeads(
                        n_prototypes, self.encoder.out_features, transform.n_parameters
                    )

    def needs_parameters(self, n_active):
        """Whether any of the first ``n_active`` transformations has parameters."""
        return any(str(index) in self.heads for index in range(n_active))

    def forward(self, images, n_active):
        """Parameters of the active transformations for every (image, prototype).

        Returns a list with one entry per active transformation: a tensor of
        shape (B, K, n_parameters), or None for parameter-free ones. The
        encoder only runs when some active transformation has parameters.
        """
        if not self.needs_parameters(n_active):
            return [None] * n_active
        features = self.encoder(images)
        # float32 whatever the encoder computes in (autocast): the
        # transformations they parameterise are geometry.
        return [
            self.heads[str(index)](features).float()
            if str(index) in self.heads
            else None
            for index in range(n_active)
        ]

    def apply(self, prototypes, betas, *, followers=None):
        """Transform the prototypes of every (image, prototype) pair.

        Parameters
        ----------
        prototypes : Tensor of shape (K, C, H, W)
            The prototypes.
        betas : list
            Output of :meth:`forward` (its length gives the active
            transformations).
        followers : Tensor of shape (K, C', H, W), default=None
            Maps that undergo the *geometric* transformations only, with the
            same parameters (the GMM's standard-deviation maps).

        Returns
        -------
        transformed : Tensor of shape (B, K, C, H, W), or (1, K, C, H, W)
            when no active transformation has parameters.
        followers : Tensor of shape (B, K, C', H, W), only when given.
        """
        channels = prototypes.shape[1]
        images = prototypes
        if followers is not None:
            images = torch.cat([prototypes, followers], dim=1)
        sizes = [beta.shape[0] for beta in betas if beta is not None]
        n_samples = sizes[0] if sizes else 1
        n_prototypes = prototypes.shape[0]
        # (B * K, ...) with the prototype index varying fastest.
        images = images.unsqueeze(0).expand(n_samples, *images.shape)
        images = images.reshape(n_samples * n_prototypes, *images.shape[2:])
        for transform, beta in zip(self.transforms, betas):
            if beta is None:
                continue
            beta = beta.reshape(n_samples * n_prototypes, -1)
            if followers is None or transform.spatial:
                images = transform(images, beta)
            else:
                images = torch.cat(
                    [transform(images[:, :channels], beta), images[:, channels:]], dim=1
                )
        images = images.view(n_samples, n_prototypes, *images.shape[1:])
        if followers is None:
            return images
        return images[:, :, :channels], images[:, :, channels:]

    @torch.no_grad()
    def copy_prototype_(self, target, source):
        """Make the heads of prototype ``target`` copies of those of ``source``."""
        for heads in self.heads.values():
            heads.copy_head_(target, source)
