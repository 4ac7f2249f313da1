"""python -m benchmarks.experiments NAME: the papers' architecture experiments at a scale a laptop CPU runs.

kernel-size  the same small CNN with 2x2, 3x3, 5x5, 7x7 kernels, two 3x3 vs one 5x5, three 3x3 vs
             one 7x7 (VGG section 2.3; the embedded dataset, or --dataset mnist when TFDS has it)
lrn          VGG A vs A-LRN (narrow widths): accuracy and time per step
depth        VGG A, B, C, D, E at reduced width
alexnet      overlapping vs non-overlapping pooling; two towers vs one tower with half the kernels;
             dropout on/off; with vs without PCA lighting
Settings per experiment in benchmarks.arms.DEFAULTS (each flag overrides one; --help lists them).
Every arm runs once per seed (--seeds, at least 3 for a verdict); each claim compares two arms:
"reproduced" when the claimed-better arm's mean accuracy is above the other's by more than two
standard errors of the difference (std over seeds), "not reproduced" when below by as much,
"inconclusive at this scale" otherwise, or when the best arm is not two standard errors above
chance. Each writes NAME.json and NAME.png under --out, with the reduced widths and sizes in them.
"""

import argparse
import json
import os
import sys
import time

from benchmarks.arms import DEFAULTS, load_data, mnist_prepared, small_cnn, with_defaults
from benchmarks.claims import CLAIMS, verdict


def run_variant(build, train_ds, val_ds, steps, seed, lr=3e-4, optimizer="adam"):
    """Train `build()` for `steps` (warm-up, then cosine decay) with Adam, or with the papers'
    SGD (momentum 0.9, weight decay 5e-4); validation accuracy, params, MACs, s/step."""
    import keras
    from keras_nets import count_macs
    keras.utils.set_random_seed(seed)
    model = build()
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, steps, warmup_target=lr, warmup_steps=min(100, steps // 5))
    opt = (keras.optimizers.Adam(schedule) if optimizer == "adam" else
           keras.optimizers.SGD(schedule, momentum=0.9, weight_decay=5e-4))
    model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train_ds, steps_per_epoch=10, epochs=1, verbose=0)  # compile and warm up
    start = time.perf_counter()
    model.fit(train_ds, steps_per_epoch=steps - 10, epochs=1, verbose=0)
    per_step = (time.perf_counter() - start) / (steps - 10)
    _, accuracy = model.evaluate(val_ds, verbose=0)
    return dict(val_accuracy=float(accuracy), params=int(model.count_params()),
                macs=int(count_macs(model)), seconds_per_step=per_step)


# Each experiment's claims: (claim, arm claimed better, the other arm), with the paper's section.
def experiment(name, args):
    from keras_nets import build_alexnet, build_vgg
    args = with_defaults(name, args)
    norm = args.normalization
    data = {}  # arm -> load_data options when they differ from the default
    if name == "kernel-size":
        dataset = "mnist" if args.dataset == "mnist" and mnist_prepared() else "shapes"
        size = 28 if dataset == "mnist" else args.size
        loader = lambda seed, **kw: load_data(size, dataset, 32, seed, norm,
                                              jitter=args.scale == "jittered", **kw)
        used = dataset
        variants = {"2x2": [[2]] * 3, "3x3": [[3]] * 3, "5x5": [[5]] * 3, "7x7": [[7]] * 3,
                    "two 3x3 (5x5 field)": [[3, 3]] * 3,
                    "three 3x3 (7x7 field)": [[3, 3, 3]] * 3}
        if args.arms:
            variants = {k: v for k, v in variants.items() if k in args.arms}
        classes, width = 10, args.width
        channels = tuple(max(1, round(c * width)) for c in (32, 64, 128))
        builds = {k: (lambda s=s: small_cnn(s, classes, size, channels))
                  for k, s in variants.items()}
        setting = (f"small CNN (3 stages: {', '.join(map(str, channels))} channels), "
                   f"{size}px {used}")
    elif name in ("lrn", "depth"):
        size, width = args.size, args.width
        loader = lambda seed, **kw: load_data(size, "shapes", 32, seed, norm,
                                              jitter=args.scale == "jittered", **kw)
        configs = ("A", "A-LRN") if name == "lrn" else ("A", "B", "C", "D", "E")
        if args.arms:
            configs = [c for c in configs if c in args.arms]
        builds = {c: (lambda c=c: build_vgg(c, num_classes=10, input_shape=(size, size, 3),
                                            width=width, fc_units=256, init=args.init))
                  for c in configs}
        setting = (f"VGG at width {width:g}, FC 256, {size}px embedded dataset, S "
                   f"{'fixed' if args.scale == 'fixed' else 'jittered'}")
    else:
        size, width = args.size, args.width
        loader = lambda seed, **kw: load_data(size, "shapes", 32, seed, norm,
                                              jitter=args.scale == "jittered", **kw)
        kw = dict(num_classes=10, input_shape=(size, size, 3), width=width,
                  fc_units=args.fc_units)
        builds = {"two towers, overlapping 3x3/2 pool": lambda: build_alexnet(**kw),
                  "two towers, 2x2/2 pool": lambda: build_alexnet(overlapping_pooling=False, **kw),
                  # AlexNet 3.2 footnote: half the kernels in conv1-4, conv5 and FC as in two towers
                  "one tower, half the kernels": lambda: build_alexnet(
                      split=False, filters=(48, 128, 192, 192, 256), **kw),
                  "no dropout": lambda: build_alexnet(dropout=0.0, **kw),
                  "no PCA lighting": lambda: build_alexnet(**kw)}
        data["no PCA lighting"] = dict(lighting=False)
        if args.arms:
            builds = {k: v for k, v in builds.items() if k in args.arms}
        setting = f"AlexNet at {size}px input, width {width:g}, embedded dataset"
    results = {label: dict(seeds=[], val_accuracy=[], seconds_per_step=[]) for label in builds}
    for seed in args.seeds:
        loaded = {}
        for label, build in builds.items():
            key = tuple(sorted(data.get(label, {}).items()))
            if key not in loaded:
                loaded[key] = loader(seed, **dict(key))
            train, val, classes, _ = loaded[key]
            r = run_variant(build, train, val, args.steps, seed, lr=args.learning_rate,
                            optimizer=args.optimizer)
            out = results[label]
            out["seeds"].append(seed)
            out["val_accuracy"].append(r["val_accuracy"])
            out["seconds_per_step"].append(r["seconds_per_step"])
            out.update(params=r["params"], macs=r["macs"])
            print(f"seed {seed} {label:<38} acc {r['val_accuracy']:.3f}  params "
                  f"{r['params']:>11,}  MACs {r['macs'] / 1e6:>8.1f} M  "
                  f"{1000 * r['seconds_per_step']:.0f} ms/step", flush=True)
    import numpy as np
    for out in results.values():
        acc = np.asarray(out["val_accuracy"])
        out["mean"] = float(acc.mean())
        out["std"] = float(acc.std(ddof=1)) if len(acc) > 1 else 0.0
    claims = []
    for claim, better, other in CLAIMS[name]:
        if better in results and other in results:
            word, z = verdict(results[better]["val_accuracy"], results[other]["val_accuracy"],
                              chance=0.1)
            claims.append(dict(claim=claim, better=better, other=other, verdict=word, z=z))
            print(f"{claim}: {word}", flush=True)
    return {"experiment": name, "setting": setting, "steps": args.steps, "batch": 32,
            "seeds": list(args.seeds), "normalization": norm, "optimizer":
            f"{'Adam' if args.optimizer == 'adam' else 'SGD momentum 0.9, weight decay 5e-4'} "
            f"lr {args.learning_rate:g}, warm-up and cosine decay, {args.init} init (VGG arms)",
            "chance": 0.1, "results": results, "claims": claims}


