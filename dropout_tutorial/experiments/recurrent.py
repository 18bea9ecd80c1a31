"""Gal & Ghahramani (2016): dropout in recurrent networks, on the paper's own data.

Two runner tasks:

* ``"ptb_lm"``: a word-level LSTM language model on the Penn Treebank, trained with
  truncated backpropagation through time as Zaremba et al. (2014) and Gal's ``LM_code``:
  minibatches of ``batch_size`` parallel text streams, windows of ``bptt`` steps, the hidden
  state carried from one window to the next (detached), the loss summed over the window and
  averaged over the streams, plain SGD with gradient-norm clipping, and the learning rate
  divided by ``lr_decay`` after every epoch from epoch ``decay_after`` on. The variants:

  - ``"none"``: ``nn.LSTM`` without dropout;
  - ``"naive"``: Zaremba et al.'s dropout, a fresh mask at every time step on the
    non-recurrent connections only (embedding output, between layers, LSTM output);
  - ``"variational"``: Gal's :class:`~dropout_tutorial.techniques.recurrent.VariationalLSTM`,
    one mask per sequence for the input, the recurrent state and the output, with tied (one
    mask for the four gates) or untied (one per gate) masks; optionally embedding dropout of
    whole word types (``p_embed``).

  Valid and test perplexity are measured after every epoch with the standard (weight-scaling)
  approximation; at the end, the test perplexity of MC dropout (``mc_samples`` stochastic
  passes, per-word probabilities averaged) is added.
* ``"sentiment_regression"``: Gal's sentiment experiment on Pang & Lee's scale data: an
  embedding, one LSTM layer (or GRU layer, ``cell="gru"``, the paper's other recurrent
  network, with :class:`~dropout_tutorial.techniques.recurrent.VariationalGRU` for
  variational dropout) and a linear output regress the (standardised) rating of a
  200-token review segment, with Adam and L2 weight decay; test RMSE after every epoch, and
  MC dropout RMSE at the end.

Both checkpoint after every epoch and resume from the checkpoint.
"""
from __future__ import annotations


import contextlib
import dataclasses
import math
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..budgets import by_budget, get_budget
from ..reproducibility import set_seed
from ..runner import HASH_OMIT_DEFAULT, register_task
from ..techniques.recurrent import EmbeddingDropout, VariationalGRU, VariationalLSTM
from ..text_data import (batchify, bptt_batches, load_ptb, load_scale_data, perplexity,
                         sentiment_segments)

__all__ = ["VARIANTS", "CELLS", "LMConfig", "SentimentConfig", "WordLM", "SentimentRegressor",
           "token_log_probs", "lm_perplexity", "mc_lm_perplexity", "train_lm",
           "train_sentiment", "configs", "sentiment_gru_configs", "lm_longer_configs",
           "lm_longest_configs", "PAPER_PTB",
           "flush_denormal"]

VARIANTS = ("none", "naive", "variational")
CELLS = ("lstm", "gru")      # recurrent layer of the sentiment regressor

#: Gal & Ghahramani (2016), Table 1, rows whose values are verified in the project's notes
#: (PAPERS.md, tags S12/S13): (validation, test) perplexity; MC rows have test only.
PAPER_PTB = {
    ("medium", "naive"): (86.2, 82.7), ("large", "naive"): (82.2, 78.4),
    ("medium", "variational tied"): (81.8, 79.7), ("large", "variational tied"): (77.3, 75.0),
    ("medium", "variational untied"): (81.9, 79.7),
    ("large", "variational untied"): (77.9, 75.2),
    ("medium", "variational tied MC"): (None, 79.0),
    ("large", "variational tied MC"): (None, 74.1),
    ("medium", "variational untied MC"): (None, 78.6),
    ("large", "variational untied MC"): (None, 73.4),
}


def _check_choice(value, choices, name):
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {name}={value!r}")


