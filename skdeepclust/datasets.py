"""Image datasets for deep clustering.

Loaders return images as arrays of shape ``(n_samples, height, width)`` for
grayscale data or ``(n_samples, height, width, 3)`` for colour data, together
with integer labels, so that the clustering can be scored against the classes:

* :func:`load_digits_images`: scikit-learn's embedded 8x8 digits, no file
  needed.
* :func:`load_mnist` and :func:`load_fashion_mnist`: 28x28 handwritten digits
  and Zalando clothing articles, 60,000 train and 10,000 test images each.
* :func:`load_usps`: 16x16 postal digits, 7,291 train and 2,007 test images.
* :func:`load_image_folder`: any folder of photos, one sub-folder per class.
* :func:`make_photo_crops`: colour crops of six kinds of scene from
  scikit-learn's two sample photos, no file needed.

MNIST, Fashion-MNIST and USPS are read from a data folder (see
:func:`get_data_home`): the ``data_home`` argument, else the
``SKDEEPCLUST_DATA_HOME`` environment variable, else ``~/skdeepclust_data``.
Each dataset has its own sub-folder (``mnist``, ``fashion-mnist``, ``usps``)
holding the files under their published names. Missing files are downloaded
from the first mirror of ``MNIST_MIRRORS``, ``FASHION_MNIST_MIRRORS``
or ``USPS_MIRRORS`` that serves them with the expected checksum; these
module-level lists may be edited to add a local mirror. On a machine without
internet access, copy the files into the data folder by hand.

Files already in the data folder are checked against the same checksums the
first time they are used, so that a wrong file (a Fashion-MNIST file in the
``mnist`` folder, say) raises an error instead of loading in silence. A
verified file is not hashed again while its size and modification time stay
the same: the result is kept for the running process and in a hidden file,
``.skdeepclust-verified.json``, beside the data; a folder that cannot be
written, or has no write permission bit (a shared read-only copy), is left
unchanged and its files are verified once per process.
"""

import bz2
import gzip
import hashlib
import json
import logging
import numbers
import os
import shutil
import urllib.request
import uuid
import warnings
import zlib
from http.client import HTTPException

import numpy as np
from PIL import Image, ImageOps
from sklearn.datasets import load_digits, load_sample_images
from sklearn.utils import Bunch, check_random_state

__all__ = [
    "get_data_home",
    "load_digits_images",
    "load_fashion_mnist",
    "load_image_folder",
    "load_mnist",
    "load_usps",
    "make_photo_crops",
]

logger = logging.getLogger(__name__)

_DATA_HOME_ENV = "SKDEEPCLUST_DATA_HOME"
_DEFAULT_DATA_HOME = os.path.join("~", "skdeepclust_data")

# Base URLs tried in order. Plain-HTTP mirrors are acceptable because every
# downloaded file is checked against the checksums below before it is used.
MNIST_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]
FASHION_MNIST_MIRRORS = [
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    (
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/"
        "master/data/fashion/"
    ),
]
USPS_MIRRORS = [
    "https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/",
]

# (algorithm, hex digest) of every downloadable file, per dataset folder.
# USPS has no published SHA-256; the MD5s are the ones torchvision checks.
_CHECKSUMS = {
    "mnist": {
        "train-images-idx3-ubyte.gz": (
            "sha256",
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        ),
        "train-labels-idx1-ubyte.gz": (
            "sha256",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        ),
        "t10k-images-idx3-ubyte.gz": (
            "sha256",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "sha256",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": (
            "sha256",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        ),
        "train-labels-idx1-ubyte.gz": (
            "sha256",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        ),
        "t10k-images-idx3-ubyte.gz": (
            "sha256",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "sha256",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ),
    },
    "usps": {
        "usps.bz2": ("md5", "ec16c51db3855ca6c91edd34d0e9b197"),
        "usps.t.bz2": ("md5", "8ea070ee2aca1ac39742fdd1ef5ed118"),
    },
}

# Record, in each dataset folder, of the files whose checksum was verified:
# ``{file name: signature}`` (see _file_signature). Hashing reads every byte
# once more, which slow or network disks make costly, so a file placed by
# hand is hashed once, not at every load.
_VERIFIED_RECORD = ".skdeepclust-verified.json"

# The same for this process, ``{absolute path: signature}``; it is all there
# is for folders where the record cannot be written.
_VERIFIED = {}

# Seconds that a connection attempt or a single read may block; it bounds
# the wait on a dead mirror, not the duration of a whole download.
_DOWNLOAD_TIMEOUT = 30
_CHUNK_SIZE = 1 << 20

_SUBSETS = ("train", "test", "all")

_IDX_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_IDX_IMAGES_MAGIC = 2051  # unsigned bytes, 3 dimensions
_IDX_LABELS_MAGIC = 2049  # unsigned bytes, 1 dimension

# Image.Resampling appeared in Pillow 9.1.
_LANCZOS = getattr(Image, "Resampling", Image).LANCZOS

# Factor that brings the pixel values of a pillow mode with more than 8 bits
# to 0..255, by the bit depth rather than by each image's range, so that
# images stay comparable. Pillow's own conversion to "L" or "RGB" clips
# these values at 255 instead. "I" (32-bit integers) is how older pillows
# open 16-bit PNG and TIFF files, so it is taken as 16-bit too; "F" (32-bit
# floats) is taken to hold values in [0, 1], scikit-image's convention.
_HIGH_DEPTH_SCALES = {
    "I;16": 1 / 257,  # 65535 / 257 = 255
    "I;16L": 1 / 257,
    "I;16B": 1 / 257,
    "I;16N": 1 / 257,
    "I": 1 / 257,
    "F": 255,
}

_USPS_H5 = "usps.h5"
_USPS_LIBSVM_FILES = {"train": "usps.bz2", "test": "usps.t.bz2"}

_FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

_MNIST_DESCR = """\
MNIST handwritten digits
------------------------

70,000 grayscale 28x28 images of handwritten digits 0-9: 60,000 for training
and 10,000 for testing. Deep clustering papers cluster all 70,000 images
(``subset="all"``: the training images followed by the test images).

Yann LeCun, Corinna Cortes and Christopher J.C. Burges,
http://yann.lecun.com/exdb/mnist/. License: CC BY-SA 3.0.
"""

_FASHION_MNIST_DESCR = """\
Fashion-MNIST
-------------

70,000 grayscale 28x28 images of Zalando articles in 10 classes (T-shirt/top,
Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot):
60,000 for training and 10,000 for testing, 7,000 per class in all.
``subset="all"`` gives the training images followed by the test images.

Han Xiao, Kashif Rasul and Roland Vollgraf, "Fashion-MNIST: a Novel Image
Dataset for Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017.
License: MIT, Copyright (c) 2017 Zalando SE.
"""

_USPS_DESCR = """\
USPS handwritten digits
-----------------------

9,298 grayscale 16x16 images of handwritten digits 0-9 scanned from envelopes
by the U.S. Postal Service: 7,291 for training and 2,007 for testing.
``subset="all"`` gives the training images followed by the test images.

J. J. Hull, "A database for handwritten text recognition research", IEEE
Transactions on Pattern Analysis and Machine Intelligence 16(5), 1994.
"""


def get_data_home(data_home=None):
    """Return the path of the skdeepclust data folder.

    The folder holds the dataset files read by :func:`load_mnist`,
    :func:`load_fashion_mnist` and :func:`load_usps`, so that they are
    downloaded only once.

    By default it is a folder named ``skdeepclust_data`` in the user's home
    folder. The ``SKDEEPCLUST_DATA_HOME`` environment variable, or an explicit
    ``data_home``, gives another one. The ``~`` symbol is expanded to the
    user's home folder. The folder is created if it does not exist.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The path of the data folder. If None, the value of the
        ``SKDEEPCLUST_DATA_HOME`` environment variable, else
        ``~/skdeepclust_data``.

    Returns
    -------
    data_home : str
        The path of the data folder.

    Examples
    --------
    >>> import os
    >>> from skdeepclust.datasets import get_data_home
    >>> data_home = get_data_home()  # doctest: +SKIP
    >>> os.path.isdir(data_home)  # doctest: +SKIP
    True
    """
    if data_home is None:
        data_home = os.environ.get(_DATA_HOME_ENV) or _DEFAULT_DATA_HOME
    data_home = os.path.expanduser(os.fspath(data_home))
    os.makedirs(data_home, exist_ok=True)
    return data_home


def load_digits_images(*, return_X_y=False):
    """Load scikit-learn's digits as 8x8 images with values in [0, 1].

    These are the 1,797 digits of :func:`sklearn.datasets.load_digits`,
    embedded in scikit-learn, so nothing is downloaded. Their pixel values,
    counts from 0 to 16, are divided by 16.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        images : ndarray of shape (1797, 8, 8), dtype float32
            The images, with values in [0, 1].
        target : ndarray of shape (1797,), dtype int64
            The digit of each image.
        target_names : ndarray of shape (10,)
            The digits 0 to 9.
        DESCR : str
            The description of the dataset.

    (images, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from skdeepclust.datasets import load_digits_images
    >>> images, target = load_digits_images(return_X_y=True)
    >>> images.shape, images.dtype, float(images.max())
    ((1797, 8, 8), dtype('float32'), 1.0)
    """
    digits = load_digits()
    images = digits.images.astype(np.float32) / np.float32(16)
    target = digits.target.astype(np.int64)
    if return_X_y:
        return images, target
    return Bunch(
        images=images,
        target=target,
        target_names=np.arange(10),
        DESCR=digits.DESCR,
    )


# (photo, left, top, right, bottom) of the region each kind of crop is cut
# from, in scikit-learn's two sample photos (427 x 640 each).
_PHOTO_CROP_REGIONS = {
    "dahlia": ("flower.jpg", 200, 110, 420, 330),
    "leaves": ("flower.jpg", 0, 0, 170, 420),
    "pagoda": ("china.jpg", 90, 60, 330, 370),
    "sky": ("china.jpg", 340, 0, 640, 190),
    "trees": ("china.jpg", 370, 290, 640, 427),
    "water": ("china.jpg", 340, 230, 560, 300),
}


