"""Benchmarks: figures printed side by side in one run, never timed tests."""

import os

# TensorFlow's oneDNN kernels on before it loads, unless the user set TF_ENABLE_ONEDNN_OPTS
# (keras_nets.onednn says why; importing keras_nets here would load TensorFlow before --help).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
