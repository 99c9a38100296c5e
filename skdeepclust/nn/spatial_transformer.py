"""Spatial transformer layers (Jaderberg et al., 2015) as used by ST-DAC.

A spatial transformer predicts one affine matrix per sample with a small
*localisation network* and resamples its input through it, so the network
can learn to centre, scale and straighten what it looks at. ST-DAC (Souza &
Zanchettin, 2019) puts up to three of them in the DAC clustering network; its
localisation network follows Detlefsen et al. (2018)::

    maxpool 2 -> conv 5x5, 20 -> tanh -> maxpool 2 -> conv 5x5, 20 -> tanh
    -> flatten -> dense 50 -> tanh -> dense 6 [-> tanh]

The last dense layer starts with zero weights and the identity transform as
bias. The authors' code ends with a tanh, so its first transform is
``tanh(1) * I = 0.7616 * I``: a 1.31x zoom into the centre, not the identity
(the paper notes that the layer "initially applies a powerful zoom"), and the
tanh keeps every coefficient in [-1, 1] for the whole training.
``init="authors"`` reproduces that; ``init="identity"`` drops the final tanh
so that the layer starts as the exact identity, as in Jaderberg et al.

Two samplers (``sampling``), both bilinear:

``"authors"``
    The convention of the sampler in the authors' code (seya's
    ``SpatialTransformer`` for Keras 1): the output grid runs corner to
    corner (``linspace(-1, 1, W)``), a source coordinate ``x`` in [-1, 1]
    falls on pixel index ``(x + 1) W / 2``, and every sample whose index lies
    outside ``[0, W - 1)`` on either axis is exactly 0 (its bilinear weights
    cancel on the clipped indices). It is torch's ``align_corners=False``
    sampling of ``[A diag(W/(W-1), H/(H-1)) | t + (1/W, 1/H)]`` with zero
    padding and those samples set to 0. So the identity is not the identity
    there: it zooms out by ``(W-1)/W``, shifts by half a pixel, and the last
    row and column are 0; the authors' start ``tanh(1) I`` magnifies by
    1.266 at 28 x 28, 1.219 at 14 x 14 and 1.125 at 7 x 7. A side of one
    pixel has no such grid; it is sampled as ``"centered"``.
``"centered"``
    :func:`torch.nn.functional.affine_grid` and
    :func:`torch.nn.functional.grid_sample` with ``align_corners=False`` and
    border padding, for which the identity reproduces its input exactly
    (Jaderberg et al.'s convention).
"""

import torch
import torch.nn.functional as F
from torch import nn

from skdeepclust.nn.linear import AlignedLinear

__all__ = [
    "LocalizationNetwork",
    "SpatialTransformer",
    "ST_INITS",
    "ST_SAMPLINGS",
    "pooled_side",
    "safe_max_pool2d",
    "sample",
]

# The two starts of a localisation network and the two samplers: see the
# module docstring.
ST_INITS = ("identity", "authors")
ST_SAMPLINGS = ("authors", "centered")

_IDENTITY_THETA = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def pooled_side(side, pool=2):
    """Side of a map after a ``pool`` max-pooling that never pools a side away.

    A side shorter than the pooling window is left as it is, so that small
    images (8 x 8 digits) and 1 x d strips of tabular data go through the
    same layers as 28 x 28 images.
    """
    return side // min(pool, side)


def safe_max_pool2d(x, pool=2):
    """Max-pool ``x`` by ``pool``, leaving any side shorter than ``pool`` alone."""
    kernel = (min(pool, x.shape[-2]), min(pool, x.shape[-1]))
    if kernel == (1, 1):
        return x
    return F.max_pool2d(x, kernel)


