"""python -m benchmarks.serving: images/s of the exported JPEG-in signature and the float
signature next to the bare Keras model's forward pass, at batch 1 and 32, in one run: every
round calls each case once, in an order that rotates (benchmarks.timing), and the JPEG-in
overhead is taken within each round (median and quartiles over --rounds). Requests: 300x400
JPEGs (quality 95) of uniform noise (the worst case for a JPEG decoder: nothing compresses) or
of the embedded dataset's drawing at 300-400 px (textures, shapes, sensor-like noise: closer to
photographs).

Beside them, the signature's preprocessing alone (`pipelines.serving.saved_model.request_batch`: decode,
centre crop, resize, normalise; the same graph the JPEG signature runs before the model). On a
CPU the model and the decoding share the cores, so the JPEG-in overhead is about the
preprocessing's time over the forward's: `preprocessing share` is that floor, measured in the
same rounds. It depends on the machine as the ratio of the forward's speed to the JPEG
decoder's: a CPU with fast matrix units (AVX-512) runs the forward faster relative to libjpeg's
entropy decoding than an AVX2 one, so the same code shows a larger share there.

--photo: the phone-photo case instead (issue 21): one 4032x3024 photo-like JPEG through the JPEG
signature at batch 1, beside a 341x256 JPEG, libjpeg's decoding of the photo at 1/8 (its floor:
the entropy decoding) and at full size, in the same rounds; `vs floor` is the photo request over
(its 1/8 decode + the small request), per round. It uses only the export's signature, so exports
of any version of the code can be timed side by side (--export DIR, repeated).

--loop: the request's preprocessing as the signature runs it (request_batch: a tf.data map in
the graph whose ignore_errors lets one bad image fail only itself) beside the tf.map_fn it
replaced (which cannot survive a decoding error), for 1 and 32 small JPEGs and one photo.

--json PATH writes the rows with the machine and the date (benchmarks/results/)."""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmarks import results_schema
from benchmarks.timing import cpu_description, interleaved, quartiles, timed_once

if TYPE_CHECKING:
    import tensorflow as tf


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.serving", description=__doc__)
    p.add_argument("--model", default="alexnet")
    p.add_argument("--input-size", type=int, default=None)
    p.add_argument("--batches", default="1,32")
    p.add_argument("--rounds", type=int, default=40,
                   help="calls of each case, interleaved (default 40)")
    p.add_argument("--images", default="noise", choices=("noise", "shapes"),
                   help="what the request JPEGs show (see above)")
    p.add_argument("--photo", action="store_true", help="the phone-photo case (see above)")
    p.add_argument("--export", action="append",
                   help="--photo: time this export (repeatable: side by side) instead of a "
                        "fresh one of --model")
    p.add_argument("--loop", action="store_true", help="request_batch vs map_fn (see above)")
    p.add_argument("--json", default=None, help="write the figures here too")
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.exit(2, f"{p.prog}: error: rounds must be >= 1\n")
    if args.export and not args.photo:
        p.exit(2, f"{p.prog}: error: --export goes with --photo\n")
    import tensorflow as tf
    if args.loop:
        return request_loop(args)
    if args.photo and args.export:
        return phone_photo([(path, tf.saved_model.load(path).signatures["serving_default"])
                            for path in args.export], args)
    from keras_nets import count_macs, get_spec
    from pipelines.serving.saved_model import export_saved_model, request_batch
    spec = get_spec(args.model)
    model = spec(args.input_size, num_classes=1000)
    size = model.input.shape[1]
    model.preprocessing = spec.preprocessing(size, class_names=[f"class_{i}" for i in range(1000)])
    scale = model.preprocessing.eval_scale
    macs = count_macs(model)
    path = export_saved_model(model, os.path.join(tempfile.mkdtemp(), args.model))
    loaded = tf.saved_model.load(path)
    if args.photo:
        return phone_photo([(f"{args.model} at {size}px, this code",
                             loaded.signatures["serving_default"])], args)
    jpeg_in, float_in = loaded.signatures["serving_default"], loaded.signatures["predict_images"]
    rng = np.random.default_rng(0)
    if args.images == "noise":
        pixels = [rng.integers(0, 256, (300, 400, 3), dtype=np.uint8) for _ in range(32)]
    else:
        from pipelines.data.shapes.drawing import render
        pixels = [render(rng, i % 10, 300, 400) for i in range(32)]
    jpegs = [tf.io.encode_jpeg(p, quality=95).numpy() for p in pixels]
    forward = tf.function(lambda x: model(x, training=False))
    preprocess = tf.function(lambda x: request_batch(x, size, scale)[0])
    kb = np.mean([len(j) for j in jpegs]) / 1024
    print(f"machine: {cpu_description()}")
    print(f"{args.model} at {size}px ({macs / 1e6:.0f} M MACs per image); "
          f"{args.images} JPEGs, {kb:.0f} KB on average; images/s, medians of {args.rounds} "
          f"rounds; overhead and share: per-round medians (quartiles)")
    rows = []
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
        rows.append(dict(batch=batch, keras_forward_images_per_s=batch / keras_s,
                         float_signature_images_per_s=batch / float_s,
                         jpeg_signature_images_per_s=batch / jpeg_s,
                         preprocessing_images_per_s=batch / pre_s,
                         jpeg_signature_ms=1000 * jpeg_s, jpeg_overhead_quartiles=overhead))
    write_json(args, dict(model=args.model, input_size=size, images=args.images,
                          mean_request_kb=kb, rows=rows))
    return 0