def _check_prob(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {name}={value!r}")


def _check_variant(config, output_field: str) -> None:
    """Check ``config.variant`` and its drop probabilities: ``p_hidden`` and ``p_embed``
    only for variational dropout, no dropout at all for ``"none"``; ``output_field`` names
    the dropout after the recurrent layer (``p_output`` or ``p_dense``)."""
    _check_choice(config.variant, VARIANTS, "variant")
    for name in ("p_embed", "p_input", "p_hidden", output_field):
        _check_prob(getattr(config, name), name)
    if config.variant != "variational" and (config.p_hidden or config.p_embed):
        raise ValueError(f"p_hidden and p_embed need variant='variational', got "
                         f"variant={config.variant!r}, p_hidden={config.p_hidden}, "
                         f"p_embed={config.p_embed}")
    output = getattr(config, output_field)
    if config.variant == "none" and (config.p_input or output):
        raise ValueError(f"variant='none' takes no dropout, got p_input={config.p_input}, "
                         f"{output_field}={output}")


def _check_pos_int(value, name, allow_none=False):
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {name}={value!r}")


@contextlib.contextmanager
def flush_denormal():
    """Flush denormal floats to zero while training recurrent networks on CPU.

    Gradients that travel back through many time steps shrink into the denormal range,
    where CPU arithmetic is up to ~100 times slower: one LSTM backward pass over 200 steps
    took 4.2 s instead of 0.26 s in our measurement (torch 2.13, one thread). Values that
    small do not change the result."""
    previous = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if previous:                       # set_flush_denormal returns whether it is supported
            torch.set_flush_denormal(False)


# ---------------------------------------------------------------------------------------------
# Penn Treebank language model
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LMConfig:
    """One PTB language-model run.

    Attributes:
        name, budget, seed: identification (the seed sets weights, masks and nothing else:
            the data order is fixed by truncated BPTT).
        variant: ``"none"``, ``"naive"`` (Zaremba) or ``"variational"`` (Gal).
        tied: variational only: one mask for the four gates (True) or one per gate (False).
        embed_dim, hidden, layers: the network; the decoder is a separate ``Linear(hidden, V)``.
        p_embed: embedding dropout (word types), variational only.
        p_input: dropout on the LSTM input (embedding output).
        p_hidden: dropout on the recurrent state, variational only.
        p_output: dropout on each layer's output.
        init_scale: every parameter starts uniform in ``[-init_scale, init_scale]``.
        train_tokens: train on the first ``train_tokens`` tokens of ptb.train (all if None).
        eval_tokens: evaluate on the first ``eval_tokens`` tokens of valid and test (all if None).
        batch_size, bptt: parallel streams and window length of truncated BPTT.
        epochs, lr, lr_decay, decay_after: SGD; from epoch ``decay_after + 1`` on, the rate is
            divided by ``lr_decay`` each epoch.
        clip: maximal gradient norm.
        weight_decay: L2 coefficient added to the gradient.
        eval_batch_size: parallel streams when evaluating.
        mc_samples: stochastic passes of the final MC dropout test perplexity (0: skip).
    """

    name: str
    budget: str
    seed: int = 0
    variant: str = "variational"
    tied: bool = True
    embed_dim: int = 200
    hidden: int = 200
    layers: int = 1
    p_embed: float = 0.0
    p_input: float = 0.0
    p_hidden: float = 0.0
    p_output: float = 0.0
    init_scale: float = 0.1
    train_tokens: int | None = None
    eval_tokens: int | None = None
    batch_size: int = 20
    bptt: int = 35
    epochs: int = 10
    lr: float = 1.0
    lr_decay: float = 2.0
    decay_after: int = 4
    clip: float = 5.0
    weight_decay: float = 0.0
    eval_batch_size: int = 20
    mc_samples: int = 0
    task: str = "ptb_lm"

    def __post_init__(self):
        get_budget(self.budget)
        _check_variant(self, "p_output")
        for name in ("embed_dim", "hidden", "layers", "batch_size", "bptt", "epochs",
                     "eval_batch_size"):
            _check_pos_int(getattr(self, name), name)
        _check_pos_int(self.train_tokens, "train_tokens", allow_none=True)
        _check_pos_int(self.eval_tokens, "eval_tokens", allow_none=True)
        if not (self.lr > 0 and self.lr_decay >= 1 and self.clip > 0):
            raise ValueError(f"need lr > 0, lr_decay >= 1 and clip > 0, got lr={self.lr}, "
                             f"lr_decay={self.lr_decay}, clip={self.clip}")
        if isinstance(self.mc_samples, bool) or not isinstance(self.mc_samples, int) \
                or self.mc_samples < 0:
            raise ValueError(f"mc_samples must be an int >= 0, got mc_samples={self.mc_samples!r}")

    def lr_at(self, epoch: int) -> float:
        """Learning rate of the 0-based ``epoch``."""
        return self.lr / self.lr_decay ** max(0, epoch + 1 - self.decay_after)


class WordLM(nn.Module):
    """Embedding -> LSTM (one of :data:`VARIANTS`) -> linear decoder over the vocabulary.

    ``forward(x, state)`` takes ids ``(T, B)`` and returns logits ``(T, B, V)`` and the new
    ``(h, c)`` state (each ``(layers, B, hidden)``).
    """

    def __init__(self, vocab_size: int, config: LMConfig):
        super().__init__()
        c = config
        self.variant, self.p_input, self.p_output = c.variant, c.p_input, c.p_output
        self.embedding = EmbeddingDropout(vocab_size, c.embed_dim, p=c.p_embed)
        if c.variant == "variational":
            self.rnn = VariationalLSTM(c.embed_dim, c.hidden, c.layers, p_input=c.p_input,
                                       p_hidden=c.p_hidden, p_output=c.p_output, tied=c.tied)
        else:
            between = c.p_output if c.variant == "naive" and c.layers > 1 else 0.0
            self.rnn = nn.LSTM(c.embed_dim, c.hidden, c.layers, dropout=between)
        self.decoder = nn.Linear(c.hidden, vocab_size)
        for w in self.parameters():
            nn.init.uniform_(w, -c.init_scale, c.init_scale)

    def forward(self, x: torch.Tensor, state=None):
        e = self.embedding(x)
        if self.variant == "naive":                  # a fresh mask at every step
            e = F.dropout(e, self.p_input, self.training)
        out, state = self.rnn(e, state)
        if self.variant == "naive":
            out = F.dropout(out, self.p_output, self.training)
        return self.decoder(out), state


def _detach(state):
    return None if state is None else tuple(s.detach() for s in state)


@torch.no_grad()
def token_log_probs(model: WordLM, ids: torch.Tensor, *, batch_size: int, bptt: int,
                    stochastic: bool = False) -> torch.Tensor:
    """Log-probability of every target token of ``ids`` (state carried across windows).

    With ``stochastic`` the dropout masks stay on (one MC sample); otherwise the model is in
    eval mode (the standard approximation). Returns a 1-D tensor, one entry per target.
    """
    was_training = model.training
    model.train(stochastic)
    data = batchify(ids, batch_size)
    state, out = None, []
    for x, y in bptt_batches(data, bptt):
        logits, state = model(x, state)
        out.append(torch.log_softmax(logits, -1).gather(-1, y.unsqueeze(-1)).reshape(-1))
    model.train(was_training)
    return torch.cat(out)


def lm_perplexity(model: WordLM, ids: torch.Tensor, *, batch_size: int = 20,
                  bptt: int = 35) -> float:
    """Perplexity of ``ids`` with dropout off (weight scaling)."""
    lp = token_log_probs(model, ids, batch_size=batch_size, bptt=bptt)
    return perplexity(-lp.double().sum().item(), lp.numel())


def mc_lm_perplexity(model: WordLM, ids: torch.Tensor, samples: int, *, batch_size: int = 20,
                     bptt: int = 35) -> float:
    r"""MC dropout perplexity: each word's probability averaged over ``samples`` passes,
    :math:`\exp(-\frac1N \sum_n \log \frac1T \sum_t p_t(w_n))`."""
    _check_pos_int(samples, "samples")
    lps = torch.stack([token_log_probs(model, ids, batch_size=batch_size, bptt=bptt,
                                       stochastic=True).double() for _ in range(samples)])
    mean_lp = torch.logsumexp(lps, 0) - math.log(samples)
    return perplexity(-mean_lp.sum().item(), mean_lp.numel())


def _save(obj, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def _ptb_ids(config: LMConfig):
    corpus = load_ptb()
    n_eval = config.eval_tokens
    train = corpus.train if config.train_tokens is None else corpus.train[:config.train_tokens]
    valid = corpus.valid if n_eval is None else corpus.valid[:n_eval]
    test = corpus.test if n_eval is None else corpus.test[:n_eval]
    return corpus.vocab_size, train, valid, test


def train_lm(config: LMConfig, device: torch.device | str = "cpu",
             checkpoint: Path | None = None) -> tuple[dict, dict]:
    """Train ``config``; return the per-epoch history and the final metrics."""
    set_seed(config.seed)
    vocab_size, train_ids, valid_ids, test_ids = _ptb_ids(config)
    device = torch.device(device)
    model = WordLM(vocab_size, config).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    data = batchify(train_ids, config.batch_size).to(device)
    valid_ids, test_ids = valid_ids.to(device), test_ids.to(device)
    keys = ("epoch", "lr", "train_ppl", "valid_ppl", "test_ppl", "seconds")
    history = {k: [] for k in keys}
    start, elapsed = 0, 0.0
    if checkpoint is not None and checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        history, start, elapsed = state["history"], state["epoch"], state["seconds"]
        torch.set_rng_state(state["rng"])
    evaluate = dict(batch_size=config.eval_batch_size, bptt=config.bptt)
    for epoch in range(start, config.epochs):
        tic = time.perf_counter()
        lr = config.lr_at(epoch)
        for group in opt.param_groups:
            group["lr"] = lr
        model.train()
        hidden, nll, count = None, 0.0, 0
        for x, y in bptt_batches(data, config.bptt):
            logits, hidden = model(x, _detach(hidden))
            loss = F.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1),
                                   reduction="sum")
            opt.zero_grad(set_to_none=True)
            (loss / y.shape[1]).backward()           # summed over the window, mean over streams
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            opt.step()
            nll += loss.item()
            count += y.numel()
        elapsed += time.perf_counter() - tic
        row = {"epoch": epoch + 1, "lr": lr, "train_ppl": perplexity(nll, count),
               "valid_ppl": lm_perplexity(model, valid_ids, **evaluate),
               "test_ppl": lm_perplexity(model, test_ids, **evaluate), "seconds": elapsed}
        for k in keys:
            history[k].append(row[k])
        if checkpoint is not None:
            _save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                   "history": history, "epoch": epoch + 1, "seconds": elapsed,
                   "rng": torch.get_rng_state(), "config": asdict(config)}, checkpoint)
    best = min(range(len(history["valid_ppl"])), key=history["valid_ppl"].__getitem__)
    final = {"valid_ppl": history["valid_ppl"][-1], "test_ppl": history["test_ppl"][-1],
             "train_ppl": history["train_ppl"][-1], "best_epoch": best + 1,
             "best_valid_ppl": history["valid_ppl"][best],
             "test_ppl_at_best_valid": history["test_ppl"][best],
             "train_seconds": history["seconds"][-1], "epochs": config.epochs,
             "train_tokens": len(train_ids), "valid_tokens": len(valid_ids),
             "test_tokens": len(test_ids),
             "parameters": sum(p.numel() for p in model.parameters())}
    if config.mc_samples and config.variant != "none":
        torch.manual_seed(config.seed + 1)           # MC masks: their own reproducible stream
        tic = time.perf_counter()
        final["mc_test_ppl"] = mc_lm_perplexity(model, test_ids, config.mc_samples, **evaluate)
        final["mc_seconds"] = time.perf_counter() - tic
        final["mc_samples"] = config.mc_samples
    return history, final


