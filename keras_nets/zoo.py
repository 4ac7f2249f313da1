"""Every model of the project by name: the two AlexNets and the six VGG configurations."""

from keras_nets.alexnet import build_alexnet
from keras_nets.vgg import ALIASES, CONFIGS, build_vgg, resolve_config

ALEXNETS = {"alexnet": True, "alexnet_one_tower": False}
MODEL_NAMES = tuple(ALEXNETS) + tuple(f"vgg_{k.lower().replace('-', '_')}" for k in CONFIGS) \
    + tuple(ALIASES)


def is_alexnet(name):
    return name.lower() in ALEXNETS


def default_input_size(name):
    return 227 if is_alexnet(name) else 224


def build_model(name, input_size=None, **kwargs):
    """build_alexnet / build_vgg by project name (e.g. 'alexnet', 'vgg_a_lrn', 'vgg16')."""
    key = name.lower()
    size = input_size or default_input_size(key)
    if key in ALEXNETS:
        return build_alexnet(split=ALEXNETS[key], input_shape=(size, size, 3), **kwargs)
    config = key[4:] if key.startswith("vgg_") else key
    if key not in MODEL_NAMES:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
    return build_vgg(resolve_config(config), input_shape=(size, size, 3), **kwargs)
