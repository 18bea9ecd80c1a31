"""Device selection: ``cuda``, then ``mps``, then ``cpu``, unless told otherwise.

The choice can be forced with an argument or the environment variable
``DROPOUT_DEVICE`` (``auto``, ``cpu``, ``cuda``, ``cuda:1``, ``mps``). Asking for a device
that is not available is an error, not a silent fallback: a "GPU run" that quietly ran
on the CPU would be mislabelled in the results.
"""
from __future__ import annotations

import os

import torch

__all__ = ["DEVICE_ENV", "available_devices", "get_device"]

DEVICE_ENV = "DROPOUT_DEVICE"


def available_devices() -> list[str]:
    """Device types usable here, fastest first (``cpu`` is always last)."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found + ["cpu"]


def get_device(preference: str | torch.device | None = None) -> torch.device:
    """Return the device to use.

    Args:
        preference: ``None`` reads ``DROPOUT_DEVICE`` (default ``"auto"``); ``"auto"``
            picks the first of :func:`available_devices`; anything else is a device
            string such as ``"cpu"``, ``"cuda"``, ``"cuda:0"`` or ``"mps"``.

    Raises:
        ValueError: the string is not a device, or the device is not available here.
    """
    if preference is None:
        preference = os.environ.get(DEVICE_ENV, "auto") or "auto"
    if isinstance(preference, torch.device):
        preference = str(preference)
    if not isinstance(preference, str):
        raise TypeError(f"device must be a str or torch.device, got {type(preference).__name__}")
    if preference == "auto":
        return torch.device(available_devices()[0])
    try:
        device = torch.device(preference)
    except RuntimeError as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda[:N]' or 'mps', "
                         f"got device={preference!r}") from exc
    if device.type not in available_devices():
        raise ValueError(f"device={preference!r} is not available on this machine "
                         f"(available: {', '.join(available_devices())}); "
                         f"use device='auto' or unset {DEVICE_ENV}.")
    if device.type == "cuda" and device.index is not None \
            and device.index >= torch.cuda.device_count():
        raise ValueError(f"device={preference!r}: only {torch.cuda.device_count()} CUDA "
                         f"device(s) here.")
    return device
