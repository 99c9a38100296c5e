"""Tests of skdeepclust.datasets."""

import bz2
import contextlib
import functools
import gzip
import hashlib
import http.server
import os
import shutil
import socket
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from data_home import IDX_FILES, find_data_home
from PIL import Image

from skdeepclust import datasets
from skdeepclust.datasets import (
    get_data_home,
    load_digits_images,
    load_fashion_mnist,
    load_image_folder,
    load_mnist,
    load_usps,
    make_photo_crops,
)

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
USPS_TRAIN_COUNTS = [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644]
USPS_TEST_COUNTS = [359, 264, 198, 166, 200, 160, 170, 147, 166, 177]


# --------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def fashion_home():
    return find_data_home("fashion-mnist", IDX_FILES)


@pytest.fixture(scope="module")
def usps_h5_home():
    pytest.importorskip("h5py")
    return find_data_home("usps", ["usps.h5"])


@pytest.fixture(scope="module")
def mnist_test_split(mnist_home):
    """The MNIST test split, read once for the tests that compare with it."""
    return load_mnist(data_home=mnist_home, subset="test", return_X_y=True)


@pytest.fixture
def no_proxy(monkeypatch):
    """Make urllib reach 127.0.0.1 directly whatever the proxy settings."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def _http_server(directory):
    """Serve ``directory`` on 127.0.0.1; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _dead_url():
    """A URL on 127.0.0.1 whose port was just closed: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _idx_bytes(array, magic):
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return magic.to_bytes(4, "big") + dims + array.astype(np.uint8).tobytes()


def _write_fake_mnist(folder, n_train=6, n_test=4, seed=0):
    """Tiny valid IDX files; return their (images, labels) for "all"."""
    rng = np.random.RandomState(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = []
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
        labels = rng.randint(0, 10, size=n).astype(np.uint8)
        (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(
            gzip.compress(_idx_bytes(images, 2051))
        )
        (folder / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(
            gzip.compress(_idx_bytes(labels, 2049))
        )
        arrays.append((images, labels))
    return (
        np.concatenate([a[0] for a in arrays]),
        np.concatenate([a[1] for a in arrays]),
    )


def _use_checksums_of(monkeypatch, dataset, folder):
    """Make the expected checksums those of the files in ``folder``."""
    for path in Path(folder).iterdir():
        if path.name.startswith("."):  # the record of verified files
            continue
        monkeypatch.setitem(
            datasets._CHECKSUMS[dataset], path.name, ("sha256", _sha256(path))
        )


def _visible_files(folder):
    """Sorted names in ``folder``, without the hidden record of checksums."""
    return sorted(name for name in os.listdir(folder) if not name.startswith("."))


@pytest.fixture
def count_digests(monkeypatch):
    """Count the files hashed by the loaders; return the list of paths."""
    hashed = []
    file_digest = datasets._file_digest

    def counting_digest(path, algorithm):
        hashed.append(Path(path).name)
        return file_digest(path, algorithm)

    monkeypatch.setattr(datasets, "_file_digest", counting_digest)
    # Forget what earlier tests verified in this process.
    monkeypatch.setattr(datasets, "_VERIFIED", {})
    return hashed


def _libsvm_line(label, values):
    return f"{label} " + " ".join(f"{i + 1}:{float(v)!r}" for i, v in enumerate(values))


def _write_fake_usps(folder):
    """Small LIBSVM usps.bz2 / usps.t.bz2; return the expected float images."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(0)
    # Values on a 1/128 grid so that text round trips are exact.
    train = rng.randint(-128, 129, size=(5, 256)) / 128
    test = rng.randint(-128, 129, size=(3, 256)) / 128
    train_labels = [1, 10, 3, 5, 10]  # digits 0, 9, 2, 4, 9
    test_labels = [2, 1, 7]
    lines = [_libsvm_line(y, x) for y, x in zip(train_labels, train)]
    # LIBSVM leaves out zero features: here the last line keeps only two.
    sparse = np.zeros(256)
    sparse[[0, 255]] = [-1, 1]
    lines[-1] = "10 1:-1 256:1"
    train[-1] = sparse
    (folder / "usps.bz2").write_bytes(bz2.compress(("\n".join(lines) + "\n").encode()))
    lines = [_libsvm_line(y, x) for y, x in zip(test_labels, test)]
    (folder / "usps.t.bz2").write_bytes(bz2.compress("\n".join(lines).encode()))
    images = ((np.concatenate([train, test]) + 1) / 2).reshape(-1, 16, 16)
    target = np.array(train_labels + test_labels) - 1
    return images.astype(np.float32), target


# --------------------------------------------------------------------------
# get_data_home


