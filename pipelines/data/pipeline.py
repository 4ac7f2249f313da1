"""create_split: one place that owns shuffle, repeat, per-element seeds, map, batch and prefetch."""

import functools

import tensorflow as tf

from pipelines.data import preprocess as pp

AUTOTUNE = tf.data.AUTOTUNE
EVAL_PROTOCOLS = ("center", "ten_crop", "full_image", "multi_crop")


def train_preprocess(family, size, **options):
    """The training protocol of the paper of `family` ("alexnet" or "vgg") as fn(encoded, seed)."""
    fn = {"alexnet": pp.preprocess_for_train_alexnet, "vgg": pp.preprocess_for_train_vgg}[family]
    return functools.partial(fn, size=size, **options)


def eval_preprocess(protocol, size, scale=256, grid=5, normalization=pp.PAPER_NORMALIZATION):
    """A test protocol as fn(encoded) -> views [V, H, W, 3] (center: V = 1), under the model's
    input normalisation (pipelines.data.normalization)."""
    norm = dict(normalization=normalization)
    if protocol == "center":
        return lambda encoded: pp.preprocess_for_eval(encoded, size, scale, **norm)[None]
    if protocol == "ten_crop":
        return functools.partial(pp.ten_crop, size=size, scale=scale, **norm)
    if protocol == "full_image":
        return functools.partial(pp.full_image, scale=scale, **norm)
    if protocol == "multi_crop":
        return functools.partial(pp.multi_crop, scale=scale, size=size, grid=grid, **norm)
    raise ValueError(f"unknown test protocol {protocol!r}; choose from {EVAL_PROTOCOLS}")


def create_split(examples, *, train, batch_size, preprocess, seed=0, shuffle_buffer=2048,
                 deterministic=False, cache=True, repeat=None, shard=None, skip=0):
    """Batches of (images, labels) from a dataset of {"image": encoded, "label": int}.

    train=True: shuffled each epoch (seeded), repeated forever unless repeat says otherwise,
    preprocess(encoded, seed) with a fresh stateless seed per element, drop_remainder.
    train=False: preprocess(encoded) -> views, batches of [B, V, H, W, 3], in order; views of one
    image stay together (batch_size 1 for full_image, whose size varies per image).
    shard=(n, i) keeps every n-th element from the i-th, after the shuffle and the seeds (which
    every worker draws alike) and before the decoding: worker i's batches are its part of the
    global batches. skip drops that many (of this worker's) elements before decoding them:
    a resumed run continues the same stream.
    """
    ds = examples.cache() if cache else examples
    options = tf.data.Options()
    options.deterministic = deterministic or bool(shard)  # workers must agree on the order
    options.experimental_optimization.map_parallelization = True
    if train:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        ds = ds.repeat() if repeat is None else ds.repeat(repeat)
        seeds = tf.data.Dataset.random(seed=seed).batch(2, drop_remainder=True)
        ds = tf.data.Dataset.zip((ds, seeds))
        if shard:
            ds = ds.shard(*shard)
        if skip:
            ds = ds.skip(skip)
        ds = ds.map(lambda e, s: (preprocess(e["image"], s), e["label"]),
                    num_parallel_calls=AUTOTUNE)
    else:
        if shard:
            ds = ds.shard(*shard)
        ds = ds.map(lambda e: (preprocess(e["image"]), e["label"]), num_parallel_calls=AUTOTUNE)
    ds = ds.batch(batch_size, drop_remainder=train, num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE).with_options(options)
