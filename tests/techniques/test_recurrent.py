"""Tests for locked dropout, embedding dropout, VariationalLSTM, VariationalGRU and
WeightDropLSTM.

Statistical tests use z = 5 binomial bounds (TECHNIQUES.md §0.3): a false alarm rate of about
6e-7 per test, and every test is seeded.
"""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from dropout_tutorial.techniques.mc import enable_mc_dropout
from dropout_tutorial.techniques.recurrent import (
    EmbeddingDropout, LockedDropout, VariationalGRU, VariationalLSTM, WeightDropLSTM, _keep_mask,
    embedding_dropout, locked_dropout,
)
from dropout_tutorial.techniques.tools import is_dropout_layer, uses_dropout

Z = 5.0


def assert_binomial(k: int, n: int, p: float) -> None:
    """|K - np| <= z sqrt(np(1-p)) for K ~ Binomial(n, p)."""
    assert abs(k - n * p) <= Z * math.sqrt(n * p * (1 - p)), (k, n, p)


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ------------------------------------------------------------------ locked dropout

class TestLockedDropout:
    @pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
    @pytest.mark.parametrize("batch_first", [False, True])
    def test_shape_and_dtype_preserved(self, dtype, batch_first):
        """Output has the input's shape and dtype."""
        x = torch.randn(5, 3, 4, dtype=dtype)
        y = LockedDropout(0.3, batch_first=batch_first)(x, generator=gen())
        assert y.shape == x.shape and y.dtype == dtype

    def test_eval_and_p0_are_identity(self):
        """Eval mode and p = 0 return the input itself."""
        x = torch.randn(5, 3, 4)
        assert LockedDropout(0.5).eval()(x) is x
        assert locked_dropout(x, 0.0) is x

    def test_p1_gives_zeros_and_zero_gradient(self):
        """p = 1 drops everything, with a zero gradient (no NaN from 1/(1-p))."""
        x = torch.randn(5, 3, 4, requires_grad=True)
        y = locked_dropout(x, 1.0)
        y.sum().backward()
        assert torch.equal(y, torch.zeros_like(y)) and torch.equal(x.grad, torch.zeros_like(x))

    @pytest.mark.parametrize("batch_first", [False, True])
    def test_same_mask_at_every_time_step(self, batch_first):
        """The zero pattern is identical at every step (the mask is per sequence)."""
        x = torch.ones(3, 6, 8) if batch_first else torch.ones(6, 3, 8)
        y = locked_dropout(x, 0.5, batch_first=batch_first, generator=gen(1))
        first = y[:, :1] if batch_first else y[:1]
        assert torch.equal(y, first.expand_as(y))
        assert (y == 0).any() and (y != 0).any()

    def test_drop_rate_is_binomial_over_sequences_and_features(self):
        """Dropped entries ~ Binomial(B*F, p), counted on one time step; kept values = 1/(1-p)."""
        p, B, Fdim = 0.3, 400, 250
        y = locked_dropout(torch.ones(4, B, Fdim), p, generator=gen(2))[0]
        assert_binomial(int((y == 0).sum()), B * Fdim, p)
        assert torch.allclose(y[y != 0], torch.tensor(1 / (1 - p)))

    def test_mean_is_preserved(self):
        """E[y] = x: the mean of 1e5 entries is within z * sigma / sqrt(n), sigma^2 = p/(1-p)."""
        p, n = 0.4, 100_000
        y = locked_dropout(torch.ones(2, n, 1), p, generator=gen(3))[0]
        assert abs(y.mean().item() - 1.0) <= Z * math.sqrt(p / (1 - p) / n)

    def test_masks_differ_across_sequences_and_calls(self):
        """Each sequence has its own mask, and a new call draws new masks."""
        x = torch.ones(2, 8, 64)
        g = gen(4)
        a, b = locked_dropout(x, 0.5, generator=g), locked_dropout(x, 0.5, generator=g)
        assert not torch.equal(a, b)
        assert not all(torch.equal(a[0, 0], a[0, j]) for j in range(1, 8))

    def test_gradient_is_mask_over_keep_prob(self):
        """dy/dx = m / (1 - p): for a ones input the gradient equals the output."""
        x = torch.ones(4, 3, 5, requires_grad=True)
        y = locked_dropout(x, 0.5, generator=gen(5))
        y.sum().backward()
        assert torch.equal(x.grad, y.detach())

    def test_generator_reproduces_mask_and_device_follows_input(self):
        """Same seed, same output; the mask is built on the input's device (meta here)."""
        x = torch.randn(4, 3, 5)
        assert torch.equal(locked_dropout(x, 0.5, generator=gen(6)),
                           locked_dropout(x, 0.5, generator=gen(6)))
        assert locked_dropout(torch.ones(4, 3, 5, device="meta"), 0.5).device.type == "meta"


# ------------------------------------------------------------------ embedding dropout

