r"""Dropout for recurrent networks: locked (variational) dropout, embedding dropout, a
variational LSTM and GRU, and a weight-dropped LSTM.

Standard dropout inside an RNN samples a new mask at every time step, which
:class:`torch.nn.LSTM` does with its ``dropout=`` argument (on the outputs of every layer but
the last, never on the recurrent connection). Gal & Ghahramani (2016) derive instead, from
a Bayesian view, that one mask per *sequence* must be sampled and reused at every step, for
the inputs, the outputs **and** the hidden state fed back into the recurrence. Merity et al.
(2018, AWD-LSTM) put DropConnect on the hidden-to-hidden weights instead.

All masks follow the house conventions: ``p`` is the probability of dropping, kept entries
are rescaled by :math:`1/(1-p)` so that :math:`\mathbb{E}[y] = x`, masks are built under
``torch.no_grad()`` on the input's device and dtype, and ``generator=`` makes them
reproducible.

References:
    Gal & Ghahramani (2016), https://arxiv.org/abs/1512.05287;
    Merity, Keskar & Socher (2018), https://arxiv.org/abs/1708.02182.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call

from ._validation import check_int, check_probability, check_tensor

__all__ = [
    "locked_dropout", "LockedDropout", "embedding_dropout", "EmbeddingDropout",
    "VariationalLSTM", "VariationalGRU", "WeightDropLSTM",
]


def _keep_mask(shape, p: float, *, like: Tensor,
               generator: torch.Generator | None = None) -> Tensor:
    r"""Return a mask of ``shape`` with entries 0 or :math:`1/(1-p)` (all 0 when ``p = 1``).

    Keep where :math:`u \geq p`, :math:`u \sim U[0, 1)`, drawn in float32 (float64 for float64
    inputs) so that half-precision inputs do not coarsen :math:`p`. On CPU this is 2-3 times
    faster than ``Tensor.bernoulli_`` (measured with torch 2.13), and has the same law.
    """
    with torch.no_grad():
        u_dtype = torch.float64 if like.dtype == torch.float64 else torch.float32
        u = torch.rand(shape, generator=generator, device=like.device, dtype=u_dtype)
        mask = (u >= p).to(like.dtype)  # 1 = keep, with probability 1 - p
        if p < 1.0:
            mask.div_(1.0 - p)  # inverted scaling; at p = 1 the mask stays all zeros
    return mask


def _check_index_tensor(x, *, name: str, where: str) -> Tensor:
    """Check that ``x`` is an integer tensor (token ids), with the wording of _validation."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{where}: {name} must be a torch.Tensor, got {type(x).__name__}")
    if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"{where}: {name} must be an integer tensor of token ids, "
                        f"got dtype={x.dtype}")
    return x


# ---------------------------------------------------------------------------------------------
# Locked (variational) dropout
# ---------------------------------------------------------------------------------------------

def locked_dropout(x: Tensor, p: float = 0.5, training: bool = True, *,
                   batch_first: bool = False,
                   generator: torch.Generator | None = None) -> Tensor:
    r"""Drop the same features at every time step of each sequence (locked dropout).

    One mask :math:`m \in \{0, 1/(1-p)\}^{B \times F}` is drawn per sequence and shared by all
    time steps: :math:`y_{t,b} = x_{t,b} \odot m_b`. This is the variational dropout of Gal &
    Ghahramani (2016) applied to a layer's inputs or outputs, and ``LockedDropout`` of
    AWD-LSTM.

    Args:
        x: sequence tensor, ``(T, B, F)`` or ``(B, T, F)`` if ``batch_first``.
        p: probability of dropping a feature of a sequence. Default: 0.5.
        training: apply dropout only if True. Default: True.
        batch_first: whether the batch dimension comes first. Default: False.
        generator: optional random generator for the mask.

    Shape:
        Input and output: :math:`(T, B, F)`, or :math:`(B, T, F)` if ``batch_first``.

    References:
        Gal & Ghahramani (2016), https://arxiv.org/abs/1512.05287

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> y = locked_dropout(torch.ones(5, 2, 3), p=0.5, generator=g)
        >>> bool((y == y[0]).all())          # the same mask at every time step
        True
    """
    check_tensor(x, name="input", ndims=(3,), where="locked_dropout")
    p = check_probability(p, name="p")
    if not training or p == 0.0:
        return x
    mask_shape = (x.shape[0], 1, x.shape[2]) if batch_first else (1,) + x.shape[1:]
    return x * _keep_mask(mask_shape, p, like=x, generator=generator)  # broadcast over time


