"""The audit trail replayed and checked (`manage.py verify_audit`).

- `state.TrailState`: what the trail says each of an engagement's rows should be.
- `checks.engagement_state_problems`: the rows against what the trail says.
"""
