"""The benchmarks' one timing module: how a call is timed, how cases are compared side by side on
a shared, noisy machine, and the machine line and peak probe every figure is printed with.

Side by side: single calls of every case interleaved round by round, in an order that rotates,
so that a busy moment of the host hits all cases of a round within seconds; ratios are then taken
within a round and summarised by median and quartiles (`interleaved`, `quartiles`). Alone:
`seconds_per_call` after warm-up calls, which trace, compile and allocate.
"""

import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def seconds_per_call(fn: Callable[[], Any], calls: int, warmup: int = 2,
                     wait: Callable[[Any], object] | None = None) -> float:
    """Mean seconds of `calls` calls of fn after `warmup` untimed ones.

    wait(result): makes the host wait for fn's result (e.g. `lambda out: out.numpy()`); given,
    only the last call's result is waited for, so TensorFlow may queue the calls as a training
    loop does; without it fn must wait for its own result."""
    for _ in range(warmup):
        out = fn()
        if wait is not None:
            wait(out)
    start = time.perf_counter()
    for _ in range(calls):
        out = fn()
    if wait is not None:
        wait(out)
    return (time.perf_counter() - start) / calls


def rotation(round_: int, cases: int) -> list[int]:
    """The order of the cases in a round: each case goes first, second, ... in turn."""
    return [(round_ + i) % cases for i in range(cases)]


def timed_once(fn: Callable[[], object]) -> Callable[[], float]:
    """A case for `interleaved`: runs fn once and returns its seconds."""
    def case() -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    return case


def interleaved(cases: Sequence[Callable[[], float]], rounds: int,
                after_round: Callable[[int, list[float]], object] | None = None,
                warmup: int = 2) -> list[list[float]]:
    """[[seconds of each round] per case]: one call of every case per round, rotating order,
    after `warmup` untimed calls of each (the first calls trace, compile and allocate).
    cases: callables returning the seconds of one call (timed_once, or timed elsewhere);
    after_round(round_, [this round's seconds per case]) reports progress."""
    for case in cases:
        for _ in range(warmup):
            case()
    seconds = [[] for _ in cases]
    for round_ in range(rounds):
        for i in rotation(round_, len(cases)):
            seconds[i].append(cases[i]())
        if after_round is not None:
            after_round(round_, [s[-1] for s in seconds])
    return seconds


def quartiles(values: Iterable[float]) -> tuple[float, float, float]:
    """(lower quartile, median, upper quartile), inclusive method; one value stands for all."""
    values = list(values)
    if len(values) == 1:
        return (values[0],) * 3
    low, mid, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, mid, high


def items_per_second(next_count: Callable[[], int], min_seconds: float) -> float:
    """Items/s of a stream: next_count() yields one element and returns how many items it held;
    counted over at least min_seconds after one untimed element (the first fills buffers)."""
    next_count()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        count += next_count()
    return count / (time.perf_counter() - start)


def cpu_description() -> str:
    """'<model name>, N cores, AVX-512|AVX2|...' from /proc/cpuinfo (Linux), else the platform's
    name: every printed figure names the machine it was measured on."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    name = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
    except OSError:
        pass
    simd = next((label for flag, label in (("avx512f", "AVX-512"), ("avx2", "AVX2"),
                                           ("asimd", "NEON")) if flag in flags), "")
    amx = "AMX" if "amx_tile" in flags else ""
    cap = os.environ.get(ISA_CAP)
    held = f"kernels held to {cap} ({ISA_CAP})" if cap else ""
    return ", ".join(part for part in (name, f"{os.cpu_count()} cores", simd, amx, held) if part)


# oneDNN's ceiling on the instructions it uses (TensorFlow's and torch's copies both read it) and
# torch's own for its ATen kernels: a run held to AVX2 on an AVX-512 CPU.
ISA_CAP = "ONEDNN_MAX_CPU_ISA"
ATEN_CAP = "ATEN_CPU_CAPABILITY"
ISA_CAPS = {"avx2": ("AVX2", "avx2"), "avx512": ("AVX512_CORE", "avx512")}


def hold_isa(isa: str) -> None:
    """Hold TensorFlow's and torch's kernels (this process and the ones it starts) to `isa`
    ("avx2" or "avx512"); before either library loads."""
    onednn, aten = ISA_CAPS[isa]
    os.environ[ISA_CAP], os.environ[ATEN_CAP] = onednn, aten


def peak_flops(calls: int, dtype: str = "float32") -> dict[str, float]:
    """FLOP/s of a 4096^3 matmul and of a 3x3 conv (batch 32, 56x56, 256 -> 256) in `dtype`
    ("bfloat16": the peak a bfloat16 step is set against): the machine's attainable peak,
    measured in the same run as the figures set against it."""
    import tensorflow as tf
    a = tf.random.normal([4096, 4096], dtype=dtype)
    mm = tf.function(lambda: tf.matmul(a, a))
    x, k = (tf.random.normal([32, 56, 56, 256], dtype=dtype),
            tf.random.normal([3, 3, 256, 256], dtype=dtype))
    conv = tf.function(lambda: tf.nn.conv2d(x, k, 1, "SAME"))
    return {"matmul": 2 * 4096 ** 3 / seconds_per_call(lambda: mm().numpy(), calls),
            "conv3x3": 2 * 32 * 56 * 56 * 256 * 256 * 9 / seconds_per_call(
                lambda: conv().numpy(), calls)}