class TestEmbeddingDropout:
    def test_shape_dtype_and_identity_in_eval_and_p0(self):
        """(B, L) ids give (B, L, D); eval and p = 0 equal a plain lookup."""
        emb = EmbeddingDropout(20, 6, p=0.5).double()
        ids = torch.randint(0, 20, (3, 7), generator=gen())
        assert emb(ids).shape == (3, 7, 6) and emb(ids).dtype == torch.float64
        assert torch.equal(emb.eval()(ids), F.embedding(ids, emb.weight))
        assert torch.equal(embedding_dropout(ids, emb.weight, 0.0), F.embedding(ids, emb.weight))

    def test_drops_whole_word_types(self):
        """Every occurrence of a word gets the same row: all zeros or E_v / (1 - p)."""
        p, weight = 0.5, torch.randn(10, 4)
        ids = torch.randint(0, 10, (8, 30), generator=gen(1))
        y = embedding_dropout(ids, weight, p, generator=gen(2))
        for v in ids.unique():
            rows = y[ids == v]
            assert torch.equal(rows, rows[:1].expand_as(rows))
            kept = torch.allclose(rows[0], weight[v] / (1 - p))
            assert torch.equal(rows[0], torch.zeros(4)) or kept

    def test_equals_lookup_in_masked_matrix(self):
        """Oracle: F.embedding(ids, diag(m) E / (1-p)) with the mask drawn from the same seed."""
        weight, ids = torch.randn(50, 8), torch.randint(0, 50, (4, 9), generator=gen(3))
        mask = _keep_mask((50,), 0.3, like=weight, generator=gen(4))
        expected = F.embedding(ids, weight * mask.unsqueeze(1))
        assert torch.allclose(embedding_dropout(ids, weight, 0.3, generator=gen(4)), expected)

    def test_word_drop_rate_is_binomial_over_vocabulary(self):
        """Dropped word types ~ Binomial(V, p)."""
        V, p = 20_000, 0.2
        y = embedding_dropout(torch.arange(V), torch.ones(V, 2), p, generator=gen(5))
        assert_binomial(int((y[:, 0] == 0).sum()), V, p)

    def test_p1_and_gradient_zero_for_dropped_words(self):
        """p = 1 gives zeros; weight gradients are 0 for dropped words, count/(1-p) otherwise."""
        emb = EmbeddingDropout(6, 3, p=0.5)
        ids = torch.tensor([[0, 1, 1, 2, 3, 3, 3, 4, 5, 5]])
        y = emb(ids, generator=gen(6))
        y.sum().backward()
        counts = torch.bincount(ids.flatten(), minlength=6).float()
        kept = (y[0] != 0).any(-1)
        expected = torch.zeros(6)
        for pos, v in enumerate(ids[0]):
            expected[v] = counts[v] / 0.5 if kept[pos] else 0.0
        assert torch.allclose(emb.weight.grad[:, 0], expected)
        assert torch.equal(embedding_dropout(ids, emb.weight, 1.0), torch.zeros(1, 10, 3))

    def test_device_follows_input(self):
        """The row mask is built on the weight's device (meta here)."""
        ids = torch.zeros(2, 3, dtype=torch.long, device="meta")
        y = embedding_dropout(ids, torch.empty(5, 4, device="meta"), 0.5)
        assert y.device.type == "meta" and y.shape == (2, 3, 4)

    def test_from_embedding_shares_weight_and_state_dict(self):
        """from_embedding shares the Parameter; the state dict matches nn.Embedding's."""
        base = nn.Embedding(7, 3, padding_idx=0)
        emb = EmbeddingDropout.from_embedding(base, p=0.2)
        assert emb.weight is base.weight and emb.padding_idx == 0
        assert emb.state_dict().keys() == base.state_dict().keys()


# ------------------------------------------------------------------ variational LSTM

def reference_lstm(lstm: VariationalLSTM, x, masks, hx=None):
    """A plain autograd LSTM written from the docstring formula, with the given masks."""
    T, B, _ = x.shape
    H, L = lstm.hidden_size, lstm.num_layers
    inp, hs, cs = x, [], []
    for l in range(L):
        w_ih, w_hh = getattr(lstm, f"weight_ih_l{l}"), getattr(lstm, f"weight_hh_l{l}")
        b = getattr(lstm, f"bias_ih_l{l}") + getattr(lstm, f"bias_hh_l{l}")
        zx, zh = masks["input"][l], masks["hidden"][l]
        h = x.new_zeros(B, H) if hx is None else hx[0][l]
        c = x.new_zeros(B, H) if hx is None else hx[1][l]
        outs = []
        for t in range(T):
            gates = []
            for k in range(4):  # gate k uses its own mask when untied
                mx = 1 if zx is None else (zx if lstm.tied else zx[k])
                mh = 1 if zh is None else (zh if lstm.tied else zh[k])
                rows = slice(k * H, (k + 1) * H)
                gates.append((inp[t] * mx) @ w_ih[rows].T + (h * mh) @ w_hh[rows].T + b[rows])
            i, f, g, o = torch.sigmoid(gates[0]), torch.sigmoid(gates[1]), torch.tanh(gates[2]), \
                torch.sigmoid(gates[3])
            c = f * c + i * g
            h = o * torch.tanh(c)
            outs.append(h)
        inp = torch.stack(outs)
        hs.append(h)
        cs.append(c)
    out = inp if masks["output"] is None else inp * masks["output"]
    return out, (torch.stack(hs), torch.stack(cs))


