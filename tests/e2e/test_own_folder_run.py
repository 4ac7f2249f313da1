"""A user's folder from end to end: train on it with no dataset flag but --dataset, evaluate the
run with no flag at all (it scores its own folder), export, and predict: the folder's class names
travel folder -> run -> .keras -> export -> predict's labels."""

import json
import os
import subprocess
import sys

from imagefiles import encode, noise_image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLASSES = ("heron", "kingfisher", "wren")

# One process (one TensorFlow start-up): the product's three CLIs in turn.
SCRIPT = r"""
import sys
from pipelines.train import main as train
from pipelines.evaluate import main as evaluate
from pipelines.predict import main as predict
folder, root, photo = sys.argv[1:4]
print("TRAIN", train(["--dataset", folder, "--run-dir", root + "/run", "--export-dir",
                      root + "/sm", "--epochs", "1", "--steps", "2", "--batch-size", "4",
                      "--width", "0.0625", "--fc-units", "16", "--no-flip"]), flush=True)
print("EVALUATE", evaluate([root + "/run", "--protocols", "center"]), flush=True)
print("PREDICT", predict([root + "/sm/alexnet", photo, "--top", "3"]), flush=True)
"""


def test_a_folder_trains_evaluates_on_itself_and_serves_its_class_names(tmp_path):
    folder = tmp_path / "birds"
    for split, count in (("train", 4), ("validation", 2)):
        for c, name in enumerate(CLASSES):
            os.makedirs(folder / split / name)
            for i in range(count):  # odd sizes, JPEG and PNG, grey among them
                image = noise_image(70 + 13 * i + c, 95 + 7 * i, seed=10 * c + i)
                if i == 1:
                    image = image[..., 0]
                fmt = "PNG" if i % 2 else "JPEG"
                (folder / split / name / f"{i}.{fmt.lower()}").write_bytes(encode(image, fmt))
    (folder / "train" / "wren" / "broken.jpg").write_bytes(b"\xff\xd8\xff not really")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(encode(noise_image(300, 401, seed=99), "JPEG"))
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(folder), str(tmp_path),
                             str(photo)], cwd=ROOT, capture_output=True, text=True, timeout=900,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    for step in ("TRAIN 0", "EVALUATE 0", "PREDICT 0"):
        assert step in out, (step, out[-2000:], result.stderr[-2000:])
    # skipped and named once (the run reads the split twice: its size, its input), the run goes on
    assert result.stderr.count("broken.jpg") == 1, result.stderr[-2000:]
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["preprocessing"]["class_names"] == list(CLASSES)
    assert config["preprocessing"]["dataset"] == {"name": str(folder), "sizes": None}
    assert config["recipe"]["flip"] is False
    assert all(config["recipe"][k] is None for k in ("num_train", "num_validation", "shapes_side"))
    assert f"data: folder:{folder}, split validation, 6 images (the data it was trained on)" in out
    answer = next(line for line in out.splitlines() if line.startswith(f"{photo}: "))
    assert sorted(label.split()[0] for label in answer.split(": ", 1)[1].split(", ")) == \
        sorted(CLASSES)
