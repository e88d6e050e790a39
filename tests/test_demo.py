"""`make run`'s demo data: created only in demo mode, and safe to create again."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from engagements.models import Engagement, Role


def test_demo_users_are_refused_outside_demo_mode(catalogue, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only created in demo mode"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
    assert not Engagement.objects.exists()


def test_demo_data_is_created_once(catalogue, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "pm " in output and "stakeholder" in output and "password for each: demo" in output
    assert Engagement.objects.filter(customer="Contoso").count() == 1
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="pm", password="demo") is not None
    assert get_user_model().objects.get(username="admin").is_staff
    contoso = Engagement.objects.get(customer="Contoso")
    roles = dict(contoso.memberships.values_list("user__username", "role"))
    assert roles == {"pm": Role.MANAGER, "stakeholder": Role.VIEWER}


def test_contoso_is_partway_through_avaliar(catalogue, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    tasks = Engagement.objects.get(customer="Contoso").tasks
    assert not tasks.filter(phase__code="iniciar", done=False).exists()
    avaliar = tasks.filter(phase__code="avaliar")
    assert 0 < avaliar.filter(done=True).count() < avaliar.count()
    assert not tasks.filter(phase__code__in=["corrigir", "habilitar"], done=True).exists()
