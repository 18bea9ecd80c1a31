"""Chapter 7's experiments: the PTB language model, the sentiment regressor, their configs
at each budget, masks over time, perplexity evaluation and checkpointed resumption."""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
import torch
from torch import nn

import dropout_tutorial as dt
from dropout_tutorial.experiments import recurrent as ch07
from dropout_tutorial.experiments.recurrent import (LMConfig, SentimentConfig,
                                                    SentimentRegressor, WordLM,
                                                    lm_perplexity, mc_lm_perplexity,
                                                    token_log_probs)
from dropout_tutorial.runner import checkpoint_path, config_hash
from dropout_tutorial.techniques.recurrent import VariationalGRU, VariationalLSTM

STORED_RUNS = Path(__file__).resolve().parents[1] / "results" / "runs"


def tiny(variant="variational", **kw) -> LMConfig:
    fields = dict(name="t", budget="smoke", variant=variant, embed_dim=6, hidden=8)
    if variant != "none":
        fields |= dict(p_input=0.5, p_output=0.5)
    if variant == "variational":
        fields |= dict(p_hidden=0.5)
    return LMConfig(**(fields | kw))


def test_a_uniform_model_has_perplexity_equal_to_the_vocabulary_size():
    """Zero decoder weights give every word 1/V: perplexity V, standard and MC alike."""
    torch.manual_seed(0)
    model = WordLM(50, tiny())
    nn.init.zeros_(model.decoder.weight)
    nn.init.zeros_(model.decoder.bias)
    ids = torch.randint(0, 50, (403,))
    assert lm_perplexity(model, ids, batch_size=4, bptt=7) == pytest.approx(50, rel=1e-6)
    assert mc_lm_perplexity(model, ids, 3, batch_size=4, bptt=7) == pytest.approx(50, rel=1e-6)


