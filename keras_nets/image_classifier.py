"""The model class every builder returns: a functional Keras model that carries its Preprocessing.

The pattern of keras-hub's tasks: a `keras.Model` subclass built from inputs and outputs (so
layers, weights and names are those of the functional graph) whose `get_config` adds what
inference needs (`keras_nets.preprocessing.Preprocessing`). Saving to `.keras` and loading with
`safe_mode=True` bring it back, on any Keras backend.
"""

from __future__ import annotations

from typing import Any

import keras

from keras_nets.preprocessing import Preprocessing


@keras.saving.register_keras_serializable(package="keras_nets")
class ImageClassifier(keras.Model):
    def __init__(self, *args: Any,
                 preprocessing: Preprocessing | dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preprocessing = Preprocessing.from_config(preprocessing)

    @property
    def preprocessing(self) -> Preprocessing | None:
        return self._preprocessing

    @preprocessing.setter
    def preprocessing(self, value: Preprocessing | dict[str, Any] | None) -> None:
        value = Preprocessing.from_config(value)
        if value is not None and value.class_names and self.outputs:
            outputs = self.outputs[0].shape[-1]
            if len(value.class_names) != outputs:
                raise ValueError(f"{len(value.class_names)} class names for a model with "
                                 f"{outputs} outputs")
        # Stored outside Keras' attribute tracking: plain data, not a layer or a variable.
        object.__setattr__(self, "_preprocessing", value)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["preprocessing"] = self.preprocessing.get_config() if self.preprocessing else None
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    custom_objects: dict[str, Any] | None = None) -> ImageClassifier:
        config = dict(config)
        preprocessing = config.pop("preprocessing", None)
        model = super().from_config(config, custom_objects)
        model.preprocessing = preprocessing
        return model
