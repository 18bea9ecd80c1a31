"""Tests for dropout on attention probabilities and the Attention-based Dropout Layer (ADL)."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dropout_tutorial.techniques.attention import (
    ADL, MultiHeadSelfAttention, adl, attention_with_dropout,
)

Z = 5.0


def assert_binomial(k: int, n: int, p: float) -> None:
    assert abs(k - n * p) <= Z * math.sqrt(n * p * (1 - p)), (k, n, p)


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def qkv(seed=0, shape=(2, 3, 5, 8)):
    g = gen(seed)
    return tuple(torch.randn(shape, generator=g) for _ in range(3))


# ------------------------------------------------------------------ attention probabilities

class TestAttentionDropout:
    @pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "causal"])
    def test_eval_equals_sdpa_without_dropout(self, mask_kind):
        """training=False equals F.scaled_dot_product_attention(dropout_p=0), masks included."""
        q, k, v = qkv()
        mask = {"none": None, "causal": None,
                "bool": torch.rand(5, 5, generator=gen(1)) > 0.3,
                "float": torch.randn(5, 5, generator=gen(2))}[mask_kind]
        if mask_kind == "bool":
            mask.fill_diagonal_(True)  # every query attends to something
        causal = mask_kind == "causal"
        out, _ = attention_with_dropout(q, k, v, 0.5, training=False, attn_mask=mask,
                                        is_causal=causal)
        ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.0,
                                             is_causal=causal)
        assert torch.allclose(out, ref, atol=1e-6)

    def test_sdpa_drops_in_eval_but_our_module_does_not(self):
        """The pitfall: SDPA has no training flag, so dropout_p > 0 is random even 'in eval';
        MultiHeadSelfAttention in eval is deterministic and equals its p = 0 output."""
        q, k, v = qkv()
        torch.manual_seed(3)
        a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
        b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
        assert not torch.equal(a, b)
        torch.manual_seed(4)
        attn = MultiHeadSelfAttention(16, 4, attn_dropout=0.5).eval()
        x = torch.randn(2, 5, 16)
        no_drop = MultiHeadSelfAttention(16, 4, attn_dropout=0.0).eval()
        no_drop.load_state_dict(attn.state_dict())
        assert torch.equal(attn(x), attn(x)) and torch.allclose(attn(x), no_drop(x))
        assert not torch.equal(attn.train()(x), attn(x))

    def test_identity_values_expose_the_mask(self):
        """With V = I the output is P'; drops ~ Binomial(#entries, p), kept = P / (1 - p)."""
        p, S = 0.3, 64
        q = torch.randn(4, 2, S, 8, generator=gen(5))
        k = torch.randn(4, 2, S, 8, generator=gen(6))
        v = torch.eye(S).expand(4, 2, S, S)
        out, probs = attention_with_dropout(q, k, v, p, generator=gen(7))
        _, clean = attention_with_dropout(q, k, v, 0.0)
        assert torch.allclose(out, probs)
        assert_binomial(int((out == 0).sum()), out.numel(), p)
        kept = out != 0
        assert torch.allclose(out[kept], clean[kept] / (1 - p))

    def test_rows_sum_to_one_only_in_expectation(self):
        """In training, rows of P' do not sum to 1, but their mean is 1 within z * sd."""
        q, k, v = qkv(8, (8, 4, 32, 8))
        _, probs = attention_with_dropout(q, k, v, 0.5, generator=gen(9))
        rows = probs.sum(-1)
        assert not torch.allclose(rows, torch.ones_like(rows))
        _, clean = attention_with_dropout(q, k, v, 0.0)
        sd = torch.sqrt((clean ** 2).sum(-1) * 0.5 / 0.5)  # Var(sum) = sum P^2 p/(1-p)
        assert abs(rows.mean() - 1) <= Z * torch.sqrt((sd ** 2).mean() / rows.numel())

    def test_p1_gives_zero_output(self):
        """p = 1 drops every attention probability: the output is zero."""
        q, k, v = qkv()
        out, _ = attention_with_dropout(q, k, v, 1.0)
        assert torch.equal(out, torch.zeros_like(out))

    def test_module_matches_nn_multiheadattention_in_eval(self):
        """Same projections as nn.MultiheadAttention; in eval the outputs and weights agree."""
        torch.manual_seed(10)
        ours = MultiHeadSelfAttention(16, 4, attn_dropout=0.2).eval()
        ref = nn.MultiheadAttention(16, 4, dropout=0.2, batch_first=True).eval()
        with torch.no_grad():
            ref.in_proj_weight.copy_(ours.qkv.weight)
            ref.in_proj_bias.copy_(ours.qkv.bias)
            ref.out_proj.weight.copy_(ours.proj.weight)
            ref.out_proj.bias.copy_(ours.proj.bias)
        x = torch.randn(3, 6, 16)
        out, w = ours(x, need_weights=True)
        ref_out, ref_w = ref(x, x, x, need_weights=True, average_attn_weights=False)
        assert torch.allclose(out, ref_out, atol=1e-6) and torch.allclose(w, ref_w, atol=1e-6)

    @pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
    def test_module_shape_dtype_and_gradient(self, dtype):
        """Shape and dtype preserved; the input gets a finite gradient in training."""
        attn = MultiHeadSelfAttention(8, 2, attn_dropout=0.1).to(dtype)
        x = torch.randn(2, 5, 8, dtype=dtype, requires_grad=True)
        y = attn(x, generator=gen(11))
        y.sum().backward()
        assert y.shape == x.shape and y.dtype == dtype and torch.isfinite(x.grad).all()