def test_get_data_home_argument(tmp_path, monkeypatch):
    monkeypatch.setenv("SKDEEPCLUST_DATA_HOME", str(tmp_path / "from_env"))
    home = get_data_home(tmp_path / "explicit" / "nested")
    assert isinstance(home, str)
    assert home == str(tmp_path / "explicit" / "nested")
    assert os.path.isdir(home)


def test_get_data_home_env_and_default(tmp_path, monkeypatch):
    monkeypatch.setenv("SKDEEPCLUST_DATA_HOME", str(tmp_path / "from_env"))
    assert get_data_home() == str(tmp_path / "from_env")
    assert (tmp_path / "from_env").is_dir()

    monkeypatch.delenv("SKDEEPCLUST_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    assert get_data_home() == str(tmp_path / "skdeepclust_data")
    assert (tmp_path / "skdeepclust_data").is_dir()
    assert get_data_home("~/other") == str(tmp_path / "other")


# --------------------------------------------------------------------------
# Digits


def test_make_photo_crops_are_labelled_colour_crops_fixed_by_the_seed():
    images, target = make_photo_crops(12, image_size=24, random_state=0)
    assert images.shape == (72, 24, 24, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(target), [12] * 6)
    assert target.dtype == np.int64 and np.all(np.diff(target) >= 0)
    again, _ = make_photo_crops(12, image_size=24, random_state=0)
    np.testing.assert_array_equal(images, again)
    other, _ = make_photo_crops(12, image_size=24, random_state=1)
    assert not np.array_equal(images, other)
    # The kinds look different: the sky is brighter than the trees.
    mean = [images[target == kind].mean() for kind in range(6)]
    assert mean[3] > mean[4] + 50


def test_load_digits_images():
    data = load_digits_images()
    assert data.images.shape == (1797, 8, 8)
    assert data.images.dtype == np.float32
    assert data.images.min() == 0 and data.images.max() == 1
    assert data.target.shape == (1797,) and data.target.dtype == np.int64
    assert set(np.unique(data.target)) == set(range(10))
    np.testing.assert_array_equal(data.target_names, np.arange(10))
    assert "digits" in data.DESCR

    images, target = load_digits_images(return_X_y=True)
    np.testing.assert_array_equal(images, data.images)
    np.testing.assert_array_equal(target, data.target)


# --------------------------------------------------------------------------
# MNIST and Fashion-MNIST from the shared data


def test_load_mnist_shared(mnist_home, mnist_test_split):
    data = load_mnist(data_home=mnist_home)
    assert data.images.shape == (70000, 28, 28) and data.images.dtype == np.uint8
    assert data.images.flags.writeable
    assert data.target.shape == (70000,) and data.target.dtype == np.int64
    np.testing.assert_array_equal(data.target_names, np.arange(10))
    assert "MNIST" in data.DESCR
    np.testing.assert_array_equal(np.bincount(data.target[:60000]), MNIST_TRAIN_COUNTS)
    np.testing.assert_array_equal(np.bincount(data.target[60000:]), MNIST_TEST_COUNTS)

    # "all" is the training split followed by the test split.
    images, target = mnist_test_split
    assert images.shape == (10000, 28, 28)
    np.testing.assert_array_equal(images, data.images[60000:])
    np.testing.assert_array_equal(target, data.target[60000:])
    # A folder without write permission (the shared copy) is left as it is,
    # even for root, who could write into it.
    folder = mnist_home / "mnist"
    if not folder.stat().st_mode & 0o222:
        assert sorted(os.listdir(folder)) == sorted(IDX_FILES)


def test_load_mnist_train_and_float(mnist_home, mnist_test_split):
    images, target = load_mnist(data_home=mnist_home, subset="train", return_X_y=True)
    assert images.shape == (60000, 28, 28)
    np.testing.assert_array_equal(np.bincount(target), MNIST_TRAIN_COUNTS)

    data = load_mnist(data_home=mnist_home, subset="test", as_float=True)
    assert data.images.dtype == np.float32
    assert data.images.min() == 0 and data.images.max() == 1
    np.testing.assert_allclose(data.images * 255, mnist_test_split[0], atol=1e-4)


def test_load_fashion_mnist_shared(fashion_home):
    data = load_fashion_mnist(data_home=fashion_home)
    assert data.images.shape == (70000, 28, 28) and data.images.dtype == np.uint8
    assert data.target.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(data.target[:60000]), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(data.target[60000:]), [1000] * 10)
    assert list(data.target_names) == [
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
    ]
    assert "Fashion-MNIST" in data.DESCR

    images, target = load_fashion_mnist(
        data_home=fashion_home, subset="test", return_X_y=True, as_float=True
    )
    assert images.shape == (10000, 28, 28) and images.dtype == np.float32
    assert images.min() == 0 and images.max() == 1
    np.testing.assert_array_equal(target, data.target[60000:])
    np.testing.assert_allclose(images * 255, data.images[60000:], atol=1e-4)


