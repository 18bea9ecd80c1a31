"""Dropout techniques: one functional op and one ``nn.Module`` per technique.

Every name below is re-exported from its own module; see each module's docstring for the
mathematics, the shapes and the references.
"""
from .alpha import (SELU_ALPHA_PRIME, AlphaDropout, FeatureAlphaDropout, alpha_dropout,
                    feature_alpha_dropout)
from .concrete import (ConcreteDropout, concrete_dropout, concrete_regularization,
                       concrete_regularizer)
from .dropblock import (DropBlock2d, dropblock, dropblock_expected_drop_fraction,
                        dropblock_gamma)
from .dropconnect import DropConnectLinear
from .droppath import DropPath, drop_path
from .gaussian import (GaussianDropout, StandardGaussianDropout, gaussian_dropout,
                       standard_gaussian_dropout)
from .inverted import IMPLS, InvertedDropout, inverted_dropout
from .schedules import (CurriculumSchedule, DropoutSchedule, LinearSchedule, PlateauSchedule,
                        ScheduledDropPath, curriculum_keep_prob, find_dropout_modules,
                        linear_ramp, scheduled_drop_path_rate)
from .sparse_variational import LinearSVDO
from .spatial import (SpatialDropout1d, SpatialDropout2d, SpatialDropout3d, spatial_dropout,
                      spatial_dropout1d, spatial_dropout2d, spatial_dropout3d)
from .standard import (StandardDropout, softmax_arithmetic_mean_over_masks,
                       softmax_geometric_mean_over_masks, standard_dropout)
from .standout import Standout, standout
from .attention import ADL, MultiHeadSelfAttention, adl, attention_with_dropout
from .mc import (MCDropoutMode, enable_mc_dropout, expected_entropy, mc_log_likelihood,
                 mc_predict, model_precision, mutual_information, predictive_entropy,
                 predictive_mean, predictive_probs, regression_predictive, variation_ratio)
from .meta import (MetaDropoutMLP, inner_adapt, meta_dropout, meta_query_loss,
                   sample_sinusoid_tasks, sinusoid_meta_dropout_demo)
from .recurrent import (EmbeddingDropout, LockedDropout, VariationalGRU, VariationalLSTM,
                        WeightDropLSTM, embedding_dropout, locked_dropout)
from .tools import Finding, check_dropout, is_dropout_layer, swap, uses_dropout
from .variational_gaussian import (KINGMA_C, KINGMA_CONST, MOLCHANOV_K, LinearVD, kl_kingma,
                                   kl_molchanov, local_reparameterization, variational_kl)

__all__ = [
    # standard / inverted
    "IMPLS", "inverted_dropout", "InvertedDropout", "standard_dropout", "StandardDropout",
    "softmax_geometric_mean_over_masks", "softmax_arithmetic_mean_over_masks",
    # spatial
    "spatial_dropout", "spatial_dropout1d", "spatial_dropout2d", "spatial_dropout3d",
    "SpatialDropout1d", "SpatialDropout2d", "SpatialDropout3d",
    # Gaussian and alpha
    "gaussian_dropout", "GaussianDropout", "standard_gaussian_dropout", "StandardGaussianDropout",
    "SELU_ALPHA_PRIME", "alpha_dropout",
    "feature_alpha_dropout", "AlphaDropout", "FeatureAlphaDropout",
    # variational Gaussian and sparse variational
    "KINGMA_C", "KINGMA_CONST", "MOLCHANOV_K", "kl_kingma", "kl_molchanov",
    "local_reparameterization", "LinearVD", "LinearSVDO", "variational_kl",
    # standout, Concrete
    "standout", "Standout", "concrete_dropout", "concrete_regularizer", "ConcreteDropout",
    "concrete_regularization",
    # schedules
    "linear_ramp", "scheduled_drop_path_rate", "curriculum_keep_prob", "find_dropout_modules",
    "DropoutSchedule", "LinearSchedule", "ScheduledDropPath", "CurriculumSchedule",
    "PlateauSchedule",
    # DropBlock, DropConnect, DropPath
    "dropblock_gamma", "dropblock_expected_drop_fraction", "dropblock", "DropBlock2d",
    "DropConnectLinear", "drop_path", "DropPath",
    # recurrent: locked / variational / embedding dropout, weight-dropped LSTM
    "locked_dropout", "LockedDropout", "embedding_dropout", "EmbeddingDropout",
    "VariationalLSTM", "VariationalGRU", "WeightDropLSTM",
    # Monte-Carlo dropout
    "MCDropoutMode", "enable_mc_dropout", "mc_predict", "predictive_mean",
    "regression_predictive", "mc_log_likelihood", "model_precision", "predictive_probs",
    "predictive_entropy", "expected_entropy", "mutual_information", "variation_ratio",
    # attention
    "attention_with_dropout", "MultiHeadSelfAttention", "adl", "ADL",
    # meta-dropout
    "meta_dropout", "MetaDropoutMLP", "inner_adapt", "meta_query_loss",
    "sample_sinusoid_tasks", "sinusoid_meta_dropout_demo",
    # tools
    "is_dropout_layer", "uses_dropout", "swap", "Finding", "check_dropout",
]
