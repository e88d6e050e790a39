from django.core.management.base import BaseCommand, CommandError

from engagements.audit import engagement_chain_problems
from engagements.models import Engagement
from responsibilities.services import catalogue_chain_problems


class Command(BaseCommand):
    help = (
        "Check every engagement's audit chain and the catalogue's; name each event that was "
        "altered, removed or inserted, and exit with status 1 if there is any."
    )

    def handle(self, *args, **options):
        problems = catalogue_chain_problems()
        engagements = Engagement.objects.order_by("pk")
        for engagement in engagements:
            problems += engagement_chain_problems(engagement)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problems in the audit trail.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact: the catalogue and {engagements.count()} engagements."
            )
        )
