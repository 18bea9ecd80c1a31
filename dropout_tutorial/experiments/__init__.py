"""Experiment definitions: the configs of each chapter at each budget, and the tasks
that train them. Importing this package registers every task with the runner.

Each chapter module exposes ``configs(budget) -> dict[str, list[config]]``;
:data:`CHAPTERS` maps notebook names to those modules, so tools and tests can list
every run the book needs (CI checks that each run of the book's budget is stored).
"""
from . import (concrete, how_dropout_works, mc_classification, mc_regression,  # noqa: F401
               mnist, mnist_papers, recurrent, srivastava_figures)  # registers each task
from .mnist import MNISTConfig, build_model, load_mnist_splits

__all__ = ["CHAPTERS", "all_configs", "MNISTConfig", "load_mnist_splits", "build_model"]

CHAPTERS = {
    "01_how_dropout_works": how_dropout_works,
    "03_dropout_on_mnist": mnist_papers,
    "03b_srivastava_figures": srivastava_figures,
    "04_mc_dropout_regression": mc_regression,
    "05_mc_dropout_classification": mc_classification,
    "06_concrete_dropout": concrete,
    "07_recurrent_dropout": recurrent,
}


def all_configs(budget: str) -> list:
    """Every run config of every chapter at ``budget``."""
    return [config for module in CHAPTERS.values()
            for runs in module.configs(budget).values() for config in runs]
