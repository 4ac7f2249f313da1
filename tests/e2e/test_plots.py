import json
import os

import numpy as np
import pytest

from keras_nets import build_alexnet, get_spec
from pipelines.serving.saved_model import export_saved_model
from pipelines.plots import conv1_kernels, main as plots_main


@pytest.fixture(scope="module")
def model():
    return build_alexnet(width=0.25, fc_units=16, num_classes=3, input_shape=(67, 67, 3))


def test_filters_from_keras_file_and_saved_model(model, tmp_path):
    model.save(str(tmp_path / "m.keras"))
    from_keras = conv1_kernels(str(tmp_path / "m.keras"))
    assert sorted(from_keras) == ["conv1_tower0", "conv1_tower1"]
    assert from_keras["conv1_tower0"].shape == (11, 11, 3, 12)
    model.preprocessing = get_spec("alexnet").preprocessing(67, class_names=("a", "b", "c"))
    path = export_saved_model(model, str(tmp_path / "sm"))
    from_saved = conv1_kernels(path)
    for name in from_keras:
        np.testing.assert_array_equal(from_saved[name], from_keras[name])
    assert plots_main(["filters", str(tmp_path / "m.keras"), str(tmp_path / "f.png")]) == 0
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")


def test_curves_from_run_dir(tmp_path):
    rows = [dict(epoch=e, loss=2.0 / e, top1_error=0.9 / e, top5_error=0.5 / e,
                 val_top1_error=0.95 / e, val_top5_error=0.6 / e, learning_rate=1e-3)
            for e in (1, 2, 3)]
    (tmp_path / "metrics.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    assert plots_main(["curves", str(tmp_path), str(tmp_path / "c.png")]) == 0
    assert os.path.getsize(tmp_path / "c.png") > 1000


def test_missing_source_is_one_line_exit_2(tmp_path):
    with pytest.raises(SystemExit) as info:
        plots_main(["filters", str(tmp_path / "nothing"), str(tmp_path / "f.png")])
    assert info.value.code == 2


def test_structure_index_of_a_run_starts_from_the_runs_own_initial_kernels(tmp_path, capsys):
    import keras
    config = dict(model="alexnet", width=0.25, fc_units=4096, seed=5,
                  preprocessing=dict(input_size=67, class_names=["a", "b", "c"]),
                  recipe=dict(init="paper", dropout=0.5))
    (tmp_path / "config.json").write_text(json.dumps(config))
    keras.utils.set_random_seed(5)  # as pipelines.training.run builds the model
    get_spec("alexnet")(67, num_classes=3, init="paper", dropout=0.5,
                        width=0.25).save(str(tmp_path / "model.keras"))
    assert plots_main(["filters", str(tmp_path), str(tmp_path / "f.png"),
                       "--index-json", str(tmp_path / "i.json")]) == 0
    report = json.loads((tmp_path / "i.json").read_text())
    for tower in report["towers"].values():  # an untrained run: trained == initial exactly
        assert tower["trained"] == tower["initial"]
    assert report["colour_separation_trained"] == report["colour_separation_initial"]
    assert "colour share" in capsys.readouterr().out