class LockedDropout(nn.Module):
    r"""Module form of :func:`locked_dropout`: one mask per sequence, shared over time.

    Args:
        p: probability of dropping a feature of a sequence. Default: 0.5.
        batch_first: whether inputs are ``(B, T, F)`` instead of ``(T, B, F)``. Default: False.

    Shape:
        Input and output: :math:`(T, B, F)`, or :math:`(B, T, F)` if ``batch_first``.

    References:
        Gal & Ghahramani (2016), https://arxiv.org/abs/1512.05287

    Example:
        >>> m = LockedDropout(p=0.3, batch_first=True)
        >>> m(torch.ones(2, 7, 4)).shape
        torch.Size([2, 7, 4])
    """

    is_dropout_layer = True  # shape-preserving dropout layer (see tools.swap)

    def __init__(self, p: float = 0.5, batch_first: bool = False):
        super().__init__()
        self.p = check_probability(p, name="p")
        self.batch_first = bool(batch_first)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return locked_dropout(x, self.p, self.training, batch_first=self.batch_first,
                              generator=generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, batch_first={self.batch_first}"


# ---------------------------------------------------------------------------------------------
# Embedding (word-type) dropout
# ---------------------------------------------------------------------------------------------

def embedding_dropout(input: Tensor, weight: Tensor, p: float = 0.1, training: bool = True, *,
                      padding_idx: int | None = None,
                      generator: torch.Generator | None = None) -> Tensor:
    r"""Look up embeddings after dropping whole word types (rows of the embedding matrix).

    A mask :math:`m_v \sim \mathrm{Bernoulli}(1-p)` is drawn per vocabulary row :math:`v` and
    shared by the whole batch: :math:`E' = \mathrm{diag}(m) E / (1-p)`, so every occurrence of
    a dropped word becomes the zero vector. Only the rows of the words present are read, so the
    cost is that of the lookup plus :math:`V` Bernoulli draws; the result equals
    ``F.embedding(input, E')``.

    Args:
        input: integer tensor of token ids, any shape.
        weight: embedding matrix ``(V, D)``.
        p: probability of dropping a word type. Default: 0.1.
        training: apply dropout only if True. Default: True.
        padding_idx: as in :func:`torch.nn.functional.embedding`. Default: None.
        generator: optional random generator for the mask.

    Shape:
        Input :math:`(*)`, weight :math:`(V, D)`, output :math:`(*, D)`.

    References:
        Gal & Ghahramani (2016), https://arxiv.org/abs/1512.05287 (section 4.2);
        salesforce/awd-lstm-lm ``embed_regularize.py``.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> ids = torch.tensor([[1, 2, 1, 1]])
        >>> y = embedding_dropout(ids, torch.ones(4, 3), p=0.5, generator=g)
        >>> bool((y[0, 0] == y[0, 2]).all() and (y[0, 0] == y[0, 3]).all())
        True
    """
    _check_index_tensor(input, name="input", where="embedding_dropout")
    check_tensor(weight, name="weight", ndims=(2,), where="embedding_dropout")
    p = check_probability(p, name="p")
    out = F.embedding(input, weight, padding_idx=padding_idx)
    if not training or p == 0.0:
        return out
    row_mask = _keep_mask((weight.shape[0],), p, like=weight, generator=generator)  # (V,)
    return out * row_mask[input].unsqueeze(-1)  # the same factor for every occurrence of a word


class EmbeddingDropout(nn.Embedding):
    r"""An :class:`torch.nn.Embedding` that drops whole word types in training.

    Same parameters and state dict as :class:`torch.nn.Embedding`; see
    :func:`embedding_dropout` for the mechanism. Use :meth:`from_embedding` to wrap a trained
    embedding.

    Args:
        num_embeddings: vocabulary size :math:`V`.
        embedding_dim: embedding size :math:`D`.
        p: probability of dropping a word type. Default: 0.1.
        padding_idx: as in :class:`torch.nn.Embedding`. Default: None.

    Shape:
        Input :math:`(*)` integer ids, output :math:`(*, D)`.

    References:
        Gal & Ghahramani (2016), https://arxiv.org/abs/1512.05287

    Example:
        >>> emb = EmbeddingDropout(10, 4, p=0.1)
        >>> emb(torch.tensor([[1, 2, 3]])).shape
        torch.Size([1, 3, 4])
    """

    is_dropout_layer = False  # takes ids, not activations: never swap it for nn.Dropout
    uses_dropout = True       # stochastic in training mode (see mc.enable_mc_dropout)

    def __init__(self, num_embeddings: int, embedding_dim: int, p: float = 0.1,
                 padding_idx: int | None = None, **kwargs):
        check_int(num_embeddings, name="num_embeddings")
        check_int(embedding_dim, name="embedding_dim")
        super().__init__(num_embeddings, embedding_dim, padding_idx=padding_idx, **kwargs)
        self.p = check_probability(p, name="p")

    @classmethod
    def from_embedding(cls, embedding: nn.Embedding, p: float = 0.1) -> "EmbeddingDropout":
        """Return an ``EmbeddingDropout`` sharing the weight of ``embedding``."""
        if not isinstance(embedding, nn.Embedding):
            raise TypeError(f"embedding must be an nn.Embedding, got {type(embedding).__name__}")
        new = cls(embedding.num_embeddings, embedding.embedding_dim, p=p,
                  padding_idx=embedding.padding_idx, _weight=embedding.weight,
                  device=embedding.weight.device, dtype=embedding.weight.dtype)
        new.weight = embedding.weight  # share the Parameter itself
        return new

    def forward(self, input: Tensor, generator: torch.Generator | None = None) -> Tensor:
        if self.max_norm is not None or self.sparse:
            raise ValueError("EmbeddingDropout does not support max_norm or sparse=True")
        return embedding_dropout(input, self.weight, self.p, self.training,
                                 padding_idx=self.padding_idx, generator=generator)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, p={self.p}"


# ---------------------------------------------------------------------------------------------
# Variational LSTM and GRU (Gal & Ghahramani 2016)
# ---------------------------------------------------------------------------------------------

def _gate(x: Tensor, k: int, hidden: int, tied: bool) -> Tensor:
    """Gate ``k`` of ``x`` (LSTM: 0 = i, 1 = f, 2 = g, 3 = o; GRU: 0 = r, 1 = z, 2 = n): a
    block of the last dimension when the gates are laid out ``(..., B, G*H)`` (tied) or index
    ``k`` of dimension -3 for the ``(..., G, B, H)`` layout (untied)."""
    return x.narrow(-1, k * hidden, hidden) if tied else x.select(-3, k)


def _join(tensors, tied: bool) -> Tensor:
    """Lay out per-gate tensors ``(..., B, H)`` as ``(..., B, G*H)`` (tied) or
    ``(..., G, B, H)`` (untied), the inverse of :func:`_gate`."""
    return torch.cat(tensors, -1) if tied else torch.stack(tensors, -3)


class _VariationalRecurrence(torch.autograd.Function):
    """The LSTM recurrence with fixed recurrent masks, with a hand-written BPTT backward.

    ``xp`` holds the input projections of all time steps (masks and biases included), laid
    out ``(T, B, 4H)`` when tied or ``(T, 4, B, H)`` when untied. The forward pass runs without
    building an autograd graph (about 8 tensor ops per step) and the backward pass needs about
    6 ops per step; everything that can be vectorized over time is computed outside the loop.
    """

    @staticmethod
    def forward(ctx, xp, w_hh, h0, c0, zh, tied):
        T, (B, H) = xp.shape[0], h0.shape
        acts = torch.empty_like(xp)                        # sigmoid(i, f, o) and tanh(g)
        cells, tanh_cells, ys = (xp.new_empty(T, B, H) for _ in range(3))
        w = (w_hh.t() if tied else w_hh.view(4, H, H).transpose(1, 2)).contiguous()  # faster mm
        h, c = h0, c0
        for t in range(T):
            if tied:                                       # gates = xp_t + (h * z_h) W_hh^T
                hz = h if zh is None else h * zh
                gates = torch.addmm(xp[t], hz, w)
            else:                                          # one product per gate and gate mask
                hz = h.expand(4, B, H) if zh is None else h * zh
                gates = torch.baddbmm(xp[t], hz, w)
            a = acts[t]
            torch.sigmoid(gates, out=a)
            g = torch.tanh(_gate(gates, 2, H, tied), out=_gate(a, 2, H, tied))
            c = torch.addcmul(_gate(a, 1, H, tied) * c, _gate(a, 0, H, tied), g,
                              out=cells[t])                # c_t = f * c_{t-1} + i * g
            tc = torch.tanh(c, out=tanh_cells[t])
            h = torch.mul(_gate(a, 3, H, tied), tc, out=ys[t])  # h_t = o * tanh(c_t)
        ctx.tied = tied
        ctx.save_for_backward(w_hh, h0, c0, zh, acts, cells, tanh_cells, ys)
        return ys, h.clone(), c.clone()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_ys, grad_h, grad_c):
        w_hh, h0, c0, zh, acts, cells, tanh_cells, ys = ctx.saved_tensors
        tied, (T, B, H) = ctx.tied, ys.shape
        a_i, a_f, a_g, a_o = (_gate(acts, k, H, tied) for k in range(4))
        c_prev = torch.cat((c0.unsqueeze(0), cells[:-1]))
        h_prev = torch.cat((h0.unsqueeze(0), ys[:-1]))
        deriv = acts * (1 - acts)                          # sigmoid' = s (1 - s)
        _gate(deriv, 2, H, tied).copy_(1 - a_g * a_g)      # tanh' = 1 - tanh^2
        # d(pre-activation) = [dc * g, dc * c_{t-1}, dc * i, dh * tanh(c_t)] * deriv
        factors = _join((a_g, c_prev, a_i, tanh_cells), tied).mul_(deriv)
        dh_to_dc = a_o * (1 - tanh_cells * tanh_cells)     # h = o tanh(c)  =>  dc += dh o tanh'
        w = w_hh if tied else w_hh.view(4, H, H)
        d_gates = torch.empty_like(acts)
        dh, dc = grad_h, grad_c
        for t in range(T - 1, -1, -1):
            dh = dh + grad_ys[t]
            dc = torch.addcmul(dc, dh, dh_to_dc[t])
            dg = torch.mul(_join((dc, dc, dc, dh), tied), factors[t], out=d_gates[t])
            dc = dc * a_f[t]
            if tied:
                dh = dg @ w if zh is None else (dg @ w) * zh
            else:
                dh = torch.bmm(dg, w) if zh is None else torch.bmm(dg, w) * zh
                dh = dh.sum(0)
        grad_w = None
        if ctx.needs_input_grad[1]:                        # sum_t dG_t^T (h_{t-1} * z_h)
            grad_w = _recurrent_weight_grad(d_gates, h_prev, zh, tied)
        return d_gates, grad_w, dh, dc, None, None


