"""The status report of an engagement, as a PDF download."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from engagements.access import get_engagement_for_user
from reports.content import status_report
from reports.pdf import status_report_pdf


@login_required
def status_report_download(request, pk):
    # Whoever reads the dashboard reads its report, in their language and time zone (set by
    # the middleware for this request).
    access = get_engagement_for_user(request.user, pk)
    now = timezone.now()
    report = status_report(access.engagement, now)
    response = HttpResponse(status_report_pdf(report), content_type="application/pdf")
    # RFC 6266: a name with accents travels as filename*, UTF-8.
    response["Content-Disposition"] = content_disposition_header(True, report.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    # Like evidence: what an engagement's report says stays out of shared and browser caches.
    response["Cache-Control"] = "private, no-store"
    return response
