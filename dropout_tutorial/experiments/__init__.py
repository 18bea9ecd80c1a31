"""Experiment definitions: the configs of each chapter at each budget, and the tasks
that train them. Importing this package registers every task with the runner."""
from . import mnist  # noqa: F401  (registers the "mnist_mlp" task)
from .mnist import MNISTConfig, load_mnist_splits, build_model

__all__ = ["MNISTConfig", "load_mnist_splits", "build_model"]
