"""The distributed train and eval steps: `strategy.run` + GradientTape + a Keras optimizer.

One step runs under every strategy (Keras 3's `fit` does not run under
MultiWorkerMirroredStrategy). The loss of each replica is scaled to the global batch, so the
all-reduced gradients equal the single-device gradients of the whole batch.
"""

import tensorflow as tf

from keras_nets import paper_objective, top_k_hits


def make_train_step(strategy, model, optimizer, *, global_batch, weight_decay, xla=False):
    """step(iterator) -> (summed loss, [top-1 hits, top-5 hits, images]) for one global batch."""
    replicas = strategy.num_replicas_in_sync

    def replica_step(images, labels):
        with tf.GradientTape() as tape:
            probs = model(images, training=True)
            loss = paper_objective(model, labels, probs, weight_decay,
                                   global_batch_size=global_batch, num_replicas=replicas)
            scaled = optimizer.scale_loss(loss) if hasattr(optimizer, "scale_loss") else loss
        grads = tape.gradient(scaled, model.trainable_variables)
        optimizer.apply(grads, model.trainable_variables)
        return loss, top_k_hits(labels, probs)

    @tf.function(jit_compile=xla or None)
    def step(iterator):
        images, labels = next(iterator)
        loss, hits = strategy.run(replica_step, args=(images, labels))
        return strategy.reduce("SUM", loss, axis=None), strategy.reduce("SUM", hits, axis=None)

    return step


def make_eval_step(strategy, model):
    """step(batch) -> [top-1 hits, top-5 hits, images] summed over the replicas."""

    def replica_step(images, labels):
        return top_k_hits(labels, model(images, training=False))

    @tf.function
    def step(batch):
        images, labels = batch
        return strategy.reduce("SUM", strategy.run(replica_step, args=(images, labels)),
                               axis=None)

    return step