@register_task("ptb_lm")
def _ptb_task(config: LMConfig, device: torch.device, checkpoint: Path,
              progress: bool | None) -> tuple[dict, dict]:
    with flush_denormal():
        return train_lm(config, device, checkpoint)


# ---------------------------------------------------------------------------------------------
# Sentiment regression on the scale data
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SentimentConfig:
    """One sentiment-regression run (Gal's ``sentiment_lstm_regression.py`` setup).

    Attributes:
        variant: ``"none"``, ``"naive"`` (fresh masks per step on the embedding output and
            the LSTM output) or ``"variational"`` (Gal: word-type embedding dropout
            ``p_embed``, one mask per sequence on input ``p_input`` and state ``p_hidden``).
        cell: the recurrent layer, ``"lstm"`` (:class:`torch.nn.LSTM`, or
            :class:`~dropout_tutorial.techniques.recurrent.VariationalLSTM` for variational
            dropout) or ``"gru"`` (:class:`torch.nn.GRU` /
            :class:`~dropout_tutorial.techniques.recurrent.VariationalGRU`). Left out of the
            config hash while it is ``"lstm"``, so the LSTM runs stored before the field
            existed keep their records.
        embed_dim, hidden: 128 and 128 in the paper.
        p_dense: dropout on the recurrent layer's last output, before the linear layer.
        l2: Keras ``l2`` coefficient on all weights (loss term ``l2 * sum(w**2)``),
            i.e. weight decay ``2 * l2`` in PyTorch's Adam.
        maxlen, nb_words, test_split: data preparation (see ``sentiment_segments``).
        train_segments: train on the first ``train_segments`` training segments (all if None).
        epochs, batch_size, lr: Adam.
        mc_samples: MC dropout passes for the final test RMSE (0: skip).
    """

    name: str
    budget: str
    seed: int = 0
    variant: str = "variational"
    cell: str = dataclasses.field(default="lstm", metadata={HASH_OMIT_DEFAULT: True})
    embed_dim: int = 128
    hidden: int = 128
    p_embed: float = 0.0
    p_input: float = 0.0
    p_hidden: float = 0.0
    p_dense: float = 0.0
    l2: float = 1e-6
    maxlen: int = 200
    nb_words: int = 20_000
    test_split: float = 0.2
    train_segments: int | None = None
    epochs: int = 250
    batch_size: int = 128
    lr: float = 1e-3
    mc_samples: int = 50
    task: str = "sentiment_regression"

    def __post_init__(self):
        get_budget(self.budget)
        _check_choice(self.cell, CELLS, "cell")
        _check_variant(self, "p_dense")
        for name in ("embed_dim", "hidden", "maxlen", "epochs", "batch_size"):
            _check_pos_int(getattr(self, name), name)
        _check_pos_int(self.train_segments, "train_segments", allow_none=True)


