"""Checkpoint meetings: scheduling, changing, cancelling, and the calendars that show them.

- `services`: `checkpoint_schedule`, `checkpoint_update`, `checkpoint_cancel`,
  `checkpoints_leave` (a member who leaves leaves the meetings still to come).
- `calendar`: a checkpoint as an iCalendar event that calendars update in place.
- `feeds.user_feed`: a person's private calendar feed (checkpoints and due dates).
- `selectors`, `forms`, `views`, `feed_views`: reads and the pages' side.
"""
