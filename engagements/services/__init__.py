"""Writes: every change to an engagement goes through a function here that validates it, saves
it in one transaction and appends its event to the audit trail. One module per sub-domain."""
