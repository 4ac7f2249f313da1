"""create_split: one place that owns shuffle, repeat, per-element seeds, map, batch and prefetch."""

from collections.abc import Callable

import tensorflow as tf


AUTOTUNE = tf.data.AUTOTUNE


def create_split(examples: tf.data.Dataset, *, train: bool, batch_size: int,
                 preprocess: Callable[..., tf.Tensor], seed: int = 0, shuffle_buffer: int = 2048,
                 deterministic: bool = False, cache: bool = True, repeat: int | None = None,
                 shard: tuple[int, int] | None = None, skip: int = 0,
                 decode: Callable[[tf.Tensor], tf.Tensor] | None = None) -> tf.data.Dataset:
    """Batches of (images, labels) from a dataset of {"image": encoded, "label": int}.

    train=True: shuffled each pass over the data (in blocks of shuffle_buffer examples, with the
    pass's own seed), repeated forever unless
    repeat says otherwise, preprocess(encoded, seed) with a stateless seed per element (the
    run's seed and the element's position in the stream), drop_remainder.
    train=False: preprocess(encoded) -> views, batches of [B, V, H, W, 3], in order; views of one
    image stay together (batch_size 1 for the dense views, whose size varies per image).
    shard=(n, i) keeps every n-th element from the i-th, after the shuffle and the seeds (which
    every worker draws alike) and before the decoding: worker i's batches are its part of the
    global batches. skip drops that many (of this worker's) elements: a resumed run continues
    the same stream. Since every pass and every element seed is addressed by its position, the
    stream starts at the right pass directly and skips within that pass only, before decoding:
    resuming costs at most one pass of reading, however far the run had got.
    decode(encoded) -> pixels of one size: every image decoded once, during the first pass, and
    kept in memory (cached); preprocess then gets the pixels (pipelines.data.crops
    .cached_train_preprocess). A resumed run decodes the pass it skips into.
    """
    if decode is not None:
        examples = examples.map(lambda e: dict(e, image=decode(e["image"])),
                                num_parallel_calls=AUTOTUNE)
        cache = True
    ds = examples.cache() if cache else examples
    options = tf.data.Options()
    options.deterministic = deterministic or bool(shard)  # workers must agree on the order
    options.experimental_optimization.map_parallelization = True
    if train:
        ds = _addressable_stream(ds, seed, shuffle_buffer, repeat,
                                 skip * (shard[0] if shard else 1))
        if shard:
            ds = ds.shard(*shard)
        ds = ds.map(lambda e, s: (preprocess(e["image"], s), e["label"]),
                    num_parallel_calls=AUTOTUNE)
    else:
        if shard:
            ds = ds.shard(*shard)
        ds = ds.map(lambda e: (preprocess(e["image"]), e["label"]), num_parallel_calls=AUTOTUNE)
    ds = ds.batch(batch_size, drop_remainder=train, num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE).with_options(options)


def _addressable_stream(examples: tf.data.Dataset, seed: int, shuffle_buffer: int,
                        repeat: int | None, start: int) -> tf.data.Dataset:
    """(example, stateless seed [2]) pairs from position `start` on. Pass p over `examples` is
    shuffled in blocks of `shuffle_buffer` consecutive examples, each permuted with the stateless
    seed (seed, p, block); the element at stream position k gets the seed (seed, k)."""
    first_pass, offset = 0, 0
    if start:
        size = int(examples.cardinality())
        if size < 0:  # unknown (files sharded per worker): count them once, without decoding
            size = int(examples.reduce(tf.constant(0, tf.int64), lambda n, _: n + 1))
        first_pass, offset = divmod(start, size)
    seed = tf.constant(seed, tf.int64)

    def one_pass(p: tf.Tensor) -> tf.data.Dataset:
        def permute(block_index: tf.Tensor, block: dict[str, tf.Tensor]) -> tf.data.Dataset:
            order = tf.random.experimental.stateless_shuffle(
                tf.range(tf.shape(block["label"])[0]),
                seed=tf.stack([seed * 1_000_003 + p, block_index]))
            return tf.data.Dataset.from_tensor_slices(
                tf.nest.map_structure(lambda t: tf.gather(t, order), block))
        return examples.batch(shuffle_buffer).enumerate().flat_map(permute)

    passes = tf.data.Dataset.range(first_pass, 2 ** 62 if repeat is None else repeat)
    stream = passes.flat_map(one_pass).skip(offset).enumerate(start=start)
    return stream.map(lambda k, e: (e, tf.stack([seed, k])))
