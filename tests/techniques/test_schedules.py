"""Dropout schedules: exact formula values, and driving the p of a model's modules."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dropout_tutorial.techniques import (CurriculumSchedule, DropBlock2d, DropPath,
                                         InvertedDropout, LinearSchedule, PlateauSchedule,
                                         ScheduledDropPath,
                                         curriculum_keep_prob, find_dropout_modules,
                                         linear_ramp, scheduled_drop_path_rate)


def test_linear_ramp_values_and_clamp():
    """p(t) = p0 + (p1 - p0) min(1, t / T): start, middle, end, clamped after T."""
    assert [linear_ramp(t, 0.1, 0.5, 100) for t in (0, 50, 100, 400)] == pytest.approx(
        [0.1, 0.3, 0.5, 0.5])


def test_scheduled_drop_path_rate_layer_and_time_scaling():
    """p(l, t) = p_max (l + 1) / L min(1, t / T): 0 at t = 0, first and last cells, clamp."""
    assert scheduled_drop_path_rate(0, 0.3, 100, layer=3, num_layers=4) == 0.0
    assert scheduled_drop_path_rate(50, 0.3, 100, layer=0, num_layers=4) == pytest.approx(0.0375)
    assert scheduled_drop_path_rate(50, 0.3, 100, layer=3, num_layers=4) == pytest.approx(0.15)
    assert scheduled_drop_path_rate(500, 0.3, 100, layer=3, num_layers=4) == pytest.approx(0.3)


def test_curriculum_closed_form_monotone_and_limit():
    """theta(0) = 1; theta(t) - theta_bar = (1 - theta_bar) e^{-gamma t}; decreasing."""
    theta_bar, gamma = 0.5, 1e-3
    assert curriculum_keep_prob(0, theta_bar, gamma) == 1.0
    for t in (1, 10, 1000, 5000):
        assert curriculum_keep_prob(t, theta_bar, gamma) - theta_bar == pytest.approx(
            (1 - theta_bar) * math.exp(-gamma * t), rel=1e-12)
    values = [curriculum_keep_prob(t, theta_bar, gamma) for t in range(0, 20_000, 500)]
    assert all(a > b for a, b in zip(values, values[1:]))
    assert curriculum_keep_prob(10**6, theta_bar, gamma) == pytest.approx(theta_bar)


def test_anti_curriculum_rises_from_target_to_one():
    """Anti-curriculum: 1 - (1 - theta_bar) e^{-gamma t}, from theta_bar up to 1."""
    values = [curriculum_keep_prob(t, 0.6, 1e-2, anti=True) for t in range(0, 2000, 100)]
    assert values[0] == pytest.approx(0.6) and values[-1] == pytest.approx(1.0, abs=1e-6)
    assert all(a < b for a, b in zip(values, values[1:]))


def _model():
    return nn.Sequential(nn.Linear(4, 4), nn.Dropout(0), InvertedDropout(0.0), nn.Linear(4, 4),
                         DropPath(0.0), DropBlock2d(0.0, block_size=3))


def test_linear_schedule_drives_every_dropout_module_in_place():
    """step() writes p into nn.Dropout and package modules; the same objects are kept."""
    model = _model()
    targets = find_dropout_modules(model)
    assert targets == [model[1], model[2], model[4], model[5]]
    sched = LinearSchedule(model, 0.0, 0.4, total_steps=10)
    before = [id(m) for m in model.modules()]
    assert sched.step(5) == [0.2] * 4
    assert [model[i].p for i in (1, 2, 4, 5)] == [0.2] * 4
    assert sched.step() == [pytest.approx(0.24)] * 4           # next step is 6
    assert [id(m) for m in model.modules()] == before


def test_scheduled_p_is_used_by_the_next_forward(gen, assert_binomial):
    """After a curriculum step the empirical drop rate matches 1 - theta(t) (binomial)."""
    drop = InvertedDropout(0.0)
    sched = CurriculumSchedule([drop], keep_target=0.5, gamma=1e-3)
    (p,) = sched.step(700)
    assert p == pytest.approx(1 - curriculum_keep_prob(700, 0.5, 1e-3))
    y = drop(torch.ones(100_000), generator=gen)
    assert_binomial(int((y == 0).sum()), 100_000, p)


def test_scheduled_drop_path_scales_by_layer():
    """Target i of L gets p_max (i + 1) / L times the time ratio."""
    paths = [DropPath(0.0) for _ in range(3)]
    assert ScheduledDropPath(paths, p_max=0.3, total_steps=10).step(5) == pytest.approx(
        [0.05, 0.1, 0.15])
    assert [m.p for m in paths] == pytest.approx([0.05, 0.1, 0.15])


def test_plateau_schedule_raises_p_when_validation_stalls():
    """p rises by delta after `patience` non-improving calls, capped at max_p; mode='max' too."""
    drop = nn.Dropout(0.1)
    sched = PlateauSchedule([drop], p_init=0.1, delta=0.1, max_p=0.25, patience=2)
    ps = [sched.step(loss)[0] for loss in (1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.94, 0.8)]
    assert ps == pytest.approx([0.1, 0.1, 0.1, 0.2, 0.2, 0.25, 0.25, 0.25])
    assert drop.p == pytest.approx(0.25)
    acc = PlateauSchedule([drop], p_init=0.0, delta=0.05, patience=1, mode="max")
    assert [acc.step(a)[0] for a in (0.5, 0.6, 0.6)] == pytest.approx([0.0, 0.0, 0.05])
