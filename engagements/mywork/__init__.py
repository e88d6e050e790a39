"""My work: what waits on one person across every engagement they are a member of, at a fixed
number of queries however many engagements that is (selectors.py); its page, the count in the
top bar and the landing after sign-in (views.py). The digest email carries the same sections."""
