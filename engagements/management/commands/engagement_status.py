from django.core.management.base import BaseCommand, CommandError

from engagements.models import Engagement
from engagements.status.refresh import engagement_status_check


class Command(BaseCommand):
    help = (
        "Recompute every engagement's stored status (what the portfolio sorts, filters and "
        "counts by) from its tasks, gates, checkpoints and events. --check names each "
        "engagement whose stored status differs, with the differing columns, and exits with "
        "status 1 if any does; --rebuild stores the recomputed status of those."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true", help="report, change nothing")
        action.add_argument("--rebuild", action="store_true", help="repair what differs")

    def handle(self, *args, check, rebuild, **options):
        differences = engagement_status_check(repair=rebuild)
        customers = dict(
            Engagement.objects.filter(pk__in=list(differences)).values_list("pk", "customer")
        )
        for pk, names in sorted(differences.items()):
            self.stderr.write(f"engagement {pk} ({customers[pk]}): {', '.join(names)}")
        total = Engagement.objects.count()
        if check and differences:
            raise CommandError(f"{len(differences)} of {total} stored statuses differ.")
        message = f"The stored status of {total} engagements matches their rows."
        if rebuild and differences:
            message = f"Repaired the stored status of {len(differences)} of {total} engagements."
        self.stdout.write(self.style.SUCCESS(message))
