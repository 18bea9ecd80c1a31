"""The data loaders: checksums, the download path, the offline folder, MNIST itself."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from dropout_tutorial.data import (DATA_ENV, MNIST_RESOURCES, DataIntegrityError,
                                   DataUnavailableError, fetch, load_mnist, mnist_splits, verify)

LABELS = MNIST_RESOURCES["test_labels"]          # the smallest canonical file (4,542 bytes)


def _canonical_bytes() -> bytes:
    """The real file: from the offline folder, or downloaded once into the user cache."""
    return fetch(LABELS).read_bytes()


@pytest.fixture(scope="module")
def good_bytes():
    data = _canonical_bytes()
    assert len(data) == LABELS.size
    return data


@pytest.fixture
def no_offline(monkeypatch, tmp_path):
    """No offline folder; the per-user cache is an empty temporary folder."""
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "dropout_tutorial" / "data"


@pytest.fixture
def server(tmp_path, good_bytes):
    """A local HTTP server on 127.0.0.1 serving a good, a truncated and a corrupted copy."""
    root = tmp_path / "www"
    for name, data in (("good", good_bytes), ("truncated", good_bytes[: len(good_bytes) // 2]),
                       ("corrupted", good_bytes[:100] + bytes([good_bytes[100] ^ 0xFF])
                        + good_bytes[101:])):
        (root / name).mkdir(parents=True)
        (root / name / LABELS.filename).write_bytes(data)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield lambda kind: f"{base}/{kind}/{LABELS.filename}"
    httpd.shutdown()
    thread.join()


def _closed_port_url() -> str:
    import socket
    with socket.socket() as s:                    # bind, then close: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{LABELS.filename}"


# --- checksum verification -------------------------------------------------------------

def test_verify_accepts_the_canonical_file(tmp_path, good_bytes):
    path = tmp_path / LABELS.filename
    path.write_bytes(good_bytes)
    verify(path, LABELS)


def test_verify_rejects_a_truncated_file(tmp_path, good_bytes):
    path = tmp_path / LABELS.filename
    path.write_bytes(good_bytes[:-1])
    with pytest.raises(DataIntegrityError, match="truncated"):
        verify(path, LABELS)


def test_verify_rejects_a_corrupted_file_of_the_right_size(tmp_path, good_bytes):
    path = tmp_path / LABELS.filename
    path.write_bytes(good_bytes[:-1] + bytes([good_bytes[-1] ^ 1]))
    with pytest.raises(DataIntegrityError, match="corrupted"):
        verify(path, LABELS)


# --- the download path, against a local server -----------------------------------------

def test_download_of_a_good_file_lands_verified_in_the_cache(server, no_offline, good_bytes):
    path = fetch(LABELS, urls=[server("good")])
    assert path == no_offline / LABELS.relpath
    assert path.read_bytes() == good_bytes


@pytest.mark.parametrize("bad", ["truncated", "corrupted"])
def test_a_bad_download_is_never_kept(server, no_offline, bad):
    with pytest.raises(DataUnavailableError, match=bad if bad == "truncated" else "corrupted"):
        fetch(LABELS, urls=[server(bad)])
    folder = no_offline / LABELS.relpath
    assert not folder.exists()
    assert not any(folder.parent.iterdir())       # no temporary .part file left behind


def test_a_bad_mirror_falls_back_to_the_next(server, no_offline, good_bytes):
    path = fetch(LABELS, urls=[server("truncated"), server("corrupted"), server("good")])
    assert path.read_bytes() == good_bytes


def test_a_corrupted_cached_copy_is_downloaded_again(server, no_offline, good_bytes):
    cached = no_offline / LABELS.relpath
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"\0" * LABELS.size)
    assert fetch(LABELS, urls=[server("good")]).read_bytes() == good_bytes


def test_no_network_error_names_the_variable_and_the_url(no_offline):
    with pytest.raises(DataUnavailableError) as info:
        fetch(LABELS, urls=[_closed_port_url()], timeout=5)
    message = str(info.value)
    assert DATA_ENV in message and LABELS.urls[0] in message


def test_download_disabled_error_names_the_variable(no_offline):
    with pytest.raises(DataUnavailableError, match=DATA_ENV):
        fetch(LABELS, download=False)


# --- the offline folder ------------------------------------------------------------------

def test_offline_folder_is_used_without_network(monkeypatch, tmp_path, good_bytes):
    offline = tmp_path / "offline"
    (offline / LABELS.relpath).parent.mkdir(parents=True)
    (offline / LABELS.relpath).write_bytes(good_bytes)
    monkeypatch.setenv(DATA_ENV, str(offline))
    assert fetch(LABELS, download=False) == offline / LABELS.relpath


def test_a_corrupted_offline_file_is_an_error_not_replaced(monkeypatch, tmp_path, good_bytes):
    offline = tmp_path / "offline"
    bad = offline / LABELS.relpath
    bad.parent.mkdir(parents=True)
    bad.write_bytes(good_bytes[:1000])
    monkeypatch.setenv(DATA_ENV, str(offline))
    with pytest.raises(DataIntegrityError, match="truncated"):
        fetch(LABELS)
    assert bad.stat().st_size == 1000


# --- MNIST itself ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def splits():
    return mnist_splits()


def test_mnist_split_sizes_and_types(splits):
    assert [len(s) for s in splits] == [50_000, 10_000, 10_000]
    for split in splits:
        assert split.x.dtype == torch.float32 and split.x.shape[1] == 784
        assert split.y.dtype == torch.int64
        assert 0.0 <= split.x.min() and split.x.max() <= 1.0


def test_mnist_test_label_counts_match_the_manifest(splits):
    counts = torch.bincount(splits.test.y, minlength=10).tolist()
    assert counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_validation_is_the_last_10000_training_images(splits):
    full = load_mnist("train")
    assert torch.equal(full.x[50_000:], splits.val.x)
    assert torch.equal(full.y[:50_000], splits.train.y)


def test_unflattened_images_have_a_channel_axis():
    assert load_mnist("test", flatten=False).x.shape == (10_000, 1, 28, 28)


@pytest.mark.parametrize("kwargs, match", [
    (dict(split="val"), "split must be"),
])
def test_bad_split_names(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_mnist(**kwargs)


@pytest.mark.parametrize("validation", [-1, 60_000])
def test_bad_validation_sizes(validation):
    with pytest.raises(ValueError, match="validation must be"):
        mnist_splits(validation=validation)
