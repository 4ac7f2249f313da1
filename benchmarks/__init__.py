"""Benchmarks: figures printed side by side in one run, never timed tests."""

# keras_nets sets TensorFlow's oneDNN default (keras_nets.onednn), which has to come before
# TensorFlow loads; importing it loads neither Keras nor TensorFlow.
import keras_nets  # noqa: F401
