"""Local response normalization across channels (AlexNet paper, section 3.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_nets")
class LocalResponseNormalization(keras.layers.Layer):
    """b_i = a_i / (k + alpha * sum_{|j-i|<=r} a_j^2) ** beta over the channel axis.

    Defaults are the paper's k=2, n=5 (r=2), alpha=1e-4, beta=0.75; alpha is not divided by n
    (unlike Caffe), so this equals `tf.nn.local_response_normalization` with the same arguments.
    `LocalResponseNormalization.caffe(...)` gives Caffe's LRN layer from its own parameters.
    """

    @classmethod
    def caffe(cls, local_size: int = 5, alpha: float = 1.0, beta: float = 0.75, k: float = 1.0,
              **kwargs: Any) -> LocalResponseNormalization:
        """Caffe's ACROSS_CHANNELS LRN from its `lrn_param` (defaults: caffe.proto's
        LRNParameter, `local_size = 1 [default = 5]`, `alpha = 2 [default = 1.]`,
        `k = 5 [default = 1.]`): src/caffe/layers/lrn_layer.cpp starts the scale at k_ and adds
        `alpha_over_size = alpha_ / size_` times each square in the window of `size_` channels
        (zero-padded by `pre_pad_ = (size_ - 1) / 2`), so alpha is divided by local_size here."""
        if local_size % 2 != 1:
            raise ValueError(f"Caffe's LRN needs an odd local_size, got {local_size}")
        return cls(depth_radius=(local_size - 1) // 2, bias=k, alpha=alpha / local_size,
                   beta=beta, **kwargs)

    def __init__(self, depth_radius: int = 2, bias: float = 2.0, alpha: float = 1e-4,
                 beta: float = 0.75, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if depth_radius < 0:
            raise ValueError(f"depth_radius must be >= 0, got {depth_radius}")
        self.depth_radius = int(depth_radius)
        self.bias = float(bias)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def call(self, inputs: Any) -> Any:
        x = ops.cast(inputs, "float32")
        channels = x.shape[-1]
        # The window sums as one matmul with a 0/1 band matrix (|i - j| <= r): about 3x faster
        # to train than shifted slices, and faster than TensorFlow's own LRN kernel. On a 2-D
        # view (pixels x channels) the matmul needs no transposes.
        index = ops.arange(channels)
        band = ops.cast(ops.abs(index[:, None] - index[None, :]) <= self.depth_radius, "float32")
        flat = ops.reshape(x, (-1, channels))
        return ops.cast(ops.reshape(self.normalize(flat, band), ops.shape(x)), self.compute_dtype)

    def normalize(self, x: Any, band: Any) -> Any:
        """x * s^-beta with s = k + alpha * band(x^2) over rows of channels, and its gradient as
        one expression: dx = g * s^-beta - 2 alpha beta x * band(g * y / s), y the output (the
        band is symmetric). Autodiff would differentiate the chain op by op and keep each
        intermediate; this keeps x, s, s^-beta and y, folds the constants into the band and
        makes each pass over memory count: the layer is memory-bound (`python -m
        benchmarks.regressions --checks lrn_gradient`)."""
        alpha, beta = self.alpha, self.beta

        @ops.custom_gradient
        def forward(x: Any) -> tuple[Any, Callable[..., Any]]:
            # k as a scalar, not a bias vector: TensorFlow fuses a vector into oneDNN's matmul,
            # whose results then differ from process to process (--deterministic runs did).
            scale = ops.matmul(ops.square(x), band * alpha) + self.bias
            inverse = self.power(scale)
            y = x * inverse

            def gradient(*args: Any, upstream: Any = None) -> Any:
                g = args[0] if upstream is None else upstream
                # Under the layer's name, as autodiff's ops are: profiles then count it here.
                with keras.name_scope(self.name):
                    spread = ops.matmul(g * y / scale, band * (2.0 * alpha * beta))
                    return g * inverse - x * spread

            return y, gradient

        return forward(x)

    def power(self, base: Any) -> Any:
        """base^-beta. The paper's beta = 3/4 as rsqrt(base) * sqrt(rsqrt(base)): two cheap roots
        instead of pow's exp(log()), forward and backward (guarded by
        `python -m benchmarks.regressions --checks lrn`)."""
        if self.beta == 0.75:
            root = ops.rsqrt(base)
            return root * ops.sqrt(root)
        return ops.power(base, -self.beta)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]
                             ) -> tuple[int | None, ...]:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            depth_radius=self.depth_radius, bias=self.bias, alpha=self.alpha, beta=self.beta
        )
        return config


@keras.saving.register_keras_serializable(package="keras_nets")
class ChannelSlice(keras.layers.Layer):
    """Channels [start, stop) of the last axis: splits a map normalised across both towers back
    into the towers' halves (AlexNet with `lrn_across_towers`), with no Lambda layer."""

    def __init__(self, start: int, stop: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= start < stop:
            raise ValueError(f"need 0 <= start < stop, got {start}, {stop}")
        self.start, self.stop = int(start), int(stop)

    def call(self, inputs: Any) -> Any:
        return inputs[..., self.start:self.stop]

    def compute_output_shape(self, input_shape: tuple[int | None, ...]
                             ) -> tuple[int | None, ...]:
        return (*input_shape[:-1], self.stop - self.start)

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), start=self.start, stop=self.stop)
