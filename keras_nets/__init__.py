"""keras_nets: AlexNet (two towers or one) and the VGG family in Keras 3."""

from keras_nets.onednn import prefer_onednn

prefer_onednn()  # before Keras loads TensorFlow

from keras_nets.alexnet import build_alexnet
from keras_nets.counting import count_macs, count_params, format_summary, summary_rows
from keras_nets.dense import to_dense
from keras_nets.dropout import ReplicaDropout, replica_seed_offset
from keras_nets.layers import LocalResponseNormalization
from keras_nets.objective import (TopKError, paper_objective, paper_sgd, top_k_error_metrics,
                                  top_k_hits, weight_decay_penalty)
from keras_nets.vgg import CONFIGS as VGG_CONFIGS, build_vgg
from keras_nets.image_classifier import ImageClassifier
from keras_nets.normalization import NORMALIZATIONS, PAPER_NORMALIZATION
from keras_nets.preprocessing import Preprocessing
from keras_nets.registry import (MODEL_NAMES, SPECS, ModelSpec, build_model, get_spec,
                                 model_names, register)

__all__ = [
    "build_alexnet", "build_vgg", "build_model", "get_spec", "ModelSpec", "SPECS", "MODEL_NAMES",
    "VGG_CONFIGS", "ImageClassifier", "Preprocessing", "NORMALIZATIONS", "PAPER_NORMALIZATION",
    "model_names", "register",
    "LocalResponseNormalization", "ReplicaDropout", "replica_seed_offset", "to_dense", "count_params", "count_macs", "summary_rows",
    "format_summary", "paper_objective", "paper_sgd", "weight_decay_penalty", "TopKError",
    "top_k_error_metrics", "top_k_hits",
]
