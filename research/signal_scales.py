"""python -m research.signal_scales: per-layer activation and gradient scales of a model.

At initialisation (--init, --seed: the model as pipelines.train builds it) or of a trained run
(--run RUN_DIR: its model.keras, normalisation and input size), on one batch of the embedded
dataset's validation images (centre crops under the normalisation). Per conv/FC layer, after its
ReLU: the mean activation, its spread over the images (the input-dependent part: the std over
the batch of each unit's activation, averaged over units), the share of units dead for every
image, and the norm of the cross-entropy gradient of its kernel. A signal that carries the input
has a spread comparable to its mean; when the spread is a few percent of the mean, every image
gets nearly the same output.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from typing import TYPE_CHECKING, Any

from keras_nets.initializers import INITS
from keras_nets.normalization import NORMALIZATIONS

if TYPE_CHECKING:
    import keras
    import tensorflow as tf


def layer_table(model: keras.Model, images: tf.Tensor, labels: tf.Tensor
                ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    import keras
    import numpy as np
    import tensorflow as tf
    layers = [l for l in model.layers if isinstance(l, (keras.layers.Conv2D, keras.layers.Dense))]
    probe = keras.Model(model.input, [l.output for l in layers] + [model.output])
    with tf.GradientTape() as tape:
        *outs, probs = probe(images, training=False)
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, probs))
    grads = tape.gradient(loss, [l.kernel for l in layers])
    rows = []
    for layer, out, grad in zip(layers, outs, grads):
        a = np.asarray(out, np.float64).reshape(out.shape[0], -1)
        rows.append(dict(layer=layer.name, mean=float(a.mean()), std=float(a.std()),
                         spread_over_images=float(a.std(axis=0).mean()),
                         dead_share=float(np.mean(np.all(a <= 0, axis=0))),
                         kernel_grad_norm=float(tf.norm(grad))))
    p = np.asarray(probs)
    return rows, dict(loss=float(loss), distinct_predictions=int(len(set(p.argmax(1)))),
                      prob_spread_over_images=float(p.std(axis=0).mean()))


def lrn_table(model: keras.Model, images: tf.Tensor) -> list[dict[str, Any]]:
    """Per LRN layer: its output/input ratio (k + alpha * window)^-beta over the positive
    inputs; k^-beta (0.595 for k = 2) everywhere means the LRN is a constant factor."""
    import keras
    import numpy as np
    from keras_nets.layers import LocalResponseNormalization
    lrns = [l for l in model.layers if isinstance(l, LocalResponseNormalization)]
    if not lrns:
        return []
    probe = keras.Model(model.input, [t for l in lrns for t in (l.input, l.output)])
    outs = probe(images, training=False)
    rows = []
    for i, layer in enumerate(lrns):
        a, b = np.asarray(outs[2 * i]), np.asarray(outs[2 * i + 1])
        ratio = b[a > 1e-3] / a[a > 1e-3]
        rows.append(dict(layer=layer.name, constant=layer.bias ** -layer.beta,
                         ratio_mean=float(ratio.mean()), ratio_p5=float(np.percentile(ratio, 5)),
                         ratio_min=float(ratio.min())))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m research.signal_scales", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="alexnet")
    p.add_argument("--init", default="paper", choices=INITS)
    p.add_argument("--normalization", default="mean_rgb", choices=tuple(NORMALIZATIONS))
    p.add_argument("--input-size", type=int, default=99)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run", default=None, help="a run directory: its trained model instead")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--json", default=None, help="also write the table here")
    args = p.parse_args(argv)
    import keras
    import tensorflow as tf
    from keras_nets import get_spec
    from pipelines.data.crops import center
    from pipelines.data.sources import load_split
    if args.run:
        from pipelines.errors import UserError
        from pipelines.serving.loader import load
        try:
            saved = load(args.run)
        except UserError as err:  # missing or damaged (pipelines.serving.loader)
            p.exit(2, f"{p.prog}: error: {err}\n")
        model, pre = saved.model, saved.preprocessing
        size, norm, scale = pre.input_size, pre.normalization, pre.eval_scale
        label = args.run
    else:
        spec = get_spec(args.model)
        size, norm = args.input_size, args.normalization
        scale = spec.eval_scale(size)
        keras.utils.set_random_seed(args.seed)
        model = spec(size, num_classes=10, init=args.init, width=args.width)
        label = f"{spec.name} init={args.init} at step 0"
    split = load_split("shapes", "validation", data_dir=args.data_dir,
                       shapes_sizes=dict(num_train=4000, num_validation=400))
    batch = next(iter(split.dataset.batch(args.batch)))
    images = tf.stack([center(e, size, scale, normalization=norm)
                       for e in batch["image"]])
    rows, output = layer_table(model, images, batch["label"])
    print(f"{label}, {size} px, normalization {norm}, {args.batch} validation images")
    print(f"{'layer':<16}{'mean':>10}{'std':>10}{'spread':>10}{'dead':>8}{'|grad W|':>11}")
    for r in rows:
        print(f"{r['layer']:<16}{r['mean']:>10.3g}{r['std']:>10.3g}"
              f"{r['spread_over_images']:>10.3g}{r['dead_share']:>8.2f}"
              f"{r['kernel_grad_norm']:>11.3g}")
    lrn = lrn_table(model, images)
    for r in lrn:
        print(f"{r['layer']}: output/input {r['ratio_mean']:.3f} on average, 5th percentile "
              f"{r['ratio_p5']:.3f}, min {r['ratio_min']:.3f} (a constant factor: "
              f"{r['constant']:.3f})")
    print(f"loss {output['loss']:.3f}, distinct predictions {output['distinct_predictions']}, "
          f"probability spread over images {output['prob_spread_over_images']:.2e}")
    if args.json:
        # No table rows: the figures are per layer (docs/training.md quotes them).
        from benchmarks import results_schema
        from benchmarks.timing import cpu_description
        results_schema.write(
            args.json, benchmark="research.signal_scales", machine=cpu_description(),
            date=datetime.date.today().isoformat(), rows=(), order=0,
            data=dict(label=label, size=size, normalization=norm, layers=rows, lrn=lrn,
                      output=output))
    return 0


if __name__ == "__main__":
    sys.exit(main(None))
