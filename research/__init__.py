"""The papers' claims tested on the product: each experiment is one config of arms
(research.experiments), each arm a pipelines.training RunConfig trained by
pipelines.training.run.train_and_evaluate; research.run runs them and applies the verdict rule
(research.claims). See research/README.md."""

import keras_nets  # noqa: F401  (the oneDNN default, set in one place: keras_nets.onednn)