class LocalizationNetwork(nn.Module):
    """Predict a 2 x 3 affine matrix per sample from an image or feature map.

    Parameters
    ----------
    in_channels : int
        Channels of the input map.
    height, width : int
        Spatial size of the input map.
    init : {"identity", "authors"}, default="identity"
        Start at the identity (linear output) or, as the authors' code, at
        ``tanh(identity)`` with a tanh on the output (a 1.31x zoom).
    n_filters : int, default=20
        Channels of the two 5 x 5 convolutions.
    n_hidden : int, default=50
        Width of the hidden dense layer.
    """

    def __init__(
        self, in_channels, height, width, *, init="identity", n_filters=20, n_hidden=50
    ):
        super().__init__()
        if init not in ST_INITS:
            raise ValueError(f"init must be one of {ST_INITS}, got {init!r}.")
        self.init = init
        self.conv1 = nn.Conv2d(in_channels, n_filters, 5, padding=2)
        self.conv2 = nn.Conv2d(n_filters, n_filters, 5, padding=2)
        out_height = pooled_side(pooled_side(height))
        out_width = pooled_side(pooled_side(width))
        self.hidden = AlignedLinear(n_filters * out_height * out_width, n_hidden)
        self.theta = AlignedLinear(n_hidden, 6)
        # Keras' default (Glorot-uniform weights, zero biases), as in the
        # authors' localisation networks.
        for layer in (self.conv1, self.conv2, self.hidden):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
        # Zero weights and an identity bias: every sample starts with the
        # same transform, which the tanh (authors) turns into a zoom.
        nn.init.zeros_(self.theta.weight)
        with torch.no_grad():
            self.theta.bias.copy_(torch.tensor(_IDENTITY_THETA))

    def forward(self, x):
        x = torch.tanh(self.conv1(safe_max_pool2d(x)))
        x = torch.tanh(self.conv2(safe_max_pool2d(x)))
        x = torch.tanh(self.hidden(x.flatten(1)))
        theta = self.theta(x)
        if self.init == "authors":
            theta = torch.tanh(theta)
        return theta.view(-1, 2, 3)


def _check_sampling(sampling):
    if sampling not in ST_SAMPLINGS:
        raise ValueError(f"sampling must be one of {ST_SAMPLINGS}, got {sampling!r}.")


def sample(x, theta, sampling="centered"):
    """Resample ``x`` (n, C, H, W) through the affine matrices ``theta`` (n, 2, 3).

    Parameters
    ----------
    x : torch.Tensor
        Maps of shape (n, C, H, W).
    theta : torch.Tensor
        One 2 x 3 matrix per map, from output to input coordinates in
        [-1, 1].
    sampling : {"authors", "centered"}, default="centered"
        The sampler's convention; see the module docstring.

    Returns
    -------
    out : torch.Tensor
        The resampled maps, of the shape of ``x``.
    """
    _check_sampling(sampling)
    height, width = x.shape[-2:]
    theta = theta.to(x.dtype)
    if sampling == "centered" or height < 2 or width < 2:
        grid = F.affine_grid(theta, tuple(x.shape), align_corners=False)
        return F.grid_sample(
            x, grid, mode="bilinear", padding_mode="border", align_corners=False
        )
    scale = theta.new_tensor([width / (width - 1), height / (height - 1)])
    offset = theta.new_tensor([1 / width, 1 / height]).view(1, 2, 1)
    theta = torch.cat([theta[:, :, :2] * scale, theta[:, :, 2:] + offset], dim=2)
    grid = F.affine_grid(theta, tuple(x.shape), align_corners=False)
    out = F.grid_sample(
        x, grid, mode="bilinear", padding_mode="zeros", align_corners=False
    )
    # Pixel indices of the samples (align_corners=False); the authors'
    # sampler gives exactly 0 wherever one falls outside [0, side - 1).
    column = ((grid[..., 0] + 1) * width - 1) / 2
    row = ((grid[..., 1] + 1) * height - 1) / 2
    inside = (column >= 0) & (column < width - 1) & (row >= 0) & (row < height - 1)
    return out * inside.unsqueeze(1).to(out.dtype)


class SpatialTransformer(nn.Module):
    """Resample a map through the affine transform its localisation net predicts.

    The output has the size of the input.

    Parameters
    ----------
    in_channels : int
        Channels of the input map.
    height, width : int
        Spatial size of the input map.
    init : {"identity", "authors"}, default="identity"
        Start of the localisation network (:class:`LocalizationNetwork`).
    sampling : {"authors", "centered"}, default="centered"
        The sampler's convention; see the module docstring.
    """

    def __init__(
        self, in_channels, height, width, *, init="identity", sampling="centered"
    ):
        super().__init__()
        _check_sampling(sampling)
        self.sampling = sampling
        self.localization = LocalizationNetwork(in_channels, height, width, init=init)

    def forward(self, x, return_theta=False):
        theta = self.localization(x)
        # Sampling grids and bilinear weights in float32, also where the
        # networks run in bfloat16 (autocast): bfloat16 would round every
        # sampling position, and the gradients through it, to 8 bits.
        with torch.autocast(x.device.type, enabled=False):
            theta = theta.float()
            out = sample(x.float(), theta, self.sampling)
        if return_theta:
            return out, theta
        return out
