"""Device selection, budget selection, seeding and threads."""
from __future__ import annotations

import pytest
import torch

from dropout_tutorial.budgets import BUDGETS, by_budget, get_budget
from dropout_tutorial.device import available_devices, get_device
from dropout_tutorial.reproducibility import configure_threads, environment_info, set_seed


def test_auto_picks_the_fastest_available_device():
    assert get_device("auto") == torch.device(available_devices()[0])
    assert available_devices()[-1] == "cpu"


def test_device_defaults_to_the_environment_variable(monkeypatch):
    monkeypatch.setenv("DROPOUT_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")


def test_an_unavailable_device_is_an_error_not_a_silent_fallback():
    for kind in ("cuda", "mps"):
        if kind in available_devices():
            assert get_device(kind).type == kind
        else:
            with pytest.raises(ValueError, match="not available"):
                get_device(kind)


@pytest.mark.parametrize("bad, error", [("gpu", ValueError), ("cpux", ValueError),
                                        (3, TypeError)])
def test_bad_device_arguments(bad, error):
    with pytest.raises(error, match="device"):
        get_device(bad)


def test_budget_defaults_to_cpu_and_reads_the_environment(monkeypatch):
    assert get_budget() == "cpu"
    monkeypatch.setenv("DROPOUT_BUDGET", "smoke")
    assert get_budget() == "smoke"
    assert get_budget("paper") == "paper"        # an explicit value (papermill's -p) wins


def test_bad_budget_names_the_variable(monkeypatch):
    monkeypatch.setenv("DROPOUT_BUDGET", "huge")
    with pytest.raises(ValueError, match="DROPOUT_BUDGET"):
        get_budget()


def test_by_budget_picks_the_value_of_each_budget():
    assert [by_budget(b, smoke=1, cpu=2, paper=3) for b in BUDGETS] == [1, 2, 3]


def test_set_seed_makes_torch_and_the_returned_generator_repeat():
    g1 = set_seed(7)
    a = torch.rand(5), torch.rand(5, generator=g1)
    g2 = set_seed(7)
    b = torch.rand(5), torch.rand(5, generator=g2)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (2**32, ValueError),
                                         (1.5, TypeError), (True, TypeError)])
def test_bad_seeds(seed, error):
    with pytest.raises(error, match="seed"):
        set_seed(seed)


def test_threads_come_from_the_environment(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("DROPOUT_TUTORIAL_THREADS", "1")
        assert configure_threads() == 1
        with pytest.raises(ValueError, match="threads"):
            configure_threads(0)
    finally:
        torch.set_num_threads(before)


def test_environment_info_stamps_versions_and_device():
    info = environment_info("cpu")
    assert info["torch"] == torch.__version__ and info["device"] == "cpu"
    assert {"package", "python", "threads", "git_commit"} <= set(info)
