"""Who a Microsoft sign-in is: the account bound to its (tenant, object id), a new binding, and
the record staff read of each sign-in, binding and refusal."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .entra import Identity
from .models import EntraIdentity, SignInRecord


def bound_user(identity: Identity):
    """The account bound to the identity, or None: found by (tenant, object id), never email."""
    return (
        get_user_model()
        .objects.filter(
            entra_identity__tenant_id=identity.tenant_id,
            entra_identity__object_id=identity.object_id,
        )
        .first()
    )


def identity_bind(*, user, identity: Identity) -> EntraIdentity:
    """Bind the account to the identity; an account has one, and an identity one account."""
    existing = EntraIdentity.objects.filter(user=user).first()
    if existing is not None:
        if (existing.tenant_id, existing.object_id) == (identity.tenant_id, identity.object_id):
            return existing
        raise ValidationError(_("This account already signs in with another Microsoft account."))
    try:
        with transaction.atomic():
            return EntraIdentity.objects.create(
                user=user, tenant_id=identity.tenant_id, object_id=identity.object_id
            )
    except IntegrityError:
        raise ValidationError(
            _("This Microsoft account already signs in to another portal account.")
        ) from None


def sign_in_record(
    outcome: str, *, identity: Identity | None = None, user=None, reason: str = ""
) -> SignInRecord:
    return SignInRecord.objects.create(
        outcome=outcome,
        user=user,
        tenant_id=identity.tenant_id if identity else "",
        object_id=identity.object_id if identity else "",
        name=identity.name[:200] if identity else "",
        email=identity.email[:254] if identity else "",
        reason=reason,
    )