class SentimentRegressor(nn.Module):
    """Embedding -> one LSTM or GRU layer -> dropout -> Linear(hidden, 1), on ids ``(B, T)``."""

    def __init__(self, vocab_size: int, config: SentimentConfig):
        super().__init__()
        c = config
        self.variant, self.p_input, self.p_dense = c.variant, c.p_input, c.p_dense
        self.embedding = EmbeddingDropout(vocab_size, c.embed_dim, p=c.p_embed)
        if c.variant == "variational":
            variational = VariationalGRU if c.cell == "gru" else VariationalLSTM
            self.rnn = variational(c.embed_dim, c.hidden, p_input=c.p_input,
                                   p_hidden=c.p_hidden, p_output=0.0)
        else:
            self.rnn = (nn.GRU if c.cell == "gru" else nn.LSTM)(c.embed_dim, c.hidden)
        self.dense = nn.Linear(c.hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.embedding(x.t())                            # (T, B, E)
        if self.variant == "naive":
            e = F.dropout(e, self.p_input, self.training)    # a fresh mask at every step
        out, _ = self.rnn(e)
        last = F.dropout(out[-1], self.p_dense, self.training)
        return self.dense(last).squeeze(-1)


@torch.no_grad()
def _predict(model: nn.Module, x: torch.Tensor, *, stochastic: bool = False,
             batch: int = 500) -> torch.Tensor:
    was = model.training
    model.train(stochastic)
    pred = torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)])
    model.train(was)
    return pred