def _recurrent_weight_grad(d_gates: Tensor, h_prev: Tensor, zh: Tensor | None,
                           tied: bool) -> Tensor:
    r""":math:`\sum_t \delta_t^\top (h_{t-1} \odot z_h)` for gradients ``d_gates`` of the
    recurrent products, laid out ``(T, B, G*H)`` (tied) or ``(T, G, B, H)`` (untied); returns
    the gradient of ``W_hh``, ``(G*H, H)``."""
    T, B, H = h_prev.shape
    if tied:
        hz = h_prev if zh is None else h_prev * zh
        return d_gates.reshape(T * B, -1).t() @ hz.reshape(T * B, H)
    G = d_gates.shape[1]
    hz = h_prev.unsqueeze(1)                               # (T, 1, B, H)
    hz = hz.expand(T, G, B, H) if zh is None else hz * zh
    return torch.bmm(d_gates.transpose(0, 1).reshape(G, T * B, H).transpose(1, 2),
                     hz.transpose(0, 1).reshape(G, T * B, H)).reshape(G * H, H)


class _VariationalRNN(nn.Module):
    """What :class:`VariationalLSTM` and :class:`VariationalGRU` share: parameters named like
    :class:`torch.nn.LSTM` / :class:`torch.nn.GRU`, per-sequence masks, and the input
    projections of all time steps in one product. Subclasses set ``_gates`` and define
    ``forward``."""

    _gates = 0                # gates per layer: 4 for the LSTM (i, f, g, o), 3 for the GRU
    is_dropout_layer = False  # a layer with weights, not a swappable dropout layer
    uses_dropout = True       # stochastic in training mode (see mc.enable_mc_dropout)

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, *,
                 p_input: float = 0.25, p_hidden: float = 0.25, p_output: float = 0.25,
                 tied: bool = True, batch_first: bool = False, bias: bool = True):
        super().__init__()
        self.input_size = check_int(input_size, name="input_size")
        self.hidden_size = check_int(hidden_size, name="hidden_size")
        self.num_layers = check_int(num_layers, name="num_layers")
        self.p_input = check_probability(p_input, name="p_input")
        self.p_hidden = check_probability(p_hidden, name="p_hidden")
        self.p_output = check_probability(p_output, name="p_output")
        self.tied, self.batch_first, self.bias = bool(tied), bool(batch_first), bool(bias)
        G, H = self._gates, hidden_size
        for l in range(num_layers):
            d_in = input_size if l == 0 else H
            setattr(self, f"weight_ih_l{l}", nn.Parameter(torch.empty(G * H, d_in)))
            setattr(self, f"weight_hh_l{l}", nn.Parameter(torch.empty(G * H, H)))
            if bias:
                setattr(self, f"bias_ih_l{l}", nn.Parameter(torch.empty(G * H)))
                setattr(self, f"bias_hh_l{l}", nn.Parameter(torch.empty(G * H)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Initialize like :class:`torch.nn.LSTM` and :class:`torch.nn.GRU`:
        U(-1/sqrt(H), 1/sqrt(H))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for w in self.parameters():
            nn.init.uniform_(w, -bound, bound)

    @classmethod
    def _copy_of(cls, rnn: nn.RNNBase, kind: type, name: str, **kwargs):
        """A new module with a copy of the weights of ``rnn``, an instance of ``kind``."""
        if not isinstance(rnn, kind):
            raise TypeError(f"{name} must be an nn.{kind.__name__}, got {type(rnn).__name__}")
        if rnn.bidirectional or rnn.proj_size:
            raise ValueError(f"{name} must be unidirectional and without projections")
        new = cls(rnn.input_size, rnn.hidden_size, rnn.num_layers, bias=rnn.bias,
                  batch_first=rnn.batch_first, **kwargs)
        new.to(device=rnn.weight_hh_l0.device, dtype=rnn.weight_hh_l0.dtype)
        new.load_state_dict(rnn.state_dict())  # after .to(): no rounding through float32
        return new

    def sample_masks(self, batch_size: int, *, like: Tensor,
                     generator: torch.Generator | None = None) -> dict:
        """Draw one set of masks for ``batch_size`` sequences (None where a rate is 0).

        Returns ``{"input": [z_x per layer], "hidden": [z_h per layer], "output": z_y}`` with
        shapes ``(B, D_l)`` / ``(B, H)`` when tied and ``(G, B, D_l)`` / ``(G, B, H)`` when
        untied, ``G`` the number of gates (4 for the LSTM, 3 for the GRU); ``z_y`` is
        ``(B, H)``. Pass the result to ``forward(masks=...)`` to reuse it (masks are ignored in
        eval mode).
        """
        check_int(batch_size, name="batch_size")
        lead = (batch_size,) if self.tied else (self._gates, batch_size)

        def draw(p, shape):
            return None if p == 0.0 else _keep_mask(shape, p, like=like, generator=generator)

        H, masks = self.hidden_size, {"input": [], "hidden": []}
        for l in range(self.num_layers):
            p_in, d_in = (self.p_input, self.input_size) if l == 0 else (self.p_output, H)
            masks["input"].append(draw(p_in, lead + (d_in,)))
            masks["hidden"].append(draw(self.p_hidden, lead + (H,)))
        masks["output"] = draw(self.p_output, (batch_size, H))
        return masks

    def _project(self, x: Tensor, zx: Tensor | None, l: int, b: Tensor | None, *,
                 gate_major: bool = False) -> Tensor:
        """Input projections of all time steps at once: (x ⊙ z_x) W_ih^T + b, laid out
        ``(T, B, G*H)`` (tied) or ``(T, G, B, H)`` (untied; ``(G, T, B, H)`` if
        ``gate_major``)."""
        w_ih, G, H = getattr(self, f"weight_ih_l{l}"), self._gates, self.hidden_size
        if self.tied:
            return F.linear(x if zx is None else x * zx, w_ih, b)               # (T, B, GH)
        if zx is None and not gate_major:                                        # (T, G, B, H)
            return F.linear(x, w_ih, b).unflatten(-1, (G, H)).permute(0, 2, 1, 3).contiguous()
        T, B, D = x.shape                                   # one product per gate: (G, T*B, D)
        if zx is None:
            xz = x.reshape(1, T * B, D).expand(G, T * B, D)
        else:
            xz = (x.unsqueeze(0) * zx.unsqueeze(1)).reshape(G, T * B, D)
        w = w_ih.view(G, H, D).transpose(1, 2)
        xp = torch.bmm(xz, w) if b is None else torch.baddbmm(b.view(G, 1, H), xz, w)
        xp = xp.view(G, T, B, H)
        return xp if gate_major else xp.transpose(0, 1).contiguous()           # (T, G, B, H)

    def _prepare(self, x: Tensor, masks: dict | None,
                 generator: torch.Generator | None) -> tuple[Tensor, dict]:
        """Check ``x``, put time first, and return it with the masks of this pass."""
        where = type(self).__name__
        check_tensor(x, name="input", ndims=(3,), where=where)
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{where}: expected input with {self.input_size} features "
                             f"in the last dimension, got shape {tuple(x.shape)}")
        if self.batch_first:
            x = x.transpose(0, 1)
        L = self.num_layers
        if not self.training:
            masks = {"input": [None] * L, "hidden": [None] * L, "output": None}
        elif masks is None:
            masks = self.sample_masks(x.shape[1], like=x, generator=generator)
        return x, masks

    def _finish(self, out: Tensor, masks: dict) -> Tensor:
        """Apply the output mask and restore the batch-first layout."""
        out = out if masks["output"] is None else out * masks["output"]
        return out.transpose(0, 1) if self.batch_first else out

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
                f"p_input={self.p_input}, p_hidden={self.p_hidden}, p_output={self.p_output}, "
                f"tied={self.tied}, batch_first={self.batch_first}, bias={self.bias}")


