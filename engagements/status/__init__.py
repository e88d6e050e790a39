"""An engagement's status, and the portfolio read from it.

- `rules.EngagementStatus`: progress, the current phase, days per phase, whom it waits on and
  the at-risk rule; `tallies` holds the counts it reads, with no rule in them.
- `sql`: today's figures and the at-risk rule decided in SQL from the stored status
  (engagements/models/stored_status.py), held to agree with `rules` by the tests.
- `refresh`: writing the stored status (a listener of engagements/journal.py) and checking it.
- `selectors`: statuses from the rows or from the stored status; `portfolio`: the portfolio's
  filtered, sorted pages and summary.
- `charts`, `forms`, `views`: the server-drawn charts and the portfolio's pages.
"""