def train_sentiment(config: SentimentConfig, device: torch.device | str = "cpu",
                    checkpoint: Path | None = None) -> tuple[dict, dict]:
    """Train ``config``; test RMSE (in rating units) after every epoch, MC RMSE at the end."""
    generator = set_seed(config.seed)
    raw = load_scale_data()
    data = sentiment_segments(raw.texts, raw.ratings, maxlen=config.maxlen,
                              nb_words=config.nb_words, test_split=config.test_split,
                              seed=config.seed)
    device = torch.device(device)
    n = len(data.x_train) if config.train_segments is None else config.train_segments
    x_tr, y_tr = data.x_train[:n].to(device), data.y_train[:n].to(device)
    x_te, y_te = data.x_test.to(device), data.y_test.to(device).double()
    model = SentimentRegressor(data.vocab_size, config).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=2 * config.l2)

    def rmse(pred_std):
        pred = data.y_mean + data.y_std * pred_std.double()
        return float(((pred - y_te) ** 2).mean().sqrt())

    keys = ("epoch", "train_loss", "train_rmse", "test_rmse", "seconds")
    history = {k: [] for k in keys}
    start, elapsed = 0, 0.0
    if checkpoint is not None and checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        history, start, elapsed = state["history"], state["epoch"], state["seconds"]
        torch.set_rng_state(state["rng"])
        generator.set_state(state["shuffle"])
    for epoch in range(start, config.epochs):
        tic = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=generator).to(device)
        loss_sum = 0.0
        for i in range(0, n, config.batch_size):
            idx = perm[i:i + config.batch_size]
            loss = F.mse_loss(model(x_tr[idx]), y_tr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
        elapsed += time.perf_counter() - tic
        train_pred = _predict(model, x_tr)
        row = {"epoch": epoch + 1, "train_loss": loss_sum / n,
               "train_rmse": data.y_std * float(((train_pred - y_tr) ** 2).mean().sqrt()),
               "test_rmse": rmse(_predict(model, x_te)), "seconds": elapsed}
        for k in keys:
            history[k].append(row[k])
        if checkpoint is not None:
            _save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                   "history": history, "epoch": epoch + 1, "seconds": elapsed,
                   "rng": torch.get_rng_state(), "shuffle": generator.get_state()}, checkpoint)
    best = min(range(len(history["test_rmse"])), key=history["test_rmse"].__getitem__)
    final = {"test_rmse": history["test_rmse"][-1], "min_test_rmse": history["test_rmse"][best],
             "min_test_epoch": best + 1, "train_rmse": history["train_rmse"][-1],
             "train_seconds": history["seconds"][-1], "epochs": config.epochs,
             "train_segments": n, "test_segments": len(x_te), "y_mean": data.y_mean,
             "y_std": data.y_std}
    if config.mc_samples and config.variant != "none":
        torch.manual_seed(config.seed + 1)
        preds = torch.stack([_predict(model, x_te, stochastic=True)
                             for _ in range(config.mc_samples)])
        final["mc_test_rmse"] = rmse(preds.mean(0))
        final["mc_samples"] = config.mc_samples
    return history, final


