from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from engagements.demo import DEMO_PASSWORD, DEMO_USERS, demo_data_create


class Command(BaseCommand):
    help = (
        "Create the demo users and four engagements with a back-dated history (demo mode only: "
        "DEBUG on). Creates only what is missing."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo users have a known password, so they are only created in demo mode "
                "(DEBUG=true). Nothing was created."
            )
        created = demo_data_create()
        if created:
            self.stdout.write(f"Created demo users: {', '.join(created)}.")
        self.stdout.write(f"Demo logins (password for each: {DEMO_PASSWORD}):")
        for username, full_name, _email, _is_staff, who in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {full_name} ({who})")