@pytest.mark.parametrize("loader", [load_mnist, load_fashion_mnist, load_usps])
@pytest.mark.parametrize("subset", ["validation", "Train", None, ["train"]])
def test_bad_subset(loader, subset, tmp_path):
    with pytest.raises(ValueError, match="'train', 'test', 'all'"):
        loader(data_home=tmp_path, subset=subset)


# --------------------------------------------------------------------------
# IDX parsing, on small synthetic files


def test_load_fake_mnist_subsets(tmp_path, monkeypatch):
    images, labels = _write_fake_mnist(tmp_path / "mnist")
    _use_checksums_of(monkeypatch, "mnist", tmp_path / "mnist")
    data = load_mnist(data_home=tmp_path, download_if_missing=False)
    np.testing.assert_array_equal(data.images, images)
    np.testing.assert_array_equal(data.target, labels)
    train_images, train_target = load_mnist(
        data_home=tmp_path, subset="train", return_X_y=True
    )
    np.testing.assert_array_equal(train_images, images[:6])
    np.testing.assert_array_equal(train_target, labels[:6])
    test_images, test_target = load_mnist(
        data_home=tmp_path, subset="test", return_X_y=True, as_float=True
    )
    np.testing.assert_allclose(test_images, images[6:] / 255, rtol=1e-6)
    np.testing.assert_array_equal(test_target, labels[6:])


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not gzip at all", "corrupt"),
        (gzip.compress(b"\x00\x00\x08"), "shorter than an IDX header"),
        (gzip.compress(_idx_bytes(np.zeros(4), 2049)), "magic number 2049"),
        (
            gzip.compress(_idx_bytes(np.zeros((4, 28, 28)), 2051)[:-5]),
            "holds only",
        ),
        (gzip.compress(_idx_bytes(np.zeros((4, 28, 28)), 2051) + b"x"), "after"),
        (gzip.compress(_idx_bytes(np.zeros((4, 14, 56)), 2051)), "shape"),
        # A gzip stream cut short: its CRC and length are missing.
        (gzip.compress(_idx_bytes(np.zeros((4, 28, 28)), 2051))[:-6], "corrupt"),
    ],
)
def test_corrupt_idx_file(tmp_path, monkeypatch, content, message):
    _write_fake_mnist(tmp_path / "mnist", n_test=4)
    (tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz").write_bytes(content)
    # Expect these checksums, so that the IDX parser sees the bad content.
    _use_checksums_of(monkeypatch, "mnist", tmp_path / "mnist")
    with pytest.raises(ValueError, match=message) as excinfo:
        load_mnist(data_home=tmp_path, subset="test")
    assert "t10k-images-idx3-ubyte.gz" in str(excinfo.value)


def test_idx_images_and_labels_disagree(tmp_path, monkeypatch):
    _write_fake_mnist(tmp_path / "mnist", n_test=4)
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(_idx_bytes(np.zeros(3), 2049))
    )
    _use_checksums_of(monkeypatch, "mnist", tmp_path / "mnist")
    with pytest.raises(ValueError, match="4 images but .* 3 labels"):
        load_mnist(data_home=tmp_path, subset="test")