@register_task("sentiment_regression")
def _sentiment_task(config: SentimentConfig, device: torch.device, checkpoint: Path,
                    progress: bool | None) -> tuple[dict, dict]:
    with flush_denormal():
        return train_sentiment(config, device, checkpoint)


# ---------------------------------------------------------------------------------------------
# The chapter's runs
# ---------------------------------------------------------------------------------------------

#: Dropout probabilities of Gal's large model (``main_new_dropout_SOTA_v3.lua``): embedding
#: p_x, input p_i, recurrent p_h, output p_o.
GAL_LARGE_DROPOUT = dict(p_embed=0.3, p_input=0.5, p_hidden=0.3, p_output=0.5)


def _lm_variants(budget: str, common: dict, mc: int) -> dict[str, LMConfig]:
    d = GAL_LARGE_DROPOUT
    wd = common.pop("weight_decay_variational", 0.0)
    runs = {
        "no dropout": LMConfig(variant="none", **common),
        "naive (Zaremba)": LMConfig(variant="naive", p_input=d["p_input"],
                                    p_output=d["p_output"], mc_samples=mc, **common),
        "variational tied": LMConfig(variant="variational", tied=True, p_input=d["p_input"],
                                     p_hidden=d["p_hidden"], p_output=d["p_output"],
                                     weight_decay=wd, mc_samples=mc, **common),
        "variational untied": LMConfig(variant="variational", tied=False,
                                       p_input=d["p_input"], p_hidden=d["p_hidden"],
                                       p_output=d["p_output"], weight_decay=wd,
                                       mc_samples=mc, **common),
        "variational tied + embedding": LMConfig(variant="variational", tied=True,
                                                 weight_decay=wd, mc_samples=mc, **d, **common),
        "variational untied + embedding": LMConfig(variant="variational", tied=False,
                                                   weight_decay=wd, mc_samples=mc, **d,
                                                   **common),
    }
    return runs