def make_photo_crops(
    n_per_kind=80, *, image_size=32, crop_sizes=(40, 64), random_state=None
):
    """Colour photo crops of six kinds of scene, with their kind as the label.

    Square crops of random size and position are cut from six regions of
    the two photos that ship with scikit-learn
    (:func:`sklearn.datasets.load_sample_images`): the dahlia, the leaves
    behind it, the pagoda, the sky, the trees and the lake. Each is resized
    to ``image_size`` pixels a side (bilinear, pillow). A small labelled set
    of natural colour images, nothing downloaded: a stand-in for a folder of
    one's own photos.

    Parameters
    ----------
    n_per_kind : int, default=80
        Number of crops of each kind.
    image_size : int, default=32
        Side of the returned images.
    crop_sizes : tuple of int, default=(40, 64)
        Smallest and largest side of the crops before resizing (a crop is
        at most as large as its region).
    random_state : int, RandomState instance or None, default=None
        Draws the crops' sizes and positions.

    Returns
    -------
    images : ndarray of shape (6 * n_per_kind, image_size, image_size, 3), \
            dtype uint8
        The crops, grouped by kind.
    target : ndarray of shape (6 * n_per_kind,), dtype int64
        The kind of each crop, an index into ``sorted`` kind names:
        dahlia, leaves, pagoda, sky, trees, water.

    Examples
    --------
    >>> from skdeepclust.datasets import make_photo_crops
    >>> images, target = make_photo_crops(10, image_size=16, random_state=0)
    >>> images.shape, images.dtype, target[:12:5]
    ((60, 16, 16, 3), dtype('uint8'), array([0, 0, 1]))
    """
    rng = check_random_state(random_state)
    samples = load_sample_images()
    photos = {
        os.path.basename(name): image
        for name, image in zip(samples.filenames, samples.images)
    }
    smallest, largest = crop_sizes
    images, target = [], []
    for kind, name in enumerate(sorted(_PHOTO_CROP_REGIONS)):
        photo, left, top, right, bottom = _PHOTO_CROP_REGIONS[name]
        for _ in range(n_per_kind):
            size = min(rng.randint(smallest, largest), right - left, bottom - top)
            x = rng.randint(left, right - size + 1)
            y = rng.randint(top, bottom - size + 1)
            crop = Image.fromarray(photos[photo][y : y + size, x : x + size])
            crop = crop.resize((image_size, image_size), Image.BILINEAR)
            images.append(np.asarray(crop))
            target.append(kind)
    return np.stack(images), np.array(target, dtype=np.int64)


def load_mnist(
    *,
    data_home=None,
    subset="all",
    return_X_y=False,
    as_float=False,
    download_if_missing=True,
):
    """Load the MNIST handwritten digits (28x28 grayscale, 10 classes).

    =================   ==========================
    Classes             10 (digits 0 to 9)
    Samples             60,000 train + 10,000 test
    Image shape         28 x 28, grayscale
    =================   ==========================

    The four IDX files are read from ``<data_home>/mnist/``
    (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``). Missing
    files are downloaded from the mirrors in ``MNIST_MIRRORS``. Every
    file, downloaded or placed by hand, is checked against its published
    SHA-256 when first used (see the module docstring for how the result is
    remembered).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder (see :func:`get_data_home`). If None, the
        ``SKDEEPCLUST_DATA_HOME`` environment variable, else
        ``~/skdeepclust_data``.

    subset : {"train", "test", "all"}, default="all"
        The images to load. "all" gives the 60,000 training images followed
        by the 10,000 test images, as deep clustering papers use them.

    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.

    as_float : bool, default=False
        If True, return the images as float32 with values in [0, 1];
        otherwise as uint8 with values in 0..255, four times smaller.

    download_if_missing : bool, default=True
        If False, raise an error instead of downloading a missing file.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        images : ndarray of shape (n_samples, 28, 28)
            The images, uint8 or float32 (see ``as_float``).
        target : ndarray of shape (n_samples,), dtype int64
            The digit of each image.
        target_names : ndarray of shape (10,)
            The digits 0 to 9.
        DESCR : str
            The description of the dataset.

    (images, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If a file is missing and ``download_if_missing`` is False.
    OSError
        If a missing file cannot be downloaded from any mirror.
    ValueError
        If ``subset`` is invalid, or a file does not have its published
        checksum (e.g. a file of another dataset) or is corrupt.

    Examples
    --------
    >>> from skdeepclust.datasets import load_mnist
    >>> images, target = load_mnist(return_X_y=True)  # doctest: +SKIP
    >>> images.shape, images.dtype  # doctest: +SKIP
    ((70000, 28, 28), dtype('uint8'))
    """
    return _load_idx_dataset(
        "mnist",
        MNIST_MIRRORS,
        data_home=data_home,
        subset=subset,
        return_X_y=return_X_y,
        as_float=as_float,
        download_if_missing=download_if_missing,
        target_names=np.arange(10),
        descr=_MNIST_DESCR,
    )


def load_fashion_mnist(
    *,
    data_home=None,
    subset="all",
    return_X_y=False,
    as_float=False,
    download_if_missing=True,
):
    """Load Fashion-MNIST (28x28 grayscale images of clothing, 10 classes).

    =================   ==========================
    Classes             10
    Samples             60,000 train + 10,000 test
    Image shape         28 x 28, grayscale
    =================   ==========================

    The four IDX files are read from ``<data_home>/fashion-mnist/``, under
    the same names as MNIST's (``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
    ``t10k-labels-idx1-ubyte.gz``). Missing files are downloaded from the
    mirrors in ``FASHION_MNIST_MIRRORS``. Every file, downloaded or
    placed by hand, is checked against its published SHA-256 when first used
    (see the module docstring for how the result is remembered).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder (see :func:`get_data_home`). If None, the
        ``SKDEEPCLUST_DATA_HOME`` environment variable, else
        ``~/skdeepclust_data``.

    subset : {"train", "test", "all"}, default="all"
        The images to load. "all" gives the 60,000 training images followed
        by the 10,000 test images, as deep clustering papers use them.

    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.

    as_float : bool, default=False
        If True, return the images as float32 with values in [0, 1];
        otherwise as uint8 with values in 0..255, four times smaller.

    download_if_missing : bool, default=True
        If False, raise an error instead of downloading a missing file.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        images : ndarray of shape (n_samples, 28, 28)
            The images, uint8 or float32 (see ``as_float``).
        target : ndarray of shape (n_samples,), dtype int64
            The class of each image, from 0 to 9.
        target_names : ndarray of shape (10,), dtype str
            The class names: "T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag" and "Ankle boot".
        DESCR : str
            The description of the dataset.

    (images, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If a file is missing and ``download_if_missing`` is False.
    OSError
        If a missing file cannot be downloaded from any mirror.
    ValueError
        If ``subset`` is invalid, or a file does not have its published
        checksum (e.g. a file of another dataset) or is corrupt.

    Examples
    --------
    >>> from skdeepclust.datasets import load_fashion_mnist
    >>> data = load_fashion_mnist(subset="test")  # doctest: +SKIP
    >>> data.images.shape, data.target_names[data.target[0]]  # doctest: +SKIP
    ((10000, 28, 28), 'Ankle boot')
    """
    return _load_idx_dataset(
        "fashion-mnist",
        FASHION_MNIST_MIRRORS,
        data_home=data_home,
        subset=subset,
        return_X_y=return_X_y,
        as_float=as_float,
        download_if_missing=download_if_missing,
        target_names=np.array(_FASHION_MNIST_CLASSES),
        descr=_FASHION_MNIST_DESCR,
    )


