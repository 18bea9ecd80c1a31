r"""Dropout and attention: dropout on attention probabilities, and the Attention-based
Dropout Layer (ADL) of Choe & Shim (2019).

**Attention-probability dropout** (Transformer reference code, BERT's
``attention_probs_dropout_prob``): :math:`P = \mathrm{softmax}(QK^\top/\sqrt{d} + M)`,
:math:`P' = P \odot m / (1-p)` with :math:`m \sim \mathrm{Bernoulli}(1-p)` per (batch, head,
query, key), output :math:`P'V`; identity on :math:`P` in eval. A common bug:
``F.scaled_dot_product_attention(..., dropout_p=p)`` has no ``training`` argument and drops
even in eval mode; a module must pass ``dropout_p=p if self.training else 0.0``. The functions
here take ``training`` explicitly instead.

**ADL** zeroes the most discriminative region of a feature map, or re-weights it by an
importance map, so that a weakly supervised localizer sees the whole object.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ._validation import check_int, check_probability, check_tensor
from .recurrent import _keep_mask

__all__ = ["attention_with_dropout", "MultiHeadSelfAttention", "adl", "ADL"]


def attention_with_dropout(q: Tensor, k: Tensor, v: Tensor, p: float = 0.0,
                           training: bool = True, *, attn_mask: Tensor | None = None,
                           is_causal: bool = False,
                           generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    r"""Scaled dot-product attention with dropout on the attention probabilities.

    .. math::
        P = \mathrm{softmax}\big(QK^\top/\sqrt{d} + M\big), \qquad
        \mathrm{out} = (P \odot m / (1-p))\, V \quad\text{(training)}, \qquad
        \mathrm{out} = P V \quad\text{(eval)}.

    Each dropped entry removes one key from one query's average ("dropping entire tokens to
    attend to"), so the rows of :math:`P'` do not sum to 1 in training (only in expectation).

    Args:
        q: queries ``(..., L, d)``.
        k: keys ``(..., S, d)``.
        v: values ``(..., S, d_v)``.
        p: probability of dropping an attention probability. Default: 0.0.
        training: apply dropout only if True. Default: True.
        attn_mask: boolean mask (True = may attend) or additive float mask, broadcastable to
            ``(..., L, S)``, as in :func:`torch.nn.functional.scaled_dot_product_attention`.
        is_causal: mask out keys after the query position. Default: False.
        generator: optional random generator for the dropout mask.

    Shape:
        Output ``(..., L, d_v)`` and the attention weights after dropout ``(..., L, S)``.

    References:
        Vaswani et al. (2017), https://arxiv.org/abs/1706.03762

    Example:
        >>> q = k = v = torch.randn(2, 4, 5, 8)
        >>> out, w = attention_with_dropout(q, k, v, p=0.1, training=False)
        >>> out.shape, bool(torch.allclose(w.sum(-1), torch.ones(2, 4, 5)))
        (torch.Size([2, 4, 5, 8]), True)
    """
    for name, t in (("q", q), ("k", k), ("v", v)):
        check_tensor(t, name=name, where="attention_with_dropout")
    p = check_probability(p, name="p")
    L, S = q.shape[-2], k.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])        # (..., L, S)
    if is_causal:
        causal = torch.ones(L, S, dtype=torch.bool, device=q.device).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        scores = (scores.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool
                  else scores + attn_mask)
    probs = scores.softmax(-1)
    if training and p > 0.0:
        probs = probs * _keep_mask(probs.shape, p, like=probs, generator=generator)
    return probs @ v, probs


class MultiHeadSelfAttention(nn.Module):
    r"""Multi-head self-attention with dropout on the attention probabilities only.

    ``qkv = x W_{qkv}``, split into ``num_heads`` heads, then :func:`attention_with_dropout`
    with ``training=self.training``, and an output projection. Dropout is never active in eval
    mode (unlike a careless ``scaled_dot_product_attention(dropout_p=p)`` call).

    Args:
        embed_dim: model width :math:`E`, divisible by ``num_heads``.
        num_heads: number of heads.
        attn_dropout: drop probability of the attention probabilities. Default: 0.1.
        bias: use biases in the projections. Default: True.

    Shape:
        Input :math:`(B, L, E)`; output :math:`(B, L, E)`; weights :math:`(B, h, L, L)`.

    Example:
        >>> attn = MultiHeadSelfAttention(16, 4, attn_dropout=0.1).eval()
        >>> x = torch.randn(2, 5, 16)
        >>> bool(torch.equal(attn(x), attn(x)))       # deterministic in eval
        True
    """

    is_dropout_layer = False
    uses_dropout = True

    def __init__(self, embed_dim: int, num_heads: int, attn_dropout: float = 0.1,
                 bias: bool = True):
        super().__init__()
        check_int(embed_dim, name="embed_dim")
        check_int(num_heads, name="num_heads")
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim must be divisible by num_heads, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")
        self.num_heads = num_heads
        self.attn_dropout = check_probability(attn_dropout, name="attn_dropout")
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim, bias=bias)
        self.proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, x: Tensor, *, attn_mask: Tensor | None = None, is_causal: bool = False,
                need_weights: bool = False, generator: torch.Generator | None = None):
        check_tensor(x, name="input", ndims=(3,), where="MultiHeadSelfAttention")
        B, L, E = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        out, weights = attention_with_dropout(q, k, v, self.attn_dropout, self.training,
                                              attn_mask=attn_mask, is_causal=is_causal,
                                              generator=generator)
        out = self.proj(out.transpose(1, 2).reshape(B, L, E))
        return (out, weights) if need_weights else out

    def extra_repr(self) -> str:
        return f"num_heads={self.num_heads}, attn_dropout={self.attn_dropout}"


def adl(x: Tensor, drop_rate: float = 0.75, drop_threshold: float = 0.8,
        training: bool = True, *, generator: torch.Generator | None = None) -> Tensor:
    r"""Attention-based Dropout Layer (Choe & Shim 2019) on a feature map ``(N, C, H, W)``.

    .. math::
        A = \tfrac1C \textstyle\sum_c x_c, \quad
        \mathrm{imp} = \sigma(A), \quad
        \mathrm{drop} = [A < \gamma \max_{h,w} A], \quad
        y = x \odot \big((1-s)\,\mathrm{imp} + s\,\mathrm{drop}\big),

    with :math:`\gamma` = ``drop_threshold`` (per sample maximum) and one draw
    :math:`s \sim \mathrm{Bernoulli}(\text{drop\_rate})` for the whole batch, as in the
    authors' PyTorch code. No rescaling. Eval: identity. Gradients flow through :math:`\sigma(A)`
    on the importance branch; the drop mask is a step function (zero gradient). The threshold
    assumes non-negative (post-ReLU) features.

    Args:
        x: feature map ``(N, C, H, W)``.
        drop_rate: probability of using the drop mask rather than the importance map.
            Default: 0.75.
        drop_threshold: :math:`\gamma`, fraction of the maximum of :math:`A` from which
            positions are dropped. Default: 0.8.
        training: apply only if True. Default: True.
        generator: optional (CPU) random generator for the branch choice.

    Shape:
        Input and output: :math:`(N, C, H, W)`.

    References:
        Choe & Shim (2019), https://arxiv.org/abs/1908.10028; clovaai/wsolevaluation
        ``wsol/method/adl.py``.

    Example:
        >>> x = torch.zeros(1, 2, 3, 3); x[:, :, 1, 1] = 1.0
        >>> adl(x, drop_rate=1.0)[0, 0]            # the peak is dropped
        tensor([[0., 0., 0.],
                [0., 0., 0.],
                [0., 0., 0.]])
    """
    check_tensor(x, name="input", ndims=(4,), where="adl")
    drop_rate = check_probability(drop_rate, name="drop_rate")
    drop_threshold = check_probability(drop_threshold, name="drop_threshold")
    if not training:
        return x
    attention = x.mean(1, keepdim=True)                                     # (N, 1, H, W)
    use_drop = torch.rand((), generator=generator).item() + drop_rate >= 1.0  # floor(u + rate)
    if not use_drop:
        return x * torch.sigmoid(attention)                                 # importance map
    threshold = drop_threshold * attention.amax(dim=(2, 3), keepdim=True)   # per sample
    return x * (attention < threshold).to(x.dtype)                          # drop mask


class ADL(nn.Module):
    r"""Module form of :func:`adl` (identity in eval mode).

    Args:
        drop_rate: probability of choosing the drop mask. Default: 0.75.
        drop_threshold: :math:`\gamma` in :func:`adl`. Default: 0.8.

    Shape:
        Input and output: :math:`(N, C, H, W)`.

    References:
        Choe & Shim (2019), https://arxiv.org/abs/1908.10028

    Example:
        >>> ADL(drop_rate=0.75, drop_threshold=0.8)(torch.rand(2, 4, 6, 6)).shape
        torch.Size([2, 4, 6, 6])
    """

    is_dropout_layer = True
    uses_dropout = True

    def __init__(self, drop_rate: float = 0.75, drop_threshold: float = 0.8):
        super().__init__()
        self.drop_rate = check_probability(drop_rate, name="drop_rate")
        self.drop_threshold = check_probability(drop_threshold, name="drop_threshold")

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return adl(x, self.drop_rate, self.drop_threshold, self.training, generator=generator)

    def extra_repr(self) -> str:
        return f"drop_rate={self.drop_rate}, drop_threshold={self.drop_threshold}"
