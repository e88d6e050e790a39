"""The Monte Carlo forecast (engagements/planning/forecast.py) at its edges, and its bounds as
properties: P50 never after P85, never before the start (no negative weeks), no sooner with
more work left, the same for the same seed."""

from hypothesis import given, settings
from hypothesis import strategies as st

from engagements.planning.forecast import (
    HORIZON_WEEKS,
    PhaseWeeks,
    can_finish,
    forecast_weeks,
    percentile,
)

C, M = "customer", "microsoft"


def test_the_percentile_is_the_nearest_rank():
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.85)) == (50, 85)
    assert percentile([7], 0.5) == percentile([7], 0.85) == 7


def test_a_steady_team_finishes_when_its_pace_says():
    # Five tasks a week every week: 20 tasks take 4 weeks, whatever the draws.
    weeks = forecast_weeks({C: [20], M: [0]}, {C: [5, 5, 5], M: [0, 0, 0]}, seed=1)
    assert weeks == [PhaseWeeks(p50=4, p85=4)]


def test_phases_are_cumulative_and_the_slower_party_decides():
    weeks = forecast_weeks({C: [2, 4], M: [6, 0]}, {C: [2], M: [3]}, seed=1)
    # Microsoft needs 2 weeks for its 6 in the first phase; the customer 3 for its 2 + 4.
    assert weeks == [PhaseWeeks(p50=2, p85=2), PhaseWeeks(p50=3, p85=3)]


def test_a_phase_with_nothing_left_is_done_now():
    weeks = forecast_weeks({C: [0, 3], M: [0, 0]}, {C: [1, 2], M: [0, 0]}, seed=1)
    assert weeks[0] == PhaseWeeks(p50=0, p85=0)
    assert weeks[1].p50 >= 2


def test_nothing_left_at_all_needs_no_history():
    assert forecast_weeks({C: [0, 0], M: [0, 0]}, {C: [], M: []}, seed=1) == [
        PhaseWeeks(0, 0),
        PhaseWeeks(0, 0),
    ]


def test_zero_throughput_cannot_finish():
    assert not can_finish({C: [3], M: [0]}, {C: [0, 0, 0], M: [4, 4, 4]})
    # A party with nothing left may have done nothing.
    assert can_finish({C: [3], M: [0]}, {C: [1, 0, 0], M: [0, 0, 0]})
    assert not can_finish({C: [3], M: [0]}, {C: [], M: []})


def test_a_trickle_stops_at_the_horizon():
    weeks = forecast_weeks({C: [10_000], M: [0]}, {C: [1, 0, 0, 0], M: [0]}, seed=1, trials=20)
    assert weeks == [PhaseWeeks(p50=HORIZON_WEEKS + 1, p85=HORIZON_WEEKS + 1)]


def test_the_horizon_is_its_last_week_exactly():
    # One task a week: 520 tasks end in the horizon's last week, 521 never; 27 cross a block.
    for tasks, weeks in [(27, 27), (HORIZON_WEEKS, HORIZON_WEEKS), (HORIZON_WEEKS + 1, None)]:
        expected = HORIZON_WEEKS + 1 if weeks is None else weeks
        assert forecast_weeks({C: [tasks], M: [0]}, {C: [1], M: [0]}, seed=1, trials=5) == [
            PhaseWeeks(p50=expected, p85=expected)
        ]


def test_the_same_seed_gives_the_same_forecast_and_another_may_not():
    args = ({C: [30, 12], M: [9, 20]}, {C: [0, 5, 1, 7, 2], M: [3, 0, 0, 6, 1]})
    assert forecast_weeks(*args, seed=42) == forecast_weeks(*args, seed=42)
    assert any(
        forecast_weeks(*args, seed=seed) != forecast_weeks(*args, seed=42) for seed in (1, 2, 3)
    )


counts = st.lists(st.integers(0, 40), min_size=1, max_size=4)
histories = st.lists(st.integers(0, 12), min_size=1, max_size=8).filter(any)


@st.composite
def cases(draw):
    phases = draw(st.integers(1, 4))
    left = st.lists(st.integers(0, 40), min_size=phases, max_size=phases)
    return {C: draw(left), M: draw(left)}, {C: draw(histories), M: draw(histories)}


@settings(max_examples=60, deadline=None)
@given(cases(), st.integers(0, 10_000))
def test_p50_is_never_after_p85_nor_before_the_start(case, seed):
    remaining, history = case
    weeks = forecast_weeks(remaining, history, seed=seed, trials=60)
    assert all(0 <= each.p50 <= each.p85 <= HORIZON_WEEKS + 1 for each in weeks)
    # A later phase never ends before an earlier one.
    assert all(a.p50 <= b.p50 and a.p85 <= b.p85 for a, b in zip(weeks, weeks[1:], strict=False))


@settings(max_examples=60, deadline=None)
@given(cases(), st.integers(0, 3), st.integers(1, 30), st.sampled_from([C, M]), st.integers(0, 99))
def test_more_work_left_never_finishes_sooner(case, phase, extra, party, seed):
    remaining, history = case
    phase = min(phase, len(remaining[C]) - 1)
    more = {key: list(values) for key, values in remaining.items()}
    more[party][phase] += extra
    before = forecast_weeks(remaining, history, seed=seed, trials=60)
    after = forecast_weeks(more, history, seed=seed, trials=60)
    assert all(a.p50 <= b.p50 and a.p85 <= b.p85 for a, b in zip(before, after, strict=True)), (
        before,
        after,
    )
