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

Sampling is bilinear with border padding (the authors' sampler clamps indices
at the border) through :func:`torch.nn.functional.affine_grid` and
:func:`torch.nn.functional.grid_sample` with ``align_corners=False``, for
which the identity matrix reproduces its input exactly.
"""

import torch
import torch.nn.functional as F
from torch import nn

from skdeepclust.nn.linear import AlignedLinear

__all__ = [
    "LocalizationNetwork",
    "SpatialTransformer",
    "ST_INITS",
    "pooled_side",
    "safe_max_pool2d",
]

# The two starts of a localisation network: see the module docstring.
ST_INITS = ("identity", "authors")

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


class SpatialTransformer(nn.Module):
    """Resample a map through the affine transform its localisation net predicts.

    The output has the size of the input. Parameters are those of
    :class:`LocalizationNetwork`.
    """

    def __init__(self, in_channels, height, width, *, init="identity"):
        super().__init__()
        self.localization = LocalizationNetwork(in_channels, height, width, init=init)

    def forward(self, x, return_theta=False):
        theta = self.localization(x)
        grid = F.affine_grid(theta.to(x.dtype), tuple(x.shape), align_corners=False)
        out = F.grid_sample(
            x, grid, mode="bilinear", padding_mode="border", align_corners=False
        )
        if return_theta:
            return out, theta
        return out