def load_usps(
    *,
    data_home=None,
    subset="all",
    return_X_y=False,
    as_float=True,
    download_if_missing=True,
):
    """Load the USPS handwritten digits (16x16 grayscale, 10 classes).

    =================   ========================
    Classes             10 (digits 0 to 9)
    Samples             7,291 train + 2,007 test
    Image shape         16 x 16, grayscale
    =================   ========================

    Two formats are read from ``<data_home>/usps/``, in this order of
    preference:

    1. ``usps.h5``, the HDF5 version that circulates on Kaggle: groups
       ``train`` and ``test``, each with ``data`` (n x 256 floats in [0, 1])
       and ``target`` (digits). Reading it needs the optional dependency
       h5py.
    2. ``usps.bz2`` (train) and ``usps.t.bz2`` (test), the LIBSVM files of
       https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/
       (labels 1 to 10 for the digits 0 to 9, values in [-1, 1] mapped to
       [0, 1]). Those needed by ``subset`` are downloaded from
       ``USPS_MIRRORS`` when missing; downloaded or placed by hand, they
       are checked against their MD5 when first used. ``usps.h5`` has no
       published checksum and is not checked.

    The two versions were preprocessed differently: they hold the same
    digits with the same labels, but not the same pixel values.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder (see :func:`get_data_home`). If None, the
        ``SKDEEPCLUST_DATA_HOME`` environment variable, else
        ``~/skdeepclust_data``.

    subset : {"train", "test", "all"}, default="all"
        The images to load. "all" gives the 7,291 training images followed
        by the 2,007 test images.

    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.

    as_float : bool, default=True
        If True, return the images as float32 with values in [0, 1];
        otherwise as uint8, ``round(255 * value)``.

    download_if_missing : bool, default=True
        If False, raise an error instead of downloading a missing file.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        images : ndarray of shape (n_samples, 16, 16)
            The images, float32 or uint8 (see ``as_float``).
        target : ndarray of shape (n_samples,), dtype int64
            The digit of each image.
        target_names : ndarray of shape (10,)
            The digits 0 to 9.
        DESCR : str
            The description of the dataset.

    (images, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ImportError
        If only ``usps.h5`` is present and h5py is not installed.
    FileNotFoundError
        If a file is missing and ``download_if_missing`` is False.
    OSError
        If a missing file cannot be downloaded from any mirror.
    ValueError
        If ``subset`` is invalid, or a file does not have its published
        checksum (e.g. a file of another dataset) or is corrupt.

    Examples
    --------
    >>> from skdeepclust.datasets import load_usps
    >>> images, target = load_usps(return_X_y=True)  # doctest: +SKIP
    >>> images.shape, images.dtype  # doctest: +SKIP
    ((9298, 16, 16), dtype('float32'))
    """
    splits = _check_subset(subset)
    folder = os.path.join(get_data_home(data_home), "usps")
    h5_path = os.path.join(folder, _USPS_H5)
    libsvm_files = [_USPS_LIBSVM_FILES[split] for split in splits]
    have_libsvm = all(
        os.path.isfile(os.path.join(folder, name)) for name in libsvm_files
    )

    parts = None
    if os.path.isfile(h5_path):
        try:
            import h5py
        except ImportError as exc:
            # The LIBSVM files, when present, make h5py unnecessary.
            if not have_libsvm:
                raise ImportError(
                    f"Reading {h5_path} needs h5py: run `pip install h5py` or "
                    "`pip install skdeepclust[h5]`, or place the LIBSVM files "
                    f"{' and '.join(libsvm_files)} in {folder}."
                ) from exc
        else:
            parts = [_read_usps_h5(h5py, h5_path, split) for split in splits]
    if parts is None:
        paths = _ensure_files(
            folder,
            libsvm_files,
            dataset="usps",
            mirrors=USPS_MIRRORS,
            download_if_missing=download_if_missing,
        )
        parts = [_read_usps_libsvm(path) for path in paths]

    images = np.concatenate([part[0] for part in parts])
    target = np.concatenate([part[1] for part in parts])
    if not as_float:
        images = np.rint(images * 255).astype(np.uint8)
    if return_X_y:
        return images, target
    return Bunch(
        images=images,
        target=target,
        target_names=np.arange(10),
        DESCR=_USPS_DESCR,
    )


