"""pipelines: tf.data input, training, evaluation, export and prediction for keras_nets."""

# keras_nets sets TensorFlow's oneDNN default (keras_nets.onednn), which has to come before
# TensorFlow loads; importing it loads neither Keras nor TensorFlow.
import keras_nets  # noqa: F401
