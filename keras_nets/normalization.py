"""The input normalisations by name (pure Python: the CLIs list them before importing TensorFlow).

Each is (mean subtracted, divisor, channel order) on the 0-255 scale:
- "mean_rgb": the papers' (AlexNet section 2, VGG section 2.1), x - mean RGB, inputs in about
  [-124, 152]: the scale their N(0, 0.01) init, biases of 1 and LRN constants were chosen for.
- "standardize": (x - mean) / std, unit-scale inputs (the demo recipe: Adam, He init); the same
  constants as torchvision's ImageNet weights (mean 0.485, 0.456, 0.406, std 0.229, 0.224, 0.225
  on the 0-1 scale), so it is also the normalisation of weights converted from torchvision.
- "caffe_bgr": keras.applications' VGG16/19 hosted weights (Caffe): BGR order, x - mean BGR.
- "caffe_alexnet_bgr": Caffe's bvlc_alexnet (keras_nets.convert): BGR order, x - the mean pixel of
  the mean image it was trained with (models/bvlc_alexnet/train_val.prototxt: `mean_file:
  "data/ilsvrc12/imagenet_mean.binaryproto"`), as Caffe's examples/00-classification.ipynb
  computes it: `mean-subtracted values: [('B', 104.0069879317889), ('G', 116.66876761696767),
  ('R', 122.6789143406786)]`.
"""

# ImageNet training-set statistics on the 0-255 scale: the mean RGB both papers subtract and the
# per-channel deviation "standardize" also divides by.
MEAN_RGB = (123.675, 116.28, 103.53)
STD_RGB = (58.395, 57.12, 57.375)

NORMALIZATIONS = {
    "mean_rgb": (MEAN_RGB, (1.0, 1.0, 1.0), "rgb"),
    "standardize": (MEAN_RGB, STD_RGB, "rgb"),
    "caffe_bgr": ((103.939, 116.779, 123.68), (1.0, 1.0, 1.0), "bgr"),
    "caffe_alexnet_bgr": ((104.00699, 116.66877, 122.67891), (1.0, 1.0, 1.0), "bgr"),
}
# Both papers subtract the training set's mean RGB on the 0-255 scale and nothing else.
PAPER_NORMALIZATION = "mean_rgb"


def normalization(name: str
                  ) -> tuple[tuple[float, float, float], tuple[float, float, float], str]:
    """(mean, std, channel order) of a named normalisation; ValueError names the choices."""
    if name not in NORMALIZATIONS:
        raise ValueError(f"unknown normalization {name!r}; choose from {', '.join(NORMALIZATIONS)}")
    return NORMALIZATIONS[name]
