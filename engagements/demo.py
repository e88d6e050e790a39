"""The demo data set that `make run` shows: three users and Contoso, partway through Avaliar."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from responsibilities.models import Party, Phase

from .models import CheckpointKind, Engagement, Membership, Role
from .services.checkpoints import checkpoint_schedule
from .services.engagements import engagement_create
from .services.members import member_add
from .services.tasks import task_set_done, task_set_due_date, task_set_note

DEMO_PASSWORD = "demo"
DEMO_USERS = [
    # username, full name, is_staff, engagement role (None: not a member)
    ("admin", "Ana Admin", True, None),
    ("pm", "Paula Gerente", False, Role.MANAGER),
    ("stakeholder", "Sérgio Patrocinador", False, Role.VIEWER),
]
DEMO_EMAIL_DOMAIN = "contoso.example"
DEMO_CUSTOMER = "Contoso"


@transaction.atomic
def demo_data_create() -> list[str]:
    """Create what is missing of the demo data; return the usernames that were created."""
    User = get_user_model()
    created_usernames, members = [], []
    for username, full_name, is_staff, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            first_name, last_name = full_name.split(" ", 1)
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                is_staff=is_staff,
                is_superuser=is_staff,
            )
            created_usernames.append(username)
        if role:
            members.append((user, role))
    if not Engagement.objects.filter(customer=DEMO_CUSTOMER).exists():
        _contoso_create(members)
    return created_usernames


def _contoso_create(members) -> None:
    today = timezone.localdate()
    engagement = engagement_create(
        engagement=Engagement(
            customer=DEMO_CUSTOMER,
            aad_premium=True,
            intune=True,
            azure_rms=True,
            mdm=True,
            licence_count=1200,
            purchase_date=today - datetime.timedelta(days=40),
            start_date=today - datetime.timedelta(days=21),
        ),
        created_by=members[0][0],
    )
    for user, role in members:
        member_add(
            membership=Membership(
                engagement=engagement, user=user, party=Party.CUSTOMER, role=role
            ),
            added_by=members[0][0],
        )
    manager = next(user for user, role in members if role == Role.MANAGER)
    tasks = list(engagement.tasks.select_related("phase").order_by("position"))
    iniciar = [t for t in tasks if t.phase and t.phase.code == "iniciar"]
    avaliar = [t for t in tasks if t.phase and t.phase.code == "avaliar"]
    # Every other Avaliar task, so both parties are partway through it.
    for task in iniciar + avaliar[::2]:
        task_set_done(task=task, user=manager, done=True)
    open_avaliar = avaliar[1::2]
    task_set_due_date(
        task=open_avaliar[0], user=manager, due_date=today - datetime.timedelta(days=2)
    )
    task_set_due_date(
        task=open_avaliar[1], user=manager, due_date=today + datetime.timedelta(days=5)
    )
    task_set_note(
        task=open_avaliar[0],
        user=manager,
        note="Aguardando a lista de participantes do time de rede.",
    )
    # Starts in just over an hour, so the first `make run` shows its 1-hour reminder
    # arriving in demo-mail/ within a couple of minutes.
    starts_at = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=62)
    checkpoint_schedule(
        engagement=engagement,
        user=manager,
        phase=Phase.objects.get(code="avaliar"),
        kind=CheckpointKind.CHECKPOINT_CALL,
        title="Revisão da lista de verificação de correção",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        location="https://meet.contoso.example/fasttrack",
        agenda="1. Infraestrutura e rede\n2. Sincronização de diretório\n3. Próximos passos",
        attendees=[user for user, _role in members],
    )