class VariationalLSTM(_VariationalRNN):
    r"""A multi-layer LSTM with variational dropout (Gal & Ghahramani 2016).

    For each sequence :math:`b` of the batch, masks are drawn **once** and reused at every time
    step :math:`t` of every layer :math:`l`:

    .. math::
        \mathrm{gates}_t = (x_t \odot z_x) W_{ih}^\top + (h_{t-1} \odot z_h) W_{hh}^\top + b,
        \qquad y_t = h_t^{(L)} \odot z_y,

    with :math:`z \in \{0, 1/(1-p)\}` (inverted scaling). ``tied=True`` uses one :math:`z_x` and
    one :math:`z_h` for the four gates (Gal's "tied weights"); ``tied=False`` draws four
    independent masks, one per gate :math:`i, f, g, o` ("untied weights"). The input of layer
    :math:`l \geq 1` is the output of layer :math:`l-1`, dropped with rate ``p_output`` (so
    that mask plays the role of layer :math:`l`'s :math:`z_x`); the last layer's output gets one
    more :math:`(B, H)` mask :math:`z_y` with rate ``p_output``. In eval mode all masks are off
    and the result equals :class:`torch.nn.LSTM` with the same weights.

    The parameters are named and shaped like :class:`torch.nn.LSTM`'s (``weight_ih_l0``, ...),
    so ``load_state_dict`` works both ways; see :meth:`from_lstm`. Masks can be drawn with
    :meth:`sample_masks` and passed to ``forward(masks=...)``, e.g. to reuse one set of masks.

    Speed: the input projections of all time steps are one matrix product (the input mask is
    constant over time); only the recurrent product stays in the Python loop, which runs
    without an autograd graph and has a hand-written backward pass (BPTT). On one CPU thread
    (torch 2.13, batch 20, 35 steps) forward + backward took about 0.8-1.7 times as long as
    :class:`torch.nn.LSTM` at 200 and 650 units (``benchmarks/bench_recurrent_mc.py``); an
    autograd loop compiled with ``torch.jit.script`` was measured at 2.4 times at 200 units.
    The backward pass is not itself differentiable (no double backward).

    Args:
        input_size: number of input features :math:`D`.
        hidden_size: number of hidden units :math:`H`.
        num_layers: number of stacked layers. Default: 1.
        p_input: drop probability of the first layer's input. Default: 0.25.
        p_hidden: drop probability of the recurrent state :math:`h_{t-1}`. Default: 0.25.
        p_output: drop probability of each layer's output. Default: 0.25.
        tied: one mask shared by the four gates (True) or one per gate (False). Default: True.
        batch_first: inputs and outputs are ``(B, T, ·)``. Default: False.
        bias: use biases. Default: True.

    Shape:
        Input :math:`(T, B, D)` (or :math:`(B, T, D)`); output :math:`(T, B, H)` (or
        :math:`(B, T, H)`); ``h`` and ``c``: :math:`(L, B, H)`.

    Returns:
        ``(output, (h_n, c_n))`` like :class:`torch.nn.LSTM` (``h_n`` before the output mask).

    References:
        Gal & Ghahramani (2016), https://arxiv.org/abs/1512.05287

    Example:
        >>> lstm = VariationalLSTM(3, 5, num_layers=2, p_hidden=0.3, tied=False)
        >>> y, (h, c) = lstm(torch.randn(7, 2, 3))
        >>> y.shape, h.shape
        (torch.Size([7, 2, 5]), torch.Size([2, 2, 5]))
    """

    _gates = 4

    @classmethod
    def from_lstm(cls, lstm: nn.LSTM, **kwargs) -> "VariationalLSTM":
        """Build a ``VariationalLSTM`` with a copy of the weights of a :class:`torch.nn.LSTM`."""
        return cls._copy_of(lstm, nn.LSTM, "lstm", **kwargs)

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None, *,
                masks: dict | None = None, generator: torch.Generator | None = None):
        x, masks = self._prepare(x, masks, generator)
        B, L, H = x.shape[1], self.num_layers, self.hidden_size
        if hx is None:
            h0 = c0 = x.new_zeros(L, B, H)
        else:
            h0, c0 = hx
        layer_in, h_n, c_n = x, [], []
        for l in range(L):
            b = None
            if self.bias:
                b = getattr(self, f"bias_ih_l{l}") + getattr(self, f"bias_hh_l{l}")
            xp = self._project(layer_in, masks["input"][l], l, b)
            layer_in, h, c = _VariationalRecurrence.apply(
                xp, getattr(self, f"weight_hh_l{l}"), h0[l], c0[l], masks["hidden"][l], self.tied)
            h_n.append(h)
            c_n.append(c)
        return self._finish(layer_in, masks), (torch.stack(h_n), torch.stack(c_n))


