import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from imagefiles import encode, noise_image
from pipelines.data import image_ops as ops, crops as pp
from pipelines.data.shapes import builder as sb
from pipelines.data.folders import DataError
from pipelines.data.pipeline import create_split
from pipelines.data.crops import eval_preprocess, train_preprocess
from pipelines.data.shapes.drawing import CLASS_NAMES
from pipelines.data.sources import load_split

GOOD = {  # file name -> bytes that must decode to RGB
    "plain.jpg": encode(noise_image(40, 60), "JPEG"),
    "png_named.jpg": encode(noise_image(30, 30)),
    "gif_named.jpg": encode(noise_image(20, 24), "GIF"),
    "bitmap.bmp": encode(noise_image(21, 23), "BMP"),
    "grey.jpg": encode(noise_image(33, 35)[..., 0], "JPEG"),
    "cmyk.jpg": None,  # filled below
    "rgba.png": encode(np.dstack([noise_image(25, 26), np.full((25, 26), 128, "uint8")])),
    "sixteen_bit.png": None,
    "one_pixel.png": encode(noise_image(1, 1)),
    "large.jpg": encode(noise_image(3000, 4000), "JPEG", quality=50),
    "name with spaces é ü.jpg": encode(noise_image(30, 31), "JPEG"),
}
BAD = {  # file name -> expected problem
    "zero.jpg": (b"", "empty file"),
    "truncated.jpg": (encode(noise_image(64, 64), "JPEG")[:700], "truncated JPEG"),
    "truncated.png": (encode(noise_image(64, 64))[:300], "truncated PNG"),
    "notes.txt": (b"not an image at all", "not an image"),
}


def _cmyk():
    import io
    buf = io.BytesIO()
    Image.fromarray(noise_image(30, 32)).convert("CMYK").save(buf, "JPEG")
    return buf.getvalue()


def _sixteen_bit():
    import io
    buf = io.BytesIO()
    Image.fromarray((np.arange(24 * 28).reshape(24, 28) * 90).astype("uint16")).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def folder(tmp_path):
    files = dict(GOOD, **{"cmyk.jpg": _cmyk(), "sixteen_bit.png": _sixteen_bit()})
    for split in ("train", "validation"):
        for cls in ("cats", "dogs"):
            os.makedirs(tmp_path / split / cls)
        for name, data in files.items():
            (tmp_path / split / "cats" / name).write_bytes(data)
        (tmp_path / split / "dogs" / "d.png").write_bytes(encode(noise_image(50, 40)))
    for name, (data, _) in BAD.items():
        (tmp_path / "train" / "dogs" / name).write_bytes(data)
    os.makedirs(tmp_path / "train" / "empty_class")
    (tmp_path / "train" / "cats" / os.fsdecode(b"bad\xffname.jpg")).write_bytes(
        encode(noise_image(30, 30), "JPEG"))
    return tmp_path


def test_image_folder_skips_and_names_bad_files(folder, capsys):
    split = load_split(str(folder), "train")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"skipped {len(BAD) + 1} of" in err
    for name, (_, why) in BAD.items():
        assert f"{name} ({why}" in err
    assert "empty_class (empty class folder)" in err
    assert split.class_names == ("cats", "dogs", "empty_class")
    assert split.num_examples == len(GOOD) + 2
    ds = create_split(split.dataset, train=False, batch_size=4,
                      preprocess=eval_preprocess("center", 64, 72))
    images, labels = [], []
    for x, y in ds:
        images.append(x.numpy())
        labels.extend(y.numpy())
    assert sum(len(b) for b in images) == len(GOOD) + 2
    assert sorted(labels) == [0] * (len(GOOD) + 1) + [1]
    train = create_split(split.dataset, train=True, batch_size=5, seed=1,
                         preprocess=train_preprocess("scale_jitter", 64, scale_min=72, scale_max=96))
    x, _ = next(iter(train))
    assert x.shape == (5, 64, 64, 3) and np.isfinite(x).all()


