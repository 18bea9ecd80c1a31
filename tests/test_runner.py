"""The experiment runner: hashing, the store, atomic writes, and resume after kill -9."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import torch

from dropout_tutorial import runner
from dropout_tutorial.experiments.mnist import MNISTConfig
from dropout_tutorial.runner import (MissingResultError, checkpoint_path, config_hash,
                                     record_path, register_task, run, write_json_atomic)
from dropout_tutorial.training import TrainConfig

CALLS: list[str] = []


@dataclass(frozen=True)
class CountConfig:
    name: str
    budget: str = "cpu"
    seed: int = 0
    value: float = 1.0
    task: str = "count_test"


@register_task("count_test")
def _count_task(config, device, checkpoint, progress):
    CALLS.append(config.name)
    return {"epoch": [1], "loss": [config.value]}, {"loss": config.value * 2}


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def test_config_hash_is_pinned():
    """Changing this hash orphans every stored result: bump SCHEMA_VERSION on purpose."""
    cfg = MNISTConfig(name="pin", budget="cpu", seed=3, p_hidden=0.5,
                      train=TrainConfig(epochs=5, lr=0.1, momentum=0.9))
    assert config_hash(cfg) == "7a3413df505968f6"


def test_config_hash_changes_with_every_field():
    base = MNISTConfig(name="a", budget="cpu")
    variants = [replace(base, seed=1), replace(base, p_hidden=0.5), replace(base, budget="paper"),
                replace(base, train=TrainConfig(epochs=11)), replace(base, sizes=(784, 10))]
    hashes = {config_hash(c) for c in [base, *variants]}
    assert len(hashes) == len(variants) + 1



# A config as first stored, and the same config after fields were added later: one with
# hash_omit_default (its default keeps the old hashes) and one plain field (which does not).
@dataclass(frozen=True)
class Before:
    name: str
    budget: str = "cpu"
    seed: int = 0
    value: float = 1.0
    task: str = "count_test"


@dataclass(frozen=True)
class After:
    name: str
    budget: str = "cpu"
    seed: int = 0
    cell: str = field(default="lstm", metadata={"hash_omit_default": True})
    value: float = 1.0
    sizes: tuple = field(default_factory=tuple, metadata={"hash_omit_default": True})
    task: str = "count_test"


@dataclass(frozen=True)
class AfterPlain(Before):
    cell: str = "lstm"


@dataclass(frozen=True)
class Inner:
    lr: float = 0.1


@dataclass(frozen=True)
class InnerAfter:
    lr: float = 0.1
    nesterov: bool = field(default=False, metadata={"hash_omit_default": True})


@dataclass(frozen=True)
class Outer:
    name: str
    train: object = None
    budget: str = "cpu"
    seed: int = 0
    task: str = "count_test"


@dataclass(frozen=True)
class NoDefault:
    name: str
    budget: str
    seed: int
    task: str
    cell: str = field(metadata={"hash_omit_default": True})


def test_a_hash_omit_default_field_at_its_default_keeps_the_hash():
    """A field declared with metadata {"hash_omit_default": True} is left out of the hash
    while it equals its default (default or default_factory), also in nested dataclasses;
    a plain field at its default still changes the hash."""
    for kw in ({}, {"seed": 3, "value": 2.5}):
        assert config_hash(After("x", **kw)) == config_hash(Before("x", **kw))
    assert config_hash(After("x", cell="lstm", sizes=())) == config_hash(Before("x"))
    assert config_hash(Outer("o", train=InnerAfter())) == config_hash(Outer("o", train=Inner()))
    assert config_hash(Outer("o", train=[InnerAfter(0.2)])) == \
        config_hash(Outer("o", train=[Inner(0.2)]))
    assert config_hash(AfterPlain("x")) != config_hash(Before("x"))
    assert '"cell"' not in runner._canonical(After("x"))


def test_a_hash_omit_default_field_changes_the_hash_when_it_differs_from_its_default():
    base = config_hash(Before("x"))
    hashes = {base, config_hash(After("x", cell="gru")), config_hash(After("x", sizes=(1, 2))),
              config_hash(After("x", cell="gru", sizes=(1, 2)))}
    assert len(hashes) == 4
    assert '"cell":"gru"' in runner._canonical(After("x", cell="gru"))
    nested = config_hash(Outer("o", train=InnerAfter(nesterov=True)))
    assert nested != config_hash(Outer("o", train=Inner()))


def test_an_omitted_default_is_still_stored_in_the_record():
    """Only the hash skips the field: the stored record holds the whole config, and the old
    config finds the new record (same path)."""
    rec = run(After("rec"))
    assert rec.config["cell"] == "lstm" and rec.config_hash == config_hash(Before("rec"))
    assert record_path(Before("rec")) == rec.path and run(Before("rec")).final == rec.final
    assert CALLS == ["rec"]


def test_hash_omit_default_needs_a_default():
    with pytest.raises(TypeError, match="cell.*no default"):
        config_hash(NoDefault("x", "cpu", 0, "count_test", "gru"))

def test_miss_then_hit_then_force():
    cfg = CountConfig("c1", value=2.5)
    first = run(cfg)
    assert CALLS == ["c1"] and first.final == {"loss": 5.0}
    again = run(cfg)
    assert CALLS == ["c1"] and again.final == first.final            # served from the store
    run(cfg, force=True)
    assert CALLS == ["c1", "c1"]


def test_record_holds_config_metrics_and_provenance():
    rec = run(CountConfig("c2", seed=4))
    stored = json.loads(record_path(CountConfig("c2", seed=4)).read_text())
    assert stored["config"]["seed"] == 4 and stored["config_hash"] == rec.config_hash
    prov = stored["provenance"]
    for key in ("budget", "seed", "device", "torch", "package", "git_commit", "wall_seconds",
                "threads", "python"):
        assert key in prov
    assert prov["torch"] == torch.__version__ and prov["budget"] == "cpu"


def test_require_stored_refuses_to_train(monkeypatch):
    monkeypatch.setenv("DROPOUT_TUTORIAL_REQUIRE_STORED", "1")
    with pytest.raises(MissingResultError, match="make reproduce"):
        run(CountConfig("c3"))
    assert CALLS == []


def test_smoke_records_never_go_to_the_committed_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DROPOUT_TUTORIAL_RESULTS")
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)      # inside the project
    smoke = record_path(CountConfig("s", budget="smoke"))
    cpu = record_path(CountConfig("s", budget="cpu"))
    assert "results" == cpu.parent.parent.name and ".cache" not in cpu.parts
    assert tmp_path / "cache" in smoke.parents


@pytest.mark.parametrize("bad", [object(), {"name": "x"}, CountConfig])
def test_run_rejects_non_configs(bad):
    with pytest.raises(TypeError, match="config"):
        config_hash(bad)


def test_unknown_task_is_named():
    @dataclass(frozen=True)
    class Odd:
        name: str = "odd"
        budget: str = "cpu"
        seed: int = 0
        task: str = "no_such_task"
    with pytest.raises(ValueError, match="no_such_task"):
        run(Odd())


def test_atomic_write_never_leaves_half_a_file(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    write_json_atomic({"v": 1}, path)

    def broken_dump(obj, f, **kwargs):
        f.write('{"v": 2, "trunc')                  # half written, then the process "dies"
        raise OSError("disk full")
    monkeypatch.setattr(runner.json, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        write_json_atomic({"v": 2}, path)
    assert json.loads(path.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


# --- resume after kill -9 ----------------------------------------------------------------

RUN_SCRIPT = textwrap.dedent("""
    import sys
    from dropout_tutorial import run
    from dropout_tutorial.experiments.mnist import MNISTConfig
    from dropout_tutorial.training import TrainConfig
    cfg = MNISTConfig(name="kill", budget="cpu", seed=5, sizes=(784, 128, 10), p_input=0.2,
                      p_hidden=0.5, train_size=2000, val_size=1000,
                      train=TrainConfig(epochs=int(sys.argv[1]), lr=0.05, momentum=0.9,
                                        momentum_start=0.5, momentum_epochs=5, max_norm=2.0))
    rec = run(cfg, device="cpu", progress=False)
    print(repr(rec.final["test_error"]), repr(rec.final["val_loss"]),
          rec.provenance["resumed_from_epoch"])
