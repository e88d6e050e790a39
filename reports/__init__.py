"""An engagement's status report as a PDF: what the dashboard says, on paper.

`content` gathers the figures from the same selectors and status rules as the dashboard (the
report decides nothing of its own); `pdf` renders them as a tagged PDF (PDF/UA-1) through a
template (templates/reports/) with WeasyPrint, in the active language and time zone,
with a vendored Unicode font (fonts/, DejaVu Sans) so accents and arrows render anywhere;
`records` tells what the audit trail keeps of a report filed with a checkpoint, and checks it.
"""
