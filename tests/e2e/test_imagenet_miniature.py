"""ImageNet, the papers' own data, tried before anyone spends hours on it: a miniature of the
ILSVRC2012 archives (the tar layout and file names TFDS's imagenet2012 builder reads from its
manual directory) goes offline through preparation, training, evaluate's 10-crop and dense
protocols, export and predict, with the 1,000 synset names reaching the export's labels."""

import io
import json
import os
import subprocess
import sys
import tarfile

from imagefiles import encode, noise_image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The first validation images' synsets in TFDS's validation_labels.txt (image k has line k).
SYNSETS = ("n01751748", "n09193705", "n02105855")


def _add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def write_miniature(manual_dir, per_class=2):
    """ILSVRC2012_img_train.tar (one <synset>.tar of <synset>_<i>.JPEG per class) and
    ILSVRC2012_img_val.tar (ILSVRC2012_val_<8 digits>.JPEG), as the real archives hold them."""
    os.makedirs(manual_dir)
    with tarfile.open(os.path.join(manual_dir, "ILSVRC2012_img_train.tar"), "w") as train:
        for c, synset in enumerate(SYNSETS):
            inner = io.BytesIO()
            with tarfile.open(fileobj=inner, mode="w") as sub:
                for i in range(per_class):
                    _add(sub, f"{synset}_{i + 1}.JPEG",
                         encode(noise_image(60 + 9 * i, 80, seed=10 * c + i), "JPEG"))
            _add(train, f"{synset}.tar", inner.getvalue())
    with tarfile.open(os.path.join(manual_dir, "ILSVRC2012_img_val.tar"), "w") as val:
        for k in range(len(SYNSETS)):
            _add(val, f"ILSVRC2012_val_{k + 1:08d}.JPEG",
                 encode(noise_image(70, 90, seed=100 + k), "JPEG"))


SCRIPT = r"""
import sys
from pipelines.train import main as train
from pipelines.evaluate import main as evaluate
from pipelines.predict import main as predict
manual, root, photo = sys.argv[1:4]
print("TRAIN", train(["--dataset", "imagenet2012", "--manual-dir", manual, "--data-dir",
                      root + "/tfds", "--model", "vgg_a", "--width", "0.0625", "--fc-units", "16",
                      "--input-size", "32", "--batch-size", "2", "--epochs", "1", "--steps", "1",
                      "--run-dir", root + "/run", "--export-dir", root + "/sm"]), flush=True)
print("EVALUATE", evaluate([root + "/run", "--protocols", "ten_crop,dense"]), flush=True)
print("PREDICT", predict([root + "/sm/vgg_a", photo]), flush=True)
"""


def test_the_imagenet_path_runs_offline_on_a_miniature(tmp_path):
    write_miniature(str(tmp_path / "manual"))
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(encode(noise_image(120, 160, seed=7), "JPEG"))
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "manual"),
                             str(tmp_path), str(photo)], cwd=ROOT, capture_output=True,
                            text=True, timeout=900, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    for step in ("TRAIN 0", "EVALUATE 0", "PREDICT 0"):
        assert step in out, (step, out[-2000:], result.stderr[-2000:])
    assert "data imagenet2012: 6 training images" in out
    assert "data: imagenet2012, split validation, 3 images (the data it was trained on)" in out
    for row in ("10-crop, Q=", "dense + flip, Q="):
        assert row in out, row
    names = json.loads((tmp_path / "run" / "config.json").read_text())["preprocessing"][
        "class_names"]
    assert len(names) == 1000 and names[0] == "n01440764" and set(SYNSETS) <= set(names)
    labels = next(line for line in out.splitlines() if line.startswith(f"{photo}: "))
    assert all(label.split()[0] in names for label in labels.split(": ", 1)[1].split(", "))
