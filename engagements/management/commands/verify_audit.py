from django.core.management.base import BaseCommand, CommandError

from engagements.audit import engagement_chain_problems, engagement_heads_problems
from engagements.models import Engagement
from engagements.verify.checks import engagement_state_problems
from responsibilities.trail import catalogue_chain_problems, version_problems


class Command(BaseCommand):
    help = (
        "Check every engagement's audit chain and the catalogue's, and each chain's head against "
        "the chain heads table, and each published catalogue version against its publish event; "
        "name each event that was altered, removed or inserted and each "
        "chain that went missing, and each task, member or share link whose state is not what "
        "its last event says; exit with status 1 if there is any."
    )

    def handle(self, *args, **options):
        problems = catalogue_chain_problems() + version_problems() + engagement_heads_problems()
        engagements = Engagement.objects.order_by("pk")
        for engagement in engagements:
            problems += engagement_chain_problems(engagement)
            problems += engagement_state_problems(engagement)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problems in the audit trail.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact: the catalogue and {engagements.count()} engagements."
            )
        )
