"""Spatial dropout 1d/2d/3d: whole channels, parity with F.dropout{1,2,3}d, unbatched inputs."""
from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F

from dropout_tutorial.techniques import (IMPLS, SpatialDropout1d, SpatialDropout2d,
                                         SpatialDropout3d, spatial_dropout)

BATCHED = {1: (4, 6, 9), 2: (4, 6, 5, 7), 3: (4, 6, 3, 4, 5)}
NATIVE = {1: F.dropout1d, 2: F.dropout2d, 3: F.dropout3d}


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_dtype_and_whole_channels(dims, dtype, impl, gen):
    """Output keeps shape and dtype; every (n, c) slice is all zeros or exactly x / q."""
    x = torch.rand(BATCHED[dims], generator=gen, dtype=dtype) + 0.5
    y = spatial_dropout(x, 0.5, spatial_dims=dims, impl=impl, generator=gen)
    assert y.shape == x.shape and y.dtype == dtype
    flat_y, flat_x = y.flatten(2), x.flatten(2)
    dropped = (flat_y == 0).all(dim=2)
    kept = (flat_y == flat_x / 0.5).all(dim=2)
    assert bool((dropped ^ kept).all()) and dropped.any() and kept.any()


@pytest.mark.parametrize("impl", IMPLS)
def test_dropped_channels_are_binomial(impl, gen, assert_binomial):
    """The number of dropped channels is Binomial(N * C, p)."""
    x = torch.ones(200, 100, 2, 2)
    y = spatial_dropout(x, 0.4, impl=impl, generator=gen)
    assert_binomial(int((y[:, :, 0, 0] == 0).sum()), 200 * 100, 0.4)


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_bitwise_parity_with_native_batched(dims, dtype):
    """impl='native-parity' equals F.dropout{1,2,3}d bit for bit on batched CPU input."""
    x = torch.randn(BATCHED[dims]).to(dtype)
    torch.manual_seed(4)
    ref = NATIVE[dims](x, 0.3, training=True)
    torch.manual_seed(4)
    assert torch.equal(spatial_dropout(x, 0.3, spatial_dims=dims), ref)


@pytest.mark.parametrize("dims", [1, 3])
def test_bitwise_parity_with_native_unbatched(dims):
    """F.dropout1d on (C, L) and F.dropout3d on (C, D, H, W) read unbatched input as we do."""
    x = torch.randn(BATCHED[dims][1:])
    torch.manual_seed(9)
    ref = NATIVE[dims](x, 0.5, training=True)
    torch.manual_seed(9)
    assert torch.equal(spatial_dropout(x, 0.5, spatial_dims=dims), ref)


def test_unbatched_3d_is_chw_unlike_f_dropout2d():
    """A 3-D input is one (C, H, W) image here; F.dropout2d treats it as (N, C, L)."""
    x = torch.ones(64, 8, 8)
    g = torch.Generator().manual_seed(0)
    ours = spatial_dropout(x, 0.5, generator=g)
    per_channel = ours.flatten(1)
    assert bool(((per_channel == 0).all(1) | (per_channel == 2).all(1)).all())
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = F.dropout2d(x, 0.5, training=True)
    rows_mixed = ((theirs == 0).any(dim=(1, 2)) & (theirs != 0).any(dim=(1, 2)))
    assert rows_mixed.any()          # zeros shared along the last dim only: (N, C, L) reading
    # unbatched == batched path with the batch dimension squeezed, same seed
    a = spatial_dropout(x, 0.5, generator=torch.Generator().manual_seed(1))
    b = spatial_dropout(x.unsqueeze(0), 0.5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b.squeeze(0))


def test_channels_last_equals_contiguous():
    """Channel dropout does not depend on the memory format."""
    x = torch.randn(4, 6, 5, 5)
    a = spatial_dropout(x, 0.5, generator=torch.Generator().manual_seed(2))
    b = spatial_dropout(x.to(memory_format=torch.channels_last), 0.5,
                        generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b)


@pytest.mark.parametrize("impl", IMPLS)
def test_gradient_is_channel_mask_over_q(impl, gen):
    """dy/dx = m_nc / q, broadcast over each channel."""
    x = (torch.rand(8, 10, 3, 3, generator=gen) + 0.5).requires_grad_()
    y = spatial_dropout(x, 0.25, impl=impl, generator=gen)
    y.sum().backward()
    expected = (y.detach() != 0).float() / 0.75
    torch.testing.assert_close(x.grad, expected)
    assert torch.equal(x.grad[y.detach() == 0], torch.zeros(int((y == 0).sum())))


def test_eval_p0_p1_and_device():
    """Eval and p = 0 return x; p = 1 gives zeros; masks follow the input's device."""
    x = torch.randn(2, 3, 4, 4)
    m = SpatialDropout2d(0.5)
    assert m.eval()(x) is x and spatial_dropout(x, 0.0) is x
    assert torch.equal(spatial_dropout(x, 1.0), torch.zeros_like(x))
    for dims in (1, 2, 3):
        meta = torch.empty(BATCHED[dims], device="meta")
        assert spatial_dropout(meta, 0.5, spatial_dims=dims, impl="fast").device.type == "meta"


def test_module_forms():
    """Each module applies its own dimensionality and reports p and impl."""
    assert SpatialDropout1d(0.1)(torch.ones(3, 5)).shape == (3, 5)
    assert SpatialDropout3d(0.1)(torch.ones(2, 3, 2, 2)).shape == (2, 3, 2, 2)
    assert repr(SpatialDropout2d(0.3)) == "SpatialDropout2d(p=0.3, impl='native-parity')"
