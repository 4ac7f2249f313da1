"""One table of the papers' protocols (keras_nets.protocols): the registry names its entries, the
data pipeline implements exactly them, evaluation makes the papers' rows from it, and the names
users type stay those of before."""

import pytest

from keras_nets import SPECS, ModelSpec, build_vgg, protocols
from pipelines.data.crops import CACHEABLE, TEST_VIEWS, TRAIN_PROTOCOLS
from pipelines.evaluate import parse_args
from pipelines.evaluation.scoring import PROTOCOLS, protocol_rows

CLI_NAMES = ("center", "ten_crop", "multi_scale", "dense", "multi_crop", "dense_multi_crop")


def test_the_data_pipeline_implements_exactly_the_table():
    assert set(TRAIN_PROTOCOLS) == set(protocols.TRAIN)
    assert set(CACHEABLE) <= set(protocols.TRAIN)
    assert set(TEST_VIEWS) == set(protocols.VIEWS) == {"center", "ten_crop", "dense",
                                                       "multi_crop"}
    for protocol in protocols.TEST.values():
        assert set(protocol.views) <= set(protocols.VIEWS), protocol.name


def test_the_names_users_type_and_the_registrys_are_the_tables():
    assert PROTOCOLS == CLI_NAMES == protocols.VGG_TESTS
    assert parse_args(["run", "--protocols", ",".join(CLI_NAMES)])[1].protocol_list == \
        list(CLI_NAMES)
    for spec in SPECS.values():
        assert spec.train_protocol in protocols.TRAIN
        assert set(spec.test_protocols) <= set(protocols.TEST)
    assert SPECS["alexnet"].test_protocols == ("center", "ten_crop")
    assert SPECS["vgg_d"].test_protocols == CLI_NAMES
    assert [n for n, p in protocols.TEST.items() if p.needs_dense] == ["dense",
                                                                       "dense_multi_crop"]


def test_rows_as_in_the_papers_tables():
    rows = {name: [row for row, _, _ in protocol_rows(name, [84], [72, 84, 96])]
            for name in CLI_NAMES}
    assert rows == {
        "center": ["centre crop, Q=84"],
        "ten_crop": ["10-crop, Q=84"],
        "multi_scale": ["centre crop, Q=72", "centre crop, Q=84", "centre crop, Q=96"],
        "dense": ["dense + flip, Q=72", "dense + flip, Q=84", "dense + flip, Q=96"],
        "multi_crop": ["multi-crop 50, Q=72", "multi-crop 50, Q=84", "multi-crop 50, Q=96"],
        "dense_multi_crop": ["dense + multi-crop, Q=72", "dense + multi-crop, Q=84",
                             "dense + multi-crop, Q=96"]}


def test_a_model_naming_an_unknown_protocol_is_refused_when_declared():
    with pytest.raises(ValueError, match=r"tiny: unknown protocol\(s\) \['full_image'\]"):
        ModelSpec("tiny", build_vgg, 32, "vgg", "scale_jitter", fixed_scale=False,
                  test_protocols=("center", "full_image"))
    with pytest.raises(ValueError, match="unknown protocol"):
        ModelSpec("tiny", build_vgg, 32, "vgg", "random_crop", fixed_scale=False,
                  test_protocols=("center",))
