"""TensorFlow's oneDNN CPU kernels, on unless the user said otherwise.

TensorFlow turns its oneDNN kernels on by default only on CPUs it deems made for them (AVX-512
VNNI, BF16, AMX); elsewhere, AMD's CPUs and older Intel ones included, it runs Eigen's
convolutions, which train these nets several times slower (docs/benchmarks.md, "oneDNN").
The switch is read when TensorFlow loads, so it has to be set before: `import keras_nets` sets
it, and loads neither Keras nor TensorFlow (its names load lazily), so that the pipelines,
benchmarks and research packages import keras_nets first, --help included. A user's
TF_ENABLE_ONEDNN_OPTS (0 keeps it off) wins. Other Keras backends ignore it.
"""

import os

VARIABLE = "TF_ENABLE_ONEDNN_OPTS"


def prefer_onednn() -> None:
    """Turn oneDNN on for a TensorFlow not loaded yet, unless TF_ENABLE_ONEDNN_OPTS is set."""
    os.environ.setdefault(VARIABLE, "1")