# ------------------------------------------------------------------ ADL

def relu_map(seed=0, shape=(4, 3, 6, 6)):
    return torch.rand(shape, generator=gen(seed))


class TestADL:
    def test_eval_is_identity(self):
        """ADL is off at test time: the input itself is returned."""
        x = relu_map()
        assert ADL().eval()(x) is x

    @pytest.mark.parametrize("threshold", [0.8, 1.0, 0.0])
    def test_drop_branch_zeroes_positions_above_threshold_in_all_channels(self, threshold):
        """drop_rate = 1: y = 0 where A >= gamma max A (all channels), y = x elsewhere; the
        argmax of A is always dropped."""
        x = relu_map(1)
        y = adl(x, drop_rate=1.0, drop_threshold=threshold)
        A = x.mean(1, keepdim=True)
        dropped = (A >= threshold * A.amax((2, 3), keepdim=True)).expand_as(x)
        assert torch.equal(y[dropped], torch.zeros_like(y[dropped]))
        assert torch.equal(y[~dropped], x[~dropped])
        flat = A.flatten(1).argmax(1)
        assert all((y[n].flatten(1)[:, flat[n]] == 0).all() for n in range(x.shape[0]))

    def test_importance_branch_is_sigmoid_of_channel_mean(self):
        """drop_rate = 0: y = x * sigmoid(mean_c x), with the matching gradient."""
        x = relu_map(2).requires_grad_()
        y = adl(x, drop_rate=0.0)
        expected = x * torch.sigmoid(x.mean(1, keepdim=True))
        assert torch.allclose(y, expected)
        (g,) = torch.autograd.grad(y.sum(), x)
        (g_ref,) = torch.autograd.grad(expected.sum(), x)
        assert torch.allclose(g, g_ref)

    def test_choice_rate_is_binomial_and_shared_by_the_batch(self):
        """The drop branch is chosen in ~ Binomial(calls, drop_rate) calls, for the whole batch."""
        x, g, calls, drops = relu_map(3), gen(4), 2000, 0
        for _ in range(calls):
            has_zero = (adl(x, 0.75, 0.8, generator=g) == 0).flatten(1).any(1)
            assert has_zero.all() or not has_zero.any()  # one choice for every sample
            drops += int(has_zero.all())
        assert_binomial(drops, calls, 0.75)

    def test_drop_branch_gradient_is_the_mask(self):
        """The drop mask is a step function: dy/dx = mask (no gradient through A)."""
        x = relu_map(5).requires_grad_()
        y = adl(x, drop_rate=1.0)
        y.sum().backward()
        assert torch.equal(x.grad, (y != 0).to(x.dtype))

    def test_device_follows_input(self):
        """ADL and attention dropout create their masks on the input's device (meta here)."""
        assert adl(torch.empty(2, 3, 4, 4, device="meta"), 1.0).device.type == "meta"
        q = torch.empty(2, 2, 3, 4, device="meta")
        assert attention_with_dropout(q, q, q, 0.5)[0].device.type == "meta"

    def test_dtype_preserved_and_reproducible(self):
        """float64 stays float64; the same generator seed gives the same choice."""
        x = relu_map(6).double()
        a, b = adl(x, 0.5, generator=gen(7)), adl(x, 0.5, generator=gen(7))
        assert a.dtype == torch.float64 and torch.equal(a, b)


# ------------------------------------------------------------------ bad input

BAD_INPUTS = [
    (lambda: MultiHeadSelfAttention(10, 3),
     ValueError, r"embed_dim must be divisible by num_heads"),
    (lambda: MultiHeadSelfAttention(8, 2, attn_dropout=2.0),
     ValueError, r"attn_dropout must be in \[0, 1\]"),
    (lambda: MultiHeadSelfAttention(8, 2)(torch.ones(2, 8)), ValueError, r"expected 3D input"),
    (lambda: attention_with_dropout(*qkv(), p=-0.5),
     ValueError, r"p must be in \[0, 1\], got p=-0.5"),
    (lambda: adl(torch.ones(2, 3, 4)), ValueError, r"adl: expected 4D input"),
    (lambda: ADL(drop_threshold=-0.1), ValueError, r"drop_threshold must be in \[0, 1\]"),
    (lambda: adl(torch.ones(1, 2, 3, 3), drop_rate=True), TypeError, r"drop_rate must be a float"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUTS)
def test_bad_input_raises_naming_the_argument(call, error, match):
    """Each bad argument raises the documented error type with the argument's name."""
    with pytest.raises(error, match=match):
        call()