def plot(result, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    labels = list(result["results"])
    acc = [result["results"][k]["mean"] for k in labels]
    err = [result["results"][k]["std"] for k in labels]
    ms = [1000 * float(np.median(result["results"][k]["seconds_per_step"])) for k in labels]
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.6 * len(labels) + 2))
    axes[0].barh(labels, acc, xerr=err, color="tab:blue", capsize=4)
    for i, k in enumerate(labels):
        axes[0].plot(result["results"][k]["val_accuracy"], [i] * len(result["seeds"]), "k.")
    axes[0].axvline(result["chance"], color="grey", ls="--", lw=1)
    axes[0].set_xlabel(f"validation accuracy, mean +- std over seeds {result['seeds']}")
    axes[1].barh(labels, ms, color="tab:orange")
    axes[1].set_xlabel("ms per training step (median over seeds; shared CPU)")
    axes[1].set_yticks([])
    fig.suptitle(f"{result['experiment']}: {result['setting']}, {result['steps']} steps")
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def main(argv=None):
    epilog = "defaults:\n" + "\n".join(
        f"  {name:<12} " + ", ".join(f"{k.replace('_', '-')} {v:g}" if isinstance(v, float)
                                      else f"{k.replace('_', '-')} {v}" for k, v in d.items())
        for name, d in DEFAULTS.items())
    p = argparse.ArgumentParser(prog="python -m benchmarks.experiments", description=__doc__,
                                epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", choices=("kernel-size", "lrn", "depth", "alexnet"))
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--seeds", default="0,1,2", help="comma-separated; at least 3 for a verdict")
    p.add_argument("--arms", default=None, help="semicolon-separated subset of the arms")
    p.add_argument("--size", type=int, default=None, help="input size")
    p.add_argument("--width", type=float, default=None, help="conv width factor")
    p.add_argument("--scale", default=None, choices=("jittered", "fixed"),
                   help="training scale S jittered in [1.14, 1.5] x size or fixed (VGG 3.1)")
    p.add_argument("--optimizer", default=None, choices=("adam", "sgd"))
    p.add_argument("--init", default=None, choices=("he", "glorot", "paper"),
                   help="the VGG arms' initialisation")
    p.add_argument("--fc-units", type=int, default=None, help="alexnet: FC6/FC7 units")
    p.add_argument("--learning-rate", type=float, default=None, help="peak learning rate")
    p.add_argument("--normalization", default=None, help="input normalisation")
    p.add_argument("--dataset", default="shapes", choices=("shapes", "mnist"),
                   help="kernel-size: the embedded dataset, or MNIST when TFDS has it prepared")
    p.add_argument("--out", default="benchmarks/results")
    args = p.parse_args(argv)
    with_defaults(args.name, args)
    if args.steps < 20:
        p.exit(2, f"{p.prog}: error: --steps must be >= 20\n")
    try:
        args.seeds = [int(x) for x in args.seeds.split(",") if x]
    except ValueError:
        p.exit(2, f"{p.prog}: error: --seeds: integers, comma-separated\n")
    args.arms = [a.strip() for a in args.arms.split(";")] if args.arms else None
    os.makedirs(args.out, exist_ok=True)
    result = experiment(args.name, args)
    base = os.path.join(args.out, args.name)
    with open(base + ".json", "w") as f:
        json.dump(result, f, indent=1)
    plot(result, base + ".png")
    print(f"wrote {base}.json and {base}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