def test_every_target_is_scored_once():
    """(n // B - 1) * B targets: every token of a stream but its first."""
    torch.manual_seed(0)
    model = WordLM(30, tiny("none"))
    lp = token_log_probs(model, torch.randint(0, 30, (103,)), batch_size=5, bptt=6)
    assert lp.shape == ((103 // 5 - 1) * 5,) and bool((lp < 0).all())


def test_carrying_the_state_makes_the_window_length_irrelevant_in_eval():
    """Truncation only cuts gradients: with the state carried over, windows of 5 and one
    window of the whole stream give the same log-probabilities."""
    torch.manual_seed(0)
    model = WordLM(40, tiny("variational", tied=False))
    ids = torch.randint(0, 40, (240,))
    short = token_log_probs(model, ids, batch_size=4, bptt=5)
    whole = token_log_probs(model, ids, batch_size=4, bptt=1000)
    torch.testing.assert_close(short, whole, rtol=1e-5, atol=1e-5)


def _decoder_inputs(model, x):
    seen = []
    handle = model.decoder.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    model(x)
    handle.remove()
    return seen[0]                                           # (T, B, H)


@pytest.mark.parametrize("variant, constant_over_time", [("variational", True),
                                                          ("naive", False)])
def test_output_masks_are_fixed_over_time_only_for_variational_dropout(variant,
                                                                       constant_over_time):
    """The zero pattern of the LSTM output is the same at every step under Gal's dropout
    and changes from step to step under naive (Zaremba) dropout."""
    torch.manual_seed(0)
    model = WordLM(20, tiny(variant, hidden=64, p_output=0.5)).train()
    h = _decoder_inputs(model, torch.randint(0, 20, (12, 3)))
    zeros = h == 0
    assert 0.3 < zeros.float().mean().item() < 0.7          # about p_output of the units
    same = all(torch.equal(zeros[t], zeros[0]) for t in range(12))
    assert same == constant_over_time


def test_embedding_dropout_drops_a_word_at_every_position_or_none():
    """A repeated word id has one embedding everywhere in the window: zero or rescaled."""
    torch.manual_seed(0)
    model = WordLM(5, tiny(p_embed=0.5, embed_dim=32)).train()
    seen = []
    model.rnn.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    word = torch.full((9, 4), 3)
    for _ in range(20):
        model(word)
    for e in seen:
        assert bool((e == e[0, 0]).all())                   # same vector at every (t, b)
    dropped = [bool((e == 0).all()) for e in seen]
    assert any(dropped) and not all(dropped)


def test_eval_is_deterministic_and_mc_samples_differ():
    torch.manual_seed(0)
    model = WordLM(30, tiny())
    ids = torch.randint(0, 30, (200,))
    a = token_log_probs(model, ids, batch_size=4, bptt=10)
    b = token_log_probs(model, ids, batch_size=4, bptt=10)
    c = token_log_probs(model, ids, batch_size=4, bptt=10, stochastic=True)
    assert torch.equal(a, b) and not torch.equal(a, c)
    model.eval()
    token_log_probs(model, ids, batch_size=4, bptt=10, stochastic=True)
    assert not model.training


@pytest.mark.parametrize("kwargs, match", [
    (dict(variant="dropout"), "variant"),
    (dict(variant="naive", p_hidden=0.3), "p_hidden"),
    (dict(variant="none", p_input=0.3), "p_input"),
    (dict(p_input=1.0), "p_input"),
    (dict(p_output=-0.1), "p_output"),
    (dict(train_tokens=0), "train_tokens"),
    (dict(bptt=0), "bptt"),
    (dict(mc_samples=-1), "mc_samples"),
    (dict(budget="laptop"), "budget"),
])
def test_lm_config_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LMConfig(**({"name": "x", "budget": "smoke"} | kwargs))


@pytest.mark.parametrize("kwargs, match", [
    (dict(variant="gru"), "variant"),
    (dict(variant="naive", p_embed=0.5), "p_embed"),
    (dict(p_dense=1.5), "p_dense"),
    (dict(train_segments=0), "train_segments"),
    (dict(epochs=0), "epochs"),
    (dict(cell="rnn"), r"cell must be one of \('lstm', 'gru'\), got cell='rnn'"),
    (dict(cell="GRU"), "cell"),
])
def test_sentiment_config_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SentimentConfig(**({"name": "x", "budget": "smoke"} | kwargs))


def test_learning_rate_schedule_halves_after_the_fifth_epoch():
    cfg = ch07.lm_configs("cpu")["no dropout"][0]
    assert [cfg.lr_at(e) for e in range(cfg.epochs)] == [1, 1, 1, 1, 1, 0.5, 0.25, 0.125]


def test_cpu_configs_are_the_documented_reduced_design():
    runs = ch07.configs("cpu")
    ptb = [r for label, rs in runs.items() if label.startswith("PTB") for r in rs]
    assert {r.train_tokens for r in ptb} == {185_918}          # 20 % of 929,589 tokens
    assert {(r.hidden, r.layers, r.eval_tokens) for r in ptb} == {(200, 1, None)}
    by_variant = {r.variant for r in ptb}
    assert by_variant == {"none", "naive", "variational"}
    sent = [r for label, rs in runs.items() if label.startswith("sentiment") for r in rs]
    assert {(r.embed_dim, r.hidden, r.train_segments) for r in sent} == {(128, 128, None)}


def test_paper_configs_are_gals_large_model():
    """main_new_dropout_SOTA_v3.lua: 2 x 1500, 55 epochs, lr 1 / 1.15 after epoch 10, clip
    10, init 0.04, weight decay 1e-7, p_x 0.3, p_i 0.5, p_h 0.3, p_o 0.5, 100 MC samples."""
    cfg = ch07.configs("paper")["PTB: large: variational untied + embedding"][0]
    assert (cfg.hidden, cfg.embed_dim, cfg.layers, cfg.epochs) == (1500, 1500, 2, 55)
    assert (cfg.lr, cfg.lr_decay, cfg.decay_after, cfg.clip) == (1.0, 1.15, 10, 10.0)
    assert (cfg.init_scale, cfg.weight_decay, cfg.batch_size, cfg.bptt) == (0.04, 1e-7, 20, 35)
    assert (cfg.p_embed, cfg.p_input, cfg.p_hidden, cfg.p_output) == (0.3, 0.5, 0.3, 0.5)
    assert (cfg.tied, cfg.mc_samples, cfg.train_tokens, cfg.eval_tokens) == (False, 100, None,
                                                                             None)


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_every_budget_has_unique_names_and_hashes(budget):
    runs = [c for rs in ch07.configs(budget).values() for c in rs]
    assert len({(c.name, c.seed) for c in runs}) == len(runs) == \
        len({config_hash(c) for c in runs})
    assert {c.budget for c in runs} == {budget}


def test_an_interrupted_run_resumes_to_the_same_result():
    """Two epochs in one go equal one epoch, then a resumed second epoch (bit for bit)."""
    base = dataclasses.replace(tiny(), train_tokens=3_000, eval_tokens=600, epochs=2,
                               mc_samples=2)
    full = dt.run(dataclasses.replace(base, name="full"))
    ckpt = checkpoint_path(dataclasses.replace(base, name="split"))
    ckpt.parent.mkdir(parents=True, exist_ok=True)
    with ch07.flush_denormal():                              # as the runner task does
        history, _ = ch07.train_lm(dataclasses.replace(base, name="split", epochs=1),
                                   checkpoint=ckpt)
    assert len(history["epoch"]) == 1
    resumed = dt.run(dataclasses.replace(base, name="split"))
    for key in ("train_ppl", "valid_ppl", "test_ppl", "lr"):   # all but wall times
        assert resumed.history[key] == full.history[key]
    assert resumed.final["mc_test_ppl"] == full.final["mc_test_ppl"]
    assert resumed.provenance["resumed_from_epoch"] == 1


def test_sentiment_regressor_predicts_one_value_per_segment():
    cfg = SentimentConfig(name="s", budget="smoke", embed_dim=4, hidden=5, p_embed=0.5,
                          p_input=0.5, p_hidden=0.5, p_dense=0.5)
    model = SentimentRegressor(30, cfg)
    x = torch.randint(0, 30, (7, 11))
    assert model(x).shape == (7,)
    model.eval()
    assert torch.equal(model(x), model(x))


def test_smoke_sentiment_run_records_test_error_per_epoch():
    cfg = dataclasses.replace(ch07.sentiment_configs("smoke")["variational"][0], epochs=2,
                              train_segments=64)
    rec = dt.run(cfg)
    assert rec.history["epoch"] == [1, 2]
    assert all(0 < v < 1 for v in rec.history["test_rmse"])
    assert rec.final["mc_samples"] == 2 and math.isfinite(rec.final["mc_test_rmse"])


@pytest.mark.parametrize("make, variants, tag, schedule", [
    ("lm_longer_configs", "LONGER_VARIANTS", "longer", (16, 11)),
    ("lm_longest_configs", "LONGEST_VARIANTS", "longest", (24, 16)),
])
def test_longer_runs_differ_from_their_base_only_in_length_and_name(make, variants, tag,
                                                                    schedule):
    import dataclasses

    from dropout_tutorial.experiments import recurrent as ch07
    base = ch07.lm_configs("cpu")
    longer = getattr(ch07, make)("cpu")
    labels = getattr(ch07, variants)
    assert set(longer) == {f"{label}, {tag}" for label in labels}
    for label in labels:
        cfg, ref = longer[f"{label}, {tag}"][0], base[label][0]
        assert (cfg.epochs, cfg.decay_after) == schedule
        assert cfg.lr_at(schedule[1] - 1) == cfg.lr and cfg.lr_at(schedule[1]) < cfg.lr
        assert cfg.name != ref.name
        assert dataclasses.replace(cfg, name=ref.name, epochs=ref.epochs,
                                   decay_after=ref.decay_after) == ref
    assert getattr(ch07, make)("paper") == {}
    for label, runs in longer.items():
        assert [c.seed for c in runs] == list(range(len(runs)))
        assert all(dataclasses.replace(c, seed=0) == runs[0] for c in runs)
    keys = [(c.name, c.seed) for runs in ch07.configs("cpu").values() for c in runs]
    assert len(keys) == len(set(keys))


def test_the_compared_24_epoch_variants_have_two_seeds():
    from dropout_tutorial.experiments import recurrent as ch07
    longest = ch07.lm_longest_configs("cpu")
    seeds = {label.removesuffix(", longest"): [c.seed for c in runs]
             for label, runs in longest.items()}
    assert seeds == {"naive (Zaremba)": [0, 1], "variational tied": [0],
                     "variational untied": [0, 1], "variational tied + embedding": [0, 1]}
    assert all(len(runs) == 1 for runs in ch07.lm_longest_configs("smoke").values())


# ------------------------------------------------------------------ GRU sentiment runs

def test_the_cell_field_keeps_the_hashes_of_the_stored_cpu_sentiment_runs():
    """Adding ``cell`` (hash_omit_default) left the cpu LSTM configs' hashes unchanged: each
    matches the name of its stored record NAME--HASH.json, and the record's config is the
    config (with or without the new field, depending on when the record was written)."""
    runs = [c for rs in ch07.sentiment_configs("cpu").values() for c in rs]
    assert len(runs) == 3 and {c.cell for c in runs} == {"lstm"}
    for cfg in runs:
        stored = sorted(STORED_RUNS.glob(f"{cfg.name}--*.json"))
        assert stored, f"no stored record for {cfg.name}"
        hashes = {path.stem.rsplit("--", 1)[1] for path in stored}
        assert config_hash(cfg) in hashes
        record = json.loads((STORED_RUNS / f"{cfg.name}--{config_hash(cfg)}.json").read_text())
        assert record["config_hash"] == config_hash(cfg)
        assert {k: v for k, v in record["config"].items() if k != "cell"} == \
            {k: v for k, v in dataclasses.asdict(cfg).items() if k != "cell"}
        assert record["config"].get("cell", "lstm") == "lstm"
    assert len({config_hash(dataclasses.replace(c, cell="gru")) for c in runs} |
               {config_hash(c) for c in runs}) == 6


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_gru_sentiment_configs_are_the_lstm_runs_with_a_gru(budget):
    """Same labels, sizes and rates as sentiment_configs, cell="gru", names
    gal2016-sentiment-{budget}-gru-{slug}, new hashes, all part of configs()."""
    lstm, gru = ch07.sentiment_configs(budget), ch07.sentiment_gru_configs(budget)
    assert list(gru) == list(lstm) == ["no dropout", "naive dropout", "variational"]
    slugs = {"no dropout": "no-dropout", "naive dropout": "naive-dropout",
             "variational": "variational"}
    for label, (cfg,) in gru.items():
        assert cfg.cell == "gru" and cfg.name == f"gal2016-sentiment-{budget}-gru-{slugs[label]}"
        assert dataclasses.replace(cfg, cell="lstm", name=lstm[label][0].name) == lstm[label][0]
    everything = [c for rs in ch07.configs(budget).values() for c in rs]
    gru_runs = [c for rs in gru.values() for c in rs]
    lstm_runs = [c for rs in lstm.values() for c in rs]
    assert {c.name for c in gru_runs} <= {c.name for c in everything}
    assert len({config_hash(c) for c in gru_runs + lstm_runs}) == 6
    assert len({config_hash(c) for c in everything}) == len(everything)


@pytest.mark.parametrize("cell, variant, expected", [
    ("lstm", "none", nn.LSTM), ("lstm", "naive", nn.LSTM), ("lstm", "variational", VariationalLSTM),
    ("gru", "none", nn.GRU), ("gru", "naive", nn.GRU), ("gru", "variational", VariationalGRU),
])
def test_sentiment_regressor_uses_the_configured_cell(cell, variant, expected):
    """cell="gru": nn.GRU for none / naive, VariationalGRU (p_input, p_hidden, no output
    mask) for variational; one prediction per segment, deterministic in eval mode."""
    rates = {"none": {}, "naive": dict(p_input=0.5, p_dense=0.5),
             "variational": dict(p_embed=0.5, p_input=0.3, p_hidden=0.4, p_dense=0.5)}[variant]
    cfg = SentimentConfig(name="s", budget="smoke", cell=cell, variant=variant, embed_dim=4,
                          hidden=5, **rates)
    torch.manual_seed(0)
    model = SentimentRegressor(30, cfg)
    assert type(model.rnn) is expected
    if variant == "variational":
        assert (model.rnn.p_input, model.rnn.p_hidden, model.rnn.p_output) == (0.3, 0.4, 0.0)
    x = torch.randint(0, 30, (7, 11))
    assert model(x).shape == (7,)
    model.eval()
    assert torch.equal(model(x), model(x))


def test_smoke_gru_sentiment_run_trains_one_epoch_on_the_scale_data():
    """A tiny GRU config (16 units, 64 segments, 1 epoch) runs through the runner and stores
    a record with its per-epoch history, final test RMSE and MC dropout RMSE."""
    cfg = dataclasses.replace(ch07.sentiment_gru_configs("smoke")["variational"][0], epochs=1,
                              train_segments=64)
    rec = dt.run(cfg)
    assert rec.config["cell"] == "gru" and rec.config["name"].startswith(
        "gal2016-sentiment-smoke-gru-")
    assert rec.config_hash == config_hash(cfg) != config_hash(dataclasses.replace(cfg,
                                                                                  cell="lstm"))
    assert rec.history["epoch"] == [1] and len(rec.history["test_rmse"]) == 1
    assert all(0 < v < 1 for v in rec.history["test_rmse"] + rec.history["train_rmse"])
    assert math.isfinite(rec.history["train_loss"][0]) and rec.history["seconds"][0] > 0
    assert rec.final["epochs"] == 1 and rec.final["train_segments"] == 64
    assert rec.final["test_rmse"] == rec.history["test_rmse"][-1]
    assert rec.final["mc_samples"] == 2 and math.isfinite(rec.final["mc_test_rmse"])
