"""Small networks with a dropout slot, built from plain settings so a config can name them."""
from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from .techniques import GaussianDropout, StandardDropout, StandardGaussianDropout
from .techniques._validation import check_probability

__all__ = ["ACTIVATIONS", "DROPOUT_KINDS", "make_dropout", "MLP", "LeNet"]

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
}


# Name -> factory(p). "inverted" is PyTorch's own nn.Dropout, the reference everything
# else is compared with; the others are the package's techniques.
DROPOUT_KINDS: dict[str, Callable[[float], nn.Module]] = {
    "inverted": nn.Dropout,
    "standard": StandardDropout,
    "gaussian": GaussianDropout,
    "standard-gaussian": StandardGaussianDropout,
}


def make_dropout(kind: str, p: float) -> nn.Module:
    """A dropout module of the named kind with drop probability ``p``
    (``nn.Identity`` when ``p == 0``, so a "no dropout" network has no dropout layers)."""
    p = check_probability(p, name="p")
    if kind not in DROPOUT_KINDS:
        raise ValueError(f"dropout must be one of {sorted(DROPOUT_KINDS)}, got dropout={kind!r}")
    return nn.Identity() if p == 0 else DROPOUT_KINDS[kind](p)


class MLP(nn.Sequential):
    r"""A fully connected network with dropout on the input and after every hidden layer.

    The layers are ``[drop(p_input)] Linear act drop(p_hidden) ... Linear`` (no dropout
    after the output layer), as in Hinton et al. (2012) and Srivastava et al. (2014).

    Args:
        sizes: widths from input to output, e.g. ``(784, 800, 800, 10)``.
        activation: ``"relu"``, ``"logistic"`` or ``"tanh"``.
        p_input: drop probability of the input units.
        p_hidden: drop probability of the hidden units.
        dropout: kind of dropout (see :data:`DROPOUT_KINDS`).
        init_std: if given, weights are drawn from :math:`N(0, \sigma^2)` with this
            :math:`\sigma` and biases set to zero; otherwise PyTorch's default init.

    Example:
        >>> MLP((784, 800, 800, 10), p_input=0.2, p_hidden=0.5)(torch.zeros(2, 784)).shape
        torch.Size([2, 10])
    """

    def __init__(self, sizes: tuple[int, ...], activation: str = "relu", p_input: float = 0.0,
                 p_hidden: float = 0.0, dropout: str = "inverted",
                 init_std: float | None = None):
        if len(sizes) < 2 or any(not isinstance(s, int) or s < 1 for s in sizes):
            raise ValueError(f"sizes must hold at least two positive ints, got sizes={sizes!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, "
                             f"got activation={activation!r}")
        p_input = check_probability(p_input, name="p_input")
        p_hidden = check_probability(p_hidden, name="p_hidden")
        layers: list[nn.Module] = []
        if p_input > 0:
            layers.append(make_dropout(dropout, p_input))
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(fan_in, fan_out))
            if i < len(sizes) - 2:
                layers += [ACTIVATIONS[activation](), make_dropout(dropout, p_hidden)]
        super().__init__(*layers)
        if init_std is not None:
            for layer in self.linear_layers():
                nn.init.normal_(layer.weight, 0.0, init_std)
                nn.init.zeros_(layer.bias)

    def linear_layers(self) -> list[nn.Linear]:
        return [m for m in self if isinstance(m, nn.Linear)]

    def to_inverted(self) -> "MLP":
        """A copy with the mean-1 form of every papers'-form dropout layer (PyTorch's
        inverted ``nn.Dropout`` for ``StandardDropout``, ``GaussianDropout`` for
        ``StandardGaussianDropout``), and the weights of every layer fed by such a dropout
        multiplied by its retain probability :math:`1 - p`. Both forms then compute the
        same function at test time and the same thinned (or noisy) networks in training,
        so tools written for ``nn.Dropout`` (e.g. ``mc_predict(..., per_pass_masks=True)``)
        apply. Other layers are copied unchanged, and the copy keeps every module's
        mode."""
        mean_one = {StandardDropout: nn.Dropout, StandardGaussianDropout: GaussianDropout}
        twin = copy.deepcopy(self)
        keep = 1.0
        with torch.no_grad():
            for i, module in enumerate(twin):
                if type(module) in mean_one:
                    twin[i] = mean_one[type(module)](module.p).train(module.training)
                    keep = 1.0 - module.p
                elif isinstance(module, nn.Linear):
                    module.weight.mul_(keep)
                    keep = 1.0
        return twin


