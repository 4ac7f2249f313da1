"""The papers' claims tested on the product: each experiment is one config of arms
(research.experiments), each arm a pipelines.training RunConfig trained by
pipelines.training.run.train_and_evaluate; research.run runs them and applies the verdict rule
(research.claims). See research/README.md."""

import os

# TensorFlow's oneDNN kernels on before it loads, unless the user set TF_ENABLE_ONEDNN_OPTS
# (keras_nets.onednn says why; importing keras_nets here would load TensorFlow before --help).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
