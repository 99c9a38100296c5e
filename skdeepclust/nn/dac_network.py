"""The VGG-style clustering network of ST-DAC, with slots for spatial transformers.

Layout of the authors' code (Souza & Zanchettin, 2019; paper Table 1 lists a
third max-pooling that the code does not have)::

    [ST 1] -> conv 3x3, 64 -> BN -> ReLU -> maxpool 2 -> BN
           -> conv 3x3, 128 -> BN -> ReLU -> [ST 2] -> maxpool 2 -> BN
           -> conv 3x3, 256 -> BN -> ReLU -> [ST 3] -> flatten
           -> dense 3096 -> BN -> ReLU -> dropout 0.5
           -> dense n_clusters -> BN -> ReLU -> softmax

The softmax output is the *label feature* of DAC; its L2-normalised version
gives the pairwise similarities (dot products) that DAC trains on.

Adaptation to other input sizes (the paper only uses 28 x 28): a max-pooling
leaves alone any side shorter than its window, so 8 x 8 digits give 2 x 2
maps and a 1 x d strip of tabular data stays one pixel high; inputs larger
than 28 x 28 are average-pooled to at most ``max_flat_side`` x
``max_flat_side`` (7, the 28 x 28 value) before flattening, so that the dense
layer keeps the paper's size instead of growing with the image.

Batch normalisation: the authors' Keras layers (``mode=2``) normalise with
the statistics of the current batch at training *and* at prediction time.
:class:`DACNetwork` uses standard batch normalisation (running statistics in
evaluation mode) unless :meth:`DACNetwork.use_batch_statistics` switches the
authors' behaviour on.
"""

import torch
import torch.nn.functional as F
from torch import nn

from skdeepclust.nn.linear import AlignedLinear
from skdeepclust.nn.spatial_transformer import (
    SpatialTransformer,
    pooled_side,
    safe_max_pool2d,
)

__all__ = ["DACNetwork", "label_features"]

# BatchNormalization's epsilon in Keras 1.1.2, the version the authors pin
# (Keras 1.2 and 2.x default to 1e-3).
_BN_EPS = 1e-5


class _BatchStatisticsNorm:
    """Batch norm that can use batch statistics in evaluation mode too.

    ``group_size`` set, consecutive groups of that many samples are
    normalised each by their own statistics (the last group takes what is
    left): one call gives what separate calls on each group would, without
    the cost of many small ones.
    """

    batch_statistics = False
    group_size = None

    def forward(self, x):
        if self.training or not self.batch_statistics:
            return super().forward(x)
        n_samples = x.shape[0]
        group = (
            n_samples if self.group_size is None else min(self.group_size, n_samples)
        )
        n_grouped = n_samples - n_samples % group
        parts = [self._normalise_groups(x[:n_grouped], group)]
        if n_grouped < n_samples:
            parts.append(self._normalise_groups(x[n_grouped:], n_samples - n_grouped))
        return torch.cat(parts) if len(parts) > 1 else parts[0]

    def _normalise_groups(self, x, group):
        # A single sample has no batch statistics: it falls back on the
        # running ones.
        if group == 1:
            return super().forward(x)
        if group == x.shape[0]:
            # This batch's statistics, the running estimates left untouched
            # (momentum 0).
            return F.batch_norm(
                x, None, None, self.weight, self.bias, True, 0.0, self.eps
            )
        grouped = x.unflatten(0, (-1, group))
        var, mean = _group_var_mean(grouped)
        shape = (1, 1, -1) + (1,) * (grouped.dim() - 3)
        scale = self.weight.view(shape) * torch.rsqrt(var + self.eps)
        # One pass over the activations: x * scale + (bias - mean * scale).
        shift = self.bias.view(shape) - mean * scale
        return torch.addcmul(shift, grouped, scale).flatten(0, 1)


def _group_var_mean(grouped):
    """Biased variance and mean of each group (axis 1) and channel (axis 2)
    of ``grouped`` (G, g, C, ...), shaped to broadcast against it.

    Feature maps are reduced over their contiguous spatial axes first, per
    sample (mean, then the norm of the deviations: a two-pass variance, with
    torch's fast sum and norm kernels rather than its slower ``var_mean``),
    and the per-sample moments are then pooled over the group.
    """
    if grouped.dim() == 3:
        return torch.var_mean(grouped, dim=1, correction=0, keepdim=True)
    spatial = grouped.flatten(3)
    mean = spatial.mean(dim=3, keepdim=True)
    deviations = torch.linalg.vector_norm(spatial - mean, dim=3)
    var, mean = deviations**2 / spatial.shape[3], mean.squeeze(3)
    group_mean = mean.mean(dim=1, keepdim=True)
    # Law of total variance: within-sample variance plus variance of means.
    group_var = (var + (mean - group_mean) ** 2).mean(dim=1, keepdim=True)
    shape = group_mean.shape + (1,) * (grouped.dim() - 3)
    return group_var.view(shape), group_mean.view(shape)


class _BatchNorm2d(_BatchStatisticsNorm, nn.BatchNorm2d):
    pass


class _BatchNorm1d(_BatchStatisticsNorm, nn.BatchNorm1d):
    pass


def _conv_block(in_channels, out_channels):
    conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
    # Keras "he_normal" (normal, std sqrt(2 / fan_in)), zero bias.
    nn.init.kaiming_normal_(conv.weight, mode="fan_in", nonlinearity="relu")
    nn.init.zeros_(conv.bias)
    return nn.Sequential(conv, _BatchNorm2d(out_channels, eps=_BN_EPS), nn.ReLU())