def write_json(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.json:
        result = dict(benchmark="benchmarks.serving", machine=cpu_description(),
                      date=datetime.date.today().isoformat(), rounds=args.rounds, **result)
        # No table rows: the report's table has no serving figures (docs/serving.md has them).
        results_schema.write(args.json, benchmark="benchmarks.serving",
                             machine=result["machine"], date=result["date"], rows=(), order=0,
                             data=result)
        print(f"wrote {args.json}")


def request_loop(args: argparse.Namespace) -> int:
    """--loop (see the module's text), at --input-size (default 67: the default run's export)."""
    import tensorflow as tf
    from pipelines.data.crops import center_pixels
    from pipelines.data.image_ops import normalize
    from pipelines.serving.saved_model import PARALLEL_DECODES, photo_like, request_batch
    size = args.input_size or 67
    scale = round(size * 256 / 227)
    signature = [tf.TensorSpec([None], tf.string)]
    data = tf.function(lambda x: request_batch(x, size, scale)[0], input_signature=signature)
    map_fn = tf.function(lambda x: normalize(tf.map_fn(
        lambda e: center_pixels(e, size, scale), x, parallel_iterations=PARALLEL_DECODES,
        fn_output_signature=tf.TensorSpec([size, size, 3], tf.float32))),
        input_signature=signature)
    rng = np.random.default_rng(0)
    small = [tf.io.encode_jpeg(photo_like(rng, 256, 341), quality=90).numpy() for _ in range(32)]
    photo = tf.io.encode_jpeg(photo_like(rng, 3024, 4032), quality=90).numpy()
    print(f"machine: {cpu_description()}")
    print(f"request_batch at {size} px (scale {scale}); ms, medians of {args.rounds} rounds")
    print(f"{'request':<26}{'tf.data (ignore_errors)':>25}{'map_fn':>10}{'ratio':>22}")
    rows = []
    for name, request in (("1 JPEG 341x256", small[:1]), ("32 JPEGs 341x256", small),
                          ("1 photo 4032x3024", [photo])):
        request = tf.constant(request)
        times = interleaved([timed_once(lambda f=f: f(request).numpy()) for f in (data, map_fn)],
                            args.rounds)
        ratio = quartiles(d / m for d, m in zip(*times))
        data_s, map_s = (statistics.median(t) for t in times)
        print(f"{name:<26}{1000 * data_s:>25.1f}{1000 * map_s:>10.1f}"
              f"{ratio[1]:>11.2f} ({ratio[0]:.2f}..{ratio[2]:.2f})", flush=True)
        rows.append(dict(request=name, tf_data_ms=1000 * data_s, map_fn_ms=1000 * map_s,
                         ratio_quartiles=ratio))
    write_json(args, dict(case="request loop", input_size=size, scale=scale, rows=rows))
    return 0


def phone_photo(exports: list[tuple[str, Callable[..., dict[str, tf.Tensor]]]],
                args: argparse.Namespace) -> int:
    """The phone-photo case (--photo, see the module's text); exports: [(label, signature)],
    timed in the same rounds."""
    import tensorflow as tf
    from pipelines.serving.saved_model import photo_like
    rng = np.random.default_rng(0)
    photo = tf.io.encode_jpeg(photo_like(rng, 3024, 4032), quality=90).numpy()
    small = tf.io.encode_jpeg(photo_like(rng, 256, 341), quality=90).numpy()
    photo_request, small_request = tf.constant([photo]), tf.constant([small])
    cases = [lambda: tf.io.decode_jpeg(photo, ratio=8).numpy(),
             lambda: tf.io.decode_jpeg(photo).numpy()]
    for _, serve in exports:
        cases += [lambda serve=serve: serve(images=photo_request)["probabilities"].numpy(),
                  lambda serve=serve: serve(images=small_request)["probabilities"].numpy()]
    times = interleaved([timed_once(case) for case in cases], args.rounds)
    eighth_s, full_s = statistics.median(times[0]), statistics.median(times[1])
    print(f"machine: {cpu_description()}")
    print(f"4032x3024 photo-like JPEG of {len(photo) / 1e6:.1f} MB, 341x256 of "
          f"{len(small) / 1e3:.0f} KB, batch 1; ms, medians of {args.rounds} rounds; libjpeg "
          f"alone: {1000 * eighth_s:.1f} at 1/8, {1000 * full_s:.1f} at full size")
    print(f"{'export':<40}{'photo request':>14}{'small request':>15}"
          f"{'photo vs (1/8 decode + small)':>32}")
    rows = []
    for i, (label, _) in enumerate(exports):
        photo_t, small_t = times[2 + 2 * i], times[3 + 2 * i]
        vs_floor = quartiles(p / (e + s) for p, s, e in zip(photo_t, small_t, times[0]))
        photo_s, small_s = statistics.median(photo_t), statistics.median(small_t)
        print(f"{label:<40}{1000 * photo_s:>14.1f}{1000 * small_s:>15.1f}"
              f"{vs_floor[1]:>17.2f}x ({vs_floor[0]:.2f}..{vs_floor[2]:.2f})", flush=True)
        rows.append(dict(export=label, photo_request_ms=1000 * photo_s,
                         small_request_ms=1000 * small_s, photo_vs_floor_quartiles=vs_floor))
    write_json(args, dict(case="phone photo", photo_bytes=len(photo), small_bytes=len(small),
                          decode_eighth_ms=1000 * eighth_s, decode_full_ms=1000 * full_s,
                          rows=rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
