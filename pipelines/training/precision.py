"""The run's compute precision (`--precision`): float32, or bfloat16 / float16 compute over float32
weights (Keras' mixed policies), or `auto`, the one this machine's hardware computes fastest.

auto on a CPU: bfloat16 where the CPU multiplies bfloat16 natively (AMX-BF16 or AVX512-BF16),
float32 otherwise. Both sides were measured (docs/benchmarks.md, "Precision" and the decisions
table): faster in bfloat16 on an AMX Xeon, slower on an AVX2 CPU where TensorFlow emulates it;
the default run's accuracy over seeds is in benchmarks/results/precision_default_run.json.
auto on a GPU: bfloat16 from compute capability 8.0 (Ampere: bfloat16 tensor cores, no loss
scaling), float16 with dynamic loss scaling on 7.x (Volta/Turing tensor cores), float32 before.
"""

from collections.abc import Iterable

PRECISIONS = ("auto", "float32", "bfloat16", "float16")
POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}
# /proc/cpuinfo flags of native bfloat16 arithmetic (Linux's names).
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_flags(path: str = "/proc/cpuinfo") -> set[str]:
    """The CPU's feature flags (Linux); empty where /proc/cpuinfo is not there to read."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        pass
    return set()


def gpu_capability() -> tuple[int, ...] | None:
    """The first GPU's compute capability (major, minor), or None on a machine without one."""
    import tensorflow as tf
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    details = tf.config.experimental.get_device_details(gpus[0])
    return tuple(details.get("compute_capability") or (0, 0))


def resolve(precision: str, capability: tuple[int, ...] | None = None,
            flags: Iterable[str] | None = None) -> tuple[str, str]:
    """(precision, why): `precision` itself unless "auto", then the choice for a GPU of compute
    capability `capability` or, with None, a CPU with feature `flags`."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision != "auto":
        return precision, "asked for"
    if capability is not None:
        name = f"GPU compute capability {capability[0]}.{capability[1]}"
        if capability >= (8, 0):
            return "bfloat16", f"auto: {name} has bfloat16 tensor cores"
        if capability >= (7, 0):
            return "float16", f"auto: {name} has float16 tensor cores"
        return "float32", f"auto: {name} has no reduced-precision tensor cores"
    native = sorted(set(flags if flags is not None else cpu_flags()) & set(BF16_CPU_FLAGS))
    if native:
        return "bfloat16", f"auto: the CPU multiplies bfloat16 natively ({', '.join(native)})"
    return "float32", "auto: no AMX-BF16 or AVX512-BF16 on this CPU"


def fresh_session(policy: str) -> None:
    """A new Keras session computing in `policy` ("float32", "mixed_bfloat16", ...). The order
    matters: keras.utils.clear_session() resets the global dtype policy to float32."""
    import keras
    keras.utils.clear_session()
    keras.mixed_precision.set_global_policy(policy)


def apply(precision: str) -> tuple[str, str]:
    """Set Keras' global dtype policy for `precision` (resolved here when "auto"); returns
    (precision, why)."""
    import keras
    resolved, why = resolve(precision, gpu_capability() if precision == "auto" else None)
    keras.mixed_precision.set_global_policy(POLICIES[resolved])
    return resolved, why
