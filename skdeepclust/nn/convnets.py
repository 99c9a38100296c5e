"""Convolutional backbones of Multi-Modal Deep Clustering (MMDC).

Two networks, as in the authors' code (guysrn/mmdc, ``architectures/``):

* :class:`SmallVGG`, for MNIST-like grey images: four blocks of
  3x3 convolution (no bias) - batch norm - ReLU - 2x2 max pooling with 32, 64,
  128 and 256 channels, then one linear layer to the embedding (1024 inputs
  for a 32x32 image);
* :class:`SmallResNet18`, the ResNet-18 "for small images" used on natural
  images: a 3x3 stride-1 stem followed by a 2x2 max pooling (stride 2,
  padding 1) instead of the 7x7 stride-2 stem and 3x3 pooling of ImageNet,
  four stages of two basic blocks (64, 128, 256, 512 channels), global
  average pooling and a linear layer.

Both end with an L2 normalisation, so the embedding lies on the unit sphere,
and can carry an auxiliary head that predicts which of four rotations
(0, 90, 180, 270 degrees) was applied to the input, on the pooled features.
Initialisation follows the code: Kaiming-normal convolutions (fan-in, ReLU),
batch-norm weights 1 and biases 0, linear weights N(0, 0.01^2), biases 0.
"""

import torch.nn.functional as F
from torch import nn

from skdeepclust.nn.linear import AlignedLinear

__all__ = ["SmallVGG", "SmallResNet18", "N_ROTATIONS"]

# 0, 90, 180 and 270 degrees.
N_ROTATIONS = 4


def _initialize_weights(module):
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm2d):
            nn.init.ones_(layer.weight)
            nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.Linear):
            nn.init.normal_(layer.weight, mean=0.0, std=0.01)
            nn.init.zeros_(layer.bias)


class _EmbeddingNetwork(nn.Module):
    """Features -> linear -> unit-norm embedding, plus an optional rotation head.

    Subclasses build ``self.features`` (images -> flat feature vectors) and set
    ``self.n_features``, then call :meth:`_build_heads`.
    """

    def _build_heads(self, out_dim, rotation_head):
        self.top_layer = AlignedLinear(self.n_features, out_dim)
        self.rotation_head = (
            AlignedLinear(self.n_features, N_ROTATIONS) if rotation_head else None
        )
        _initialize_weights(self)

    def embed(self, features):
        """Unit-norm embedding of flat features."""
        # eps only guards an all-zero output; the authors divide by the norm.
        # float32 whatever the layers compute in (autocast): the targets are.
        return F.normalize(self.top_layer(features).float(), dim=1, eps=1e-12)

    def forward(self, images):
        """Unit-norm embeddings of shape (n, out_dim)."""
        return self.embed(self.features(images))

    def rotation_logits(self, features):
        """Rotation-class logits (n, 4) of flat features."""
        if self.rotation_head is None:
            raise RuntimeError("This network was built without a rotation head.")
        return self.rotation_head(features).float()


class SmallVGG(_EmbeddingNetwork):
    """Four-block VGG-like ConvNet without hidden fully connected layers.

    Parameters
    ----------
    in_channels : int
        Channels of the input images.
    out_dim : int
        Size of the unit-norm embedding.
    input_size : int, default=32
        Height and width of the input; a multiple of 16 (four 2x2 poolings).
        32 gives the authors' ``Linear(1024, out_dim)``.
    rotation_head : bool, default=False
        Add a ``Linear(n_features, 4)`` rotation classifier.
    """

    channels = (32, 64, 128, 256)

    def __init__(self, in_channels, out_dim, *, input_size=32, rotation_head=False):
        super().__init__()
        if input_size % 16:
            raise ValueError(
                f"SmallVGG needs an input size that is a multiple of 16, "
                f"got {input_size}."
            )
        layers = []
        previous = in_channels
        for width in self.channels:
            layers += [
                nn.Conv2d(previous, width, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=2, stride=2),
            ]
            previous = width
        layers.append(nn.Flatten())
        self.features = nn.Sequential(*layers)
        self.n_features = self.channels[-1] * (input_size // 16) ** 2
        self._build_heads(out_dim, rotation_head)


class _BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(
            in_planes, planes, 3, stride=stride, padding=1, bias=False
        )
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut, inplace=True)


class SmallResNet18(_EmbeddingNetwork):
    """ResNet-18 for small images (3x3 stem, then 2x2 max pooling).

    Parameters
    ----------
    in_channels : int
        Channels of the input images.
    out_dim : int
        Size of the unit-norm embedding.
    rotation_head : bool, default=False
        Add a ``Linear(512, 4)`` rotation classifier on the pooled features.
    """

    stage_widths = (64, 128, 256, 512)
    blocks_per_stage = (2, 2, 2, 2)

    def __init__(self, in_channels, out_dim, *, rotation_head=False):
        super().__init__()
        layers = [
            nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2, padding=1),
        ]
        previous = 64
        for stage, (width, n_blocks) in enumerate(
            zip(self.stage_widths, self.blocks_per_stage)
        ):
            for block in range(n_blocks):
                stride = 2 if stage > 0 and block == 0 else 1
                layers.append(_BasicBlock(previous, width, stride))
                previous = width
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.features = nn.Sequential(*layers)
        self.n_features = previous
        self._build_heads(out_dim, rotation_head)
