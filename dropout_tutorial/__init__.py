"""dropout_tutorial: dropout techniques as tested PyTorch modules, and the helpers
(data, training, experiment runner, plotting, scoreboard) behind the book
*Dropout, reproduced*."""
__version__ = "0.1.0"

from . import budgets, data, device, models, reproducibility, runner, training  # noqa: E402
from .budgets import BUDGETS, by_budget, get_budget  # noqa: E402
from .data import load_mnist, mnist_splits  # noqa: E402
from .device import get_device  # noqa: E402
from .models import MLP  # noqa: E402
from .reproducibility import configure_threads, environment_info, set_seed  # noqa: E402
from .runner import RunRecord, config_hash, run  # noqa: E402
from .training import TrainConfig, evaluate, fit  # noqa: E402
from . import experiments  # noqa: E402,F401  (registers the runner's tasks)

__all__ = ["__version__", "BUDGETS", "by_budget", "get_budget", "load_mnist", "mnist_splits",
           "get_device", "MLP", "configure_threads", "environment_info", "set_seed",
           "RunRecord", "config_hash", "run", "TrainConfig", "evaluate", "fit"]