def lm_configs(budget: str) -> dict[str, list[LMConfig]]:
    """PTB runs by variant label.

    * ``smoke``: a 16-unit LSTM, 10,000 training tokens, 2,000 evaluation tokens, 1 epoch.
    * ``cpu``: one 200-unit layer on the first 20 % of ptb.train (185,918 tokens), 8 epochs
      of SGD (rate 1, halved after each epoch from the fifth), Gal's large-model dropout
      probabilities, full valid and test sets; MC dropout with 10 samples.
    * ``paper``: Gal's large model as in ``main_new_dropout_SOTA_v3.lua`` (2 x 1500, 55
      epochs, rate 1 divided by 1.15 per epoch after epoch 10, clip 10, init 0.04, weight
      decay 1e-7, MC dropout with 100 samples), and the medium model (2 x 650) with
      Zaremba's medium schedule (39 epochs, decay 1.2 after epoch 6, clip 5, init 0.05):
      Gal's medium dropout probabilities are not published in his code, so the large
      model's are used there too.
    """
    budget = get_budget(budget)
    if budget == "smoke":
        common = dict(budget=budget, embed_dim=16, hidden=16, train_tokens=10_000,
                      eval_tokens=2_000, epochs=1)
        return {label: [LMConfig(name=f"gal2016-ptb-smoke-{_slug(label)}", **cfg)]
                for label, cfg in _lm_fields(budget, common, mc=2).items()}
    if budget == "cpu":
        common = dict(budget=budget, embed_dim=200, hidden=200, layers=1,
                      train_tokens=185_918, epochs=8, lr=1.0, lr_decay=2.0, decay_after=5,
                      clip=5.0, init_scale=0.1)
        labels = ("no dropout", "naive (Zaremba)", "variational tied", "variational untied",
                  "variational tied + embedding")
        runs = _lm_fields(budget, common, mc=10)
        return {label: [LMConfig(name=f"gal2016-ptb-cpu-{_slug(label)}", **runs[label])]
                for label in labels}
    out = {}
    for size, hidden, extra in (
            ("medium", 650, dict(epochs=39, lr_decay=1.2, decay_after=6, clip=5.0,
                                 init_scale=0.05)),
            ("large", 1500, dict(epochs=55, lr_decay=1.15, decay_after=10, clip=10.0,
                                 init_scale=0.04))):
        common = dict(budget=budget, embed_dim=hidden, hidden=hidden, layers=2,
                      weight_decay_variational=1e-7, **extra)
        for label, cfg in _lm_fields(budget, common, mc=100).items():
            out[f"{size}: {label}"] = [LMConfig(name=f"gal2016-ptb-{size}-{_slug(label)}",
                                                **cfg)]
    return out


def _lm_fields(budget: str, common: dict, mc: int) -> dict[str, dict]:
    """Per-variant LMConfig keyword arguments (without ``name``)."""
    return {label: {k: v for k, v in asdict(cfg).items() if k != "name"}
            for label, cfg in _lm_variants(budget, dict(common, name="x"), mc).items()}


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def sentiment_configs(budget: str) -> dict[str, list[SentimentConfig]]:
    """Sentiment runs by variant label (LSTM only).

    * ``smoke``: 256 training segments of 200 tokens, 16 units, 1 epoch.
    * ``cpu``: Gal's network (128-dimensional embedding, 128-unit LSTM, all dropout
      probabilities 0.5, Adam, batch 128, L2 1e-6) on all 10,599 training segments for
      15 epochs (1,245 updates, against Gal's 250 epochs); the full test set (2,650
      segments); MC dropout with 20 passes.
    * ``paper``: all training segments, 250 epochs (Gal's variational runs), MC with 50 passes.
    """
    budget = get_budget(budget)
    size = by_budget(budget, smoke=dict(embed_dim=16, hidden=16, train_segments=256, epochs=1,
                                        mc_samples=2),
                     cpu=dict(epochs=15, mc_samples=20),
                     paper=dict(epochs=250, mc_samples=50))
    runs = {
        "no dropout": dict(variant="none"),
        "naive dropout": dict(variant="naive", p_input=0.5, p_dense=0.5),
        "variational": dict(variant="variational", p_embed=0.5, p_input=0.5, p_hidden=0.5,
                            p_dense=0.5),
    }
    return {label: [SentimentConfig(name=f"gal2016-sentiment-{budget}-{_slug(label)}",
                                    budget=budget, **fields, **size)]
            for label, fields in runs.items()}


