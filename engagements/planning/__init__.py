"""An engagement's plan, its baseline and the forecast of when it will finish.

- `services`: the baseline (made with the engagement, a listener of engagements/journal.py) and
  `plan_change` (a re-plan, with a reason, by managers and staff).
- `forecast`: the Monte Carlo over the engagement's weekly throughput (pure).
- `status`: the plan's and forecast's part of the stored status, recomputed with the rest.
- `selectors`: the plan and forecast as dates for a reader's today, the versions compared.
"""
