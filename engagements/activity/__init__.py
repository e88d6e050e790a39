"""An engagement's log as people read it.

- `text.event_change_text`: what an event changed, in the reader's language and time zone
  (`reader`: how a value is written on a page or in the CSV).
- `selectors`: the recent activity, the audit trail page by page, the burn-up's points.
- `views.audit_trail`: the audit trail page.
"""