def load_image_folder(
    path,
    *,
    image_size=(32, 32),
    color_mode="rgb",
    return_X_y=False,
    as_float=True,
):
    """Load a folder of images (photos, scans, ...) with pillow.

    Two layouts are recognised:

    * **One sub-folder per class**: when at least one sub-folder of ``path``
      holds a readable image, each such sub-folder is a class (images in
      nested folders included), in the sorted order of the sub-folder names.
      Files directly in ``path`` are then ignored, with a warning.
    * **Flat folder**: otherwise, the images directly in ``path`` are loaded
      and the classes are unknown: every ``target`` is -1 and
      ``target_names`` is empty.

    Any format pillow reads is accepted. Images are rotated as their EXIF
    orientation says, converted to RGB or grayscale and resized to
    ``image_size`` (without preserving their aspect ratio) with a Lanczos
    filter.

    Pixel values are brought to 8 bits (then to [0, 1] if ``as_float``) by
    the bit depth of the image, not by its own range, so that images stay
    comparable:

    * 16-bit grayscale (pillow modes ``"I;16"``, ``"I;16B"``, ...) is
      divided by 257, so that 65535 becomes 255;
    * 32-bit integer (mode ``"I"``, in which older pillows open 16-bit PNG
      and TIFF files) is taken as 16-bit likewise;
    * 32-bit float (mode ``"F"``) is taken to lie in [0, 1], as in
      scikit-image, and multiplied by 255.

    Values are then rounded; those outside the range are clipped, and NaN
    becomes 0. Pillow itself opens colour images with 16 bits per channel
    as 8-bit RGB.

    Files and folders whose name starts with a dot are skipped
    silently; other files that cannot be read as images are skipped with a
    single warning that names them all. Images are returned in the sorted
    order of their paths within each class.

    Parameters
    ----------
    path : str or path-like
        The folder to read.

    image_size : int or tuple of (int, int), default=(32, 32)
        The ``(height, width)`` to resize every image to; an int gives
        square images.

    color_mode : {"rgb", "grayscale"}, default="rgb"
        Whether to return colour images with 3 channels or grayscale images
        without a channel axis.

    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.

    as_float : bool, default=True
        If True, return the images as float32 with values in [0, 1];
        otherwise as uint8 with values in 0..255.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        images : ndarray of shape (n_samples, height, width, 3) or \
                (n_samples, height, width)
            The images, float32 or uint8 (see ``as_float``); with a channel
            axis for ``color_mode="rgb"``.
        target : ndarray of shape (n_samples,), dtype int64
            The index of the class of each image in ``target_names``, or -1
            for a flat folder.
        target_names : ndarray of shape (n_classes,), dtype str
            The sorted names of the class sub-folders; empty for a flat
            folder.
        filenames : list of str
            The path of each image.
        DESCR : str
            A description of what was loaded.

    (images, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    NotADirectoryError
        If ``path`` is not a folder.
    ValueError
        If no readable image is found, or if ``image_size`` or
        ``color_mode`` is invalid.

    Examples
    --------
    >>> from skdeepclust.datasets import load_image_folder
    >>> data = load_image_folder("photos/", image_size=64)  # doctest: +SKIP
    >>> data.images.shape  # doctest: +SKIP
    (120, 64, 64, 3)
    """
    path = os.fspath(path)
    height, width = _check_image_size(image_size)
    if color_mode not in ("rgb", "grayscale"):
        raise ValueError(
            f"color_mode must be 'rgb' or 'grayscale'; got {color_mode!r}."
        )
    mode = "RGB" if color_mode == "rgb" else "L"
    if not os.path.exists(path):
        raise FileNotFoundError(f"Image folder {path!r} does not exist.")
    if not os.path.isdir(path):
        raise NotADirectoryError(f"{path!r} is not a folder.")

    entries = sorted(name for name in os.listdir(path) if not name.startswith("."))
    sub_folders = [name for name in entries if os.path.isdir(os.path.join(path, name))]
    root_files = [
        os.path.join(path, name)
        for name in entries
        if os.path.isfile(os.path.join(path, name))
    ]

    images, target, filenames, unreadable, target_names = [], [], [], [], []
    for name in sub_folders:
        files = _list_files(os.path.join(path, name))
        loaded, failed = _read_images(files, mode, (width, height))
        unreadable.extend(failed)
        if loaded:
            target.extend([len(target_names)] * len(loaded))
            target_names.append(name)
            filenames.extend(file for file, _ in loaded)
            images.extend(image for _, image in loaded)

    if target_names:
        layout = f"{len(target_names)} class sub-folders"
        if root_files:
            warnings.warn(
                f"Ignored {len(root_files)} file(s) directly in {path}, since "
                "its sub-folders are used as classes: " + ", ".join(root_files),
                UserWarning,
                stacklevel=2,
            )
    else:
        # Sub-folders without images (annotations, ...) are not data then,
        # so their unreadable files are not worth a warning.
        layout = "a flat folder, classes unknown"
        loaded, unreadable = _read_images(root_files, mode, (width, height))
        target = [-1] * len(loaded)
        filenames = [file for file, _ in loaded]
        images = [image for _, image in loaded]

    if unreadable:
        warnings.warn(
            f"Skipped {len(unreadable)} file(s) that could not be read as "
            "images: " + ", ".join(unreadable),
            UserWarning,
            stacklevel=2,
        )
    if not images:
        raise ValueError(f"No readable image found in {path!r}.")

    images = np.stack(images)
    if as_float:
        images = _to_float(images)
    target = np.asarray(target, dtype=np.int64)
    if return_X_y:
        return images, target
    descr = (
        f"{len(filenames)} images read from {path} ({layout}), converted to "
        f"{mode} and resized to {height}x{width}.\n"
    )
    return Bunch(
        images=images,
        target=target,
        target_names=np.array(target_names, dtype=str),
        filenames=filenames,
        DESCR=descr,
    )


def _check_subset(subset):
    """Return the splits that ``subset`` stands for, in loading order."""
    if not isinstance(subset, str) or subset not in _SUBSETS:
        raise ValueError(
            f"subset must be one of {', '.join(map(repr, _SUBSETS))}; got {subset!r}."
        )
    return ("train", "test") if subset == "all" else (subset,)


def _to_float(images):
    """Scale uint8 images to float32 in [0, 1]."""
    out = images.astype(np.float32)
    out /= 255
    return out