def test_missing_file_without_download(tmp_path, monkeypatch):
    # A mirror that would fail the test if it were contacted.
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", ["http://invalid.invalid/"])
    _write_fake_mnist(tmp_path / "mnist")
    _use_checksums_of(monkeypatch, "mnist", tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as excinfo:
        load_mnist(data_home=tmp_path, download_if_missing=False)
    message = str(excinfo.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert "train-labels" not in message
    assert str(tmp_path / "mnist") in message
    assert "SKDEEPCLUST_DATA_HOME" in message
    # The training split does not need the missing file.
    load_mnist(data_home=tmp_path, subset="train", download_if_missing=False)

    with pytest.raises(FileNotFoundError, match="fashion-mnist"):
        load_fashion_mnist(data_home=tmp_path, download_if_missing=False)
    assert not (tmp_path / "fashion-mnist").exists()


# --------------------------------------------------------------------------
# Downloads from a local HTTP server


@pytest.mark.usefixtures("no_proxy")
def test_download_mnist_with_fallback(tmp_path, monkeypatch, mnist_home):
    served = tmp_path / "served"
    (served / "good").mkdir(parents=True)
    for name in IDX_FILES:
        shutil.copyfile(mnist_home / "mnist" / name, served / "good" / name)
    data_home = tmp_path / "home"
    with _http_server(served) as url:
        # A closed port, then a folder that answers 404, then the files.
        mirrors = [_dead_url(), url + "missing/", url + "good"]
        monkeypatch.setattr(datasets, "MNIST_MIRRORS", mirrors)
        data = load_mnist(data_home=data_home)
    assert _visible_files(data_home / "mnist") == sorted(IDX_FILES)
    expected = load_mnist(data_home=mnist_home)
    np.testing.assert_array_equal(data.images, expected.images)
    np.testing.assert_array_equal(data.target, expected.target)

    # The files are now local: no mirror is needed any more.
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [_dead_url()])
    images, _ = load_mnist(data_home=data_home, subset="test", return_X_y=True)
    np.testing.assert_array_equal(images, expected.images[60000:])


@pytest.mark.usefixtures("no_proxy")
def test_download_only_needed_files(tmp_path, monkeypatch, count_digests):
    served = tmp_path / "served"
    images, labels = _write_fake_mnist(served)
    _use_checksums_of(monkeypatch, "fashion-mnist", served)
    with _http_server(served) as url:
        monkeypatch.setattr(datasets, "FASHION_MNIST_MIRRORS", [url])
        data = load_fashion_mnist(data_home=tmp_path / "home", subset="test")
    assert _visible_files(tmp_path / "home" / "fashion-mnist") == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    np.testing.assert_array_equal(data.images, images[6:])
    np.testing.assert_array_equal(data.target, labels[6:])
    # Each file was hashed once, as it was downloaded, and never again.
    assert len(count_digests) == 2
    load_fashion_mnist(data_home=tmp_path / "home", subset="test")
    assert len(count_digests) == 2


@pytest.mark.usefixtures("no_proxy")
def test_download_checksum_mismatch(tmp_path, monkeypatch):
    served = tmp_path / "served"
    _write_fake_mnist(served)
    _use_checksums_of(monkeypatch, "mnist", served)
    # Valid gzip files, but not the ones whose checksums are expected.
    _write_fake_mnist(served, seed=1)
    data_home = tmp_path / "home"
    with _http_server(served) as url:
        mirrors = [url, url.rstrip("/")]
        monkeypatch.setattr(datasets, "MNIST_MIRRORS", mirrors)
        with pytest.raises(OSError, match="checksum mismatch") as excinfo:
            load_mnist(data_home=data_home, subset="test")
    message = str(excinfo.value)
    assert message.count("checksum mismatch") == 2
    assert "t10k-images-idx3-ubyte.gz" in message
    # Neither the file nor a temporary file is left behind.
    assert os.listdir(data_home / "mnist") == []


@pytest.mark.usefixtures("no_proxy")
def test_download_all_mirrors_unreachable(tmp_path, monkeypatch):
    mirrors = [_dead_url(), _dead_url() + "mnist/"]
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", mirrors)
    data_home = tmp_path / "home"
    with pytest.raises(OSError) as excinfo:
        load_mnist(data_home=data_home, subset="train")
    message = str(excinfo.value)
    assert "train-images-idx3-ubyte.gz" in message
    for mirror in mirrors:
        assert mirror + "train-images-idx3-ubyte.gz" in message
    assert str(data_home / "mnist") in message
    assert "SKDEEPCLUST_DATA_HOME" in message
    assert os.listdir(data_home / "mnist") == []


def test_download_no_mirror(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [])
    with pytest.raises(OSError, match="mirror list is empty"):
        load_mnist(data_home=tmp_path, subset="test")


def test_file_digest_md5_and_sha256(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(b"skdeepclust" * 100_000)
    for algorithm in ("md5", "sha256"):
        expected = hashlib.new(algorithm, path.read_bytes()).hexdigest()
        assert datasets._file_digest(path, algorithm) == expected


# --------------------------------------------------------------------------
# Checksums of files placed by hand


def test_fashion_mnist_files_in_mnist_folder(tmp_path, fashion_home):
    # The same names, valid IDX files, 10 classes: only the checksum tells.
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in IDX_FILES[2:]:
        shutil.copyfile(fashion_home / "fashion-mnist" / name, folder / name)
    path = folder / "t10k-images-idx3-ubyte.gz"
    with pytest.raises(ValueError) as excinfo:
        load_mnist(data_home=tmp_path, subset="test", download_if_missing=False)
    message = str(excinfo.value)
    assert str(path) in message
    assert datasets._CHECKSUMS["mnist"][path.name][1] in message
    assert _sha256(path) in message
    # The file is recognised, and the message says what to do.
    assert "fashion-mnist/t10k-images-idx3-ubyte.gz" in message
    assert "Delete it" in message and "replace it" in message


def test_checksum_mismatch_names_file_and_digests(tmp_path, monkeypatch):
    _write_fake_mnist(tmp_path / "expected")
    _use_checksums_of(monkeypatch, "mnist", tmp_path / "expected")
    _write_fake_mnist(tmp_path / "mnist", seed=1)
    path = tmp_path / "mnist" / "train-images-idx3-ubyte.gz"
    with pytest.raises(ValueError, match="checksum") as excinfo:
        load_mnist(data_home=tmp_path, subset="train", download_if_missing=False)
    message = str(excinfo.value)
    assert str(path) in message
    assert _sha256(tmp_path / "expected" / path.name) in message
    assert _sha256(path) in message
    assert "sha256" in message and "Delete it" in message
    # A known USPS file is checked the same way, with its MD5.
    (tmp_path / "usps").mkdir()
    (tmp_path / "usps" / "usps.t.bz2").write_bytes(bz2.compress(b"1 1:0.5\n"))
    with pytest.raises(ValueError, match="md5 checksum") as excinfo:
        load_usps(data_home=tmp_path, subset="test", download_if_missing=False)
    assert datasets._CHECKSUMS["usps"]["usps.t.bz2"][1] in str(excinfo.value)


def test_checksum_verified_once(tmp_path, monkeypatch, count_digests):
    folder = tmp_path / "mnist"
    images, _ = _write_fake_mnist(folder)
    _use_checksums_of(monkeypatch, "mnist", folder)
    load_mnist(data_home=tmp_path, subset="test", download_if_missing=False)
    assert sorted(count_digests) == sorted(IDX_FILES[2:])
    # Remembered in this process...
    data = load_mnist(data_home=tmp_path, download_if_missing=False)
    assert sorted(count_digests) == sorted(IDX_FILES)  # only the new ones
    np.testing.assert_array_equal(data.images, images)
    # ... and in a record beside the files, for the next processes.
    assert [name for name in os.listdir(folder) if name.startswith(".")]
    monkeypatch.setattr(datasets, "_VERIFIED", {})
    load_mnist(data_home=tmp_path, download_if_missing=False)
    assert len(count_digests) == 4

    # A file changed since is checked again.
    path = folder / "t10k-images-idx3-ubyte.gz"
    _write_fake_mnist(tmp_path / "other", seed=1)
    shutil.copyfile(tmp_path / "other" / path.name, path)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with pytest.raises(ValueError, match="checksum"):
        load_mnist(data_home=tmp_path, subset="test", download_if_missing=False)
    assert count_digests[-1] == path.name
    # A mismatch is not remembered: it is reported at every load.
    with pytest.raises(ValueError, match="checksum"):
        load_mnist(data_home=tmp_path, subset="test", download_if_missing=False)


@pytest.mark.parametrize("obstacle", ["read-only folder", "record is a folder"])
def test_checksum_record_not_writable(tmp_path, monkeypatch, count_digests, obstacle):
    folder = tmp_path / "mnist"
    _write_fake_mnist(folder)
    _use_checksums_of(monkeypatch, "mnist", folder)
    if obstacle == "record is a folder":
        (folder / datasets._VERIFIED_RECORD).mkdir()
    else:
        # Also read-only for root, which ignores permissions, since the
        # loaders leave alone a folder without write permission bits.
        folder.chmod(0o555)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # silently
            load_mnist(data_home=tmp_path, subset="test", download_if_missing=False)
            load_mnist(data_home=tmp_path, subset="test", download_if_missing=False)
    finally:
        folder.chmod(0o755)
    # The files were verified once, remembered in this process only.
    assert sorted(count_digests) == sorted(IDX_FILES[2:])
    assert _visible_files(folder) == sorted(IDX_FILES)
    if obstacle == "read-only folder":
        assert sorted(os.listdir(folder)) == sorted(IDX_FILES)


def test_checksum_record_ignored_when_corrupt(tmp_path, monkeypatch, count_digests):
    folder = tmp_path / "mnist"
    _write_fake_mnist(folder)
    _use_checksums_of(monkeypatch, "mnist", folder)
    (folder / datasets._VERIFIED_RECORD).write_text("{not json")
    load_mnist(data_home=tmp_path, subset="test", download_if_missing=False)
    assert len(count_digests) == 2
    # The record was rewritten and serves the next process.
    monkeypatch.setattr(datasets, "_VERIFIED", {})
    load_mnist(data_home=tmp_path, subset="test", download_if_missing=False)
    assert len(count_digests) == 2


# --------------------------------------------------------------------------
# USPS


def test_load_usps_h5_shared(usps_h5_home):
    data = load_usps(data_home=usps_h5_home)
    assert data.images.shape == (9298, 16, 16) and data.images.dtype == np.float32
    assert data.images.min() == 0 and data.images.max() == 1
    assert data.target.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(data.target[:7291]), USPS_TRAIN_COUNTS)
    np.testing.assert_array_equal(np.bincount(data.target[7291:]), USPS_TEST_COUNTS)
    np.testing.assert_array_equal(data.target_names, np.arange(10))
    assert "USPS" in data.DESCR

    images, target = load_usps(
        data_home=usps_h5_home, subset="test", return_X_y=True, as_float=False
    )
    assert images.shape == (2007, 16, 16) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, np.rint(data.images[7291:] * 255))
    np.testing.assert_array_equal(target, data.target[7291:])
    images, target = load_usps(data_home=usps_h5_home, subset="train", return_X_y=True)
    assert images.shape == (7291, 16, 16)