@pytest.mark.parametrize("name", sorted(set(GOOD) | {"cmyk.jpg", "sixteen_bit.png"}))
def test_each_good_case_decodes_to_rgb(folder, name):
    data = tf.constant((folder / "validation" / "cats" / name).read_bytes())
    image = ops.decode_rgb(data)
    assert image.dtype == tf.uint8 and image.shape[-1] == 3
    assert pp.center(data, 32, 36).shape == (32, 32, 3)
    assert tuple(ops.image_shape(data).numpy()) == tuple(image.shape[:2])
    if name == "sixteen_bit.png":
        assert image.numpy().max() > 200  # rescaled from 16 bits, not truncated


def test_grey_is_replicated_to_three_channels(folder):
    image = ops.decode_rgb(tf.constant((folder / "validation" / "cats" / "grey.jpg").read_bytes()))
    np.testing.assert_array_equal(image[..., 0], image[..., 1])


def test_folder_errors(tmp_path):
    with pytest.raises(DataError, match="no such folder"):
        load_split(str(tmp_path / "missing") + "/", "train")
    os.makedirs(tmp_path / "train")
    with pytest.raises(DataError, match="no 'validation' folder"):
        load_split(f"folder:{tmp_path}", "validation")
    with pytest.raises(DataError, match="no class folders"):
        load_split(f"folder:{tmp_path}", "train")
    os.makedirs(tmp_path / "train" / "a")
    (tmp_path / "train" / "a" / "x.jpg").write_bytes(b"")
    with pytest.raises(DataError, match="no readable images"):
        load_split(f"folder:{tmp_path}", "train")


def test_class_folders_alone_are_split_by_a_hash_of_each_path(tmp_path, capsys):
    from pipelines.data.folders import HELD_OUT, held_out
    png = encode(noise_image(12, 12))
    for name in ("cats", "dogs"):
        os.makedirs(tmp_path / name)
        for i in range(40):
            (tmp_path / name / f"{i}.png").write_bytes(png)
    (tmp_path / "dogs" / "broken.png").write_bytes(png[:50])
    train = load_split(str(tmp_path), "train")
    validation = load_split(str(tmp_path), "validation")
    assert train.class_names == validation.class_names == ("cats", "dogs")
    assert train.num_examples + validation.num_examples == 80  # every good image, once
    expected = sum(held_out(f"{c}/{i}.png") for c in ("cats", "dogs") for i in range(40))
    assert validation.num_examples == expected and 4 < expected < 28  # about one in HELD_OUT
    err = capsys.readouterr().err
    assert err.count(f"one image in {HELD_OUT} is held out") == 1  # said once
    assert "broken.png" in err
    assert held_out("cats/7.png") == held_out("cats/7.png")  # the same in every run
    os.makedirs(tmp_path / "validation")  # a split folder: the layout it names, not a hash
    with pytest.raises(DataError, match="no 'train' folder .* or class folders alone"):
        load_split(str(tmp_path), "train")


def test_a_split_is_scanned_once_until_its_folders_change(folder, monkeypatch):
    from pipelines.data import folders
    read = []
    check = folders.image_problem
    monkeypatch.setattr(folders, "image_problem", lambda path: read.append(path) or check(path))
    first = load_split(str(folder), "validation").num_examples
    scanned = len(read)
    assert scanned == first  # every image's head and tail, once
    assert load_split(str(folder), "validation").num_examples == first and len(read) == scanned
    (folder / "validation" / "dogs" / "new.png").write_bytes(encode(noise_image(20, 20)))
    assert load_split(str(folder), "validation").num_examples == first + 1
    assert len(read) == 2 * scanned + 1  # a file added: the split is read again


def worker_images(split):
    """The encoded images that create_split gives this worker, in order."""
    ds = create_split(split.dataset, train=False, batch_size=1, preprocess=lambda e: e,
                      cache=False, shard=split.shard)
    return [x.numpy()[0] for x, _ in ds]


