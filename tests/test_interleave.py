"""benchmarks.interleave: the rotating order, the rounds, the quartiles."""

import pytest

from benchmarks.interleave import interleaved, quartiles, rotation, timed_once


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
    import time
    assert 0.02 <= timed_once(lambda: time.sleep(0.02))() < 1.0


def test_quartiles_are_the_inclusive_ones_and_a_single_value_stands_for_all():
    assert quartiles([5.0, 1.0, 3.0, 2.0, 4.0]) == (2.0, 3.0, 4.0)
    assert quartiles([1.5]) == (1.5, 1.5, 1.5)
    assert quartiles(iter([2.0, 4.0])) == pytest.approx((2.5, 3.0, 3.5))