def test_load_usps_libsvm(tmp_path, monkeypatch):
    expected_images, expected_target = _write_fake_usps(tmp_path / "usps")
    _use_checksums_of(monkeypatch, "usps", tmp_path / "usps")
    data = load_usps(data_home=tmp_path, download_if_missing=False)
    assert data.images.shape == (8, 16, 16) and data.images.dtype == np.float32
    np.testing.assert_allclose(data.images, expected_images, atol=1e-7)
    np.testing.assert_array_equal(data.target, expected_target)
    assert data.target.dtype == np.int64
    np.testing.assert_array_equal(data.target[:5], [0, 9, 2, 4, 9])
    # The sparse line: left-out features are 0, that is 0.5 once rescaled.
    assert data.images[4, 0, 0] == 0 and data.images[4, 15, 15] == 1
    assert np.all(data.images[4].ravel()[1:255] == 0.5)

    images, target = load_usps(
        data_home=tmp_path, subset="test", return_X_y=True, as_float=False
    )
    assert images.dtype == np.uint8
    np.testing.assert_array_equal(images, np.rint(expected_images[5:] * 255))
    np.testing.assert_array_equal(target, expected_target[5:])

    # Only the test file is needed for the test split.
    (tmp_path / "usps" / "usps.bz2").unlink()
    load_usps(data_home=tmp_path, subset="test", download_if_missing=False)
    with pytest.raises(FileNotFoundError, match="usps.bz2"):
        load_usps(data_home=tmp_path, subset="train", download_if_missing=False)


