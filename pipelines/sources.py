"""One function to get a split as a tf.data.Dataset of {"image": encoded bytes, "label": int}.

Sources: the embedded dataset ("shapes"), any TFDS dataset by name ("tfds:imagenet2012" or
just "imagenet2012"), or an image folder (a path, or "folder:PATH").
"""

import dataclasses
import os

import tensorflow as tf
import tensorflow_datasets as tfds

from pipelines import folders
from pipelines.shapes_builder import NAME as SHAPES, shapes_builder

EMBEDDED = "shapes"


@dataclasses.dataclass
class Split:
    dataset: tf.data.Dataset  # of {"image": tf.string, "label": tf.int64}
    num_examples: int
    class_names: tuple
    source: str


def load_split(source=EMBEDDED, split="train", *, data_dir=None, manual_dir=None,
               input_context=None, shuffle_files=False, seed=None, shapes_sizes=None):
    """The split as encoded images and labels; each worker reads its own shard when an
    input_context (tf.distribute.InputContext) is given."""
    if source == EMBEDDED:
        builder = shapes_builder(data_dir, **(shapes_sizes or {}))
        return _from_builder(builder, split, input_context, shuffle_files, seed, source)
    if source.startswith(("folder:", "/", "./", "../", "~")) or os.path.isdir(source):
        root = os.path.expanduser(source.removeprefix("folder:"))
        return _from_folder(root, split, input_context)
    name = source.removeprefix("tfds:")
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as err:  # tfds raises several types for unknown names
        raise folders.DataError(f"unknown dataset {source!r}: not 'shapes', an image folder or "
                                f"a TFDS dataset ({err.__class__.__name__})") from None
    return _from_builder(builder, split, input_context, shuffle_files, seed, source, manual_dir)


def _from_builder(builder, split, input_context, shuffle_files, seed, source, manual_dir=None):
    if manual_dir:
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
    else:
        builder.download_and_prepare()
    info = builder.info
    if split not in info.splits:
        raise folders.DataError(f"{source}: no split {split!r} (has {sorted(info.splits)})")
    image_key, label_key = info.supervised_keys or ("image", "label")
    workers = input_context.num_input_pipelines if input_context else 1
    by_file = workers > 1 and info.splits[split].num_shards >= workers
    dataset = builder.as_dataset(
        split=split, shuffle_files=shuffle_files, decoders={image_key: tfds.decode.SkipDecoding()},
        read_config=tfds.ReadConfig(input_context=input_context if by_file else None,
                                    shuffle_seed=seed))
    examples = info.splits[split].num_examples
    if workers > 1:
        if not by_file:  # fewer files than workers: each worker keeps every n-th example
            dataset = dataset.shard(workers, input_context.input_pipeline_id)
        examples = _shard_size(examples, workers, input_context.input_pipeline_id)
    dataset = dataset.map(lambda e: {"image": e[image_key], "label": e[label_key]},
                          num_parallel_calls=tf.data.AUTOTUNE)
    return Split(dataset, examples, tuple(info.features[label_key].names), source)


def _shard_size(total, workers, index):
    return len(range(index, total, workers))


def _from_folder(root, split, input_context):
    if not os.path.isdir(root):
        raise folders.DataError(f"{root}: no such folder")
    paths, labels, class_names, problems = folders.scan_folder(root, split)
    folders.report(problems, os.path.dirname(os.path.dirname(os.fsdecode(paths[0]))),
                   len(paths) + len(problems))
    dataset = tf.data.Dataset.from_tensor_slices(
        {"path": tf.constant(paths), "label": tf.constant(labels, tf.int64)})
    if input_context and input_context.num_input_pipelines > 1:
        dataset = dataset.shard(input_context.num_input_pipelines,
                                input_context.input_pipeline_id)
        count = _shard_size(len(paths), input_context.num_input_pipelines,
                            input_context.input_pipeline_id)
    else:
        count = len(paths)
    dataset = dataset.map(lambda e: {"image": tf.io.read_file(e["path"]), "label": e["label"]},
                          num_parallel_calls=tf.data.AUTOTUNE)
    return Split(dataset, count, tuple(class_names), f"folder:{root}")
