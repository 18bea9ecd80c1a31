"""Data sets: where they come from, how they are checked, and how they reach the device.

Every file the book reads is a :class:`Resource` with its canonical size and checksums.
A file is looked up, in order, in

1. the folder named by the environment variable ``DROPOUT_TUTORIAL_DATA`` (offline use,
   CI points it at ``../shared/data``), laid out like the canonical distribution
   (``MNIST/raw/train-images-idx3-ubyte.gz``, ...);
2. the per-user cache ``~/.cache/dropout_tutorial`` (or ``$XDG_CACHE_HOME``), where
   downloads land.

A missing file is downloaded from its mirrors into the cache: to a temporary file, checked
against its size and SHA-256, and only then renamed into place, so a truncated or corrupted
download is never trained on. A file found in the offline folder is checked too, and a bad
one raises :class:`DataIntegrityError` instead of being silently replaced.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import torch

__all__ = [
    "DATA_ENV", "Resource", "MNIST_RESOURCES", "DataUnavailableError", "DataIntegrityError",
    "TensorSplit", "MNISTSplits", "data_dirs", "fetch", "verify", "load_mnist", "mnist_splits",
]

DATA_ENV = "DROPOUT_TUTORIAL_DATA"
_CHUNK = 1 << 20


class DataUnavailableError(RuntimeError):
    """A data file is neither on disk nor downloadable (for example, no network)."""


class DataIntegrityError(RuntimeError):
    """A data file exists but its size or checksum is wrong (truncated or corrupted)."""


@dataclass(frozen=True)
class Resource:
    """One file of a data set, with its canonical location and checksums.

    Attributes:
        relpath: path relative to a data root, e.g. ``"MNIST/raw/t10k-labels-idx1-ubyte.gz"``.
        size: size in bytes of the canonical file.
        sha256: SHA-256 of the canonical file (the check that decides).
        urls: mirrors, tried in order.
        md5: MD5 where the canonical source publishes one (torchvision's for MNIST), kept
            for cross-checks; empty otherwise.
    """

    relpath: str
    size: int
    sha256: str
    urls: tuple[str, ...]
    md5: str = ""

    @property
    def filename(self) -> str:
        return self.relpath.rsplit("/", 1)[-1]


_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",   # torchvision's mirror
    "http://yann.lecun.com/exdb/mnist/",                # the original page
)


def _mnist(name: str, size: int, sha256: str, md5: str) -> Resource:
    return Resource(f"MNIST/raw/{name}", size, sha256,
                    tuple(base + name for base in _MNIST_MIRRORS), md5)


# Sizes and checksums of the canonical files (shared/data/MANIFEST.md; md5 = torchvision's).
MNIST_RESOURCES = {
    "train_images": _mnist("train-images-idx3-ubyte.gz", 9912422,
                           "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                           "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train_labels": _mnist("train-labels-idx1-ubyte.gz", 28881,
                           "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                           "d53e105ee54ea40749a09fcbcd1e9432"),
    "test_images": _mnist("t10k-images-idx3-ubyte.gz", 1648877,
                          "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                          "9fb629c4189551a2d022fa330f9573f3"),
    "test_labels": _mnist("t10k-labels-idx1-ubyte.gz", 4542,
                          "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                          "ec29112dd5afa0611ce80d1b7f02629c"),
}


def data_dirs() -> tuple[Path | None, Path]:
    """Return ``(offline_dir, cache_dir)``: the folder named by ``DROPOUT_TUTORIAL_DATA``
    (``None`` when unset) and the per-user download cache."""
    offline = os.environ.get(DATA_ENV)
    cache_root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return (Path(offline).expanduser() if offline else None,
            Path(cache_root) / "dropout_tutorial" / "data")


def _digest(path: Path) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


def verify(path: Path, resource: Resource) -> None:
    """Raise :class:`DataIntegrityError` unless ``path`` has the resource's size and SHA-256."""
    size, sha = _digest(path)
    if size != resource.size:
        raise DataIntegrityError(
            f"{path} has {size} bytes but {resource.filename} has {resource.size}: the file is "
            f"truncated or not the canonical one. Delete it and fetch it again.")
    if sha != resource.sha256:
        raise DataIntegrityError(
            f"{path} has SHA-256 {sha}, expected {resource.sha256}: the file is corrupted. "
            f"Delete it and fetch it again.")


def _download(resource: Resource, dest: Path, urls: Sequence[str], timeout: float) -> None:
    """Download to a temporary file next to ``dest``, verify, then rename atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in urls:
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{resource.filename}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                shutil.copyfileobj(resp, out, _CHUNK)
            verify(Path(tmp), resource)
            os.replace(tmp, dest)
            return
        except (OSError, urllib.error.URLError, DataIntegrityError) as exc:
            errors.append(f"  {url}: {exc}")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise DataUnavailableError(
        f"Could not obtain {resource.relpath}. Tried:\n" + "\n".join(errors) + "\n"
        f"Without network access, download it from {resource.urls[0]} on another machine and "
        f"set the environment variable {DATA_ENV} to the folder that holds "
        f"'{resource.relpath}' (in this project: {DATA_ENV}=../shared/data).")


def fetch(resource: Resource, *, download: bool = True, urls: Sequence[str] | None = None,
          timeout: float = 60.0) -> Path:
    """Return the path of a verified local copy of ``resource``, downloading it if needed.

    Args:
        resource: the file to fetch.
        download: if False, never touch the network.
        urls: mirrors to try instead of ``resource.urls`` (tests use a local server).
        timeout: seconds per connection attempt.

    Raises:
        DataIntegrityError: the offline copy is truncated or corrupted.
        DataUnavailableError: no valid copy on disk and the download failed or was disabled.
    """
    offline, cache = data_dirs()
    if offline is not None and (offline / resource.relpath).is_file():
        path = offline / resource.relpath
        verify(path, resource)          # never repaired silently: it is the user's folder
        return path
    path = cache / resource.relpath
    if path.is_file():
        try:
            verify(path, resource)
            return path
        except DataIntegrityError:
            path.unlink()               # our own cache: a bad copy is fetched again
    if not download:
        where = f"{offline / resource.relpath} nor " if offline else ""
        raise DataUnavailableError(
            f"{resource.relpath} is found neither in {where}{path}, and downloading is "
            f"disabled. Set {DATA_ENV} to a folder holding '{resource.relpath}', or allow "
            f"the download from {resource.urls[0]}.")
    _download(resource, path, urls if urls is not None else resource.urls, timeout)
    return path


def _read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (LeCun's format: magic, dimensions, big-endian uint8 data)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">i4", count=ndim, offset=4)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class TensorSplit(NamedTuple):
    """Inputs and labels of one split, already on the chosen device."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return self.x.shape[0]

    def subset(self, n: int | None) -> "TensorSplit":
        """The first ``n`` examples (all when ``n`` is None)."""
        return self if n is None else TensorSplit(self.x[:n], self.y[:n])

    def to(self, device) -> "TensorSplit":
        return TensorSplit(self.x.to(device), self.y.to(device))


class MNISTSplits(NamedTuple):
    """Srivastava et al. (2014)'s split: 50,000 train, 10,000 validation, 10,000 test."""

    train: TensorSplit
    val: TensorSplit
    test: TensorSplit


def load_mnist(split: str = "train", *, device: str | torch.device = "cpu",
               flatten: bool = True, download: bool = True) -> TensorSplit:
    """Load MNIST's ``"train"`` (60,000) or ``"test"`` (10,000) images as float tensors.

    Pixels are scaled to [0, 1] (byte / 255). With ``flatten`` the images are
    ``(N, 784)`` rows, otherwise ``(N, 1, 28, 28)``. Labels are ``int64``.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got split={split!r}")
    images = _read_idx(fetch(MNIST_RESOURCES[f"{split}_images"], download=download))
    labels = _read_idx(fetch(MNIST_RESOURCES[f"{split}_labels"], download=download))
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    x = x.reshape(len(x), -1) if flatten else x.unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return TensorSplit(x.to(device), y.to(device))


def mnist_splits(*, validation: int = 10_000, device: str | torch.device = "cpu",
                 flatten: bool = True, download: bool = True) -> MNISTSplits:
    """MNIST with the last ``validation`` training images held out for validation.

    With the default 10,000 this is the 50k/10k split of Srivastava et al. (2014),
    Appendix B.1 (the classic ``mnist.pkl.gz`` order: the canonical training file is
    those 50,000 rows followed by the 10,000 validation rows).
    """
    if not 0 <= validation < 60_000:
        raise ValueError(f"validation must be in [0, 60000), got validation={validation!r}")
    full = load_mnist("train", device=device, flatten=flatten, download=download)
    cut = len(full) - validation
    return MNISTSplits(TensorSplit(full.x[:cut], full.y[:cut]),
                       TensorSplit(full.x[cut:], full.y[cut:]),
                       load_mnist("test", device=device, flatten=flatten, download=download))
