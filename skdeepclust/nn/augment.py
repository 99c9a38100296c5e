"""Batched, on-device image augmentation.

Every geometric augmentation here is one affine map per sample, applied with
a single ``grid_sample`` call for the whole batch: rotation, translation,
zoom, flips and crops compose into one 2 x 3 matrix, so a batch is resampled
once whatever the number of augmentations. Randomness comes from torch's
(seeded) generator on the batch's device; nothing runs per sample in Python.

Matrices follow :func:`torch.nn.functional.affine_grid`: they map output
coordinates in [-1, 1] to input coordinates.
"""

import math

import torch
import torch.nn.functional as F

__all__ = [
    "random_affine_matrices",
    "crop_matrices",
    "warp",
    "rotation_then",
    "augment_images",
]

# cos and sin of 0, 90, 180 and 270 degrees, exact.
_QUARTER_TURNS = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


def _uniform(n, low, high, *, device):
    return torch.rand(n, device=device) * (high - low) + low


def random_affine_matrices(
    n_samples,
    *,
    rotation=0.0,
    translation=0.0,
    zoom=(1.0, 1.0),
    hflip=False,
    crop_fractions=None,
    keras_zoom=False,
    device="cpu",
):
    """Draw one random affine matrix per sample.

    Parameters
    ----------
    n_samples : int
        Number of matrices.
    rotation : float, default=0.0
        Largest rotation in degrees; angles are uniform in [-rotation, rotation].
    translation : float, default=0.0
        Largest shift as a fraction of the image size (Keras' ``width_shift``).
    zoom : tuple of float, default=(1.0, 1.0)
        Range of the zoom factor; above 1 magnifies the content.
    hflip : bool, default=False
        Mirror half of the samples left-right.
    crop_fractions : sequence of float, default=None
        When given, each sample is a random crop whose side is one of these
        fractions of the image (chosen uniformly), at a uniformly random
        position inside the image, as ``RandomChoice(RandomCrop(s))``.
    keras_zoom : bool, default=False
        Keras' ``zoom_range`` convention instead: one factor per axis, drawn
        independently, that scales the sampling coordinates (above 1 the
        content shrinks).
    device : str or torch.device, default="cpu"
        Where to draw.

    Returns
    -------
    matrices : Tensor of shape (n_samples, 2, 3)
    """
    angle = _uniform(n_samples, -rotation, rotation, device=device) * (math.pi / 180)
    if keras_zoom:
        # Rotation times diag(zx, zy): the x column scaled by zx, y by zy.
        factors = _uniform(2 * n_samples, zoom[0], zoom[1], device=device)
        scale_x, scale_y = factors.view(n_samples, 2).unbind(1)
        cos_x, sin_x = torch.cos(angle) * scale_x, torch.sin(angle) * scale_x
        cos_y, sin_y = torch.cos(angle) * scale_y, torch.sin(angle) * scale_y
    else:
        scale = 1.0 / _uniform(n_samples, zoom[0], zoom[1], device=device)
        cos_x, sin_x = torch.cos(angle) * scale, torch.sin(angle) * scale
        cos_y, sin_y = cos_x, sin_x
    flip = torch.ones(n_samples, device=device)
    if hflip:
        flip = torch.where(torch.rand(n_samples, device=device) < 0.5, -flip, flip)
    # The output shift moves content by +t, i.e. samples the input at -t; a
    # 2 * fraction shift in [-1, 1] coordinates is a fraction of the image.
    shift = _uniform(2 * n_samples, -translation, translation, device=device)
    shift = -2 * shift.view(n_samples, 2)
    if crop_fractions is not None:
        fractions = torch.as_tensor(crop_fractions, dtype=torch.float32, device=device)
        crop = fractions[
            torch.randint(len(crop_fractions), (n_samples,), device=device)
        ]
        cos_x, sin_x, cos_y, sin_y = (v * crop for v in (cos_x, sin_x, cos_y, sin_y))
        # The crop centre lies where the whole crop fits inside the image.
        shift = shift + (torch.rand(n_samples, 2, device=device) * 2 - 1) * (
            1 - crop
        ).unsqueeze(1)
    matrices = torch.stack(
        [
            torch.stack([cos_x * flip, -sin_y, shift[:, 0]], dim=1),
            torch.stack([sin_x * flip, cos_y, shift[:, 1]], dim=1),
        ],
        dim=1,
    )
    return matrices


def crop_matrices(n_samples, fraction, *, device="cpu"):
    """Matrices of a centred crop of side ``fraction`` (a deterministic view)."""
    matrix = torch.tensor(
        [[fraction, 0.0, 0.0], [0.0, fraction, 0.0]], dtype=torch.float32, device=device
    )
    return matrix.expand(n_samples, 2, 3)


def warp(images, matrices, *, output_size=None, padding_mode="zeros", mode="bilinear"):
    """Resample ``images`` (n, C, H, W) through per-sample affine ``matrices``.

    ``output_size`` (H', W') resizes in the same pass (a crop then resize is
    one warp). ``mode`` is the interpolation of
    :func:`torch.nn.functional.grid_sample` ("bilinear" or "nearest"), with
    ``align_corners=False``.
    """
    n_samples, channels, height, width = images.shape
    if output_size is None:
        output_size = (height, width)
    grid = F.affine_grid(
        matrices.to(images.dtype),
        (n_samples, channels, *output_size),
        align_corners=False,
    )
    return F.grid_sample(
        images, grid, mode=mode, padding_mode=padding_mode, align_corners=False
    )


def rotation_then(inner, quarter_turns):
    """Affine matrices of "rotate by quarter turns, then apply ``inner``".

    ``warp`` matrices map output to input coordinates, so the composition is
    input = R(inner(output)). On a square image a quarter turn in the
    normalised coordinates of ``affine_grid`` maps pixel centres onto pixel
    centres: the rotation is exact (no interpolation).
    """
    cos_sin = _QUARTER_TURNS.to(inner.device)[quarter_turns]
    cos, sin = cos_sin[:, 0], cos_sin[:, 1]
    rotation = torch.stack(
        [torch.stack([cos, -sin], dim=1), torch.stack([sin, cos], dim=1)], dim=1
    )
    return rotation @ inner


def augment_images(images, params):
    """DAC's augmentation of a batch on its device.

    ``params`` holds Keras' ImageDataGenerator settings as
    ``skdeepclust.stdac.AUGMENTATIONS`` does: rotation (degrees),
    translation (fraction), zoom (Keras' ``zoom_range``: a factor per axis,
    above 1 shrinking the content), hflip, a channel shift clipped to each
    image's range, a constant intensity scale, and the interpolation.
    """
    matrices = random_affine_matrices(
        images.shape[0],
        rotation=params["rotation"],
        translation=params["translation"],
        zoom=params["zoom"],
        hflip=params["hflip"],
        keras_zoom=True,
        device=images.device,
    )
    # Border padding repeats edge pixels, as Keras' fill_mode="nearest".
    images = warp(images, matrices, padding_mode="border", mode=params["interpolation"])
    if params["channel_shift"]:
        n_samples, channels = images.shape[:2]
        low = images.amin(dim=(1, 2, 3), keepdim=True)
        high = images.amax(dim=(1, 2, 3), keepdim=True)
        shift = torch.rand(n_samples, channels, 1, 1, device=images.device)
        shift = (2 * shift - 1) * params["channel_shift"]
        images = torch.minimum(torch.maximum(images + shift, low), high)
    if params["intensity_scale"] != 1.0:
        images = images * params["intensity_scale"]
    return images
