"""Notifications: owing them apart from sending them.

Each notification is a row with a unique key (`keys`), written by the function that decides it
is owed (`owing`: checkpoint reminders and cancellations, invitations, events' notes), in the
same transaction as the change that owes it, or by the beat's daily scan (`daily`: due notes,
digests). Sending (`sending`) claims a row with one
conditional UPDATE before talking to the mail server, so a beat that fires twice, two workers or
a task enqueued twice cannot send a second copy; `emails` composes each message in its
recipient's language and time zone.
"""
