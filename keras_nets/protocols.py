"""The papers' training and test protocols by name: the one table the project reads them from.

A model's registry entry names its training protocol and the test protocols that apply to it
from here; `pipelines/data/crops.py` implements each training protocol and each set of test
views under these names; `pipelines/evaluation` makes the papers' table rows from `TEST`; and
`pipelines.evaluate --protocols` takes its names. Pure data: no Keras, no TensorFlow.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class TrainProtocol:
    """A training protocol: how one training crop is drawn from an image."""
    name: str
    what: str
    paper: str


@dataclasses.dataclass(frozen=True)
class TestProtocol:
    """A test protocol: the views of each image whose softmax is averaged, at which test scales.

    `views` names the sets of views, each one a protocol of this table whose views are its own
    (`VIEWS`); `scales` is "single" (the single test scale Q, once) or "multi" (one row per
    multi-scale Q); each row of the papers' tables reads "<label>, Q=<q>"."""
    name: str
    label: str
    views: tuple[str, ...]
    scales: str
    paper: str

    @property
    def needs_dense(self) -> bool:
        """Whether it reads whole images through the fully convolutional net (VGG 3.2)."""
        return DENSE in self.views


TRAIN = {p.name: p for p in (
    TrainProtocol("central_crop", "shorter side to the training scale, the central square, a "
                  "random crop of it, mirror, PCA lighting", "AlexNet 2, 4.1"),
    TrainProtocol("scale_jitter", "isotropic rescale to S (fixed or drawn in [S_min, S_max]), a "
                  "random crop anywhere, mirror, RGB colour shift", "VGG 3.1"),
)}

DENSE = "dense"  # the views of the whole image at Q, for the fully convolutional net
TEST = {p.name: p for p in (
    TestProtocol("center", "centre crop", ("center",), "single", "AlexNet 4.1, VGG 4.1"),
    TestProtocol("ten_crop", "10-crop", ("ten_crop",), "single", "AlexNet 4.1"),
    TestProtocol("multi_scale", "centre crop", ("center",), "multi", "VGG 4.2"),
    TestProtocol(DENSE, "dense + flip", (DENSE,), "multi", "VGG 3.2"),
    TestProtocol("multi_crop", "multi-crop 50", ("multi_crop",), "multi", "VGG 4.3"),
    TestProtocol("dense_multi_crop", "dense + multi-crop", (DENSE, "multi_crop"), "multi",
                 "VGG 4.3"),
)}
# The sets of views the data pipeline makes: the protocols whose views are their own.
VIEWS = tuple(name for name, p in TEST.items() if p.views == (name,))

# The protocols each paper reports: AlexNet section 4.1 the centre crop and the 10-crop; VGG
# adds multi-scale (4.2), dense (3.2) and multi-crop (4.3) evaluation.
ALEXNET_TESTS = ("center", "ten_crop")
VGG_TESTS = tuple(TEST)
