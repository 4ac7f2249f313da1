"""Side-by-side timing on a shared, noisy machine: single calls of every case interleaved round
by round, in an order that rotates, so that a busy moment of the host hits all cases of a round
within seconds; ratios are then taken within a round and summarised by median and quartiles."""

import statistics
import time


def rotation(round_, cases):
    """The order of the cases in a round: each case goes first, second, ... in turn."""
    return [(round_ + i) % cases for i in range(cases)]


def timed_once(fn):
    """A case for `interleaved`: runs fn once and returns its seconds."""
    def case():
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    return case


def interleaved(cases, rounds, after_round=None, warmup=2):
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


def quartiles(values):
    """(lower quartile, median, upper quartile), inclusive method; one value stands for all."""
    values = list(values)
    if len(values) == 1:
        return (values[0],) * 3
    low, mid, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, mid, high
