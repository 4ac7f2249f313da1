"""TensorFlow Serving's server-side batching for the export: the parameters file written beside
the versions (base/batching_parameters.txt, for --enable_batching --batching_parameters_file)
and the batch sizes the warm-up requests cover.

The values come from `python -m benchmarks.serving --batches 1,2,4,8,16,32` (the JPEG
signature's images/s at each batch size, AlexNet at 67 and 227 px) on a 2-core host; the
figures and how each value follows from them: benchmarks/results/serving_batching.json and
docs/serving.md."""

import os
from collections.abc import Iterable, Mapping

# Executed batches are padded up to the next of these, so the graph only ever sees these shapes
# (and the warm-up builds each one's kernels before the first client arrives). The JPEG
# signature's images/s stopped growing at 8-16 images at both input sizes: a larger batch is
# no faster and only waits longer.
ALLOWED_BATCH_SIZES = (1, 2, 4, 8, 16)
PARAMETERS = {
    # The largest request a client may send: it is split into executed batches of at most
    # max_execution_batch_size (without splitting, a request over the batch size is refused).
    "max_batch_size": 64,
    "enable_large_batch_splitting": True,
    "max_execution_batch_size": ALLOWED_BATCH_SIZES[-1],
    # A lone request waits at most this long for company: under the batch-1 request's own time
    # of the smallest export (the default run's 67 px AlexNet on an idle 2-core host), so
    # waiting at most doubles the latency of the quietest traffic.
    "batch_timeout_micros": 5000,
    # One batch per core: the model's kernels use both cores' intra-op threads anyway, and one
    # batch's JPEG decoding overlaps the other's forward.
    "num_batch_threads": 2,
    # Queued work beyond this is refused at once (UNAVAILABLE) instead of waiting: 8 full
    # batches are between one and two seconds of work at the images/s measured.
    "max_enqueued_batches": 8,
}
FILE_NAME = "batching_parameters.txt"


def parameters_text(parameters: Mapping[str, int | bool] = PARAMETERS,
                    allowed: Iterable[int] = ALLOWED_BATCH_SIZES) -> str:
    """The BatchingParameters text proto TF Serving's --batching_parameters_file reads."""
    def value(v: object) -> str:
        return str(v).lower() if isinstance(v, bool) else str(v)
    lines = [f"{name} {{ value: {value(v)} }}" for name, v in parameters.items()]
    lines += [f"allowed_batch_sizes: {size}" for size in allowed]
    return "\n".join(lines) + "\n"


def write_parameters(base_dir: str) -> str:
    """base_dir/batching_parameters.txt, replaced atomically (TF Serving ignores a non-numeric
    name beside the versions)."""
    path = os.path.join(base_dir, FILE_NAME)
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w") as f:
        f.write(parameters_text())
    os.replace(temporary, path)
    return path
