"""Bad arguments raise ValueError or TypeError with a message naming the argument."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import dropout_tutorial.techniques as T

X = torch.ones(2, 3)
X4 = torch.ones(2, 3, 4, 4)

# each case: the call, the exception type, a regex the message must match
CASES = [
    pytest.param(lambda: T.inverted_dropout(X, -0.1),
                 ValueError, r"p must be in \[0, 1\], got p=-0.1", id="p-negative"),
    pytest.param(lambda: T.inverted_dropout(X, 1.5),
                 ValueError, r"p must be in \[0, 1\], got p=1.5", id="p-above-one"),
    pytest.param(lambda: T.InvertedDropout(float("nan")),
                 ValueError, r"p must be in \[0, 1\], got p=nan", id="p-nan"),
    pytest.param(lambda: T.inverted_dropout(X, True),
                 TypeError, r"p must be a float, got p=True", id="p-bool"),
    pytest.param(lambda: T.StandardDropout("0.5"),
                 TypeError, r"p must be a float, got p='0.5'", id="p-string"),
    pytest.param(lambda: T.standard_dropout(X, torch.tensor(0.5)),
                 TypeError, r"p must be a float", id="p-tensor"),
    pytest.param(lambda: T.inverted_dropout(X, 0.5, impl="cuda"),
                 ValueError, r"impl must be one of", id="impl-unknown"),
    pytest.param(lambda: T.inverted_dropout([1.0, 2.0], 0.5),
                 TypeError, r"x must be a torch.Tensor", id="x-not-tensor"),
    pytest.param(lambda: T.gaussian_dropout(torch.ones(3, dtype=torch.long), 0.5),
                 TypeError, r"x must be a floating-point tensor", id="x-integer"),
    pytest.param(lambda: T.inverted_dropout(X, 0.5, generator=0),
                 TypeError, r"generator must be a torch.Generator", id="generator-wrong-type"),
    pytest.param(lambda: T.spatial_dropout2d(X, 0.5),
                 ValueError, r"spatial_dropout2d: expected 3D or 4D x", id="spatial2d-rank2"),
    pytest.param(lambda: T.SpatialDropout1d(0.5)(X4),
                 ValueError, r"spatial_dropout1d: expected 2D or 3D x", id="spatial1d-rank4"),
    pytest.param(lambda: T.spatial_dropout3d(torch.ones(2, 3, 4), 0.5),
                 ValueError, r"expected 4D or 5D x", id="spatial3d-rank3"),
    pytest.param(lambda: T.spatial_dropout(X4, 0.5, spatial_dims=4),
                 ValueError, r"spatial_dims must be <= 3", id="spatial-dims-4"),
    pytest.param(lambda: T.GaussianDropout(1.0),
                 ValueError, r"p must be in \[0, 1\), got p=1.0", id="gaussian-p-one"),
    pytest.param(lambda: T.feature_alpha_dropout(torch.ones(5), 0.1),
                 ValueError, r"feature_alpha_dropout: expected x of rank >= 2",
                 id="feature-alpha-rank1"),
    pytest.param(lambda: T.DropBlock2d(0.1, block_size=0),
                 ValueError, r"block_size must be >= 1, got block_size=0",
                 id="dropblock-block-size-0"),
    pytest.param(lambda: T.dropblock(X4, 0.1, 2.5),
                 TypeError, r"block_size must be an int, got block_size=2.5",
                 id="dropblock-block-size-float"),
    pytest.param(lambda: T.dropblock(X, 0.1, 3),
                 ValueError, r"dropblock: expected 3D or 4D x", id="dropblock-rank2"),
    pytest.param(lambda: T.DropPath(0.1, mode="col"),
                 ValueError, r"mode must be one of \('row', 'batch'\)", id="droppath-mode"),
    pytest.param(lambda: T.drop_path(torch.tensor(1.0), 0.1),
                 ValueError, r"rank >= 1", id="droppath-scalar"),
    pytest.param(lambda: T.DropConnectLinear(3, 2, inference="median"),
                 ValueError, r"inference must be one of", id="dropconnect-inference"),
    pytest.param(lambda: T.DropConnectLinear(3, 2, num_samples=0),
                 ValueError, r"num_samples must be >= 1", id="dropconnect-num-samples-0"),
    pytest.param(lambda: T.DropConnectLinear(0, 2),
                 ValueError, r"in_features must be >= 1", id="dropconnect-in-features-0"),
    pytest.param(lambda: T.ConcreteDropout(nn.Linear(2, 2), temperature=0.0),
                 ValueError, r"temperature must be finite and > 0", id="concrete-temperature-0"),
    pytest.param(lambda: T.ConcreteDropout(nn.Linear(2, 2), init_p=1.0),
                 ValueError, r"init_p must be in \(0, 1\)", id="concrete-init-p-one"),
    pytest.param(lambda: T.ConcreteDropout(nn.Linear(2, 2), weight_regularizer=-1.0),
                 ValueError, r"weight_regularizer must be finite and >= 0",
                 id="concrete-negative-regularizer"),
    pytest.param(lambda: T.ConcreteDropout(lambda x: x),
                 TypeError, r"layer must be an nn.Module", id="concrete-layer-not-module"),
    pytest.param(lambda: T.Standout(3, 2, alpha=float("nan")),
                 ValueError, r"alpha must be finite", id="standout-alpha-nan"),
    pytest.param(lambda: T.standout(X, activation="relu"),
                 TypeError, r"activation must be callable", id="standout-activation"),
    pytest.param(lambda: T.LinearVD(3, 2, granularity="unit"),
                 ValueError, r"granularity must be one of", id="vd-granularity"),
    pytest.param(lambda: T.LinearVD(3, 2, p_init=0.8),
                 ValueError, r"p_init must be in \(0, 0.5\]", id="vd-p-init-above-half"),
    pytest.param(lambda: T.LinearSVDO(3, 2, threshold=float("inf")),
                 ValueError, r"threshold must be finite", id="svdo-threshold-inf"),
    pytest.param(lambda: T.linear_ramp(1, 0.0, 0.5, 0),
                 ValueError, r"total_steps must be >= 1", id="schedule-total-steps-0"),
    pytest.param(lambda: T.linear_ramp(-1, 0.0, 0.5, 10),
                 ValueError, r"step must be >= 0", id="schedule-negative-step"),
    pytest.param(lambda: T.LinearSchedule([nn.Dropout()], 0.0, 1.2, 10),
                 ValueError, r"end must be in \[0, 1\]", id="schedule-end-above-one"),
    pytest.param(lambda: T.LinearSchedule(nn.Linear(2, 2), 0.0, 0.5, 10),
                 ValueError, r"targets must contain at least one nn.Module",
                 id="schedule-no-targets"),
    pytest.param(lambda: T.curriculum_keep_prob(10, 0.0, 1e-3),
                 ValueError, r"keep_target must be in \(0, 1\]", id="curriculum-keep-target-0"),
    pytest.param(lambda: T.CurriculumSchedule([nn.Dropout()], 0.5, gamma=-1.0),
                 ValueError, r"gamma must be finite and >= 0", id="curriculum-gamma-negative"),
    pytest.param(lambda: T.scheduled_drop_path_rate(5, 0.3, 10, layer=4, num_layers=4),
                 ValueError, r"layer must be < num_layers=4", id="drop-path-layer-out-of-range"),
    pytest.param(lambda: T.PlateauSchedule([nn.Dropout()], mode="up"),
                 ValueError, r"mode must be one of", id="plateau-mode"),
    pytest.param(lambda: T.PlateauSchedule([nn.Dropout()]).step(float("nan")),
                 ValueError, r"metric must be finite", id="plateau-metric-nan"),
    pytest.param(
        lambda: T.softmax_geometric_mean_over_masks(torch.ones(21), torch.ones(2, 21), None, 0.5),
        ValueError, r"n must be <= 20", id="geometric-mean-too-many-units"),
]


def test_at_least_22_distinct_cases():
    """The table covers at least 22 distinct bad inputs (ids are unique)."""
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)) >= 22


@pytest.mark.parametrize("call,exc,pattern", CASES)
def test_bad_input_raises_naming_the_argument(call, exc, pattern):
    """Each bad input raises the documented exception type with the argument's name and value."""
    with pytest.raises(exc, match=pattern):
        call()