def _dense(in_features, out_features):
    # Keras' default Dense initialisation: Glorot-uniform, zero bias.
    layer = AlignedLinear(in_features, out_features)
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def label_features(probabilities):
    """L2-normalise softmax outputs: DAC's label features (unit norm, >= 0)."""
    return F.normalize(probabilities, dim=1)


class DACNetwork(nn.Module):
    """ST-DAC's clustering network.

    Parameters
    ----------
    in_channels, height, width : int
        Shape of the input images.
    n_clusters : int
        Size of the softmax output.
    n_st_layers : {0, 1, 2, 3}, default=2
        Spatial transformers: on the input, then after the second and third
        convolution blocks.
    st_init : {"identity", "authors"}, default="identity"
        Start of the spatial transformers; see
        :mod:`skdeepclust.nn.spatial_transformer`.
    st_sampling : {"authors", "centered"}, default="centered"
        Sampler of the spatial transformers; see
        :mod:`skdeepclust.nn.spatial_transformer`.
    conv_channels : tuple of 3 int, default=(64, 128, 256)
        Channels of the three convolution blocks.
    hidden_units : int, default=3096
        Width of the hidden dense layer.
    dropout : float, default=0.5
        Dropout after the hidden dense layer.
    max_flat_side : int, default=7
        Largest side of the last feature map before flattening.
    """

    def __init__(
        self,
        in_channels,
        height,
        width,
        n_clusters,
        *,
        n_st_layers=2,
        st_init="identity",
        st_sampling="centered",
        conv_channels=(64, 128, 256),
        hidden_units=3096,
        dropout=0.5,
        max_flat_side=7,
    ):
        super().__init__()
        if n_st_layers not in (0, 1, 2, 3):
            raise ValueError(f"n_st_layers must be 0, 1, 2 or 3, got {n_st_layers!r}.")
        c1, c2, c3 = conv_channels
        h1, w1 = pooled_side(height), pooled_side(width)
        h2, w2 = pooled_side(h1), pooled_side(w1)

        def transformer(rank, channels, h, w):
            if n_st_layers < rank:
                return nn.Identity()
            return SpatialTransformer(
                channels, h, w, init=st_init, sampling=st_sampling
            )

        self.st1 = transformer(1, in_channels, height, width)
        self.block1 = _conv_block(in_channels, c1)
        self.norm1 = _BatchNorm2d(c1, eps=_BN_EPS)
        self.block2 = _conv_block(c1, c2)
        self.st2 = transformer(2, c2, h1, w1)
        self.norm2 = _BatchNorm2d(c2, eps=_BN_EPS)
        self.block3 = _conv_block(c2, c3)
        self.st3 = transformer(3, c3, h2, w2)
        flat_h, flat_w = min(h2, max_flat_side), min(w2, max_flat_side)
        self.flat_pool = (
            nn.Identity()
            if (flat_h, flat_w) == (h2, w2)
            else nn.AdaptiveAvgPool2d((flat_h, flat_w))
        )
        self.hidden = nn.Sequential(
            _dense(c3 * flat_h * flat_w, hidden_units),
            _BatchNorm1d(hidden_units, eps=_BN_EPS),
            nn.ReLU(),
            nn.Dropout(dropout),
        )
        # The authors put a ReLU between the last batch norm and the softmax.
        self.logits = nn.Sequential(
            _dense(hidden_units, n_clusters),
            _BatchNorm1d(n_clusters, eps=_BN_EPS),
            nn.ReLU(),
        )

    def use_batch_statistics(self, enabled=True, group_size=None):
        """Normalise with batch statistics in evaluation mode too (authors' code).

        With ``group_size``, each run of ``group_size`` consecutive samples
        of a batch is normalised by itself, as if passed alone.
        """
        for module in self.modules():
            if isinstance(module, _BatchStatisticsNorm):
                module.batch_statistics = bool(enabled)
                module.group_size = group_size
        return self

    @torch.no_grad()
    def recalibrate_batch_norm(self, x, batch_size, offset=0.0):
        """Set the running statistics of every batch norm to those of ``x - offset``.

        The running averages kept during training lag behind the weights;
        one pass over the data with cumulative averaging gives evaluation
        mode the statistics of the current network on the training set.
        Dropout stays off.
        """
        norms = [m for m in self.modules() if isinstance(m, _BatchStatisticsNorm)]
        was_training = self.training
        self.eval()
        saved = []
        for norm in norms:
            saved.append((norm.momentum, norm.batch_statistics))
            norm.reset_running_stats()
            norm.momentum = None
            norm.batch_statistics = False
            norm.train()
        n_samples = x.shape[0]
        # Equal-sized batches: a cumulative average weights batches equally.
        n_batches = max(1, -(-n_samples // batch_size))
        for batch in torch.tensor_split(x, n_batches):
            if batch.shape[0] > 1:
                self(batch - offset)
        for norm, (momentum, batch_statistics) in zip(norms, saved):
            norm.momentum = momentum
            norm.batch_statistics = batch_statistics
        self.train(was_training)
        return self

    def embed(self, x):
        """Penultimate representation (after the hidden dense layer)."""
        x = self.st1(x)
        x = self.norm1(safe_max_pool2d(self.block1(x)))
        x = self.st2(self.block2(x))
        x = self.norm2(safe_max_pool2d(x))
        x = self.st3(self.block3(x))
        return self.hidden(self.flat_pool(x).flatten(1))

    def forward(self, x):
        """Softmax probabilities over the clusters, shape (n, n_clusters)."""
        # float32 probabilities whatever the networks compute in: the
        # thresholds (0.99) and Keras' clipping (1e-7) need them.
        return torch.softmax(self.logits(self.embed(x)).float(), dim=1)

    def input_transform(self, x):
        """What the first spatial transformer makes of the input images."""
        return self.st1(x)
