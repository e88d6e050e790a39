"""When will the work left be done: a Monte Carlo over the engagement's own weekly throughput
(Troy Magennis' throughput forecasting, as ActionableAgile does it). Pure functions, no ORM.

Each party's weeks are sampled with replacement from its own recent weeks (tasks it finished
per week) until its work left in each phase, cumulated phase after phase, is done; a phase is
done when both parties' work through it is. Many trials give, per phase, the 50th and 85th
percentile of the weeks it takes.

The trials run side by side in numpy: a tick recomputes the forecast in its transaction, and
drawing week by week in Python cost 13-21 ms of each tick. Each party's weeks are
drawn in blocks, each block from a generator seeded by (seed, party, block): a trial's weeks
are then the same whatever the work left, so more work never finishes sooner (the forecast is
monotone in the work left), and the same seed gives the same forecast.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# More trials than this barely move the percentiles (their error is ~1/sqrt(trials)).
TRIALS = 500
# Ten years: a trial still going then says so instead of sampling for ever.
HORIZON_WEEKS = 520
# Half a year per draw: most engagements finish within one block, and the horizon is 20 blocks.
BLOCK_WEEKS = 26


@dataclass(frozen=True)
class PhaseWeeks:
    """Weeks from the forecast's start until a phase is done, at 50% and 85% likelihood."""

    p50: int
    p85: int


def percentile(sorted_values: Sequence[int], fraction: float) -> int:
    """The nearest-rank percentile: the smallest value at least `fraction` of them reach."""
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return int(sorted_values[rank - 1])


def _weeks_to_reach(
    targets: Sequence[int], history: Sequence[int], *, seed: int, party: int, trials: int
) -> np.ndarray:
    """Per target (rows) and trial (columns), the week (1-based) at which one party's
    cumulative throughput first reaches the target: 0 for a target of nothing, HORIZON_WEEKS + 1
    if never."""
    weeks = np.asarray(history, dtype=np.int64)
    goal = targets[-1]
    blocks = []
    done = np.zeros(trials, dtype=np.int64)
    while len(blocks) * BLOCK_WEEKS < HORIZON_WEEKS and (done < goal).any():
        generator = np.random.default_rng([seed, party, len(blocks)])
        block = weeks[generator.integers(0, len(weeks), size=(trials, BLOCK_WEEKS))]
        blocks.append(np.cumsum(block, axis=1) + done[:, None])
        done = blocks[-1][:, -1]
    cumulative = (
        np.hstack(blocks)[:, :HORIZON_WEEKS] if blocks else np.zeros((trials, 0), dtype=np.int64)
    )
    reached = np.empty((len(targets), trials), dtype=np.int64)
    for row, target in enumerate(targets):
        if target <= 0:
            reached[row] = 0
            continue
        # The weekly sums only grow: the weeks still short of the target come first.
        short = (cumulative < target).sum(axis=1)
        reached[row] = np.where(short < cumulative.shape[1], short + 1, HORIZON_WEEKS + 1)
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
    finished = np.zeros((phase_count, trials), dtype=np.int64)
    for number, (party, left) in enumerate(sorted(remaining.items())):
        targets = np.cumsum(left, dtype=np.int64).tolist()
        if targets and targets[-1]:
            reached = _weeks_to_reach(
                targets, history[party], seed=seed, party=number, trials=trials
            )
            finished = np.maximum(finished, reached)
    finished.sort(axis=1)
    return [
        PhaseWeeks(p50=percentile(values, 0.5), p85=percentile(values, 0.85)) for values in finished
    ]