class TestVariationalLSTM:
    @pytest.mark.parametrize("tied", [True, False])
    @pytest.mark.parametrize("batch_first", [False, True])
    def test_eval_equals_nn_lstm_with_copied_weights(self, tied, batch_first):
        """Eval mode = nn.LSTM with the same weights (outputs, states, gradients; 1e-6)."""
        torch.manual_seed(0)
        ref = nn.LSTM(4, 6, num_layers=2, batch_first=batch_first)
        var = VariationalLSTM.from_lstm(ref, tied=tied, p_input=0.5, p_hidden=0.5,
                                        p_output=0.5).eval()
        x = torch.randn((3, 7, 4) if batch_first else (7, 3, 4))
        hx = (torch.randn(2, 3, 6), torch.randn(2, 3, 6))
        (y1, (h1, c1)), (y2, (h2, c2)) = var(x, hx), ref(x, hx)
        for a, b in ((y1, y2), (h1, h2), (c1, c2)):
            assert torch.allclose(a, b, atol=1e-6)
        (y1.sum() + c1.sum()).backward()
        (y2.sum() + c2.sum()).backward()
        for name, p in ref.named_parameters():
            assert torch.allclose(getattr(var, name).grad, p.grad, atol=1e-5), name

    def test_training_with_p0_equals_nn_lstm(self):
        """With all rates 0, training mode runs the same recurrence as nn.LSTM."""
        torch.manual_seed(1)
        ref = nn.LSTM(3, 5, num_layers=2)
        var = VariationalLSTM.from_lstm(ref, p_input=0.0, p_hidden=0.0, p_output=0.0)
        x = torch.randn(6, 4, 3)
        assert torch.allclose(var(x)[0], ref(x)[0], atol=1e-6)

    @pytest.mark.parametrize("tied", [True, False])
    def test_matches_reference_with_the_same_masks(self, tied):
        """Train mode with given masks equals the formula written as a plain autograd loop."""
        torch.manual_seed(2)
        var = VariationalLSTM(3, 5, num_layers=2, p_input=0.3, p_hidden=0.4, p_output=0.5,
                              tied=tied).double()
        x = torch.randn(6, 4, 3, dtype=torch.float64)
        masks = var.sample_masks(4, like=x, generator=gen(3))
        y, (h, c) = var(x, masks=masks)
        y_ref, (h_ref, c_ref) = reference_lstm(var, x, masks)
        assert torch.allclose(y, y_ref) and torch.allclose(h, h_ref) and torch.allclose(c, c_ref)

    @pytest.mark.parametrize("tied", [True, False])
    def test_gradcheck_with_fixed_masks(self, tied):
        """The hand-written backward agrees with finite differences (inputs, states, weights)."""
        torch.manual_seed(4)
        var = VariationalLSTM(2, 3, num_layers=2, p_input=0.3, p_hidden=0.3, p_output=0.3,
                              tied=tied).double()
        x = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
        h0 = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
        c0 = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
        masks = var.sample_masks(2, like=x, generator=gen(5))
        names = [n for n, _ in var.named_parameters()]

        def f(x, h0, c0, *params):
            y, (h, c) = functional_call(var, dict(zip(names, params)), (x, (h0, c0)),
                                        {"masks": masks})
            return y.sum() + (h ** 2).sum() + (c ** 3).sum()

        params = tuple(p.detach().clone().requires_grad_() for p in var.parameters())
        assert torch.autograd.gradcheck(f, (x, h0, c0) + params)

    def test_sampled_masks_have_expected_shapes_and_untied_gates_differ(self):
        """Tied: one (B, D) mask per vector; untied: 4 different gate masks (4, B, D)."""
        x = torch.zeros(1, 8, 3)
        tied = VariationalLSTM(3, 5, p_input=0.5, p_hidden=0.5).sample_masks(8, like=x,
                                                                               generator=gen())
        untied = VariationalLSTM(3, 5, p_input=0.5, p_hidden=0.5, tied=False).sample_masks(
            8, like=x, generator=gen())
        assert tied["input"][0].shape == (8, 3) and tied["hidden"][0].shape == (8, 5)
        assert untied["input"][0].shape == (4, 8, 3) and untied["hidden"][0].shape == (4, 8, 5)
        zh = untied["hidden"][0]
        assert all(not torch.equal(zh[i], zh[j]) for i in range(4) for j in range(i + 1, 4))

    def test_forward_samples_masks_like_sample_masks(self):
        """forward(generator=g) draws exactly the masks of sample_masks(generator=g)."""
        var = VariationalLSTM(3, 5, num_layers=2, tied=False)
        x = torch.randn(4, 2, 3)
        masks = var.sample_masks(2, like=x, generator=gen(7))
        assert torch.equal(var(x, generator=gen(7))[0], var(x, masks=masks)[0])

    def test_recurrent_mask_rate_is_binomial_over_batch_and_units(self):
        """Recurrent-mask zeros ~ Binomial(B*H, p): one draw per sequence, not per step."""
        var = VariationalLSTM(3, 100, p_hidden=0.25)
        zh = var.sample_masks(1000, like=torch.zeros(1), generator=gen(8))["hidden"][0]
        assert_binomial(int((zh == 0).sum()), 1000 * 100, 0.25)
        assert torch.allclose(zh[zh != 0], torch.tensor(1 / 0.75))

    def test_output_zeros_line_up_over_time(self):
        """With an output mask only, the zeros of y[t] are the same for every t."""
        var = VariationalLSTM(3, 16, p_input=0.0, p_hidden=0.0, p_output=0.5)
        y, _ = var(torch.randn(9, 4, 3), generator=gen(9))
        zeros = y == 0
        assert torch.equal(zeros, zeros[:1].expand_as(zeros)) and zeros.any()

    def test_p_hidden_one_removes_the_recurrent_product(self):
        """p_hidden = 1 equals an LSTM with W_hh = 0 (the cell state still carries over)."""
        torch.manual_seed(10)
        var = VariationalLSTM(3, 4, p_input=0.0, p_hidden=1.0, p_output=0.0)
        ref = nn.LSTM(3, 4)
        ref.load_state_dict(var.state_dict())
        with torch.no_grad():
            ref.weight_hh_l0.zero_()
        x = torch.randn(5, 2, 3)
        assert torch.allclose(var(x)[0], ref(x)[0], atol=1e-6)

    def test_input_gradient_is_zero_where_the_input_mask_drops(self):
        """dL/dx[:, b, d] = 0 at every step for the (b, d) dropped by the input mask."""
        var = VariationalLSTM(6, 4, p_input=0.5, p_hidden=0.0, p_output=0.0)
        x = torch.randn(5, 3, 6, requires_grad=True)
        masks = var.sample_masks(3, like=x, generator=gen(11))
        var(x, masks=masks)[0].sum().backward()
        dropped = masks["input"][0] == 0
        assert dropped.any()
        assert torch.equal(x.grad[:, dropped], torch.zeros_like(x.grad[:, dropped]))
        assert (x.grad[:, ~dropped] != 0).all()

    def test_train_is_stochastic_eval_is_deterministic_and_dtype_follows(self):
        """Two training calls differ; eval calls agree; float64 in gives float64 out."""
        var = VariationalLSTM(3, 5).double()
        x = torch.randn(4, 2, 3, dtype=torch.float64)
        assert not torch.equal(var(x)[0], var(x)[0])
        var.eval()
        assert torch.equal(var(x)[0], var(x)[0]) and var(x)[0].dtype == torch.float64

    def test_device_follows_input_and_from_lstm_keeps_float64(self):
        """Masks and states are created on the input's device (meta here); from_lstm copies
        float64 weights without rounding through float32."""
        var = VariationalLSTM(3, 4, num_layers=2, tied=False).to("meta")
        y, (h, c) = var(torch.empty(5, 2, 3, device="meta"))
        assert y.device.type == h.device.type == c.device.type == "meta"
        ref = nn.LSTM(3, 4, dtype=torch.float64)
        with torch.no_grad():
            ref.weight_hh_l0.add_(1e-12)  # not representable in float32
        assert torch.equal(VariationalLSTM.from_lstm(ref).weight_hh_l0, ref.weight_hh_l0)

    def test_nn_lstm_dropout_is_not_variational(self):
        """Contrast: nn.LSTM(dropout=p) = F.dropout on the lower layer's whole (T, B, H) output,
        so the mask changes at every time step (reproduced exactly by stacking two LSTMs)."""
        torch.manual_seed(12)
        lstm = nn.LSTM(3, 32, num_layers=2, dropout=0.5)
        lower, upper = nn.LSTM(3, 32), nn.LSTM(32, 32)
        state = lstm.state_dict()
        lower.load_state_dict({k: v for k, v in state.items() if k.endswith("_l0")})
        upper.load_state_dict({k.replace("_l1", "_l0"): v for k, v in state.items()
                               if k.endswith("_l1")})
        x = torch.randn(6, 2, 3)
        torch.manual_seed(13)
        y = lstm(x)[0]
        torch.manual_seed(13)
        mid = lower(x)[0]
        mask = F.dropout(torch.ones_like(mid), 0.5)
        assert torch.allclose(upper(mid * mask)[0], y, atol=1e-6)
        assert not torch.equal(mask[0] == 0, mask[1] == 0)


