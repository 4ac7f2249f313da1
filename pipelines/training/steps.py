"""The distributed train and eval steps: `strategy.run` + GradientTape + a Keras optimizer.

One step runs under every strategy (Keras 3's `fit` does not run under
MultiWorkerMirroredStrategy). The loss of each replica is scaled to the global batch, so the
all-reduced gradients equal the single-device gradients of the whole batch.

- Several steps per call (`steps_per_loop`, like Keras' `steps_per_execution`): one tf.function
  runs n steps and returns their summed metrics, so the host waits once per call.
- XLA compiles the replica's forward and backward pass only: the iterator (no XLA kernel for
  IteratorGetNext) and the optimizer's all-reduce stay outside the compiled function.
- Each replica draws its own dropout masks (keras_nets.replica_seed_offset).
- Fine-tuning (`frozen`, `head_steps`): until the optimizer's step reaches head_steps the
  pretrained layers' gradients are multiplied by 0, so only the new head learns; the variable
  list the optimizer updates (and the checkpoint holds) stays the same in both phases, and the
  one traced step serves both.
- float16 loss scaling (Keras' LossScaleOptimizer) judges finiteness per replica and, under
  MirroredStrategy, on the first replica's gradients only; here the replicas first agree (an
  all-reduce of their finiteness), so they all skip or all apply the same step.
"""

from collections.abc import Callable

import keras
import tensorflow as tf

from keras_nets import paper_objective, replica_seed_offset, top_k_hits


def make_train_step(strategy: tf.distribute.Strategy, model: keras.Model,
                    optimizer: keras.optimizers.Optimizer, *, global_batch: int,
                    weight_decay: float, xla: bool = False, frozen: list[bool] | None = None,
                    head_steps: int = 0
                    ) -> Callable[[tf.distribute.DistributedIterator, tf.Tensor], tf.Tensor]:
    """step(iterator, n) -> [summed loss, top-1 hits, top-5 hits, images] over n global batches.

    frozen: one bool per model.trainable_variables, True for the pretrained layers that learn
    only once the optimizer has taken head_steps steps."""
    replicas = strategy.num_replicas_in_sync
    scaling = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)  # float16 compute

    def gradients(images: tf.Tensor, labels: tf.Tensor, replica_id: int | tf.Tensor
                  ) -> tuple[tf.Tensor, list[tf.Tensor | None], tf.Tensor]:
        with tf.GradientTape() as tape, replica_seed_offset(replica_id):
            probs = model(images, training=True)
            loss = paper_objective(model, labels, probs, weight_decay,
                                   global_batch_size=global_batch, num_replicas=replicas)
            scaled = optimizer.scale_loss(loss) if scaling else loss
        grads = tape.gradient(scaled, model.trainable_variables)
        return loss, grads, top_k_hits(labels, probs)

    compute = tf.function(gradients, jit_compile=True) if xla else gradients

    def replica_step(images: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        context = tf.distribute.get_replica_context()
        loss, grads, hits = compute(images, labels, context.replica_id_in_sync_group)
        if scaling:
            grads = agree_on_finiteness(context, grads)
        if head_steps and frozen is not None:
            grads = mask_frozen(grads, frozen, optimizer.iterations < head_steps)
        optimizer.apply(grads, model.trainable_variables)
        return tf.concat([[loss], hits], 0)

    @tf.function
    def step(iterator: tf.distribute.DistributedIterator, n: tf.Tensor) -> tf.Tensor:
        totals = tf.zeros([4])
        for _ in tf.range(n):
            images, labels = next(iterator)
            out = strategy.run(replica_step, args=(images, labels))
            totals += strategy.reduce("SUM", out, axis=None)
        return totals

    return step


def mask_frozen(grads: list[tf.Tensor | None], frozen: list[bool], head_phase: bool | tf.Tensor
                ) -> list[tf.Tensor | None]:
    """The gradients with the frozen variables' ones times 0 while `head_phase` is true. With
    SGD's momentum (and Adam's moments) at 0 from the start a zero gradient moves nothing, and
    weight decay lives in the gradient (keras_nets.paper_objective), so it is masked too. Zero
    rather than trainable=False: the optimizer's variables, the checkpoint's contents and the
    traced step are the same in both phases, so a run relaunched in either phase restores
    exactly (pipelines.training.checkpoint)."""
    keep = 1.0 - tf.cast(head_phase, tf.float32)
    return [g * tf.cast(keep, g.dtype) if (is_frozen and g is not None) else g
            for g, is_frozen in zip(grads, frozen)]


def agree_on_finiteness(context: tf.distribute.ReplicaContext, grads: list[tf.Tensor | None]
                        ) -> list[tf.Tensor | None]:
    """The gradients, made non-finite on every replica when they are on any: Keras'
    LossScaleOptimizer then skips the step (and halves the scale) on all replicas alike."""
    finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in grads if g is not None])
    failing = context.all_reduce("SUM", 1.0 - tf.cast(finite, tf.float32))  # replicas with inf/nan
    poison = tf.where(failing > 0, float("nan"), 0.0)
    return [g if g is None else g + tf.cast(poison, g.dtype) for g in grads]


def make_eval_step(strategy: tf.distribute.Strategy, model: keras.Model
                   ) -> Callable[[tuple[tf.Tensor, tf.Tensor, tf.Tensor]], tf.Tensor]:
    """step(batch) -> [top-1 hits, top-5 hits, images] summed over the replicas; batches are
    (images, labels, mask) and padding rows (mask 0) are left out."""

    def replica_step(images: tf.Tensor, labels: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
        keep = mask > 0
        probs = model(images, training=False)
        return top_k_hits(tf.boolean_mask(labels, keep), tf.boolean_mask(probs, keep))

    @tf.function
    def step(batch: tuple[tf.Tensor, tf.Tensor, tf.Tensor]) -> tf.Tensor:
        return strategy.reduce("SUM", strategy.run(replica_step, args=batch), axis=None)

    return step