@pytest.mark.parametrize(
    "text, message",
    [
        ("1 1:0.5 2:abc\n", "corrupt"),
        ("11 1:0.5\n", "labels 1 to 10"),
        ("1 0:0.5\n", "indices"),
        ("1 257:0.5\n", "indices"),
        ("1 1.5:0.5\n", "indices"),
        ("1 1:0.5 2:\n", "malformed"),
        ("one 1:0.5\n", "corrupt"),
    ],
)
def test_load_usps_libsvm_malformed(tmp_path, monkeypatch, text, message):
    (tmp_path / "usps").mkdir()
    (tmp_path / "usps" / "usps.t.bz2").write_bytes(bz2.compress(text.encode()))
    _use_checksums_of(monkeypatch, "usps", tmp_path / "usps")
    with pytest.raises(ValueError, match=message) as excinfo:
        load_usps(data_home=tmp_path, subset="test", download_if_missing=False)
    assert "usps.t.bz2" in str(excinfo.value)


def test_load_usps_not_bz2(tmp_path, monkeypatch):
    (tmp_path / "usps").mkdir()
    (tmp_path / "usps" / "usps.t.bz2").write_bytes(b"garbage")
    _use_checksums_of(monkeypatch, "usps", tmp_path / "usps")
    with pytest.raises(ValueError, match="bz2-compressed.*usps.t.bz2|usps.t.bz2.*bz2"):
        load_usps(data_home=tmp_path, subset="test")


@pytest.mark.usefixtures("no_proxy")
def test_download_usps_md5(tmp_path, monkeypatch):
    served = tmp_path / "served"
    expected_images, expected_target = _write_fake_usps(served)
    for name in ("usps.bz2", "usps.t.bz2"):
        md5 = hashlib.md5((served / name).read_bytes()).hexdigest()
        monkeypatch.setitem(datasets._CHECKSUMS["usps"], name, ("md5", md5))
    with _http_server(served) as url:
        monkeypatch.setattr(datasets, "USPS_MIRRORS", [_dead_url(), url])
        images, target = load_usps(data_home=tmp_path / "home", return_X_y=True)
    np.testing.assert_allclose(images, expected_images, atol=1e-7)
    np.testing.assert_array_equal(target, expected_target)
    assert _visible_files(tmp_path / "home" / "usps") == ["usps.bz2", "usps.t.bz2"]