# ------------------------------------------------------------------ variational GRU

def reference_gru(gru: VariationalGRU, x, masks, hx=None):
    """A plain autograd GRU written from the docstring equations (PyTorch's gate order r, z, n,
    b_hn inside the product with r, the unmasked h in the interpolation), with given masks.
    Time-first input ``(T, B, D)``."""
    T, B, _ = x.shape
    H, L = gru.hidden_size, gru.num_layers

    def mask(m, k):                                   # gate k's mask: shared when tied
        return 1 if m is None else (m if gru.tied else m[k])

    inp, hs = x, []
    for l in range(L):
        w_ih, w_hh = getattr(gru, f"weight_ih_l{l}"), getattr(gru, f"weight_hh_l{l}")
        if gru.bias:
            b_ih, b_hh = getattr(gru, f"bias_ih_l{l}"), getattr(gru, f"bias_hh_l{l}")
        else:
            b_ih = b_hh = x.new_zeros(3 * H)
        zx, zh = masks["input"][l], masks["hidden"][l]
        h = x.new_zeros(B, H) if hx is None else hx[l]
        outs = []
        for t in range(T):
            gx, gh = [], []
            for k in range(3):
                rows = slice(k * H, (k + 1) * H)
                gx.append((inp[t] * mask(zx, k)) @ w_ih[rows].T + b_ih[rows])
                gh.append((h * mask(zh, k)) @ w_hh[rows].T + b_hh[rows])
            r = torch.sigmoid(gx[0] + gh[0])
            z = torch.sigmoid(gx[1] + gh[1])
            n = torch.tanh(gx[2] + r * gh[2])
            h = (1 - z) * n + z * h
            outs.append(h)
        inp = torch.stack(outs)
        hs.append(h)
    out = inp if masks["output"] is None else inp * masks["output"]
    return out, torch.stack(hs)


def gru_outputs_and_grads(model, x, hx, params):
    """Outputs of ``model(x, hx)`` and the gradients of a loss that weighs every output
    differently with respect to ``x``, ``hx`` and ``params`` (float64)."""
    y, h = model(x, hx)
    weights = torch.linspace(-1, 1, y.numel(), dtype=y.dtype).view_as(y)
    loss = (y * weights).sum() + (h ** 3).sum()
    inputs = [x] + ([] if hx is None else [hx]) + list(params)
    return (y, h), torch.autograd.grad(loss, inputs)


def assert_matches_nn_gru(var: VariationalGRU, ref: nn.GRU, x, hx) -> None:
    """Same outputs, final state and gradients (input, state, every parameter), float64."""
    names = [n for n, _ in ref.named_parameters()]
    assert names == [n for n, _ in var.named_parameters()]
    (y1, h1), g1 = gru_outputs_and_grads(var, x, hx, [getattr(var, n) for n in names])
    (y2, h2), g2 = gru_outputs_and_grads(ref, x, hx, [getattr(ref, n) for n in names])
    tol = dict(rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(y1, y2, **tol)
    torch.testing.assert_close(h1, h2, **tol)
    assert len(g1) == len(g2) == len(names) + 1 + (hx is not None)
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b, **tol)


