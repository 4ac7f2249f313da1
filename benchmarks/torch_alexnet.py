"""The two-tower AlexNet of keras_nets in PyTorch, layer for layer: the fair peer of benchmarks.gpu
beside torchvision's single-tower variant (64-192-384-256-256, not the paper's net).

Paper section 3.5 and Figure 2, as keras_nets.alexnet builds it: conv1 (48 + 48 filters, both
towers reading the image) is one ordinary convolution of 96; conv2, conv4 and conv5, which read
their own tower only, are grouped convolutions (`groups=2`); conv3, which reads both towers, is
ordinary. Each tower normalises its own maps (section 3.3: k = 2, n = 5, alpha = 1e-4,
beta = 0.75, alpha not divided by n; torch's LocalResponseNorm divides it by n, hence
alpha = 5e-4 here) through one nn.LocalResponseNorm over the maps folded tower by tower into the
batch. FC6 reads pool5 flattened as (C, H, W), torch's order, where Keras flattens (H, W, C):
`from_keras` permutes FC6's rows, so that copied weights compute the same function.

`python -m benchmarks.torch_alexnet` times one network's training step (torchvision's alexnet or
vgg11/13/16/19, or `alexnet_two_tower`, this one) on a device and prints images/s as JSON: the
process of its own in which benchmarks.gpu runs each PyTorch peer. torch is imported here, so
import this module only where torch is wanted.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from benchmarks.timing import seconds_per_call

if TYPE_CHECKING:
    import keras

FILTERS = (96, 256, 384, 384, 256)  # the whole net's, halved per tower (keras_nets.alexnet)
GROUPED = (False, True, False, True, True)  # reads its own tower only


class TwoTowerAlexNet(nn.Module):
    """keras_nets' `alexnet` (build_alexnet(split=True)) with its defaults: 227 px (224 is padded
    by 3 before conv1, as there), paper LRN constants per tower, overlapping 3x3/2 max pooling,
    ReLU, dropout on FC6 and FC7; returns logits (Keras' softmax is left to the loss).
    width scales every conv's filters as keras_nets does (round(total * width / 2) per tower)."""

    def __init__(self, num_classes: int = 1000, input_size: int = 227, width: float = 1.0,
                 fc_units: int = 4096, dropout: float = 0.5) -> None:
        super().__init__()
        per_tower = [max(1, round(total * width / 2)) for total in FILTERS]
        self.conv1_padding = 3 if input_size == 224 else 0
        kernels, inputs = (11, 5, 3, 3, 3), 3
        for i, (kernel, grouped, tower) in enumerate(zip(kernels, GROUPED, per_tower), 1):
            setattr(self, f"conv{i}", nn.Conv2d(
                inputs, 2 * tower, kernel, stride=4 if i == 1 else 1,
                padding=0 if i == 1 else kernel // 2, groups=2 if grouped else 1))
            inputs = 2 * tower
        self.lrn = nn.LocalResponseNorm(5, alpha=5 * 1e-4, beta=0.75, k=2.0)
        self.pool = nn.MaxPool2d(3, 2)
        side = pool5_side(input_size + 2 * self.conv1_padding)
        self.fc6 = nn.Linear(inputs * side * side, fc_units)
        self.fc7 = nn.Linear(fc_units, fc_units)
        self.fc8 = nn.Linear(fc_units, num_classes)
        self.dropout = nn.Dropout(dropout)

    def per_tower_lrn(self, x: torch.Tensor) -> torch.Tensor:
        """LRN within each tower's half of the channels: the towers are folded into the batch,
        so that no window spans the boundary between them (the paper's two GPUs)."""
        n, c, h, w = x.shape
        return self.lrn(x.reshape(n * 2, c // 2, h, w)).reshape(n, c, h, w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, [self.conv1_padding] * 4) if self.conv1_padding else x
        x = self.pool(self.per_tower_lrn(F.relu(self.conv1(x))))
        x = self.pool(self.per_tower_lrn(F.relu(self.conv2(x))))
        x = F.relu(self.conv4(F.relu(self.conv3(x))))
        x = torch.flatten(self.pool(F.relu(self.conv5(x))), 1)
        x = self.dropout(F.relu(self.fc6(x)))
        return self.fc8(self.dropout(F.relu(self.fc7(x))))


def pool5_side(size: int) -> int:
    """pool5's side for a (padded) input side: conv1 11x11/4, then three 3x3/2 poolings."""
    side = (size - 11) // 4 + 1
    for _ in range(3):
        side = (side - 3) // 2 + 1
    return side


def from_keras(model: keras.Model) -> dict[str, torch.Tensor]:
    """A TwoTowerAlexNet state dict holding the weights of keras_nets' two-tower `alexnet` Keras
    model (the same width, FC units and classes): each conv's two towers stacked along the
    output channels (torch's group order), kernels (H, W, in, out) to (out, in, H, W), FC6's
    rows from Keras' (H, W, C) order to torch's (C, H, W)."""
    state = {}
    for i in range(1, 6):
        towers = [model.get_layer(f"conv{i}_tower{t}").get_weights() for t in (0, 1)]
        state[f"conv{i}.weight"] = np.concatenate([k.transpose(3, 2, 0, 1) for k, _ in towers])
        state[f"conv{i}.bias"] = np.concatenate([b for _, b in towers])
    h, w, c = model.get_layer("flatten").input.shape[1:]
    for name in ("fc6", "fc7", "fc8"):
        kernel, bias = model.get_layer(name).get_weights()
        if name == "fc6":
            kernel = kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(h * w * c, -1)
        state[f"{name}.weight"], state[f"{name}.bias"] = kernel.T, bias
    return {key: torch.from_numpy(np.ascontiguousarray(value, np.float32))
            for key, value in state.items()}


def count_macs(model: nn.Module, input_size: int) -> int:
    """Multiply-accumulates of one image through the model's convolutions and linear layers
    (what keras_nets.count_macs counts)."""
    macs = []

    def conv(module: nn.Conv2d, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        kernel = module.weight.shape[1] * module.weight.shape[2] * module.weight.shape[3]
        macs.append(output[0].numel() * kernel)

    def linear(module: nn.Linear, inputs: tuple[torch.Tensor, ...],
               output: torch.Tensor) -> None:
        macs.append(module.in_features * module.out_features)

    hooks = [m.register_forward_hook(conv if isinstance(m, nn.Conv2d) else linear)
             for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            model.eval()
            model(torch.zeros(1, 3, input_size, input_size))
    finally:
        for hook in hooks:
            hook.remove()
        model.train()
    return sum(macs)


def build(name: str, input_size: int, width: float = 1.0) -> nn.Module:
    """`alexnet_two_tower` (this module's) or a torchvision model by name, untrained."""
    if name == "alexnet_two_tower":
        return TwoTowerAlexNet(input_size=input_size, width=width)
    import torchvision
    return getattr(torchvision.models, name)(weights=None)


def images_per_second(model: nn.Module, batch: int, input_size: int, steps: int, warmup: int,
                      device: str, precision: str = "float32") -> float:
    """Training images/s of `model` (SGD with momentum, cross-entropy on random images) on
    `device`; precision "mixed": the forward pass and loss under torch.autocast (float16 on
    CUDA, without loss scaling, as benchmarks.gpu's Keras float16 rows; bfloat16 on the CPU)."""
    model = model.to(device)
    x = torch.randn(batch, 3, input_size, input_size, device=device)
    y = torch.randint(0, 1000, (batch,), device=device)  # every peer has ImageNet's classes
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    kind = torch.device(device).type
    half = torch.float16 if kind == "cuda" else torch.bfloat16

    def step() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(kind, dtype=half, enabled=precision == "mixed"):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    wait = (lambda _: torch.cuda.synchronize()) if kind == "cuda" else (lambda loss: loss.item())
    return batch / seconds_per_call(step, steps, warmup, wait=wait)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.torch_alexnet", description=__doc__)
    p.add_argument("name", help="alexnet_two_tower, or a torchvision model: alexnet, vgg16 ...")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--input-size", type=int, default=227)
    p.add_argument("--width", type=float, default=1.0, help="alexnet_two_tower only")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--device", default="cuda", help="cuda or cpu")
    p.add_argument("--precision", default="float32", choices=("float32", "mixed"))
    p.add_argument("--tf32", action="store_true",
                   help="TF32 convolutions and matmuls, as TensorFlow and JAX use on Ampere+")
    args = p.parse_args(argv)
    torch.backends.cudnn.benchmark = True  # picks the fastest kernels, as XLA's autotuning does
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = args.tf32
    model = build(args.name, args.input_size, args.width)
    macs = count_macs(model, args.input_size)
    rate = images_per_second(model, args.batch, args.input_size, args.steps, args.warmup,
                             args.device, args.precision)
    print(json.dumps(dict(images_per_s=rate, macs=macs, torch=torch.__version__)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