def test_usps_h5_preferred_over_libsvm(tmp_path):
    h5py = pytest.importorskip("h5py")
    _write_fake_usps(tmp_path / "usps")
    rng = np.random.RandomState(0)
    with h5py.File(tmp_path / "usps" / "usps.h5", "w") as f:
        for split, n in (("train", 3), ("test", 2)):
            f.create_dataset(f"{split}/data", data=rng.rand(n, 256).astype("f4"))
            f.create_dataset(f"{split}/target", data=np.arange(n, dtype="i4"))
    images, target = load_usps(data_home=tmp_path, return_X_y=True)
    assert images.shape == (5, 16, 16)
    np.testing.assert_array_equal(target, [0, 1, 2, 0, 1])


def test_usps_h5_without_h5py(tmp_path, monkeypatch):
    # None in sys.modules makes `import h5py` raise ImportError.
    monkeypatch.setitem(sys.modules, "h5py", None)
    (tmp_path / "usps").mkdir()
    (tmp_path / "usps" / "usps.h5").write_bytes(b"never opened")
    with pytest.raises(ImportError, match="pip install h5py"):
        load_usps(data_home=tmp_path)
    # With the LIBSVM files next to it, h5py is not needed.
    expected_images, _ = _write_fake_usps(tmp_path / "usps")
    _use_checksums_of(monkeypatch, "usps", tmp_path / "usps")
    images, _ = load_usps(data_home=tmp_path, return_X_y=True)
    np.testing.assert_allclose(images, expected_images, atol=1e-7)


# --------------------------------------------------------------------------
# Image folders


@pytest.fixture
def image_folder(tmp_path):
    """Two classes of small images of various sizes and modes, plus junk."""
    root = tmp_path / "photos"
    cats, dogs = root / "cats", root / "dogs"
    cats.mkdir(parents=True)
    dogs.mkdir()
    Image.new("RGB", (20, 10), (255, 0, 0)).save(cats / "a.png")
    Image.new("RGBA", (7, 9), (0, 255, 0, 128)).save(cats / "b.png")
    Image.new("L", (40, 40), 200).save(cats / "c.jpg", quality=95)
    (cats / "broken.png").write_bytes(b"\x89PNG garbage, not an image")
    (cats / ".hidden.png").write_bytes(b"hidden junk")
    Image.new("RGB", (64, 48), (0, 0, 255)).save(dogs / "d.jpeg", quality=95)
    (dogs / "notes.txt").write_text("not an image")
    nested = dogs / "more"
    nested.mkdir()
    Image.new("RGB", (5, 5), (255, 255, 255)).save(nested / "e.bmp")
    # An empty sub-folder and a hidden one are not classes.
    (root / "empty").mkdir()
    (root / ".cache").mkdir()
    Image.new("RGB", (5, 5)).save(root / ".cache" / "thumb.png")
    return root


def test_load_image_folder_classes(image_folder):
    with pytest.warns(UserWarning, match="broken.png") as record:
        data = load_image_folder(image_folder, image_size=(6, 8))
    messages = [str(w.message) for w in record if "Skipped" in str(w.message)]
    assert len(messages) == 1
    assert "broken.png" in messages[0] and "notes.txt" in messages[0]
    assert ".hidden" not in messages[0]

    assert data.images.shape == (5, 6, 8, 3) and data.images.dtype == np.float32
    assert data.images.min() >= 0 and data.images.max() <= 1
    np.testing.assert_array_equal(data.target, [0, 0, 0, 1, 1])
    assert data.target.dtype == np.int64
    np.testing.assert_array_equal(data.target_names, ["cats", "dogs"])
    names = [Path(f).relative_to(image_folder).as_posix() for f in data.filenames]
    assert names == [
        "cats/a.png",
        "cats/b.png",
        "cats/c.jpg",
        "dogs/d.jpeg",
        "dogs/more/e.bmp",
    ]
    np.testing.assert_allclose(data.images[0], np.broadcast_to([1, 0, 0], (6, 8, 3)))
    np.testing.assert_allclose(data.images[2], 200 / 255, atol=2 / 255)
    np.testing.assert_allclose(
        data.images[3], np.broadcast_to([0, 0, 1], (6, 8, 3)), atol=2 / 255
    )


def test_load_image_folder_grayscale_uint8(image_folder):
    with pytest.warns(UserWarning, match="broken.png"):
        images, target = load_image_folder(
            image_folder,
            image_size=5,
            color_mode="grayscale",
            as_float=False,
            return_X_y=True,
        )
    assert images.shape == (5, 5, 5) and images.dtype == np.uint8
    assert np.all(np.abs(images[2].astype(int) - 200) <= 2)
    assert np.all(images[4] == 255)
    np.testing.assert_array_equal(target, [0, 0, 0, 1, 1])