""")


def _env(tmp: Path, name: str) -> dict:
    return dict(os.environ, OMP_NUM_THREADS="1", DROPOUT_TUTORIAL_THREADS="1",
                DROPOUT_TUTORIAL_RESULTS=str(tmp / name / "results"),
                DROPOUT_TUTORIAL_CACHE=str(tmp / name / "cache"))


def _epoch_of(checkpoint: Path) -> int:
    try:
        return torch.load(checkpoint, weights_only=False)["epoch"]
    except Exception:                                # not there yet, or being replaced
        return 0


def test_resume_after_kill_9_is_bit_identical(tmp_path):
    epochs = 30
    script = tmp_path / "train.py"
    script.write_text(RUN_SCRIPT)
    interrupted = _env(tmp_path, "interrupted")
    ckpt = Path(interrupted["DROPOUT_TUTORIAL_CACHE"]) / "checkpoints"
    proc = subprocess.Popen([sys.executable, str(script), str(epochs)], env=interrupted,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 600          # generous: a loaded machine is slow
    while time.time() < deadline and proc.poll() is None:
        files = list(ckpt.glob("kill--*.pt")) if ckpt.exists() else []
        if files and _epoch_of(files[0]) >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "training ended before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not list((Path(interrupted["DROPOUT_TUTORIAL_RESULTS"])).rglob("*.json"))

    resumed = subprocess.run([sys.executable, str(script), str(epochs)], env=interrupted,
                             capture_output=True, text=True, check=True).stdout.split()
    straight = subprocess.run([sys.executable, str(script), str(epochs)],
                              env=_env(tmp_path, "straight"), capture_output=True, text=True,
                              check=True).stdout.split()
    assert int(resumed[2]) >= 3 and int(straight[2]) == 0
    assert resumed[:2] == straight[:2]                       # bit-identical final metrics


def test_a_resumed_run_counts_the_seconds_of_its_checkpoint():
    """wall_seconds = the training seconds stored in the checkpoint it resumed from + this
    invocation's wall time, so an interrupted run is not under-counted."""
    cfg = CountConfig("resumed-time")
    checkpoint_path(cfg).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"epoch": 4, "seconds": 1234.5}, checkpoint_path(cfg))
    rec = run(cfg, progress=False)
    assert rec.provenance["resumed_from_epoch"] == 4
    assert 1234.5 <= rec.provenance["wall_seconds"] < 1234.5 + 60
    fresh = run(CountConfig("fresh-time"), progress=False)
    assert fresh.provenance["resumed_from_epoch"] == 0
    assert 0 <= fresh.provenance["wall_seconds"] < 60
