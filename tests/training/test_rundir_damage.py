"""pipelines.training.rundir on damaged files: a garbled or truncated config.json or checkpoint
index is a DamagedFile (one line: what is wrong, what to do), never a parser's traceback."""

import json

import pytest

from pipelines.training import rundir

STATE = ('model_checkpoint_path: "ckpt-2"\nall_model_checkpoint_paths: "ckpt-1"\n'
         'all_model_checkpoint_paths: "ckpt-2"\nall_model_checkpoint_timestamps: 1796226160.04\n'
         'all_model_checkpoint_timestamps: 1796226163.29\nlast_preserved_timestamp: 1796226147.9\n')
RESOLVED = dict(model="alexnet", width=1.0, fc_units=4096, dataset="shapes", steps_per_epoch=6,
                recipe=dict(name="demo", batch_size=32))


@pytest.mark.parametrize("content", [b'{"model": "alexnet", "wid', b"", b"[1, 2]", b"\xff\xfe\x00"],
                         ids=["truncated", "empty", "not-an-object", "not-utf8"])
def test_a_damaged_config_json_says_so_and_what_to_do(tmp_path, content):
    (tmp_path / "config.json").write_bytes(content)
    with pytest.raises(rundir.DamagedFile) as err:
        rundir.check_same_run(str(tmp_path), RESOLVED)
    message = str(err.value)
    assert "config.json is damaged" in message and "restore it, or delete it" in message
    assert "\n" not in message


def test_the_checkpoint_index_is_parsed_and_a_damaged_one_refused(tmp_path):
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    assert rundir.readable_checkpoints(str(tmp_path)) == []  # no index: a new run
    (checkpoints / "checkpoint").write_text(STATE)
    assert rundir._listed_checkpoints(str(checkpoints / "checkpoint")) == ["ckpt-1", "ckpt-2"]
    (checkpoints / "ckpt-2.index").write_bytes(b"")
    for damaged, reason in ((STATE[:60], "line 2 is"), ("", "names no checkpoint"),
                            ("garbage\x00", "line 1 is"),
                            (STATE[:STATE.index("\n") + 1], "no all_model_checkpoint_paths"),
                            # cut after the paths: TensorFlow's CheckpointManager would list none
                            (STATE[:STATE.index("all_model_checkpoint_t")], "with a timestamp")):
        (checkpoints / "checkpoint").write_text(damaged)
        with pytest.raises(rundir.DamagedFile) as err:
            rundir.readable_checkpoints(str(tmp_path))
        message = str(err.value)
        assert "index of the run's checkpoints, is damaged" in message and reason in message
        # what to do: write it again naming the newest ckpt-N on disk, or start afresh
        assert "model_checkpoint_path: \"ckpt-2\"" in message and "delete" in message
        assert "\n" not in message


def test_listed_checkpoints_that_are_all_gone_are_refused(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "checkpoint").write_text(STATE)
    (tmp_path / "config.json").write_text(json.dumps(RESOLVED))
    with pytest.raises(rundir.DamagedFile, match=r"ckpt-1.index: missing; ckpt-2.index: missing"):
        rundir.check_resumable(str(tmp_path), RESOLVED)


def test_a_metrics_line_that_is_not_json_is_a_damaged_file(tmp_path):
    (tmp_path / rundir.METRICS).write_text('{"epoch": 1, "loss": 2.3}\n\n{"epoch": 2, "lo\n')
    with pytest.raises(rundir.DamagedFile, match=r"metrics.jsonl: damaged at line 3"):
        rundir.read_metrics(str(tmp_path))
    (tmp_path / rundir.METRICS).write_text('{"epoch": 1, "loss": 2.3}\n\n')
    assert rundir.read_metrics(str(tmp_path)) == [{"epoch": 1, "loss": 2.3}]
    assert rundir.read_metrics(str(tmp_path / "elsewhere")) == []