def _file_digest(path, algorithm):
    """Hex digest of a file, read in chunks to bound memory."""
    # usedforsecurity=False keeps md5 available on FIPS-enabled systems.
    digest = hashlib.new(algorithm, usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _how_to_place_by_hand(folder):
    return (
        f"Alternatively, download the file(s) yourself into {folder} (the "
        "data folder is the `data_home` argument, else the "
        f"{_DATA_HOME_ENV} environment variable, else {_DEFAULT_DATA_HOME})."
    )


def _ensure_files(folder, filenames, *, dataset, mirrors, download_if_missing):
    """Paths of ``filenames`` in ``folder``, downloading those missing.

    Every file is checked against its expected checksum; see
    :func:`_verify_file`.
    """
    paths = [os.path.join(folder, name) for name in filenames]
    missing = [name for name, p in zip(filenames, paths) if not os.path.isfile(p)]
    if missing and not download_if_missing:
        raise FileNotFoundError(
            f"{', '.join(missing)} not found in {folder} and "
            "download_if_missing=False. " + _how_to_place_by_hand(folder)
        )
    for name in missing:
        checksum = _CHECKSUMS[dataset][name]
        _download(name, folder, mirrors, checksum)
        # Hashed as it was downloaded: no need to hash it again.
        _remember_verified(os.path.join(folder, name), checksum)
    for name, path in zip(filenames, paths):
        _verify_file(path, _CHECKSUMS[dataset][name])
    return paths


def _file_signature(path, checksum):
    """What must stay the same for a verification of ``path`` to hold.

    The size and modification time, as make and rsync use them to detect a
    changed file, and the expected checksum, in case it is corrected.
    """
    stat = os.stat(path)
    algorithm, digest = checksum
    return {
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "algorithm": algorithm,
        "digest": digest,
    }


def _verify_file(path, checksum):
    """Raise ValueError unless ``path`` has ``checksum``, hashing it once.

    A file already verified, in this process or in the record beside it,
    and unchanged since is not hashed again.
    """
    # The signature is taken before hashing, so that a file modified while
    # it is hashed no longer matches it and is verified again next time.
    signature = _file_signature(path, checksum)
    key = os.path.abspath(path)
    if _VERIFIED.get(key) == signature:
        return
    folder, name = os.path.split(key)
    if _read_record(folder).get(name) == signature:
        _VERIFIED[key] = signature
        return
    algorithm, expected = checksum
    found = _file_digest(path, algorithm)
    if found != expected:
        raise ValueError(_checksum_mismatch_message(path, algorithm, expected, found))
    _remember_verified(path, checksum, signature)


def _checksum_mismatch_message(path, algorithm, expected, found):
    """Error message for a file that is not the published one."""
    folder, name = os.path.split(os.path.abspath(path))
    message = (
        f"{path} does not have the {algorithm} checksum of the published "
        f"{name}: expected {expected}, found {found}."
    )
    # Recognise a known file in the wrong folder, the likeliest mistake.
    for dataset, files in _CHECKSUMS.items():
        for known_name, known in files.items():
            if known == (algorithm, found):
                message += (
                    f" It is {dataset}/{known_name}, which belongs in "
                    f"{os.path.join(os.path.dirname(folder), dataset)}."
                )
    return message + (
        " Delete it to download it again, or replace it with the published file."
    )


def _read_record(folder):
    """The record of verified files in ``folder``; empty if unreadable."""
    try:
        with open(os.path.join(folder, _VERIFIED_RECORD), encoding="utf-8") as f:
            record = json.load(f)
    except (OSError, ValueError):
        # Missing, unreadable or corrupt: the files are then hashed again,
        # which is slower but as safe.
        return {}
    return record if isinstance(record, dict) else {}


def _remember_verified(path, checksum, signature=None):
    """Record that ``path`` has ``checksum``, in this process and beside it."""
    if signature is None:
        signature = _file_signature(path, checksum)
    key = os.path.abspath(path)
    _VERIFIED[key] = signature
    folder, name = os.path.split(key)
    try:
        # Root can write anywhere: a folder without any write permission bit,
        # such as a shared read-only copy of the data, is meant to stay as
        # it is.
        if not os.stat(folder).st_mode & 0o222:
            return
        record = _read_record(folder)
        record[name] = signature
        _write_record(folder, record)
    except OSError as exc:
        # A read-only folder must not stop the loading: the in-process
        # record above still saves hashing the file again.
        logger.debug("Could not record verified checksums in %s: %s", folder, exc)


def _write_record(folder, record):
    """Write the record of verified files atomically.

    Two processes writing at once may lose one of their entries, which only
    makes a later load hash that file again.
    """
    path = os.path.join(folder, _VERIFIED_RECORD)
    temp_path = f"{path}.{uuid.uuid4().hex[:12]}.part"
    try:
        with open(temp_path, "x", encoding="utf-8") as f:
            json.dump(record, f, indent=1, sort_keys=True)
        os.replace(temp_path, path)
    finally:
        if os.path.exists(temp_path):
            os.remove(temp_path)


def _download(filename, folder, mirrors, checksum):
    """Download ``filename`` from the first mirror that serves it intact."""
    os.makedirs(folder, exist_ok=True)
    failures = []
    for base in mirrors:
        url = base if base.endswith("/") else base + "/"
        url += filename
        logger.info("Downloading %s from %s", filename, url)
        try:
            _fetch_verified(url, os.path.join(folder, filename), checksum)
        except (OSError, HTTPException, ValueError) as exc:
            # OSError covers URLError, HTTPError, timeouts and checksum
            # mismatches; ValueError a malformed mirror URL. Either way the
            # next mirror may do better.
            logger.info("Downloading %s failed: %s", url, exc)
            failures.append(f"  {url}: {exc}")
            continue
        return
    tried = "\n".join(failures) if failures else "  (the mirror list is empty)"
    raise OSError(
        f"Could not download {filename} from any mirror. Tried:\n{tried}\n"
        + _how_to_place_by_hand(folder)
    )


def _fetch_verified(url, path, checksum):
    """Download ``url`` to ``path`` atomically, checking its digest.

    The data goes to a temporary file in the same folder, so that the final
    ``os.replace`` is atomic: ``path`` is either absent or complete, even
    with concurrent downloads or an interrupted process.
    """
    algorithm, expected = checksum
    folder, filename = os.path.split(path)
    temp_path = os.path.join(folder, f".{filename}.{uuid.uuid4().hex[:12]}.part")
    # Some servers refuse urllib's default user agent.
    request = urllib.request.Request(url, headers={"User-Agent": "skdeepclust"})
    try:
        # Mode "xb" rather than tempfile.mkstemp so that the file gets the
        # usual umask permissions instead of being private to the user.
        with (
            open(temp_path, "xb") as out,
            urllib.request.urlopen(request, timeout=_DOWNLOAD_TIMEOUT) as response,
        ):
            shutil.copyfileobj(response, out, _CHUNK_SIZE)
        found = _file_digest(temp_path, algorithm)
        if found != expected:
            raise OSError(
                f"{algorithm} checksum mismatch: expected {expected}, got {found}"
            )
        os.replace(temp_path, path)
    finally:
        # Also reached on KeyboardInterrupt; after os.replace there is
        # nothing left to remove.
        if os.path.exists(temp_path):
            os.remove(temp_path)


def _load_idx_dataset(
    dataset,
    mirrors,
    *,
    data_home,
    subset,
    return_X_y,
    as_float,
    download_if_missing,
    target_names,
    descr,
):
    """Shared implementation of the MNIST-format loaders."""
    splits = _check_subset(subset)
    folder = os.path.join(get_data_home(data_home), dataset)
    filenames = [name for split in splits for name in _IDX_FILES[split]]
    paths = _ensure_files(
        folder,
        filenames,
        dataset=dataset,
        mirrors=mirrors,
        download_if_missing=download_if_missing,
    )

    images, target = [], []
    for images_path, labels_path in zip(paths[::2], paths[1::2]):
        split_images = _read_idx(images_path, _IDX_IMAGES_MAGIC, (28, 28))
        split_labels = _read_idx(labels_path, _IDX_LABELS_MAGIC, ())
        if len(split_images) != len(split_labels):
            raise ValueError(
                f"{images_path} holds {len(split_images)} images but "
                f"{labels_path} holds {len(split_labels)} labels."
            )
        if split_labels.size and split_labels.max() >= len(target_names):
            raise ValueError(
                f"{labels_path} holds label {split_labels.max()}; expected "
                f"labels 0 to {len(target_names) - 1}."
            )
        images.append(split_images)
        target.append(split_labels)

    # np.concatenate copies even a single array, which costs nothing here
    # and makes the result writable whatever the reader returned.
    images = np.concatenate(images)
    target = np.concatenate(target).astype(np.int64)
    if as_float:
        images = _to_float(images)
    if return_X_y:
        return images, target
    return Bunch(
        images=images,
        target=target,
        target_names=target_names,
        DESCR=descr,
    )


def _read_idx(path, magic, item_shape):
    """Read a gzip-compressed IDX file of unsigned bytes.

    Besides its checksum, verified once by :func:`_ensure_files`, the file
    is validated by its header, which costs nothing at each load: the magic
    number, the dimensions that follow it, the length of the data and the
    CRC of the gzip stream must all agree.
    """
    with open(path, "rb") as raw:
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as f:
                return _parse_idx(f, magic, item_shape)
        except (ValueError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise ValueError(
                f"{path} is corrupt or is not a gzip-compressed IDX file: "
                f"{exc}. Delete it to download it again, or replace it."
            ) from exc


def _parse_idx(f, magic, item_shape):
    """Parse the IDX stream ``f``; see http://yann.lecun.com/exdb/mnist/."""
    header = f.read(4)
    if len(header) < 4:
        raise ValueError("the file is shorter than an IDX header")
    found = int.from_bytes(header, "big")
    if found != magic:
        raise ValueError(f"magic number {found}, expected {magic}")
    ndim = 1 + len(item_shape)
    raw_dims = f.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise ValueError("the IDX header is truncated")
    dims = tuple(
        int.from_bytes(raw_dims[4 * i : 4 * i + 4], "big") for i in range(ndim)
    )
    if dims[1:] != tuple(item_shape):
        raise ValueError(
            f"the header gives items of shape {dims[1:]}, expected {item_shape}"
        )
    size = int(np.prod(dims))
    # Reading straight into the array avoids holding the data twice.
    data = np.empty(size, dtype=np.uint8)
    view = memoryview(data)
    filled = 0
    while filled < size:
        n_read = f.readinto(view[filled:])
        if not n_read:
            raise ValueError(
                f"the header announces {size} bytes of data but the file "
                f"holds only {filled}"
            )
        filled += n_read
    # Reading to the end also makes gzip check the stream's CRC and length.
    if f.read(1):
        raise ValueError(f"unexpected data after the {size} announced bytes")
    return data.reshape(dims)


def _read_usps_h5(h5py, path, split):
    """Images (n, 16, 16) float32 in [0, 1] and int64 labels of one split."""
    try:
        with h5py.File(path, "r") as f:
            data = np.asarray(f[split]["data"][()], dtype=np.float32)
            target = np.asarray(f[split]["target"][()])
    except (KeyError, OSError) as exc:
        raise ValueError(
            f"{path} is not a USPS HDF5 file with '{split}/data' and "
            f"'{split}/target': {exc}"
        ) from exc
    if data.ndim != 2 or data.shape[1] != 256 or target.shape != data.shape[:1]:
        raise ValueError(
            f"{path}: expected '{split}/data' of shape (n, 256) and "
            f"'{split}/target' of shape (n,); got {data.shape} and {target.shape}."
        )
    if target.size and not np.isin(target, np.arange(10)).all():
        raise ValueError(f"{path}: expected '{split}/target' labels 0 to 9.")
    images = np.clip(data, 0, 1).reshape(-1, 16, 16)
    return images, target.astype(np.int64)


def _read_usps_libsvm(path):
    """Images (n, 16, 16) float32 in [0, 1] and int64 labels of a LIBSVM file."""
    with open(path, "rb") as raw:
        try:
            with bz2.BZ2File(raw, "rb") as f:
                text = f.read().decode("ascii")
            features, labels = _parse_libsvm(text, n_features=256)
        except (OSError, EOFError, ValueError) as exc:
            raise ValueError(
                f"{path} is corrupt or is not a bz2-compressed LIBSVM file: "
                f"{exc}. Delete it to download it again, or replace it."
            ) from exc
    if labels.size and not np.isin(labels, np.arange(1, 11)).all():
        raise ValueError(f"{path}: expected labels 1 to 10 (digits 0 to 9).")
    # Digit d is stored as label d + 1 and pixels are scaled to [-1, 1].
    images = np.clip((features + 1) / 2, 0, 1).astype(np.float32)
    return images.reshape(-1, 16, 16), labels.astype(np.int64) - 1


def _parse_libsvm(text, n_features):
    """Parse LIBSVM lines ``label index:value ...`` into dense arrays.

    Indices start at 1 and features left out of a line are 0, as the format
    says. Returns ``(features, labels)``, float64 arrays of shapes
    ``(n_lines, n_features)`` and ``(n_lines,)``.
    """
    rows = [line.split(None, 1) for line in text.splitlines()]
    rows = [row for row in rows if row]
    labels = np.array([row[0] for row in rows], dtype=np.float64)
    pairs_text = [row[1] if len(row) == 2 else "" for row in rows]
    n_pairs = np.fromiter(
        (line.count(":") for line in pairs_text), dtype=np.intp, count=len(rows)
    )
    # One C-level parse of all "index value" numbers instead of a Python
    # float() call per value, several times faster on the 2.4M numbers.
    flat = " ".join(pairs_text).replace(":", " ")
    with warnings.catch_warnings():
        # numpy < 2.3 only warns when it stops at a malformed number.
        warnings.simplefilter("error", DeprecationWarning)
        try:
            parsed = np.fromstring(flat, dtype=np.float64, sep=" ")
        except DeprecationWarning as exc:
            raise ValueError(str(exc)) from exc
    if parsed.size != 2 * n_pairs.sum():
        raise ValueError("malformed 'index:value' pairs")
    index, values = parsed.reshape(-1, 2).T
    if index.size and (
        np.any(index != np.round(index)) or index.min() < 1 or index.max() > n_features
    ):
        raise ValueError(f"feature indices must be integers from 1 to {n_features}")
    features = np.zeros((len(rows), n_features))
    features[np.repeat(np.arange(len(rows)), n_pairs), index.astype(np.intp) - 1] = (
        values
    )
    return features, labels


def _check_image_size(image_size):
    """Validate ``image_size`` and return it as ``(height, width)``."""
    if isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    try:
        height, width = image_size
    except (TypeError, ValueError):
        height = width = None
    if not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
        for v in (height, width)
    ):
        raise ValueError(
            "image_size must be a positive int or a (height, width) pair of "
            f"positive ints; got {image_size!r}."
        )
    return int(height), int(width)


def _list_files(folder):
    """Sorted paths of the non-hidden regular files below ``folder``."""
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        files.extend(
            os.path.join(root, name) for name in names if not name.startswith(".")
        )
    # isfile also drops sockets and FIFOs, which pillow would block on.
    return sorted(file for file in files if os.path.isfile(file))


def _read_images(files, mode, size):
    """Read ``files`` as images; return ``(loaded, unreadable)``.

    ``loaded`` is a list of ``(path, array)`` pairs and ``unreadable`` the
    list of paths that pillow could not decode.
    """
    loaded, unreadable = [], []
    for file in files:
        image = _read_image(file, mode, size)
        if image is None:
            unreadable.append(file)
        else:
            loaded.append((file, image))
    return loaded, unreadable


def _to_8bit(image):
    """``image`` in mode "L" if it has more than 8 bits, else unchanged.

    See :data:`_HIGH_DEPTH_SCALES` and :func:`load_image_folder` for the
    rule.
    """
    scale = _HIGH_DEPTH_SCALES.get(image.mode)
    if scale is None:
        return image
    # float64 holds every 32-bit integer exactly; numpy reads the byte
    # order of "I;16B" from pillow's array interface.
    values = np.asarray(image, dtype=np.float64) * scale
    values = np.clip(np.rint(np.nan_to_num(values, nan=0.0)), 0, 255)
    return Image.fromarray(values.astype(np.uint8))


def _read_image(path, mode, size):
    """One image as a uint8 array in ``mode`` and ``size``, or None."""
    try:
        with Image.open(path) as image:
            # For JPEG, decode directly at a reduced scale no smaller than
            # the target: much faster for large photos. Asking for the
            # largest side in both directions stays safe if the EXIF
            # orientation transposes the image.
            side = max(size)
            image.draft(mode, (side, side))
            image = _to_8bit(ImageOps.exif_transpose(image))
            image = image.convert(mode).resize(size, _LANCZOS)
            return np.asarray(image, dtype=np.uint8)
    except Exception:
        # Pillow's decoders raise many kinds of exception on malformed data
        # (OSError, SyntaxError, struct.error, ...); every one means that the
        # file is not a usable image, which the caller reports.
        return None