class _VariationalGRURecurrence(torch.autograd.Function):
    r"""The GRU recurrence with fixed recurrent masks, with a hand-written BPTT backward.

    ``xp`` holds the input projections :math:`(x \odot z_x) W_{ih}^\top + b_{ih}` of all time
    steps, laid out ``(T, B, 3H)`` when tied or gate-major ``(3, T, B, H)`` when untied (gates
    r, z, n). Per step, the recurrent products :math:`hp = (h \odot z_h) W_{hh}^\top + b_{hh}`
    are one ``addmm`` (``baddbmm`` untied), then :math:`r, z = \sigma(xp_{r,z} + hp_{r,z})`,
    :math:`n = \tanh(xp_n + r \odot hp_n)` and :math:`h' = n + z \odot (h - n)`: 8 tensor
    ops without an autograd graph, which also store what the backward pass needs
    (:math:`h \odot z_h` and :math:`h - n`). The backward pass needs 5 ops per step (7
    untied); the rest is vectorized over time, and the untied buffers of the backward pass are
    gate-major so that no large transposed copy is needed.
    """

    @staticmethod
    def forward(ctx, xp, w_hh, b_hh, h0, zh, tied):
        T, (B, H) = xp.shape[0 if tied else 1], h0.shape
        lead = (T,) if tied else (T, 3)
        acts = xp.new_empty(lead + ((B, 3 * H) if tied else (B, H)))  # sigmoid(r, z), tanh(n)
        hps = torch.empty_like(acts)                       # (h * z_h) W_hh^T + b_hh
        ys, diffs = xp.new_empty(T, B, H), xp.new_empty(T, B, H)      # h_t and h_{t-1} - n_t
        hzs = None                                         # h_{t-1} * z_h, gate-major untied
        if zh is not None:
            hzs = xp.new_empty((T, B, H) if tied else (3, T, B, H))
        if tied:
            w, b = w_hh.t().contiguous(), b_hh                                  # (H, 3H)
        else:
            w = w_hh.view(3, H, H).transpose(1, 2).contiguous()                 # (3, H, H)
            b = None if b_hh is None else b_hh.view(3, 1, H)
        h = h0
        for t in range(T):
            if tied:
                hz = h if zh is None else torch.mul(h, zh, out=hzs[t])
                hp = torch.mm(hz, w, out=hps[t]) if b is None else \
                    torch.addmm(b, hz, w, out=hps[t])
                x_t = xp[t]
            else:                                          # one product per gate and gate mask
                hz = h.expand(3, B, H) if zh is None else torch.mul(h, zh, out=hzs[:, t])
                hp = torch.bmm(hz, w, out=hps[t]) if b is None else \
                    torch.baddbmm(b, hz, w, out=hps[t])
                x_t = xp[:, t]
            a = acts[t]
            rz = _gate2(a, H, tied)
            torch.add(_gate2(x_t, H, tied), _gate2(hp, H, tied), out=rz).sigmoid_()
            n = torch.addcmul(_gate(x_t, 2, H, tied), _gate(a, 0, H, tied), _gate(hp, 2, H, tied),
                              out=_gate(a, 2, H, tied)).tanh_()
            diff = torch.sub(h, n, out=diffs[t])
            h = torch.addcmul(n, _gate(a, 1, H, tied), diff, out=ys[t])  # (1 - z) n + z h
        ctx.tied = tied
        ctx.save_for_backward(w_hh, b_hh, h0, zh, acts, hps, ys, diffs, hzs)
        return ys, h.clone()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_ys, grad_h):
        w_hh, b_hh, h0, zh, acts, hps, ys, diffs, hzs = ctx.saved_tensors
        tied, (T, B, H) = ctx.tied, ys.shape
        r, z, n = (_gate(acts, k, H, tied) for k in range(3))           # (T, B, H) each
        # dL/d hp = dh_t * factor, per gate; one pass per op, in place where possible:
        #   r: dn hp_n r (1 - r),  z: (h_{t-1} - n) z (1 - z),  n: dn r,
        # with dn = (1 - z)(1 - n^2) = dL/d(n's pre-activation) / dh_t.
        factors = acts.new_empty((T, B, 3 * H) if tied else (3, T, B, H))
        f_r, f_z, f_n = (factors.narrow(-1, k * H, H) if tied else factors[k] for k in range(3))
        torch.mul(n, n, out=f_n).neg_().add_(1)
        dn = (1 - z).mul_(f_n)
        torch.mul(dn, r, out=f_n)
        torch.mul(r, r, out=f_r)
        torch.sub(r, f_r, out=f_r).mul_(_gate(hps, 2, H, tied)).mul_(dn)
        torch.mul(z, z, out=f_z)
        torch.sub(z, f_z, out=f_z).mul_(diffs)
        w = w_hh if tied else w_hh.view(3, H, H)
        d_hps = torch.empty_like(factors)
        dhs = torch.empty_like(ys)                         # dL/dh_t, all paths
        dh = grad_h
        for t in range(T - 1, -1, -1):
            dh = torch.add(dh, grad_ys[t], out=dhs[t])
            if tied:                                       # (B, 1, H) * (B, 3, H)
                dg = torch.mul(dh.unsqueeze(1), factors[t].view(B, 3, H),
                               out=d_hps[t].view(B, 3, H)).view(B, 3 * H)
                back = dg @ w
            else:
                dg = torch.mul(dh, factors[:, t], out=d_hps[:, t])
                back = torch.bmm(dg, w)
            if zh is not None:
                back = back.mul_(zh)
            if not tied:
                back = back.sum(0)
            dh = torch.addcmul(back, dh, z[t])            # h = n + z (h_{t-1} - n): direct path
        grad_w = grad_b = None
        if ctx.needs_input_grad[1]:                        # sum_t dhp_t^T (h_{t-1} * z_h)
            if hzs is None:
                hzs = torch.cat((h0.unsqueeze(0), ys[:-1]))
                hzs = hzs if tied else hzs.expand(3, T, B, H)
            if tied:
                grad_w = d_hps.view(T * B, 3 * H).t() @ hzs.view(T * B, H)
            else:
                grad_w = torch.bmm(d_hps.view(3, T * B, H).transpose(1, 2),
                                   hzs.reshape(3, T * B, H)).view(3 * H, H)
        if b_hh is not None and ctx.needs_input_grad[2]:
            grad_b = d_hps.view(T * B, 3 * H).sum(0) if tied else \
                d_hps.view(3, T * B, H).sum(1).view(3 * H)
        # input projections: as hp for r and z; for n without the factor r
        d_xp = d_hps
        torch.mul(dhs, dn, out=d_xp.narrow(-1, 2 * H, H) if tied else d_xp[2])
        return d_xp, grad_w, grad_b, dh, None, None


