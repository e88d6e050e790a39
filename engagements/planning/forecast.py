"""When will the work left be done: a Monte Carlo over the engagement's own weekly throughput
(Troy Magennis' throughput forecasting, as ActionableAgile does it). Pure functions, no ORM.

Each party's weeks are sampled with replacement from its own recent weeks (tasks it finished
per week) until its work left in each phase, cumulated phase after phase, is done; a phase is
done when both parties' work through it is. Many trials give, per phase, the 50th and 85th
percentile of the weeks it takes.

Each trial and party draws from a generator of its own, seeded by (seed, trial, party): a
trial's weeks are then the same whatever the work left, so more work never finishes sooner
(the forecast is monotone in the work left), and the same seed gives the same forecast.
"""

import math
import random
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

# More trials than this barely move the percentiles (their error is ~1/sqrt(trials)).
TRIALS = 500
# Ten years: a trial still going then says so instead of sampling for ever.
HORIZON_WEEKS = 520


@dataclass(frozen=True)
class PhaseWeeks:
    """Weeks from the forecast's start until a phase is done, at 50% and 85% likelihood."""

    p50: int
    p85: int


def percentile(sorted_values: Sequence[int], fraction: float) -> int:
    """The nearest-rank percentile: the smallest value at least `fraction` of them reach."""
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def _weeks_to_reach(targets: Sequence[int], history: Sequence[int], rng, chunk: int) -> list[int]:
    """For one party in one trial, the week (1-based) at which its cumulative throughput first
    reaches each target (0 for a target of nothing; HORIZON_WEEKS + 1 if never).

    Weeks are drawn `chunk` at a time and summed in C (accumulate, bisect): `choices` takes one
    number from the generator per week, so the weeks are the same however many are drawn at
    once, and drawing about as many as the work needs keeps a slow party's trial cheap."""
    reached: list[int] = []
    sums: list[int] = []  # done by the end of each week
    for target in targets:
        while True:
            if target <= 0:
                reached.append(0)
                break
            week = bisect_left(sums, target)
            if week < len(sums):
                reached.append(week + 1)
                break
            if len(sums) >= HORIZON_WEEKS:
                reached.append(HORIZON_WEEKS + 1)
                break
            drawn = rng.choices(history, k=min(chunk, HORIZON_WEEKS - len(sums)))
            sums.extend(accumulate(drawn, initial=sums[-1] if sums else 0))
            del sums[-len(drawn) - 1]  # the initial value accumulate repeats
    return reached


def can_finish(remaining: dict[str, Sequence[int]], history: dict[str, Sequence[int]]) -> bool:
    """Every party with work left finished something in its history (otherwise no number of
    sampled weeks gets it done)."""
    return all(sum(history.get(party) or [0]) > 0 for party, left in remaining.items() if any(left))


def forecast_weeks(
    remaining: dict[str, Sequence[int]],
    history: dict[str, Sequence[int]],
    *,
    seed: int,
    trials: int = TRIALS,
) -> list[PhaseWeeks]:
    """Per phase (in order), the weeks until its work and every earlier phase's is done.

    `remaining`: per party, the tasks left in each phase; `history`: per party, the tasks it
    finished in each recent week. The caller checks `can_finish` first.
    """
    phase_count = len(next(iter(remaining.values()), []))
    cumulative = {party: _cumulative(left) for party, left in remaining.items()}
    samples: list[list[int]] = [[] for _ in range(phase_count)]
    chunks = {
        party: _chunk(targets[-1], history.get(party) or [0])
        for party, targets in cumulative.items()
        if targets
    }
    for trial in range(trials):
        per_party = [
            _weeks_to_reach(
                targets, history[party], random.Random(_seed(seed, trial, number)), chunks[party]
            )
            if targets and targets[-1]
            else [0] * phase_count
            for number, (party, targets) in enumerate(sorted(cumulative.items()))
        ]
        for phase_index in range(phase_count):
            samples[phase_index].append(max(weeks[phase_index] for weeks in per_party))
    result = []
    for values in samples:
        values.sort()
        result.append(PhaseWeeks(p50=percentile(values, 0.5), p85=percentile(values, 0.85)))
    return result


def _chunk(total: int, history: Sequence[int]) -> int:
    """About the weeks the whole work takes at the average pace, and a few more."""
    mean = sum(history) / len(history)
    return min(HORIZON_WEEKS, int(total / mean * 1.25) + 4) if mean else HORIZON_WEEKS


def _seed(seed: int, trial: int, party_number: int) -> int:
    """One generator per (seed, trial, party), none shared with another triple."""
    return (seed << 24) | (trial << 4) | party_number


def _cumulative(values: Sequence[int]) -> list[int]:
    total, sums = 0, []
    for value in values:
        total += value
        sums.append(total)
    return sums
