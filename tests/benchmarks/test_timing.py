"""benchmarks.timing: the rotating order, the rounds, the quartiles, the per-call mean, the
stream rate and the machine line every benchmark prints."""

import os
import time

import pytest

from benchmarks.timing import (ATEN_CAP, ISA_CAP, cpu_description, hold_isa, interleaved,
                               items_per_second, quartiles, rotation, seconds_per_call,
                               timed_once)


def test_every_case_takes_every_place_in_the_order():
    orders = [rotation(r, 3) for r in range(3)]
    for order in orders:
        assert sorted(order) == [0, 1, 2]
    for place in range(3):
        assert sorted(order[place] for order in orders) == [0, 1, 2]


def test_rounds_call_each_case_once_in_the_rotating_order():
    calls, reports = [], []

    def case(i):
        def run():
            calls.append(i)
            return float(i + 1)
        return run

    seconds = interleaved([case(0), case(1), case(2)], 4,
                          lambda round_, last: reports.append((round_, last)), warmup=1)
    assert calls[:3] == [0, 1, 2]  # the warm-up calls, not timed
    assert calls[3:] == [0, 1, 2, 1, 2, 0, 2, 0, 1, 0, 1, 2]
    assert seconds == [[1.0] * 4, [2.0] * 4, [3.0] * 4]
    assert reports == [(r, [1.0, 2.0, 3.0]) for r in range(4)]


def test_timed_once_returns_the_call_s_seconds():
    assert 0.02 <= timed_once(lambda: time.sleep(0.02))() < 1.0


def test_quartiles_are_the_inclusive_ones_and_a_single_value_stands_for_all():
    assert quartiles([5.0, 1.0, 3.0, 2.0, 4.0]) == (2.0, 3.0, 4.0)
    assert quartiles([1.5]) == (1.5, 1.5, 1.5)
    assert quartiles(iter([2.0, 4.0])) == pytest.approx((2.5, 3.0, 3.5))


def test_seconds_per_call_times_only_the_calls_after_warm_up_and_waits_once():
    calls, waited = [], []

    def fn():
        calls.append(len(calls))
        time.sleep(0.05 if len(calls) <= 2 else 0.01)  # the warm-up calls are slow
        return len(calls)

    mean = seconds_per_call(fn, 3, warmup=2, wait=waited.append)
    assert len(calls) == 5
    assert 0.01 <= mean < 0.04
    assert waited == [1, 2, 5]  # each warm-up call, then only the last timed one


def test_items_per_second_counts_after_the_first_element():
    counts = []

    def next_count():
        counts.append(10)
        time.sleep(0.01)
        return 10
    rate = items_per_second(next_count, 0.05)
    assert 100 < rate <= 1000  # 10 items per 10 ms at most
    assert len(counts) >= 6  # the untimed first element and at least five timed ones


def test_machine_line_names_the_cores():
    line = cpu_description()
    assert f"{os.cpu_count()} cores" in line
    assert line.split(",")[0].strip()  # a processor name comes first


def test_machine_line_names_a_kernel_cap(monkeypatch):
    monkeypatch.delenv(ISA_CAP, raising=False)
    assert "held" not in cpu_description()
    monkeypatch.setenv(ISA_CAP, "AVX2")
    assert cpu_description().endswith(f"kernels held to AVX2 ({ISA_CAP})")


def test_hold_isa_caps_both_libraries(monkeypatch):
    for name in (ISA_CAP, ATEN_CAP):
        monkeypatch.delenv(name, raising=False)
    hold_isa("avx2")
    assert (os.environ[ISA_CAP], os.environ[ATEN_CAP]) == ("AVX2", "avx2")
    hold_isa("avx512")
    assert (os.environ[ISA_CAP], os.environ[ATEN_CAP]) == ("AVX512_CORE", "avx512")
