"""pipelines: tf.data input, training, evaluation, export and prediction for keras_nets."""
