"""A newer catalogue version, or a new scope, brought into a running engagement.

- `planner.plan`: what it would do to each task (a pure function).
- `services`: `version_preview`, `scope_preview` and the applies; `steps` carries a plan out.
- `wording`: what an apply did to a task, told to the reader.
- `forms`, `views`: the planner's pages.
"""
