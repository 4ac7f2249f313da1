"""--precision auto (pipelines.training.precision): the choice from the hardware, and why."""

import pytest

from pipelines.training.precision import PRECISIONS, cpu_flags, fresh_session, resolve

AVX2_EPYC = {"fpu", "sse4_2", "avx", "avx2", "fma"}
AMX_XEON = AVX2_EPYC | {"avx512f", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8"}


def test_auto_on_cpus():
    assert resolve("auto", flags=AVX2_EPYC)[0] == "float32"
    chosen, why = resolve("auto", flags=AMX_XEON)
    assert chosen == "bfloat16" and "amx_bf16" in why and "avx512_bf16" in why
    # AVX512-BF16 without AMX (Cooper Lake, Zen 4) multiplies bfloat16 natively too
    assert resolve("auto", flags=AVX2_EPYC | {"avx512f", "avx512_bf16"})[0] == "bfloat16"
    assert resolve("auto", flags=AVX2_EPYC | {"avx512f", "avx512bw"})[0] == "float32"


def test_auto_on_gpus_by_compute_capability():
    assert resolve("auto", (9, 0))[0] == "bfloat16"  # Hopper
    assert resolve("auto", (8, 0), flags=AVX2_EPYC)[0] == "bfloat16"  # the GPU decides
    assert resolve("auto", (7, 5))[0] == "float16"  # Turing: loss-scaled float16
    assert resolve("auto", (6, 1))[0] == "float32"


def test_asked_for_is_kept_and_unknown_is_refused():
    for name in PRECISIONS[1:]:
        assert resolve(name, (9, 0), AMX_XEON) == (name, "asked for")
    with pytest.raises(ValueError, match="one of auto, float32"):
        resolve("mixed")


def test_cpu_flags_read_proc_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2 fma\n\n"
                    "processor\t: 1\nflags\t\t: fpu avx2 fma\n")
    assert cpu_flags(str(info)) == {"fpu", "avx2", "fma"}
    assert cpu_flags(str(tmp_path / "absent")) == set()  # not Linux: no flags, float32
    assert resolve("auto", flags=cpu_flags(str(tmp_path / "absent")))[0] == "float32"


def test_a_fresh_session_keeps_the_policy_it_was_given():
    import keras
    try:
        fresh_session("mixed_bfloat16")  # clear_session alone would leave float32
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
        assert keras.layers.Dense(2).dtype_policy.name == "mixed_bfloat16"
    finally:
        fresh_session("float32")
    assert keras.config.dtype_policy().name == "float32"
