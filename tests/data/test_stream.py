"""The training stream is addressed by position: resuming skips within one pass only."""

import numpy as np
import tensorflow as tf

from pipelines.data.pipeline import create_split

SIZE = 10


def counted_examples(reads):
    """SIZE examples; reads[0] counts the records read (as a file reader would)."""
    def read(i):
        reads[0] += 1
        return i
    ids = tf.data.Dataset.range(SIZE).map(
        lambda i: tf.py_function(read, [i], tf.int64))
    ids = ids.apply(tf.data.experimental.assert_cardinality(SIZE))
    return ids.map(lambda i: {"image": tf.strings.as_string(i), "label": i})


def stream(skip=0, shard=None, n=25, reads=None):
    ds = create_split(counted_examples(reads if reads is not None else [0]), train=True,
                      batch_size=1, preprocess=lambda e, s: (e, s), seed=5, skip=skip,
                      shard=shard, deterministic=True, cache=False)
    return [(x[0].numpy(), tuple(x[1][0].numpy()), int(y[0])) for x, y in ds.take(n)]


def test_resumed_stream_continues_the_same_elements_and_seeds():
    full = stream(n=40)
    assert sorted(e[2] for e in full[:SIZE]) == list(range(SIZE))  # one pass: each once
    assert [e[2] for e in full[:SIZE]] != [e[2] for e in full[SIZE:2 * SIZE]]  # reshuffled
    assert len({e[1] for e in full}) == 40  # a seed of its own per element
    assert stream(skip=17, n=23) == full[17:40]
    worker1 = stream(shard=(2, 1), n=15)
    assert worker1 == full[1:31:2]
    assert stream(skip=6, shard=(2, 1), n=9) == worker1[6:15]


def test_resume_cost_does_not_grow_with_progress():
    early, late = [0], [0]
    stream(skip=3, n=1, reads=early)
    stream(skip=100_003, n=1, reads=late)  # 10,000 passes later, the same position in a pass
    assert late[0] <= early[0] + SIZE, (early, late)
    np.testing.assert_equal(stream(skip=3, n=5)[1:], [e for e in stream(skip=4, n=4)])