def scaled_gru(var: VariationalGRU, zx_b, zh_b) -> nn.GRU:
    """A one-layer nn.GRU whose weight columns are scaled by one sequence's masks: input gate
    k uses W_ik diag(z_x^k), recurrent gate k uses W_hk diag(z_h^k)."""
    H, D = var.hidden_size, var.input_size
    state = {k: v.clone() for k, v in var.state_dict().items()}
    if var.tied:                                      # one mask for the three gates
        zx_b, zh_b = zx_b.expand(3, D), zh_b.expand(3, H)
    state["weight_ih_l0"] = (state["weight_ih_l0"].view(3, H, D) * zx_b.unsqueeze(1)).view(-1, D)
    state["weight_hh_l0"] = (state["weight_hh_l0"].view(3, H, H) * zh_b.unsqueeze(1)).view(-1, H)
    ref = nn.GRU(D, H, dtype=torch.float64)
    ref.load_state_dict(state)
    return ref


class TestVariationalGRU:
    @pytest.mark.parametrize("tied", [True, False])
    @pytest.mark.parametrize("batch_first", [False, True])
    @pytest.mark.parametrize("bias", [True, False])
    def test_eval_equals_nn_gru_with_copied_weights(self, tied, batch_first, bias):
        """Eval mode = nn.GRU with the same weights: outputs, h_n and all gradients (float64,
        3 layers, with an initial state)."""
        torch.manual_seed(0)
        ref = nn.GRU(4, 6, num_layers=3, bias=bias, batch_first=batch_first,
                     dtype=torch.float64)
        var = VariationalGRU.from_gru(ref, tied=tied, p_input=0.5, p_hidden=0.5,
                                      p_output=0.5).eval()
        x = torch.randn((3, 7, 4) if batch_first else (7, 3, 4), dtype=torch.float64,
                        requires_grad=True)
        hx = torch.randn(3, 3, 6, dtype=torch.float64, requires_grad=True)
        assert_matches_nn_gru(var, ref, x, hx)

    @pytest.mark.parametrize("tied", [True, False])
    @pytest.mark.parametrize("batch_first", [False, True])
    @pytest.mark.parametrize("bias", [True, False])
    @pytest.mark.parametrize("with_hx", [False, True])
    def test_training_with_p0_equals_nn_gru(self, tied, batch_first, bias, with_hx):
        """With all rates 0, training mode runs exactly nn.GRU's recurrence and gradients."""
        torch.manual_seed(1)
        ref = nn.GRU(3, 5, num_layers=2, bias=bias, batch_first=batch_first,
                     dtype=torch.float64)
        var = VariationalGRU.from_gru(ref, tied=tied, p_input=0.0, p_hidden=0.0, p_output=0.0)
        assert var.training
        x = torch.randn((4, 6, 3) if batch_first else (6, 4, 3), dtype=torch.float64,
                        requires_grad=True)
        hx = torch.randn(2, 4, 5, dtype=torch.float64, requires_grad=True) if with_hx else None
        assert_matches_nn_gru(var, ref, x, hx)

    @pytest.mark.parametrize("tied", [True, False])
    @pytest.mark.parametrize("bias", [True, False])
    def test_matches_reference_with_the_same_masks(self, tied, bias):
        """Train mode with given masks equals the equations written as a plain autograd loop:
        outputs, h_n and the gradients of inputs, state and every parameter."""
        torch.manual_seed(2)
        var = VariationalGRU(3, 5, num_layers=2, p_input=0.3, p_hidden=0.4, p_output=0.5,
                             tied=tied, bias=bias).double()
        x = torch.randn(6, 4, 3, dtype=torch.float64, requires_grad=True)
        hx = torch.randn(2, 4, 5, dtype=torch.float64, requires_grad=True)
        masks = var.sample_masks(4, like=x, generator=gen(3))
        params = list(var.parameters())
        (y, h), grads = gru_outputs_and_grads(lambda x, hx: var(x, hx, masks=masks), x, hx,
                                              params)
        (y_ref, h_ref), grads_ref = gru_outputs_and_grads(
            lambda x, hx: reference_gru(var, x, masks, hx), x, hx, params)
        tol = dict(rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(y, y_ref, **tol)
        torch.testing.assert_close(h, h_ref, **tol)
        for a, b in zip(grads, grads_ref):
            torch.testing.assert_close(a, b, **tol)
        assert (y == 0).any()                        # the output mask did drop something

    @pytest.mark.parametrize("tied, bias, p_hidden", [(True, True, 0.3), (False, True, 0.3),
                                                      (True, False, 0.0), (False, False, 0.0)])
    def test_gradcheck_with_fixed_masks(self, tied, bias, p_hidden):
        """The hand-written backward agrees with finite differences (inputs, state, weights),
        with and without a recurrent mask and biases."""
        torch.manual_seed(4)
        var = VariationalGRU(2, 3, num_layers=2, p_input=0.3, p_hidden=p_hidden, p_output=0.3,
                             tied=tied, bias=bias).double()
        x = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
        h0 = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
        masks = var.sample_masks(2, like=x, generator=gen(5))
        assert (masks["hidden"][0] is None) == (p_hidden == 0.0)
        names = [n for n, _ in var.named_parameters()]

        def f(x, h0, *params):
            y, h = functional_call(var, dict(zip(names, params)), (x, h0), {"masks": masks})
            return y.sum() + (h ** 2).sum()

        params = tuple(p.detach().clone().requires_grad_() for p in var.parameters())
        assert torch.autograd.gradcheck(f, (x, h0) + params)

    @pytest.mark.parametrize("tied", [True, False])
    def test_each_sequence_is_a_gru_with_fixed_dropped_weights(self, tied):
        """Masks are per sequence and constant over time: sequence b equals an nn.GRU whose
        weight columns are scaled by b's masks, the same weights at every one of 12 steps;
        the sequences' masks differ."""
        torch.manual_seed(6)
        var = VariationalGRU(4, 8, p_input=0.4, p_hidden=0.4, p_output=0.0,
                             tied=tied).double()
        x = torch.randn(12, 5, 4, dtype=torch.float64)
        masks = var.sample_masks(5, like=x, generator=gen(7))
        y, h = var(x, generator=gen(7))              # draws exactly these masks
        zx, zh = masks["input"][0], masks["hidden"][0]
        per_seq = [(zx[b], zh[b]) if tied else (zx[:, b], zh[:, b]) for b in range(5)]
        expected = [scaled_gru(var, *z)(x[:, b:b + 1]) for b, z in enumerate(per_seq)]
        torch.testing.assert_close(y, torch.cat([e[0] for e in expected], 1))
        torch.testing.assert_close(h, torch.cat([e[1] for e in expected], 1))
        assert all(not torch.equal(per_seq[0][1], per_seq[b][1]) for b in range(1, 5))
        # a fresh pass draws fresh masks
        assert not torch.equal(var(x, generator=gen(8))[0], y)

    @pytest.mark.parametrize("tied", [True, False])
    def test_masks_have_mean_one_and_drop_fraction_p(self, tied):
        """Every mask (input, recurrent, output; each gate's when untied): zeros ~
        Binomial(n, p), mean within z sigma / sqrt(n) of 1 (sigma^2 = p / (1-p)), kept = 1/(1-p)."""
        p, B = 0.3, 2000
        var = VariationalGRU(40, 50, p_input=p, p_hidden=p, p_output=p, tied=tied)
        masks = var.sample_masks(B, like=torch.zeros(1), generator=gen(9))
        zs = [masks["input"][0], masks["hidden"][0], masks["output"]]
        if not tied:
            zs += [m[k] for m in zs[:2] for k in range(3)]
        for z in zs:
            n = z.numel()
            assert_binomial(int((z == 0).sum()), n, p)
            assert abs(z.double().mean().item() - 1.0) <= Z * math.sqrt(p / (1 - p) / n)
            assert torch.allclose(z[z != 0], torch.tensor(1 / (1 - p)))

    def test_mask_shapes_and_untied_gates_differ(self):
        """Tied: one (B, D) mask per vector; untied: 3 different gate masks (3, B, D); the
        output mask is (B, H); a rate of 0 gives no mask."""
        x = torch.zeros(1, 8, 3)
        tied = VariationalGRU(3, 5, num_layers=2, p_output=0.0).sample_masks(
            8, like=x, generator=gen())
        untied = VariationalGRU(3, 5, num_layers=2, tied=False).sample_masks(
            8, like=x, generator=gen())
        assert tied["input"][0].shape == (8, 3) and tied["hidden"][1].shape == (8, 5)
        assert tied["input"][1] is None and tied["output"] is None
        assert untied["input"][0].shape == (3, 8, 3) and untied["input"][1].shape == (3, 8, 5)
        assert untied["hidden"][0].shape == (3, 8, 5) and untied["output"].shape == (8, 5)
        zh = untied["hidden"][0]
        assert all(not torch.equal(zh[i], zh[j]) for i in range(3) for j in range(i + 1, 3))

    def test_forward_samples_masks_like_sample_masks(self):
        """forward(generator=g) draws exactly the masks of sample_masks(generator=g)."""
        var = VariationalGRU(3, 5, num_layers=2, tied=False)
        x = torch.randn(4, 2, 3)
        masks = var.sample_masks(2, like=x, generator=gen(7))
        assert torch.equal(var(x, generator=gen(7))[0], var(x, masks=masks)[0])

    def test_output_zeros_line_up_over_time(self):
        """With an output mask only, the zeros of y[t] are the same for every t."""
        var = VariationalGRU(3, 16, p_input=0.0, p_hidden=0.0, p_output=0.5)
        y, _ = var(torch.randn(9, 4, 3), generator=gen(9))
        zeros = y == 0
        assert torch.equal(zeros, zeros[:1].expand_as(zeros)) and zeros.any()

    def test_input_gradient_is_zero_where_the_input_mask_drops(self):
        """dL/dx[:, b, d] = 0 at every step for the (b, d) dropped by the input mask."""
        var = VariationalGRU(6, 4, p_input=0.5, p_hidden=0.0, p_output=0.0)
        x = torch.randn(5, 3, 6, requires_grad=True)
        masks = var.sample_masks(3, like=x, generator=gen(11))
        var(x, masks=masks)[0].sum().backward()
        dropped = masks["input"][0] == 0
        assert dropped.any()
        assert torch.equal(x.grad[:, dropped], torch.zeros_like(x.grad[:, dropped]))
        assert (x.grad[:, ~dropped] != 0).all()

    def test_p_hidden_one_keeps_only_the_recurrent_bias(self):
        """p_hidden = 1 equals an nn.GRU with W_hh = 0: b_hh (b_hn inside r * (.)) stays, and
        the unmasked h_{t-1} still enters h_t = (1 - z) n + z h_{t-1}."""
        torch.manual_seed(10)
        var = VariationalGRU(3, 4, p_input=0.0, p_hidden=1.0, p_output=0.0).double()
        ref = nn.GRU(3, 4, dtype=torch.float64)
        ref.load_state_dict(var.state_dict())
        with torch.no_grad():
            ref.weight_hh_l0.zero_()
        x = torch.randn(5, 2, 3, dtype=torch.float64)
        hx = torch.randn(1, 2, 4, dtype=torch.float64)
        torch.testing.assert_close(var(x, hx)[0], ref(x, hx)[0])
        assert not torch.allclose(var.eval()(x, hx)[0], ref(x, hx)[0])

    @pytest.mark.parametrize("bias", [True, False])
    def test_state_dict_round_trip_with_nn_gru(self, bias):
        """Same names and shapes as nn.GRU ((3H, D), (3H, H), (3H,)); state dicts load both
        ways unchanged; from_gru copies the weights instead of sharing them."""
        ref = nn.GRU(3, 5, num_layers=2, bias=bias)
        var = VariationalGRU(3, 5, num_layers=2, bias=bias)
        shapes = {k: tuple(v.shape) for k, v in var.state_dict().items()}
        assert shapes == {k: tuple(v.shape) for k, v in ref.state_dict().items()}
        assert shapes["weight_ih_l0"] == (15, 3) and shapes["weight_hh_l1"] == (15, 5)
        assert ("bias_hh_l1" in shapes) == bias
        var.load_state_dict(ref.state_dict())
        back = nn.GRU(3, 5, num_layers=2, bias=bias)
        back.load_state_dict(var.state_dict())
        for k, v in ref.state_dict().items():
            assert torch.equal(back.state_dict()[k], v), k
        copy = VariationalGRU.from_gru(ref, p_hidden=0.1)
        assert copy.weight_hh_l0 is not ref.weight_hh_l0 and copy.p_hidden == 0.1
        assert torch.equal(copy.weight_hh_l0, ref.weight_hh_l0) and copy.bias == bias

    def test_reset_parameters_draws_like_nn_gru(self):
        """Same seed, same initial weights as nn.GRU: U(-1/sqrt(H), 1/sqrt(H)) in order."""
        torch.manual_seed(12)
        var = VariationalGRU(3, 16, num_layers=2)
        torch.manual_seed(12)
        ref = nn.GRU(3, 16, num_layers=2)
        for name, p in ref.named_parameters():
            assert torch.equal(getattr(var, name), p), name
        assert all(p.abs().max() <= 0.25 for p in var.parameters())

    def test_train_is_stochastic_eval_is_deterministic_and_dtype_follows(self):
        """Two training calls differ; eval calls agree; float64 in gives float64 out."""
        var = VariationalGRU(3, 5).double()
        x = torch.randn(4, 2, 3, dtype=torch.float64)
        assert not torch.equal(var(x)[0], var(x)[0])
        var.eval()
        assert torch.equal(var(x)[0], var(x)[0]) and var(x)[0].dtype == torch.float64

    def test_device_follows_input_and_from_gru_keeps_float64(self):
        """Masks and states are created on the input's device (meta here); from_gru copies
        float64 weights without rounding through float32."""
        var = VariationalGRU(3, 4, num_layers=2, tied=False).to("meta")
        y, h = var(torch.empty(5, 2, 3, device="meta"))
        assert y.device.type == h.device.type == "meta" and h.shape == (2, 2, 4)
        ref = nn.GRU(3, 4, dtype=torch.float64)
        with torch.no_grad():
            ref.weight_hh_l0.add_(1e-12)  # not representable in float32
        assert torch.equal(VariationalGRU.from_gru(ref).weight_hh_l0, ref.weight_hh_l0)

    def test_is_a_layer_with_weights_that_mc_dropout_switches_on(self):
        """Not a swappable dropout layer, but random in training mode: MC dropout turns it on."""
        var = VariationalGRU(3, 4)
        assert not is_dropout_layer(var) and uses_dropout(var)
        net = nn.Sequential(nn.Linear(3, 3), var).eval()
        with enable_mc_dropout(net):
            assert net[1].training and not net[0].training
        x = torch.randn(6, 2, 3)
        with enable_mc_dropout(net):
            assert not torch.equal(net(x)[0], net(x)[0])


# ------------------------------------------------------------------ weight-dropped LSTM

class TestWeightDropLSTM:
    def test_eval_equals_the_wrapped_lstm(self):
        """Eval mode uses the raw weights: exactly the wrapped nn.LSTM."""
        torch.manual_seed(0)
        ref = nn.LSTM(3, 5, num_layers=2)
        wd = WeightDropLSTM.from_lstm(ref, weight_p=0.5).eval()
        x = torch.randn(6, 2, 3)
        assert torch.equal(wd(x)[0], ref(x)[0])

    def test_equals_lstm_with_masked_recurrent_weights(self):
        """Oracle: functional_call with weight_hh * mask / (1-p), masks from the same seed."""
        torch.manual_seed(1)
        wd = WeightDropLSTM(3, 5, num_layers=2, weight_p=0.4)
        x = torch.randn(6, 2, 3)
        g = gen(2)
        params = dict(wd.lstm.named_parameters())
        for l in range(2):
            w = params[f"weight_hh_l{l}"]
            params[f"weight_hh_l{l}"] = w * _keep_mask(w.shape, 0.4, like=w, generator=g)
        expected = functional_call(wd.lstm, params, (x,))[0]
        assert torch.allclose(wd(x, generator=gen(2))[0], expected)

    def test_first_step_does_not_depend_on_the_mask(self):
        """With h0 = 0 the output at t = 0 ignores W_hh; later steps differ (awd-lstm test)."""
        torch.manual_seed(3)
        wd = WeightDropLSTM(3, 8, weight_p=0.5)
        x = torch.randn(4, 2, 3)
        y_drop, y_raw = wd(x, generator=gen(4))[0], wd.lstm(x)[0]
        assert torch.allclose(y_drop[0], y_raw[0], atol=1e-7)
        assert not torch.allclose(y_drop[1:], y_raw[1:])

    def test_gradient_reaches_raw_weight_and_is_zero_where_dropped(self):
        """The raw W_hh gets a gradient, exactly zero at dropped entries (~ Binomial(|W|, p))."""
        torch.manual_seed(5)
        wd = WeightDropLSTM(4, 40, weight_p=0.3)
        wd(torch.randn(5, 3, 4), generator=gen(6))[0].sum().backward()
        grad = wd.lstm.weight_hh_l0.grad
        w = wd.lstm.weight_hh_l0
        mask = _keep_mask(w.shape, 0.3, like=w, generator=gen(6))
        assert torch.equal(grad == 0, mask == 0)
        assert_binomial(int((grad == 0).sum()), grad.numel(), 0.3)

    def test_device_follows_input(self):
        """The weight mask is built on the weights' device (meta here)."""
        wd = WeightDropLSTM(3, 4).to("meta")
        assert wd(torch.empty(5, 2, 3, device="meta"))[0].device.type == "meta"

    def test_p0_and_p1_are_defined(self):
        """weight_p = 0 is the plain LSTM; weight_p = 1 equals an LSTM with W_hh = 0."""
        torch.manual_seed(7)
        wd = WeightDropLSTM(3, 5, weight_p=0.0)
        x = torch.randn(4, 2, 3)
        assert torch.equal(wd(x)[0], wd.lstm(x)[0])
        wd.weight_p = 1.0
        ref = nn.LSTM(3, 5)
        ref.load_state_dict(wd.lstm.state_dict())
        with torch.no_grad():
            ref.weight_hh_l0.zero_()
        assert torch.allclose(wd(x)[0], ref(x)[0], atol=1e-6)


# ------------------------------------------------------------------ bad input

BAD_INPUTS = [
    (lambda: locked_dropout(torch.ones(2, 3, 4), p=-0.1),
     ValueError, r"p must be in \[0, 1\], got p=-0.1"),
    (lambda: locked_dropout(torch.ones(2, 3, 4), p=float("nan")),
     ValueError, r"p must be in \[0, 1\]"),
    (lambda: locked_dropout(torch.ones(2, 3), p=0.5),
     ValueError, r"locked_dropout: expected 3D input"),
    (lambda: locked_dropout(torch.ones(2, 3, 4, dtype=torch.long)), TypeError, r"floating-point"),
    (lambda: LockedDropout(p="0.5"), TypeError, r"p must be a float"),
    (lambda: embedding_dropout(torch.ones(2, 3), torch.ones(4, 2)),
     TypeError, r"input must be an integer tensor"),
    (lambda: EmbeddingDropout(10, 4, p=1.5), ValueError, r"p must be in \[0, 1\], got p=1.5"),
    (lambda: VariationalLSTM(3, 5, p_hidden=1.2), ValueError, r"p_hidden must be in \[0, 1\]"),
    (lambda: VariationalLSTM(3, 0), ValueError, r"hidden_size must be >= 1, got hidden_size=0"),
    (lambda: VariationalLSTM(3, 5, num_layers=1.5), TypeError, r"num_layers must be an int"),
    (lambda: VariationalLSTM(3, 5)(torch.ones(4, 2, 7)),
     ValueError, r"expected input with 3 features"),
    (lambda: VariationalLSTM.from_lstm(nn.GRU(3, 5)), TypeError, r"lstm must be an nn.LSTM"),
    (lambda: WeightDropLSTM(3, 5, weight_p=-1), ValueError, r"weight_p must be in \[0, 1\]"),
    (lambda: VariationalGRU(3, 5, p_input=-0.1), ValueError, r"p_input must be in \[0, 1\]"),
    (lambda: VariationalGRU(3, 5, p_hidden=float("nan")), ValueError,
     r"p_hidden must be in \[0, 1\]"),
    (lambda: VariationalGRU(3, 5, p_output=1.5), ValueError,
     r"p_output must be in \[0, 1\], got p_output=1.5"),
    (lambda: VariationalGRU(0, 5), ValueError, r"input_size must be >= 1, got input_size=0"),
    (lambda: VariationalGRU(3, 0), ValueError, r"hidden_size must be >= 1, got hidden_size=0"),
    (lambda: VariationalGRU(3, 5, num_layers=0), ValueError, r"num_layers must be >= 1"),
    (lambda: VariationalGRU(3, 5)(torch.ones(4, 2, 7)),
     ValueError, r"VariationalGRU: expected input with 3 features"),
    (lambda: VariationalGRU(3, 5, batch_first=True)(torch.ones(2, 4, 7)),
     ValueError, r"VariationalGRU: expected input with 3 features"),
    (lambda: VariationalGRU(3, 5)(torch.ones(4, 3)),
     ValueError, r"VariationalGRU: expected 3D input"),
    (lambda: VariationalGRU(3, 5)(torch.ones(4, 2, 3, dtype=torch.long)),
     TypeError, r"floating-point"),
    (lambda: VariationalGRU(3, 5).sample_masks(0, like=torch.ones(1)),
     ValueError, r"batch_size must be >= 1"),
    (lambda: VariationalGRU.from_gru(nn.LSTM(3, 5)), TypeError, r"gru must be an nn.GRU"),
    (lambda: VariationalGRU.from_gru(nn.GRU(3, 5, bidirectional=True)),
     ValueError, r"gru must be unidirectional"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUTS)
def test_bad_input_raises_naming_the_argument(call, error, match):
    """Each bad argument raises the documented error type with the argument's name."""
    with pytest.raises(error, match=match):
        call()