def _gate2(x: Tensor, hidden: int, tied: bool) -> Tensor:
    """Gates 0 and 1 of ``x`` together (r and z of the GRU), in the layout of :func:`_gate`."""
    return x.narrow(-1, 0, 2 * hidden) if tied else x.narrow(-3, 0, 2)


class VariationalGRU(_VariationalRNN):
    r"""A multi-layer GRU with variational dropout (Gal & Ghahramani 2016).

    The gated recurrent unit of :class:`torch.nn.GRU` (gates :math:`r, z, n` in PyTorch's
    order), with masks drawn **once** per sequence :math:`b` and reused at every time step:

    .. math::
        r_t &= \sigma\big((x_t \odot z_x^r) W_{ir}^\top + b_{ir}
               + (h_{t-1} \odot z_h^r) W_{hr}^\top + b_{hr}\big), \\
        z_t &= \sigma\big((x_t \odot z_x^z) W_{iz}^\top + b_{iz}
               + (h_{t-1} \odot z_h^z) W_{hz}^\top + b_{hz}\big), \\
        n_t &= \tanh\big((x_t \odot z_x^n) W_{in}^\top + b_{in}
               + r_t \odot ((h_{t-1} \odot z_h^n) W_{hn}^\top + b_{hn})\big), \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1},
        \qquad y_t = h_t^{(L)} \odot z_y,

    with :math:`z \in \{0, 1/(1-p)\}` (inverted scaling). ``tied=True`` uses one :math:`z_x` and
    one :math:`z_h` for the three gates; ``tied=False`` draws three independent masks, one per
    gate ("untied weights"). The state in the interpolation :math:`z_t \odot h_{t-1}` is not
    masked: dropout acts on the connections into the gates, as in the LSTM, where the cell
    state is not masked either. Layers, ``p_output`` and the output mask :math:`z_y` work as in
    :class:`VariationalLSTM`. In eval mode all masks are off and the result equals
    :class:`torch.nn.GRU` with the same weights.

    The parameters are named and shaped like :class:`torch.nn.GRU`'s (``weight_ih_l0``
    :math:`(3H, D)`, ``weight_hh_l0`` :math:`(3H, H)`, ``bias_ih_l0``, ``bias_hh_l0``), so
    ``load_state_dict`` works both ways; see :meth:`from_gru`. :math:`b_{hn}` stays inside the
    product with :math:`r_t`, so unlike the LSTM's the two biases cannot be summed into one.

    Speed: as :class:`VariationalLSTM`, the input projections of all time steps are one matrix
    product and the recurrence runs without an autograd graph, with a hand-written backward
    pass (BPTT, not itself differentiable). On one CPU thread (torch 2.13,
    ``benchmarks/bench_variational_gru.py``, batch 20 and 128, 35 and 200 steps, 128 and 200
    units) forward + backward took 0.8-1.0 times as long as :class:`torch.nn.GRU` at batch
    20 and 1.15-1.5 times at batch 128 (untied masks: about 5 % slower than tied).

    Args:
        input_size: number of input features :math:`D`.
        hidden_size: number of hidden units :math:`H`.
        num_layers: number of stacked layers. Default: 1.
        p_input: drop probability of the first layer's input. Default: 0.25.
        p_hidden: drop probability of the recurrent state :math:`h_{t-1}`. Default: 0.25.
        p_output: drop probability of each layer's output. Default: 0.25.
        tied: one mask shared by the three gates (True) or one per gate (False). Default: True.
        batch_first: inputs and outputs are ``(B, T, ·)``. Default: False.
        bias: use biases. Default: True.

    Shape:
        Input :math:`(T, B, D)` (or :math:`(B, T, D)`); output :math:`(T, B, H)` (or
        :math:`(B, T, H)`); ``h``: :math:`(L, B, H)`.

    Returns:
        ``(output, h_n)`` like :class:`torch.nn.GRU` (``h_n`` before the output mask).

    References:
        Gal & Ghahramani (2016), https://arxiv.org/abs/1512.05287;
        Cho et al. (2014), https://arxiv.org/abs/1406.1078 (the GRU).

    Example:
        >>> gru = VariationalGRU(3, 5, num_layers=2, p_hidden=0.3, tied=False)
        >>> y, h = gru(torch.randn(7, 2, 3))
        >>> y.shape, h.shape
        (torch.Size([7, 2, 5]), torch.Size([2, 2, 5]))
        >>> ref = nn.GRU(3, 5, num_layers=2)
        >>> ref.load_state_dict(gru.state_dict())   # the same parameter names and shapes
        <All keys matched successfully>
        >>> x = torch.randn(7, 2, 3)
        >>> torch.allclose(gru.eval()(x)[0], ref(x)[0], atol=1e-6)
        True
    """

    _gates = 3

    @classmethod
    def from_gru(cls, gru: nn.GRU, **kwargs) -> "VariationalGRU":
        """Build a ``VariationalGRU`` with a copy of the weights of a :class:`torch.nn.GRU`."""
        return cls._copy_of(gru, nn.GRU, "gru", **kwargs)

    def forward(self, x: Tensor, hx: Tensor | None = None, *,
                masks: dict | None = None, generator: torch.Generator | None = None):
        x, masks = self._prepare(x, masks, generator)
        B, L, H = x.shape[1], self.num_layers, self.hidden_size
        h0 = x.new_zeros(L, B, H) if hx is None else hx
        layer_in, h_n = x, []
        for l in range(L):
            b_ih = getattr(self, f"bias_ih_l{l}") if self.bias else None
            b_hh = getattr(self, f"bias_hh_l{l}") if self.bias else None
            xp = self._project(layer_in, masks["input"][l], l, b_ih, gate_major=True)
            layer_in, h = _VariationalGRURecurrence.apply(
                xp, getattr(self, f"weight_hh_l{l}"), b_hh, h0[l], masks["hidden"][l],
                self.tied)
            h_n.append(h)
        return self._finish(layer_in, masks), torch.stack(h_n)


