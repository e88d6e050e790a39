"""The status report of an engagement, as a PDF download."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone

from engagements.access import get_engagement_for_user
from reports.content import status_report
from reports.pdf import status_report_pdf


@login_required
def status_report_download(request, pk):
    # Whoever reads the dashboard reads its report, in their language and time zone (set by
    # the middleware for this request).
    access = get_engagement_for_user(request.user, pk)
    now = timezone.now()
    pdf = status_report_pdf(status_report(access.engagement, now))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"status-report-{access.engagement.pk}-{timezone.localdate(now).isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    # Like evidence: what an engagement's report says stays out of shared and browser caches.
    response["Cache-Control"] = "private, no-store"
    return response