def test_val_folder_alias_and_worker_shards(folder):
    os.rename(folder / "validation", folder / "val")
    whole = load_split(str(folder), "validation")
    labels = []
    for worker in (0, 1):
        context = tf.distribute.InputContext(2, worker, 2)
        part = load_split(str(folder), "validation", input_context=context)
        labels.append(worker_images(part))
        assert part.num_examples == len(labels[-1])
    assert not set(labels[0]) & set(labels[1])
    assert len(labels[0]) + len(labels[1]) == whole.num_examples


def test_unknown_dataset_name(tmp_path):
    with pytest.raises(DataError, match="unknown dataset"):
        load_split("no_such_dataset_xyz", "train", data_dir=str(tmp_path))


SIZES = dict(num_train=30, num_validation=10, seed=3, max_side=160)


def test_embedded_builder_prepares_once_and_has_every_class(tmp_path, monkeypatch):
    split = load_split("shapes", "train", data_dir=str(tmp_path), shapes_sizes=SIZES)
    assert split.num_examples == 30 and split.class_names == CLASS_NAMES
    monkeypatch.setattr(sb, "render", lambda *a: pytest.fail("regenerated a prepared dataset"))
    again = load_split("shapes", "train", data_dir=str(tmp_path), shapes_sizes=SIZES)
    labels, shapes = [], set()
    for example in again.dataset:
        encoded = example["image"]
        assert tf.io.is_jpeg(encoded)
        shapes.add(tuple(ops.decode_rgb(encoded).shape))
        labels.append(int(example["label"]))
    assert sorted(set(labels)) == list(range(10))
    assert len(shapes) > 10  # varied sizes and aspect ratios
    assert len(list(load_split("shapes", "validation", data_dir=str(tmp_path),
                               shapes_sizes=SIZES).dataset)) == 10


def test_embedded_builder_by_tfds_name_and_worker_shards(tmp_path):
    load_split("shapes", "train", data_dir=str(tmp_path), shapes_sizes=SIZES)
    config = sb.shapes_config(**SIZES).name
    split = load_split(f"tfds:keras_nets_shapes/{config}", "validation", data_dir=str(tmp_path))
    assert split.num_examples == 10
    halves = [load_split(f"keras_nets_shapes/{config}", "validation", data_dir=str(tmp_path),
                         input_context=tf.distribute.InputContext(2, i, 2)) for i in (0, 1)]
    got = [worker_images(h) for h in halves]
    assert [len(g) for g in got] == [h.num_examples for h in halves] == [5, 5]
    assert not set(got[0]) & set(got[1])


def test_seeded_pipelines_repeat_exactly(tmp_path):
    split = load_split("shapes", "train", data_dir=str(tmp_path), shapes_sizes=SIZES)

    def first_batches(seed):
        ds = create_split(split.dataset, train=True, batch_size=4, seed=seed, deterministic=True,
                          preprocess=train_preprocess("central_crop", 67, scale_min=76))
        return [(x.numpy(), y.numpy()) for x, y in ds.take(3)]

    a, b, c = first_batches(7), first_batches(7), first_batches(8)
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert not all(np.array_equal(xa, xc) for (xa, _), (xc, _) in zip(a, c))


def test_imagenet_without_its_manual_files_is_a_clear_error(tmp_path):
    os.makedirs(tmp_path / "manual")
    with pytest.raises(DataError, match="cannot prepare the dataset"):
        load_split("imagenet2012", "train", data_dir=str(tmp_path / "tfds"),
                   manual_dir=str(tmp_path / "manual"))


def test_embedded_images_do_not_depend_on_the_number_of_processes(monkeypatch):
    builder = sb.shapes_builder(None, num_train=12, num_validation=4, min_side=40, max_side=60)

    def examples(processes):
        monkeypatch.setattr(sb, "_processes", lambda count: processes)
        return list(builder._generate_examples(12, 5))

    serial, parallel = examples(1), examples(2)
    assert [k for k, _ in parallel] == list(range(12))
    for (_, a), (_, b) in zip(serial, parallel):
        assert a["label"] == b["label"] and np.array_equal(a["image"], b["image"])
    assert {e["label"] for _, e in serial} == set(range(10))
    assert all(40 <= min(e["image"].shape[:2]) <= 60 for _, e in serial)
