"""TensorFlow Serving's server-side batching for the export: the parameters file written beside
the versions (base/batching_parameters.txt, for --enable_batching --batching_parameters_file)
and the batch sizes the warm-up requests cover.

The values were measured with `python -m benchmarks.serving --batches 1,2,4,8,16,32` on a 2-core
Xeon (AVX-512) host; the figures and how they decided each value are in
benchmarks/results/serving_batching.json and docs/serving.md."""

import os

# Batches are padded up to the next of these, so the graph only ever sees these shapes (and
# the warm-up builds each one's kernels before the first client arrives).
ALLOWED_BATCH_SIZES = (1, 2, 4, 8, 16, 32)
PARAMETERS = {
    # Images/s stop growing past 16-32 on 2 cores; larger batches add only latency.
    "max_batch_size": ALLOWED_BATCH_SIZES[-1],
    # About one batch-1 request's time: a lone request waits at most that long for company.
    "batch_timeout_micros": 5000,
    # One batch per core: the model's kernels use the intra-op threads of both cores anyway,
    # and the JPEG decoding of one batch overlaps the forward of the other.
    "num_batch_threads": 2,
    # Requests queued beyond these batches are refused at once (UNAVAILABLE) instead of waiting
    # seconds: 16 batches of 32 at about 100 images/s are 5 s of work.
    "max_enqueued_batches": 16,
}
FILE_NAME = "batching_parameters.txt"


def parameters_text(parameters=PARAMETERS, allowed=ALLOWED_BATCH_SIZES):
    """The BatchingParameters text proto TF Serving's --batching_parameters_file reads."""
    lines = [f"{name} {{ value: {value} }}" for name, value in parameters.items()]
    lines += [f"allowed_batch_sizes: {size}" for size in allowed]
    return "\n".join(lines) + "\n"


def write_parameters(base_dir):
    """base_dir/batching_parameters.txt, replaced atomically (TF Serving ignores a non-numeric
    name beside the versions)."""
    path = os.path.join(base_dir, FILE_NAME)
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w") as f:
        f.write(parameters_text())
    os.replace(temporary, path)
    return path
