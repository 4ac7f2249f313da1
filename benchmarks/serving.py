"""python -m benchmarks.serving: images/s of the exported JPEG-in signature and the float
signature next to the bare Keras model's forward pass, at batch 1 and 32, in one run: every
round calls each case once, in an order that rotates (benchmarks.interleave), and the JPEG-in
overhead is taken within each round (median and quartiles over --rounds). Requests: 300x400
JPEGs (quality 95) of uniform noise (the worst case for a JPEG decoder: nothing compresses) or
of the embedded dataset's drawing at 300-400 px (textures, shapes, sensor-like noise: closer to
photographs).

Beside them, the signature's preprocessing alone (`pipelines.serving.export.request_batch`: decode,
centre crop, resize, normalise; the same graph the JPEG signature runs before the model). On a
CPU the model and the decoding share the cores, so the JPEG-in overhead is about the
preprocessing's time over the forward's: `preprocessing share` is that floor, measured in the
same rounds. It depends on the machine as the ratio of the forward's speed to the JPEG
decoder's: a CPU with fast matrix units (AVX-512) runs the forward faster relative to libjpeg's
entropy decoding than an AVX2 one, so the same code shows a larger share there."""

import argparse
import os
import statistics
import sys
import tempfile

import numpy as np

from benchmarks.interleave import interleaved, quartiles, timed_once


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.serving", description=__doc__)
    p.add_argument("--model", default="alexnet")
    p.add_argument("--input-size", type=int, default=None)
    p.add_argument("--batches", default="1,32")
    p.add_argument("--rounds", type=int, default=40,
                   help="calls of each case, interleaved (default 40)")
    p.add_argument("--images", default="noise", choices=("noise", "shapes"),
                   help="what the request JPEGs show (see above)")
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.exit(2, f"{p.prog}: error: rounds must be >= 1\n")
    import tensorflow as tf
    from benchmarks.train_throughput import cpu_description
    from keras_nets import count_macs, get_spec
    from pipelines.serving.export import export_saved_model, request_batch
    spec = get_spec(args.model)
    model = spec(args.input_size, num_classes=1000)
    size = model.input.shape[1]
    scale = spec.eval_scale(size)
    macs = count_macs(model)
    names = [f"class_{i}" for i in range(1000)]
    path = export_saved_model(model, os.path.join(tempfile.mkdtemp(), args.model), names, scale)
    loaded = tf.saved_model.load(path)
    jpeg_in, float_in = loaded.signatures["serving_default"], loaded.signatures["predict_images"]
    rng = np.random.default_rng(0)
    if args.images == "noise":
        pixels = [rng.integers(0, 256, (300, 400, 3), dtype=np.uint8) for _ in range(32)]
    else:
        from pipelines.data.shapes.drawing import render
        pixels = [render(rng, i % 10, 300, 400) for i in range(32)]
    jpegs = [tf.io.encode_jpeg(p, quality=95).numpy() for p in pixels]
    forward = tf.function(lambda x: model(x, training=False))
    preprocess = tf.function(lambda x: request_batch(x, size, scale))
    kb = np.mean([len(j) for j in jpegs]) / 1024
    print(f"machine: {cpu_description()}")
    print(f"{args.model} at {size}px ({macs / 1e6:.0f} M MACs per image); "
          f"{args.images} JPEGs, {kb:.0f} KB on average; images/s, medians of {args.rounds} "
          f"rounds; overhead and share: per-round medians (quartiles)")
    print(f"{'batch':>6}{'keras forward':>15}{'float signature':>17}{'JPEG signature':>16}"
          f"{'preprocessing':>15}{'JPEG overhead':>22}{'preprocessing share':>22}"
          f"{'forward GFLOP/s':>17}")
    for batch in (int(b) for b in args.batches.split(",")):
        encoded = tf.constant((jpegs * batch)[:batch])
        floats = preprocess(encoded)  # the model's input, as the JPEG signature computes it
        cases = (lambda: forward(floats).numpy(),
                 lambda: float_in(images=floats)["probabilities"].numpy(),
                 lambda: jpeg_in(images=encoded)["probabilities"].numpy(),
                 lambda: preprocess(encoded).numpy())
        times = interleaved([timed_once(case) for case in cases], args.rounds)
        keras_s, float_s, jpeg_s, pre_s = (statistics.median(t) for t in times)
        overhead = quartiles(j / k - 1 for j, k in zip(times[2], times[0]))
        share = quartiles(pre / k for pre, k in zip(times[3], times[0]))
        spread = lambda q: f"{q[1]:.0%} ({q[0]:.0%}..{q[2]:.0%})"
        gflops = 2 * macs * batch / keras_s / 1e9
        print(f"{batch:>6}{batch / keras_s:>15.1f}{batch / float_s:>17.1f}{batch / jpeg_s:>16.1f}"
              f"{batch / pre_s:>15.1f}{spread(overhead):>22}{spread(share):>22}"
              f"{gflops:>17.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