class LeNet(nn.Module):
    r"""Caffe's LeNet with one dropout layer before the last fully connected layer.

    The layers are ``conv 20@5x5, max-pool 2, conv 50@5x5, max-pool 2, FC 500, ReLU,
    drop(p), FC num_classes``: the ``lenet_dropout`` network of Gal & Ghahramani (2016),
    Figure 4 (their Caffe models, ``mnist_uncertainty/lenet_dropout_*.prototxt``). As in
    Caffe's LeNet, the convolutions have no nonlinearity; only the 500 hidden units do.

    The network is split in two parts: ``trunk`` (deterministic: everything up to the
    ReLU) and ``head`` (dropout, then the last layer). Dropout acts only in ``head``, so MC
    dropout can compute the 500 features of an image once and sample the head
    :math:`T` times: ``mc_predict(net.head, net.trunk(x), T)`` has the distribution of
    ``mc_predict(net, x, T)`` at about 1/400 of the cost.

    Args:
        p: drop probability of the 500 hidden units. Default: 0.5 (Gal & Ghahramani).
        num_classes: outputs. Default: 10.
        in_channels: image channels. Default: 1.
        image_size: height = width of the input; 28 for MNIST. Default: 28.
        dropout: kind of dropout (see :data:`DROPOUT_KINDS`). Default: ``"inverted"``.
        init: ``"caffe"``: Caffe's ``xavier`` filler (weights uniform on
            :math:`[-a, a]`, :math:`a = \sqrt{3/\text{fan-in}}`) and zero biases, as in
            Caffe's LeNet; ``"default"``: PyTorch's initialization.

    Shape:
        Input :math:`(N, C_{in}, H, W)`, output :math:`(N, \text{num\_classes})` (logits).

    Example:
        >>> LeNet(p=0.5)(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
    """

    def __init__(self, p: float = 0.5, num_classes: int = 10, in_channels: int = 1,
                 image_size: int = 28, dropout: str = "inverted", init: str = "caffe"):
        super().__init__()
        p = check_probability(p, name="p")
        if init not in ("caffe", "default"):
            raise ValueError(f"init must be 'caffe' or 'default', got init={init!r}")
        side = ((image_size - 4) // 2 - 4) // 2          # two valid 5x5 convs, two 2x2 pools
        if side < 1:
            raise ValueError(f"image_size must be at least 16 for two 5x5 convolutions and "
                             f"two 2x2 poolings, got image_size={image_size!r}")
        self.p = p
        self.trunk = nn.Sequential(
            nn.Conv2d(in_channels, 20, 5), nn.MaxPool2d(2),
            nn.Conv2d(20, 50, 5), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(50 * side * side, 500), nn.ReLU())
        self.head = nn.Sequential(make_dropout(dropout, p), nn.Linear(500, num_classes))
        if init == "caffe":
            for layer in self.modules():
                if isinstance(layer, (nn.Conv2d, nn.Linear)):
                    fan_in = layer.weight[0].numel()
                    bound = (3.0 / fan_in) ** 0.5
                    nn.init.uniform_(layer.weight, -bound, bound)
                    nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x))

    def extra_repr(self) -> str:
        return f"p={self.p}"


# ---------------------------------------------------------------------------------------------
# Concrete dropout networks (Gal, Hron & Kendall 2017): every layer learns its drop probability
# ---------------------------------------------------------------------------------------------

from .techniques.concrete import ConcreteDropout  # noqa: E402

__all__ += ["ConcreteMLP"]


class ConcreteMLP(nn.Module):
    r"""A ReLU network with every ``Linear`` layer wrapped in :class:`ConcreteDropout`.

    The layers are ``CD(Linear) ReLU ... CD(Linear) ReLU`` followed by the output head
    ``CD(Linear)``: each layer drops its *input* with its own learnable probability, the
    input layer included, as in the authors' notebook (yaringal/ConcreteDropout). With
    ``heteroscedastic=True`` there are two heads on the last hidden layer, each with its own
    Concrete dropout: a mean :math:`\mu(x)` and a log variance :math:`\log\sigma^2(x)`; the
    output is ``cat([mu, log_var], dim=1)`` of shape ``(batch, 2 * sizes[-1])``.

    Add :func:`~dropout_tutorial.techniques.concrete_regularization` of the model to the
    loss, and keep the weights out of the optimizer's ``weight_decay``.

    Args:
        sizes: widths from input to output, e.g. ``(1, 1024, 1024, 1024, 1)``.
        weight_regularizer, dropout_regularizer: :math:`w_r, d_r \ge 0` of every layer (the
            authors use :math:`l^2/(\tau N)` and :math:`2/(\tau N)`).
        init_p: initial drop probability of every layer. Default: 0.1 (the authors').
        temperature: Concrete temperature :math:`t`. Default: 0.1 (the authors').
        heteroscedastic: two heads (mean, log variance) instead of one.

    Example:
        >>> net = ConcreteMLP((1, 8, 8, 1), weight_regularizer=1e-8, dropout_regularizer=0.2,
        ...                   heteroscedastic=True)
        >>> net(torch.zeros(5, 1)).shape, len(net.drop_probabilities())
        (torch.Size([5, 2]), 4)
    """

    def __init__(self, sizes: tuple[int, ...], *, weight_regularizer: float,
                 dropout_regularizer: float, init_p: float = 0.1, temperature: float = 0.1,
                 heteroscedastic: bool = False):
        super().__init__()
        if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                                 for s in sizes):
            raise ValueError(f"sizes must hold at least two positive ints, got sizes={sizes!r}")
        cd = dict(weight_regularizer=weight_regularizer,
                  dropout_regularizer=dropout_regularizer, init_p=init_p,
                  temperature=temperature)
        body: list[nn.Module] = []
        for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
            body += [ConcreteDropout(nn.Linear(fan_in, fan_out), **cd), nn.ReLU()]
        self.body = nn.Sequential(*body)
        self.heteroscedastic = bool(heteroscedastic)
        self.head = ConcreteDropout(nn.Linear(sizes[-2], sizes[-1]), **cd)
        self.log_var_head = (ConcreteDropout(nn.Linear(sizes[-2], sizes[-1]), **cd)
                             if self.heteroscedastic else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        if self.log_var_head is None:
            return self.head(h)
        return torch.cat([self.head(h), self.log_var_head(h)], dim=1)

    def concrete_layers(self) -> list[ConcreteDropout]:
        """The Concrete dropout modules, input layer first, then the head(s)."""
        return [m for m in self.modules() if isinstance(m, ConcreteDropout)]

    def drop_probabilities(self) -> list[float]:
        """The learned drop probability :math:`p = \\sigma(\\ell)` of every layer, in the
        order of :meth:`concrete_layers`."""
        return [float(m.drop_probability.detach()) for m in self.concrete_layers()]