def sentiment_gru_configs(budget: str) -> dict[str, list[SentimentConfig]]:
    """The runs of :func:`sentiment_configs` with a GRU instead of the LSTM (``cell="gru"``),
    named ``gal2016-sentiment-{budget}-gru-{variant}``; the same labels, sizes and dropout
    probabilities."""
    return {label: [dataclasses.replace(cfg, cell="gru",
                                        name=f"gal2016-sentiment-{cfg.budget}-gru-{_slug(label)}")
                    for cfg in runs]
            for label, runs in sentiment_configs(budget).items()}


LONGER_VARIANTS = ("naive (Zaremba)", "variational tied")
LONGEST_VARIANTS = ("naive (Zaremba)", "variational tied", "variational untied",
                    "variational tied + embedding")
#: The variants the chapter compares under the 24-epoch schedule (naive against the
#: validation choice, and against untied masks), run with a second seed at ``cpu``.
LONGEST_TWO_SEEDS = ("naive (Zaremba)", "variational untied", "variational tied + embedding")


def _lengthened(budget: str, labels: tuple[str, ...], cpu_schedule: dict, cpu_suffix: str,
                smoke_suffix: str, tag: str) -> dict[str, list[LMConfig]]:
    """The runs ``labels`` of :func:`lm_configs` with another schedule (``cpu``; ``smoke``
    adds one epoch), keyed ``"{label}, {tag}"``. Empty at ``paper``, whose schedules are
    already the paper's."""
    budget = get_budget(budget)
    if budget == "paper":
        return {}
    base = lm_configs(budget)
    extra = cpu_schedule if budget == "cpu" else dict(epochs=2)
    suffix = cpu_suffix if budget == "cpu" else smoke_suffix
    return {f"{label}, {tag}": [dataclasses.replace(base[label][0],
                                                    name=base[label][0].name + suffix, **extra)]
            for label in labels}


def lm_longer_configs(budget: str) -> dict[str, list[LMConfig]]:
    """The two leading dropout variants of :func:`lm_configs` trained twice as long:
    16 epochs, the rate halved after each epoch from the 11th (``cpu``; ``smoke`` adds one
    epoch). Empty at ``paper``, whose schedules are already the paper's."""
    return _lengthened(budget, LONGER_VARIANTS, dict(epochs=16, decay_after=11), "-16ep",
                       "-long", "longer")


def lm_longest_configs(budget: str) -> dict[str, list[LMConfig]]:
    """Naive, variational tied, untied and tied + embedding dropout with 16 epochs at
    the full rate, then 8 epochs with the rate halved after each (24 in all; ``cpu``;
    ``smoke`` adds one epoch): the more strongly regularised variational networks are
    still improving at the full rate when the shorter schedules start to decay it. At
    ``cpu``, the variants of :data:`LONGEST_TWO_SEEDS` also run with seed 1."""
    runs = _lengthened(budget, LONGEST_VARIANTS, dict(epochs=24, decay_after=16), "-24ep",
                       "-longest", "longest")
    if get_budget(budget) == "cpu":
        for label in LONGEST_TWO_SEEDS:
            first = runs[f"{label}, longest"][0]
            runs[f"{label}, longest"].append(dataclasses.replace(first, seed=1))
    return runs


def configs(budget: str) -> dict[str, list]:
    """Every run of the chapter: PTB groups prefixed ``"PTB: "``, sentiment ``"sentiment: "``."""
    out = {f"PTB: {k}": v for k, v in lm_configs(budget).items()}
    out |= {f"PTB: {k}": v for k, v in lm_longer_configs(budget).items()}
    out |= {f"PTB: {k}": v for k, v in lm_longest_configs(budget).items()}
    out |= {f"sentiment: {k}": v for k, v in sentiment_configs(budget).items()}
    out |= {f"sentiment, GRU: {k}": v for k, v in sentiment_gru_configs(budget).items()}
    return out
