"""The experiments' data and settings (benchmarks.experiments): the embedded dataset drawn for
them, the small CNN of the kernel-size experiment, and each experiment's default settings."""

# The embedded dataset for the experiments: more images than the builder's default 1,500 (fewer
# repeats of each image, so the arms differ by what they learn rather than by what they
# memorise), 1,000 validation images (one seed's accuracy then has a standard error of about
# 1.5 points). The builder's scenes (128-320 scene pixels on the shorter side) are rendered with
# their shorter side at the smallest training scale, 1.14 x size, as the default run does
# (pipelines.data.shapes.drawing.render): the same task at every input size, and no time spent
# on pixels shrunk away.
TRAIN_IMAGES, VALIDATION_IMAGES = 6000, 1000
SCALE_MIN, SCALE_MAX = 1.14, 1.5  # S / crop size: 256 / 224 (VGG 3.1); the jitter stops at 1.5


def shapes_sizes(size):
    return dict(num_train=TRAIN_IMAGES, num_validation=VALIDATION_IMAGES,
                side=round(size * SCALE_MIN))


def load_data(size, dataset, batch, seed, normalization="standardize", lighting=True,
              jitter=True):
    """(train, val, num_classes, dataset name) as batched tf.data at `size` pixels; the training
    scale S is jittered in [1.14, 1.5] x size, or fixed at 1.14 x size (VGG 3.1's single-scale
    training: S = 256 for 224 crops)."""
    from pipelines.data.pipeline import create_split, eval_preprocess, train_preprocess
    from pipelines.data.sources import load_split
    if dataset == "mnist":
        train, val = load_split("mnist", "train"), load_split("mnist", "test")
        plain = eval_preprocess("center", size, size, normalization=normalization)
        augment = lambda e, s: plain(e)[0]
    else:
        train = load_split("shapes", "train", shapes_sizes=shapes_sizes(size))
        val = load_split("shapes", "validation", shapes_sizes=shapes_sizes(size))
        augment = train_preprocess("vgg", size, scale_min=round(size * SCALE_MIN),
                                   scale_max=round(size * (SCALE_MAX if jitter else SCALE_MIN)),
                                   normalization=normalization,
                                   colour_shift=lighting)
    scale = round(size * SCALE_MIN) if dataset != "mnist" else size
    center = eval_preprocess("center", size, scale, normalization=normalization)
    train_ds = create_split(train.dataset, train=True, batch_size=batch, preprocess=augment,
                            seed=seed, deterministic=True)
    val_ds = create_split(val.dataset.take(VALIDATION_IMAGES), train=False, batch_size=100,
                          preprocess=lambda e: center(e)[0])
    return train_ds, val_ds, len(train.class_names), dataset


def mnist_prepared():
    """MNIST only when TFDS already has it: the experiments never download."""
    import tensorflow_datasets as tfds
    if tfds.builder("mnist").is_prepared():
        return True
    print("MNIST is not prepared in the TFDS data directory; using the embedded dataset")
    return False


def small_cnn(stacks, num_classes, size, channels=(32, 64, 128)):
    import keras
    from keras import layers
    x = inputs = keras.Input((size, size, 3))
    for stage, (stack, c) in enumerate(zip(stacks, channels), 1):
        for i, k in enumerate(stack, 1):
            x = layers.Conv2D(c, k, padding="same", activation="relu", name=f"s{stage}_conv{i}")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(x))


# Each experiment's settings, the ones its results in benchmarks/results come from; every flag
# overrides one. Chosen so that the best arm leaves chance well within the steps on 2 CPU cores:
# the VGG arms with the papers' SGD from Glorot at a fixed scale S (VGG 3.1's single-scale
# training), which learned here where Adam from He and jittered S stayed near chance at 1,000 steps.
DEFAULTS = {
    "kernel-size": dict(size=48, width=0.5, steps=700, learning_rate=1e-3, optimizer="adam",
                        init="he", normalization="standardize", scale="jittered"),
    "lrn": dict(size=32, width=0.25, steps=1200, learning_rate=0.01, optimizer="sgd",
                init="glorot", normalization="mean_rgb", scale="fixed"),
    "depth": dict(size=32, width=0.25, steps=1200, learning_rate=0.01, optimizer="sgd",
                  init="glorot", normalization="mean_rgb", scale="fixed"),
    "alexnet": dict(size=67, width=0.5, fc_units=1024, steps=1200, learning_rate=1e-3,
                    optimizer="adam", init="he", normalization="standardize", scale="jittered"),
}


def with_defaults(name, args):
    """args with every setting the command line left out taken from DEFAULTS[name]."""
    for key, value in DEFAULTS[name].items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args
