"""The demo data set that `make run` shows: a portfolio that looks like a real month.

- **Contoso** started about five weeks ago: Iniciar was done in the first week, Avaliar is
  mostly done, three tasks are overdue, the kick-off is behind it and a checkpoint call starts
  about an hour after the first `make run`. Its managers re-planned it to its forecast, so it
  runs to a date (on track against the plan, at risk for its overdue tasks).
- **Fabrikam** is finished: every task done over some twelve weeks, ahead of its baseline.
- **Northwind Traders** is late: its forecast ends months after the planned end, two tasks
  are overdue and nothing was done for almost three weeks.
- **Tailspin Toys** started a few days ago and is early in Iniciar, with a checkpoint ahead:
  just planned, with too little history for a forecast.

Every engagement is planned when it is created (the baseline, from the catalogue's typical
durations).

Every change goes through the real services, each at its own moment in the past (see
`story.demo_clock`), so the audit trail is a true hash chain of back-dated events and the
burn-up chart, the days per phase and the activity list read like a real engagement. It only
creates what is missing (users by username, engagements by customer name), so running it again
creates nothing and never touches what an admin changed.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from engagements.demo.engagements import (
    DEMO_CUSTOMER,
    contoso_create,
    fabrikam_create,
    northwind_create,
    tailspin_create,
)
from engagements.models import Engagement

DEMO_PASSWORD = "demo"
DEMO_USERS = [
    # username, full name, email, is_staff, who they are (printed by seed_demo)
    ("admin", "Ana Admin", "admin@contoso.example", True,
     "staff: edits the catalogue, reads every engagement"),
    ("pm", "Paula Gerente", "pm@contoso.example", False, "customer manager of Contoso"),
    ("stakeholder", "Sérgio Patrocinador", "stakeholder@contoso.example", False,
     "customer viewer of Contoso"),
    ("msft", "Marcos Microsoft", "msft@microsoft.example", False,
     "Microsoft manager of all four engagements"),
    ("engineer", "Elisa Engenheira", "engineer@microsoft.example", False,
     "Microsoft viewer of Contoso, owns some of its tasks"),
    ("fabrikam", "Fernanda Figueiredo", "fernanda@fabrikam.example", False,
     "customer manager of Fabrikam (finished)"),
    ("northwind", "Nelson Nogueira", "nelson@northwind.example", False,
     "customer manager of Northwind Traders (at risk)"),
    ("tailspin", "Tânia Teixeira", "tania@tailspin.example", False,
     "customer manager of Tailspin Toys (just started)"),
]  # fmt: skip


def users_create() -> tuple[dict, list[str]]:
    """The demo users by username, creating the missing ones; and the usernames created."""
    User = get_user_model()
    users, created = {}, []
    for username, full_name, email, is_staff, _who in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            first_name, last_name = full_name.split(" ", 1)
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                email=email,
                is_staff=is_staff,
                is_superuser=is_staff,
            )
            created.append(username)
        users[username] = user
    return users, created


@transaction.atomic
def demo_data_create() -> list[str]:
    """Create what is missing of the demo data; return the usernames that were created."""
    users, created = users_create()
    today = timezone.localdate()
    builders = {
        DEMO_CUSTOMER: contoso_create,
        "Fabrikam": fabrikam_create,
        "Northwind Traders": northwind_create,
        "Tailspin Toys": tailspin_create,
    }
    for customer, build in builders.items():
        if not Engagement.objects.filter(customer=customer).exists():
            build(users, today)
    return created
