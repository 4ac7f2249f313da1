"""A dataset's split as a tf.data.Dataset of {"image": encoded bytes, "label": int}.

open_split finds a split once (its size and class names; a TFDS builder prepared, a folder
scanned) and Source.read gives each worker's dataset; load_split does both.

Sources: the embedded dataset ("shapes"), any TFDS dataset by name ("tfds:imagenet2012" or
just "imagenet2012"), or an image folder (a path, or "folder:PATH").
"""

import dataclasses
import fcntl
import os
from collections.abc import Callable

import tensorflow as tf
import tensorflow_datasets as tfds

from pipelines.data import folders
from pipelines.data.shapes.builder import shapes_builder

EMBEDDED = "shapes"


@dataclasses.dataclass
class Split:
    dataset: tf.data.Dataset  # of {"image": tf.string, "label": tf.int64}
    num_examples: int
    class_names: tuple
    source: str
    shard: tuple | None = None  # (workers, index) for create_split to keep this worker's part


@dataclasses.dataclass(frozen=True)
class Source:
    """One split of a dataset, found once: its size, class names and a way to read it. A run
    opens each split once (pipelines.training.plan) and each worker's input pipeline reads its
    part with `read`; a TFDS builder is prepared and a folder scanned only when opened."""
    source: str
    split: str
    num_examples: int
    class_names: tuple
    _read: Callable[..., Split] = dataclasses.field(repr=False, compare=False)

    def read(self, input_context: tf.distribute.InputContext | None = None,
             shuffle_files: bool = False, seed: int | None = None) -> Split:
        """The split as a dataset of encoded images and labels. With an input_context (several
        workers) each worker reads its own files when there are enough of them; otherwise
        `Split.shard` tells create_split to keep every n-th example after the shared shuffle, so
        that the workers' batches together are exactly a single process's global batch."""
        return self._read(input_context, shuffle_files, seed)


def open_split(source: str = EMBEDDED, split: str = "train", *, data_dir: str | None = None,
               manual_dir: str | None = None,
               shapes_sizes: dict[str, int | None] | None = None) -> Source:
    """The split `split` of `source` ("shapes", a TFDS name, or an image folder), prepared or
    scanned now (DataError, one line, when it cannot be), read later with Source.read."""
    if source == EMBEDDED:
        return _builder_source(lambda: shapes_builder(data_dir, **(shapes_sizes or {})),
                               data_dir, split, source)
    if source.startswith(("folder:", "/", "./", "../", "~")) or os.path.isdir(source):
        return _folder_source(os.path.expanduser(source.removeprefix("folder:")), split)
    name = source.removeprefix("tfds:")
    try:
        tfds.builder_cls(name.split("/")[0])
    except Exception as err:  # tfds raises several types for unknown names
        raise folders.DataError(f"unknown dataset {source!r}: not 'shapes', an image folder or "
                                f"a TFDS dataset ({err.__class__.__name__})") from None
    return _builder_source(lambda: tfds.builder(name, data_dir=data_dir), data_dir, split,
                           source, manual_dir)


def load_split(source: str = EMBEDDED, split: str = "train", *, data_dir: str | None = None,
               manual_dir: str | None = None,
               input_context: tf.distribute.InputContext | None = None,
               shuffle_files: bool = False, seed: int | None = None,
               shapes_sizes: dict[str, int | None] | None = None) -> Split:
    """open_split and Source.read in one call, for a reader that needs the split once."""
    return open_split(source, split, data_dir=data_dir, manual_dir=manual_dir,
                      shapes_sizes=shapes_sizes).read(input_context, shuffle_files, seed)


def _prepared(make_builder: Callable[[], tfds.core.DatasetBuilder], data_dir: str | None,
              manual_dir: str | None = None) -> tfds.core.DatasetBuilder:
    """The builder, made and prepared under a lock: workers on one host may start together,
    and a builder made before another process finished preparing would not see the data."""
    root = os.path.expanduser(data_dir or tfds.core.constants.DATA_DIR)
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, ".keras_nets.prepare.lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            builder = make_builder()
            config = tfds.download.DownloadConfig(manual_dir=manual_dir) if manual_dir else None
            builder.download_and_prepare(download_config=config)
        except folders.DataError:
            raise
        except Exception as err:  # missing manual files, no network, a broken builder...
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            raise folders.DataError(f"cannot prepare the dataset in {root} "
                                    f"({err.__class__.__name__}: {first[:300]})") from err
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return builder


def _builder_source(make_builder: Callable[[], tfds.core.DatasetBuilder], data_dir: str | None,
                    split: str, source: str, manual_dir: str | None = None) -> Source:
    builder = _prepared(make_builder, data_dir, manual_dir)
    info = builder.info
    if split not in info.splits:
        raise folders.DataError(f"{source}: no split {split!r} (has {sorted(info.splits)})")
    image_key, label_key = info.supervised_keys or ("image", "label")
    total = info.splits[split].num_examples

    def read(input_context: tf.distribute.InputContext | None, shuffle_files: bool,
             seed: int | None) -> Split:
        workers = input_context.num_input_pipelines if input_context else 1
        by_file = workers > 1 and info.splits[split].num_shards >= workers
        dataset = builder.as_dataset(
            split=split, shuffle_files=shuffle_files,
            decoders={image_key: tfds.decode.SkipDecoding()},
            read_config=tfds.ReadConfig(input_context=input_context if by_file else None,
                                        shuffle_seed=seed))
        examples, shard = total, None
        if workers > 1:
            examples = _shard_size(total, workers, input_context.input_pipeline_id)
            if not by_file:  # fewer files than workers: create_split keeps every n-th example
                shard = (workers, input_context.input_pipeline_id)
        # deterministic=True: workers shard this order later, so it must not vary.
        dataset = dataset.map(lambda e: {"image": e[image_key], "label": e[label_key]},
                              num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return Split(dataset, examples, class_names, source, shard)

    class_names = tuple(info.features[label_key].names)
    return Source(source, split, total, class_names, read)


def _shard_size(total: int, workers: int, index: int) -> int:
    return len(range(index, total, workers))


def _folder_source(root: str, split: str) -> Source:
    if not os.path.isdir(root):
        raise folders.DataError(f"{root}: no such folder")
    paths, labels, class_names, _ = folders.scan_folder(root, split)
    source = f"folder:{root}"

    def read(input_context: tf.distribute.InputContext | None, shuffle_files: bool,
             seed: int | None) -> Split:
        # shuffle_files and seed: a folder's order is shuffled by create_split, after the shard.
        dataset = tf.data.Dataset.from_tensor_slices(
            {"path": tf.constant(paths), "label": tf.constant(labels, tf.int64)})
        count, shard = len(paths), None
        if input_context and input_context.num_input_pipelines > 1:
            shard = (input_context.num_input_pipelines, input_context.input_pipeline_id)
            count = _shard_size(len(paths), *shard)
        dataset = dataset.map(lambda e: {"image": tf.io.read_file(e["path"]),
                                         "label": e["label"]},
                              num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return Split(dataset, count, tuple(class_names), source, shard)

    return Source(source, split, len(paths), tuple(class_names), read)