def test_load_image_folder_flat(tmp_path):
    for i, size in enumerate([(3, 4), (30, 20)]):
        Image.new("RGB", size, (10 * i, 0, 0)).save(tmp_path / f"img{i}.png")
    (tmp_path / ".DS_Store").write_bytes(b"junk")
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "labels.json").write_text("{}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # hidden files and other folders: silent
        data = load_image_folder(tmp_path, image_size=(4, 4))
    assert data.images.shape == (2, 4, 4, 3)
    np.testing.assert_array_equal(data.target, [-1, -1])
    assert data.target_names.shape == (0,)
    assert [Path(f).name for f in data.filenames] == ["img0.png", "img1.png"]


def test_load_image_folder_root_files_ignored(image_folder):
    Image.new("RGB", (5, 5)).save(image_folder / "loose.png")
    with pytest.warns(UserWarning) as record:
        data = load_image_folder(image_folder)
    messages = [str(w.message) for w in record]
    assert any("Ignored 1 file" in m and "loose.png" in m for m in messages)
    assert any("broken.png" in m and "loose.png" not in m for m in messages)
    assert len(data.filenames) == 5 and data.images.shape == (5, 32, 32, 3)


def test_load_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_image_folder(tmp_path / "missing")
    (tmp_path / "file.png").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        load_image_folder(tmp_path / "file.png")

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="No readable image"):
        load_image_folder(empty)
    (empty / "broken.png").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="broken.png"):
        with pytest.raises(ValueError, match="No readable image"):
            load_image_folder(empty)

    Image.new("RGB", (5, 5)).save(empty / "ok.png")
    for bad_size in [0, (3,), (3, 0), (3.5, 4), "32", (True, 3)]:
        with pytest.raises(ValueError, match="image_size"):
            load_image_folder(empty, image_size=bad_size)
    with pytest.raises(ValueError, match="color_mode"):
        load_image_folder(empty, color_mode="RGB")


def _save_high_depth(path, mode, values):
    """Save ``values`` in pillow ``mode``; return the mode it reloads in."""
    dtypes = {"I;16": np.uint16, "I;16B": ">u2", "I": np.int32, "F": np.float32}
    Image.fromarray(np.asarray(values).astype(dtypes[mode])).save(path)
    with Image.open(path) as image:
        return image.mode


@pytest.mark.parametrize("color_mode", ["grayscale", "rgb"])
def test_load_image_folder_16bit_png(tmp_path, color_mode):
    # A ramp over the 16-bit range, with the 16-bit copies (v * 257) of a
    # few 8-bit values v, which must come back exactly.
    ramp = np.linspace(0, 65535, 60).round()
    ramp[:6] = [0, 257, 257 * 100, 257 * 128, 257 * 254, 65535]
    ramp = ramp.reshape(4, 15)
    assert _save_high_depth(tmp_path / "ramp.png", "I;16", ramp) in ("I;16", "I")
    # A dim image stays dim: scaled by the bit depth, not by its own maximum.
    dim = np.full((4, 15), 257 * 10)
    _save_high_depth(tmp_path / "dim.png", "I;16", dim)

    images, _ = load_image_folder(
        tmp_path,
        image_size=(4, 15),
        color_mode=color_mode,
        as_float=False,
        return_X_y=True,
    )
    expected = np.rint(np.stack([dim, ramp]) / 257)
    if color_mode == "rgb":
        expected = np.repeat(expected[..., np.newaxis], 3, axis=-1)
    np.testing.assert_array_equal(images, expected)
    grey = images[1] if color_mode == "grayscale" else images[1, ..., 0]
    assert grey.ravel()[:6].tolist() == [0, 1, 100, 128, 254, 255]
    floats, _ = load_image_folder(tmp_path, image_size=(4, 15), return_X_y=True)
    np.testing.assert_allclose(floats[1, ..., 0], ramp / 65535, atol=0.5 / 255)


@pytest.mark.parametrize(
    "mode, values, expected",
    [
        # 16-bit, big-endian (TIFF): 65535 -> 255.
        ("I;16B", [0, 257, 32896, 65535], [0, 1, 128, 255]),
        # 32-bit integers are taken as 16-bit (how older pillow opens
        # 16-bit files); values out of 0..65535 are clipped.
        ("I", [-5, 257, 65535, 10**6], [0, 1, 255, 255]),
        # Floats are taken to lie in [0, 1], as in scikit-image.
        ("F", [-0.5, 0.2, 1.0, 3.0], [0, 51, 255, 255]),
    ],
)
def test_load_image_folder_high_depth_tiff(tmp_path, mode, values, expected):
    values = np.repeat(np.asarray(values, dtype=float)[np.newaxis], 3, axis=0)
    assert _save_high_depth(tmp_path / "image.tif", mode, values) == mode
    images, _ = load_image_folder(
        tmp_path,
        image_size=(3, 4),
        color_mode="grayscale",
        as_float=False,
        return_X_y=True,
    )
    np.testing.assert_array_equal(images[0], np.repeat([expected], 3, axis=0))
