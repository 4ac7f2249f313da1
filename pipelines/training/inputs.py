"""The dataset functions a strategy calls once per worker: training stream and validation."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import tensorflow as tf

from pipelines.data import service
from pipelines.data.pipeline import create_split
from pipelines.data.crops import (CACHEABLE, cached_train_preprocess, eval_preprocess,
                                      train_preprocess)

if TYPE_CHECKING:
    from keras_nets.preprocessing import Preprocessing
    from keras_nets.registry import ModelSpec
    from pipelines.training.recipes import Recipe
    from pipelines.training.plan import Plan


def train_augment(spec: ModelSpec, recipe: Recipe, preprocessing: Preprocessing,
                  cached: bool = False
                  ) -> (Callable[[tf.Tensor, tf.Tensor], tf.Tensor]
                        | tuple[Callable[[tf.Tensor], tf.Tensor],
                                Callable[[tf.Tensor, tf.Tensor], tf.Tensor]] | None):
    """The model's training protocol (its registry entry: AlexNet 4.1's central crop at one
    scale, or VGG 3.1's scale jitter) at the run's size and scales, mirror and lighting as the
    recipe says, under the recipe's input normalisation; cached: its (decode, augment) halves."""
    protocol = cached_train_preprocess if cached else train_preprocess
    return protocol(spec.train_protocol, preprocessing.input_size,
                    scale_min=preprocessing.train_scale_min,
                    scale_max=preprocessing.train_scale_max, flip=recipe.flip,
                    lighting=recipe.lighting, normalization=preprocessing.normalization)


# Decoded training images kept in memory, per input pipeline: 10,900 images at AlexNet's
# 256 x 256 training scale, 2.2 million at the 67 px default run's 76 x 76.
CACHE_BYTES = 2 << 30


def decoded_cache(spec: ModelSpec, preprocessing: Preprocessing, train_examples: int) -> bool:
    """Whether the training images are decoded once and kept in memory (uint8): where the
    model's training protocol gives every image one size (AlexNet's central square at the
    training scale, not VGG's jittered scale) and the decoded split fits in CACHE_BYTES. Decided
    by the dataset's size only, so a relaunch on any machine makes the same choice."""
    side = preprocessing.train_scale_min
    return (spec.train_protocol in CACHEABLE
            and train_examples * side * side * 3 <= CACHE_BYTES)


def dataset_fns(plan: Plan
                ) -> tuple[Callable[[tf.distribute.InputContext, int], tf.data.Dataset],
                           Callable[[tf.distribute.InputContext], tf.data.Dataset]]:
    """(train_fn(ctx, skip_steps), val_fn(ctx)) for strategy.distribute_datasets_from_function:
    each reads its worker's part of the plan's splits, opened once (pipelines.training.plan)."""
    config, preprocessing = plan.config, plan.preprocessing
    recipe, data, runtime = config.recipe, config.data, config.runtime
    cached = plan.resolved.decoded_cache
    decode, augment = (train_augment(plan.spec, recipe, preprocessing, cached=True) if cached
                       else (None, train_augment(plan.spec, recipe, preprocessing)))
    # Validation: the centre crop at the single test scale (the model's registry entry).
    center = eval_preprocess("center", preprocessing.input_size, preprocessing.eval_scale,
                             normalization=preprocessing.normalization)

    def train_fn(ctx: tf.distribute.InputContext, skip_steps: int) -> tf.data.Dataset:
        batch = ctx.get_per_replica_batch_size(recipe.batch_size)
        if data.data_service:
            return _on_data_service(ctx, batch)
        split = plan.train.read(ctx, shuffle_files=True, seed=runtime.seed)
        batches_per_step = ctx.num_replicas_in_sync // ctx.num_input_pipelines
        return create_split(split.dataset, train=True, batch_size=batch, preprocess=augment,
                            seed=runtime.seed, deterministic=runtime.deterministic, cache=False,
                            shard=split.shard, skip=skip_steps * batches_per_step * batch,
                            decode=decode)

    def _on_data_service(ctx: tf.distribute.InputContext, batch: int) -> tf.data.Dataset:
        # The whole split goes to the service (which shards it dynamically over its workers);
        # the trainer's input pipelines share one job, so each batch feeds one of them. The
        # stream is not the local one: a resumed run starts a fresh one.
        split = plan.train.read(shuffle_files=True, seed=runtime.seed)
        ds = create_split(split.dataset, train=True, batch_size=batch, preprocess=augment,
                          seed=runtime.seed, cache=False)
        job = f"keras_nets_{os.path.abspath(runtime.run_dir)}" if ctx.num_input_pipelines > 1 \
            else None
        return service.distribute(ds, data.data_service, job_name=job)

    def val_fn(ctx: tf.distribute.InputContext) -> tf.data.Dataset:
        split = plan.validation.read(ctx)
        per_replica = ctx.get_per_replica_batch_size(recipe.batch_size)
        ds = create_split(split.dataset, train=False, cache=False, shard=split.shard,
                          batch_size=per_replica, preprocess=lambda e: center(e)[0])
        # Every worker runs as many steps (collectives) and the whole split is seen once.
        steps = math.ceil(plan.validation.num_examples / recipe.batch_size)
        batches = steps * ctx.num_replicas_in_sync // ctx.num_input_pipelines
        return pad_and_mask(ds, per_replica, batches)

    return train_fn, val_fn


def pad_and_mask(batches: tf.data.Dataset, batch_size: int, count: int) -> tf.data.Dataset:
    """Exactly `count` batches of (images, labels, mask) with `batch_size` rows: the partial last
    batch is padded with zero rows and then zero batches follow, all of them masked (mask 0)."""
    image_spec, label_spec = batches.element_spec

    def pad(images: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        n = tf.shape(labels)[0]
        rows = batch_size - n
        images = tf.pad(images, [[0, rows]] + [[0, 0]] * (image_spec.shape.rank - 1))
        return (tf.ensure_shape(images, [batch_size, *image_spec.shape[1:]]),
                tf.ensure_shape(tf.pad(labels, [[0, rows]]), [batch_size]),
                tf.sequence_mask(n, batch_size, tf.float32))

    filler = tf.data.Dataset.from_tensors((
        tf.zeros([batch_size, *image_spec.shape[1:]], image_spec.dtype),
        tf.zeros([batch_size], label_spec.dtype), tf.zeros([batch_size]))).repeat()
    return batches.map(pad).concatenate(filler).take(count)
