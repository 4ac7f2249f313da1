"""The dataset functions a strategy calls once per worker: training stream and validation."""

import math
import os

import tensorflow as tf

from pipelines.data import service
from pipelines.data.pipeline import create_split, eval_preprocess, train_preprocess
from pipelines.data.sources import load_split
from pipelines.contract import alexnet_train_scale, contract


def train_augment(spec, recipe, size):
    """The training protocol of the model's paper at `size` pixels: AlexNet section 4.1 (central
    crop at the paper's 256/227 ratio, mirror, PCA lighting) or VGG 3.1 (scale S, crop, mirror,
    RGB colour shift), under the recipe's input normalisation."""
    if spec.family == "alexnet":
        return train_preprocess("alexnet", size, scale=alexnet_train_scale(size),
                                lighting=recipe.lighting, normalization=recipe.normalization)
    return train_preprocess("vgg", size, scale_min=recipe.scale_min, scale_max=recipe.scale_max,
                            colour_shift=recipe.lighting, normalization=recipe.normalization)


def dataset_fns(config, spec, size, val_examples):
    """(train_fn(ctx, skip_steps), val_fn(ctx)) for strategy.distribute_datasets_from_function."""
    recipe = config.recipe
    data = dict(data_dir=config.data_dir, manual_dir=config.manual_dir,
                shapes_sizes=recipe.dataset_sizes)
    augment = train_augment(spec, recipe, size)
    # Validation: the centre crop at the single test scale of the paper (pipelines.contract).
    info = contract(spec, recipe, size)
    center = eval_preprocess("center", size, info["eval_scale"],
                             normalization=recipe.normalization)

    def train_fn(ctx, skip_steps):
        batch = ctx.get_per_replica_batch_size(recipe.batch_size)
        if config.data_service:
            return _on_data_service(ctx, batch)
        split = load_split(config.dataset, "train", input_context=ctx, shuffle_files=True,
                           seed=config.seed, **data)
        batches_per_step = ctx.num_replicas_in_sync // ctx.num_input_pipelines
        return create_split(split.dataset, train=True, batch_size=batch, preprocess=augment,
                            seed=config.seed, deterministic=config.deterministic, cache=False,
                            shard=split.shard, skip=skip_steps * batches_per_step * batch)

    def _on_data_service(ctx, batch):
        # The whole split goes to the service (which shards it dynamically over its workers);
        # the trainer's input pipelines share one job, so each batch feeds one of them. The
        # stream is not the local one: a resumed run starts a fresh one.
        split = load_split(config.dataset, "train", shuffle_files=True, seed=config.seed, **data)
        ds = create_split(split.dataset, train=True, batch_size=batch, preprocess=augment,
                          seed=config.seed, cache=False)
        job = f"keras_nets_{os.path.abspath(config.run_dir)}" if ctx.num_input_pipelines > 1 \
            else None
        return service.distribute(ds, config.data_service, job_name=job)

    def val_fn(ctx):
        split = load_split(config.dataset, "validation", input_context=ctx, **data)
        per_replica = ctx.get_per_replica_batch_size(recipe.batch_size)
        ds = create_split(split.dataset, train=False, cache=False, shard=split.shard,
                          batch_size=per_replica, preprocess=lambda e: center(e)[0])
        # Every worker runs as many steps (collectives) and the whole split is seen once.
        steps = math.ceil(val_examples / recipe.batch_size)
        batches = steps * ctx.num_replicas_in_sync // ctx.num_input_pipelines
        return pad_and_mask(ds, per_replica, batches)

    return train_fn, val_fn


def pad_and_mask(batches, batch_size, count):
    """Exactly `count` batches of (images, labels, mask) with `batch_size` rows: the partial last
    batch is padded with zero rows and then zero batches follow, all of them masked (mask 0)."""
    image_spec, label_spec = batches.element_spec

    def pad(images, labels):
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