# ---------------------------------------------------------------------------------------------
# Weight-dropped LSTM (AWD-LSTM)
# ---------------------------------------------------------------------------------------------

class WeightDropLSTM(nn.Module):
    r"""An :class:`torch.nn.LSTM` with DropConnect on its hidden-to-hidden weights (AWD-LSTM).

    At each forward pass in training, one mask :math:`M \in \{0, 1/(1-p)\}^{4H \times H}` is
    drawn per layer and applied to :math:`W_{hh}`; it is shared by all time steps **and** all
    sequences of the batch:
    :math:`\mathrm{gates}_t = x_t W_{ih}^\top + h_{t-1} (M \odot W_{hh})^\top + b`.
    The dropped weights are passed to the wrapped LSTM with :func:`torch.func.functional_call`,
    so the fused ``nn.LSTM`` kernel runs and gradients reach the raw weights (zero where
    dropped), without the ``_setweights`` / ``flatten_parameters`` workarounds of the original
    code. In eval mode it is the wrapped LSTM.

    Args:
        input_size: number of input features.
        hidden_size: number of hidden units.
        num_layers: number of stacked layers. Default: 1.
        weight_p: drop probability of each recurrent weight. Default: 0.5.
        batch_first: inputs and outputs are ``(B, T, ·)``. Default: False.
        bias: use biases. Default: True.

    Shape:
        As :class:`torch.nn.LSTM`.

    References:
        Merity, Keskar & Socher (2018), https://arxiv.org/abs/1708.02182;
        Wan et al. (2013), DropConnect, ICML.

    Example:
        >>> lstm = WeightDropLSTM(3, 5, weight_p=0.5)
        >>> y, (h, c) = lstm(torch.randn(7, 2, 3))
        >>> y.shape
        torch.Size([7, 2, 5])
    """

    is_dropout_layer = False
    uses_dropout = True

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, *,
                 weight_p: float = 0.5, batch_first: bool = False, bias: bool = True):
        super().__init__()
        check_int(input_size, name="input_size")
        check_int(hidden_size, name="hidden_size")
        check_int(num_layers, name="num_layers")
        self.weight_p = check_probability(weight_p, name="weight_p")
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, bias=bias,
                            batch_first=batch_first)

    @classmethod
    def from_lstm(cls, lstm: nn.LSTM, weight_p: float = 0.5) -> "WeightDropLSTM":
        """Wrap an existing :class:`torch.nn.LSTM` (its parameters are shared, not copied)."""
        if not isinstance(lstm, nn.LSTM):
            raise TypeError(f"lstm must be an nn.LSTM, got {type(lstm).__name__}")
        new = cls(1, 1, weight_p=weight_p)
        new.lstm = lstm
        return new

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None, *,
                generator: torch.Generator | None = None):
        check_tensor(x, name="input", ndims=(2, 3), where="WeightDropLSTM")
        args = (x,) if hx is None else (x, hx)
        if not self.training or self.weight_p == 0.0:
            return self.lstm(*args)
        params = dict(self.lstm.named_parameters())
        for l in range(self.lstm.num_layers):
            for suffix in ("", "_reverse") if self.lstm.bidirectional else ("",):
                name = f"weight_hh_l{l}{suffix}"
                w = params[name]
                params[name] = w * _keep_mask(w.shape, self.weight_p, like=w, generator=generator)
        return functional_call(self.lstm, params, args)

    def extra_repr(self) -> str:
        return f"weight_p={self.weight_p}"
