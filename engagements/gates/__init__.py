"""A phase's gate: both parties' managers sign it off once its tasks are done, and what shows
the work (evidence, comments) hangs on its tasks.

- `services`: `gate_sign`, `gate_reopen`, `general_acknowledge`.
- `state`: the phase's state a sign-off vouches for, and its hash; who signs (`gate_managers`);
  the gate-ready note (a listener of engagements/journal.py).
- `evidence`: files and links on a task, and comments; `files`: what type a file is, and its
  name.
- `selectors.gate_panels`: each phase's sign-offs in force and what the reader may do.
- `forms`, `views`, `evidence_views`: the pages' side.
"""
