"""An engagement and its scope options (its members and share links: models/members.py)."""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models.stored_status import StoredStatus
from fasttrack import bounds
from responsibilities.models import (
    CatalogueVersion,
    Condition,
    Service,
)

MIN_ELIGIBLE_LICENCES = 150


# What the portfolio's slip sort reads for an engagement with no forecast: a day before or after
# any real one, so it comes last whichever way the column sorts.
NO_SLIP_LOW = datetime.date(1, 1, 1)
NO_SLIP_HIGH = datetime.date(9999, 12, 31)
# What the portfolio's last-activity sort reads for an engagement with none: a moment before
# any, so it comes first going up and last going down, as an empty value did.
NO_ACTIVITY = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
# What the "on track" filter reads for an engagement no lasting rule will put at risk: a moment
# after any, so "not yet at risk" is one range of one index.
NEVER_AT_RISK = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


def not_at_risk_before():
    """The moment from which a lasting rule holds (`status_at_risk_by`), NEVER_AT_RISK for
    none: what the "on track" filter compares with now, spelt as its index is."""
    return Coalesce(F("status_at_risk_by"), Value(NEVER_AT_RISK))


def services_rank():
    """The order of the portfolio's services column ("Azure AD Premium, Microsoft Intune, ..."
    by their codes joined): with AAD Premium first, then by Intune, then by Rights Management.
    Its indexes below are spelt with it, so the sort and they cannot drift apart."""
    return (
        models.Case(models.When(aad_premium=True, then=Value(0)), default=Value(4))
        + models.Case(models.When(intune=True, then=Value(2)), default=Value(0))
        + models.Case(models.When(azure_rms=True, then=Value(1)), default=Value(0))
    )


class Option(models.TextChoices):
    """Scope options that decide which conditional catalogue items apply."""

    MDM = "mdm", _("Mobile device management (MDM)")
    MAM = "mam", _("Mobile application management (MAM)")
    PC_MANAGEMENT = "pc_management", _("PC management")
    FEDERATION = "federation", _("Federated identity (AD FS)")
    MULTIPLE_FORESTS = "multiple_forests", _("More than one AD forest")


class EngagementQuerySet(models.QuerySet):
    def with_catalogue_news(self):
        """Join the catalogue version the engagement is on and annotate `latest_version_number`
        (the newest published), so a page tells of an update without a query of its own."""
        latest = CatalogueVersion.objects.latest_first().values("number")[:1]
        return self.select_related("catalogue_version").annotate(
            latest_version_number=models.Subquery(latest)
        )


class Engagement(StoredStatus):
    customer = models.CharField(
        _("customer organisation"),
        max_length=bounds.CUSTOMER_MAX_LENGTH,
        validators=[bounds.validate_single_line],
    )
    aad_premium = models.BooleanField(Service.AAD_PREMIUM.label, default=False)
    intune = models.BooleanField(Service.INTUNE.label, default=False)
    azure_rms = models.BooleanField(Service.AZURE_RMS.label, default=False)
    mdm = models.BooleanField(Option.MDM.label, default=False)
    mam = models.BooleanField(Option.MAM.label, default=False)
    pc_management = models.BooleanField(Option.PC_MANAGEMENT.label, default=False)
    federation = models.BooleanField(Option.FEDERATION.label, default=False)
    multiple_forests = models.BooleanField(Option.MULTIPLE_FORESTS.label, default=False)
    licence_count = models.PositiveIntegerField(
        _("licence count"),
        validators=[
            MinValueValidator(
                MIN_ELIGIBLE_LICENCES,
                _("The programme needs at least %(limit_value)s eligible licences."),
            ),
            MaxValueValidator(bounds.LICENCE_MAX_COUNT),
        ],
    )
    purchase_date = models.DateField(
        _("licence purchase date"), validators=[bounds.validate_date_in_window]
    )
    start_date = models.DateField(_("start date"), validators=[bounds.validate_date_in_window])
    # Set by staff, or by the first customer manager who accepts an invitation with Microsoft;
    # the customer's members sign in from this tenant only.
    customer_tenant_id = models.CharField(
        _("customer's Microsoft Entra ID tenant"),
        max_length=36,
        blank=True,
        validators=[bounds.validate_tenant_id],
        help_text=_("The tenant id (a GUID) the customer's people sign in from."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # The head of the engagement's audit chain: how many events, and the last one's hash.
    audit_length = models.PositiveIntegerField(default=0, editable=False)
    audit_head = models.CharField(max_length=64, blank=True, editable=False)
    # The catalogue version its tasks were brought up to (made from, or applied since).
    catalogue_version = models.ForeignKey(
        CatalogueVersion,
        verbose_name=_("catalogue version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "pk"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        permissions = [
            ("view_all_engagements", _("Can read every engagement (FastTrack Center lead)"))
        ]
        # The portfolio's first pages read their fifty rows from these, at any size: by
        # customer (and the engagement list, and every tie), the most and the least overdue
        # first, the least progressed first, per party, one phase's, by planned end, slip, last
        # activity and services (see engagements/status/sorts.py; tests/test_portfolio.py
        # checks each sort's plan names its index).
        indexes = [
            models.Index(fields=["customer", "id"], name="engagement_by_customer"),
            models.Index(
                fields=["status_first_due", "customer", "id"], name="engagement_by_first_due"
            ),
            # The least overdue first: latest due date first, none due before any, ties by
            # customer (one direction of an index cannot serve both with customer ascending).
            models.Index(
                fields=["-status_first_due", "customer", "id"], name="engagement_by_last_due"
            ),
            models.Index(
                fields=["status_customer_percent", "customer", "id"],
                name="engagement_by_customer_done",
            ),
            models.Index(
                fields=["status_microsoft_percent", "customer", "id"],
                name="engagement_by_microsoft_done",
            ),
            # An engagement list of one phase (or of the completed), by customer.
            models.Index(
                fields=["status_current_phase", "customer", "id"], name="engagement_by_phase"
            ),
            # By planned end, both ways (no plan last going up, first going down).
            models.Index(
                fields=["status_planned_end", "customer", "id"], name="engagement_by_planned_end"
            ),
            models.Index(
                fields=["-status_planned_end", "customer", "id"],
                name="engagement_by_late_planned_end",
            ),
            # By slip, both ways, no forecast last either way: the keys the portfolio's slip
            # sort reads (engagements/status/sorts.py), spelt the same.
            models.Index(
                Coalesce(F("status_on_plan_until_p50"), Value(NO_SLIP_LOW)).desc(),
                F("customer"),
                F("id"),
                name="engagement_by_least_slip",
            ),
            models.Index(
                Coalesce(F("status_on_plan_until_p50"), Value(NO_SLIP_HIGH)),
                F("customer"),
                F("id"),
                name="engagement_by_most_slip",
            ),
            # By last activity, both ways (the keys the portfolio's sort reads, spelt the same).
            models.Index(
                Coalesce(F("status_last_activity_at"), Value(NO_ACTIVITY)),
                F("customer"),
                F("id"),
                name="engagement_by_stalest",
            ),
            models.Index(
                Coalesce(F("status_last_activity_at"), Value(NO_ACTIVITY)).desc(),
                F("customer"),
                F("id"),
                name="engagement_by_latest_activity",
            ),
            # By services, both ways: the rank is computed from three flags, which the page
            # otherwise did for every engagement the reader sees before sorting them.
            models.Index(services_rank(), F("customer"), F("id"), name="engagement_by_services"),
            models.Index(
                services_rank().desc(), F("customer"), F("id"), name="engagement_by_services_desc"
            ),
            # "On track": the engagements no lasting rule holds for yet, one range, with what
            # the rules read of them, so the filter and its count read this index alone (a
            # bitmap of the plain column's read one table page per engagement: 9,629 pages for
            # 10,333 engagements at 100,000).
            models.Index(
                not_at_risk_before(),
                include=[
                    "status_at_risk_by",
                    "customer",
                    "id",
                    "status_on_plan_until_p50",
                    "status_on_plan_until_p85",
                    "status_planned_end",
                    "status_forecast",
                    "status_first_due",
                    "status_checkpoints",
                    "status_checkpoint_behind",
                    "status_customer_done",
                    "status_customer_total",
                    "status_microsoft_done",
                    "status_microsoft_total",
                    "status_quiet_since",
                    "status_gate_waiting_since",
                ],
                name="engagement_on_track_scan",
            ),
            # What the sorts and filters decided against now (risk, next checkpoint, phase,
            # service, at risk and the plan's) and the summary's counts must read for every
            # engagement: a narrow copy of those columns (a tenth of the row, whose matrix
            # figures are wide), read by an index-only scan; the plan's columns too, or every
            # count of a filter by risk or forecast read the whole table. Other databases than
            # PostgreSQL build it without the included columns.
            models.Index(
                fields=["customer", "id"],
                include=[
                    "aad_premium",
                    "intune",
                    "azure_rms",
                    "status_current_phase",
                    "status_waiting_on",
                    "status_customer_done",
                    "status_customer_total",
                    "status_microsoft_done",
                    "status_microsoft_total",
                    "status_customer_due",
                    "status_microsoft_due",
                    "status_first_due",
                    "status_checkpoints",
                    "status_checkpoint_behind",
                    "status_last_activity_at",
                    "status_quiet_since",
                    "status_on_plan_until_p50",
                    "status_on_plan_until_p85",
                    "status_planned_end",
                    "status_forecast",
                    "status_gate_waiting_since",
                ],
                name="engagement_status_scan",
            ),
        ]

    def __str__(self):
        return self.customer

    def services(self) -> list[str]:
        """The codes of the services in scope, in catalogue order."""
        return [code for code in Service.values if getattr(self, code)]

    def service_labels(self) -> list[str]:
        return [str(Service(code).label) for code in self.services()]

    def conditions(self) -> set[str]:
        """The catalogue conditions that hold for this engagement's options."""
        holding = {
            option
            for option in (Option.MDM, Option.MAM, Option.PC_MANAGEMENT)
            if getattr(self, option)
        }
        if self.federation:
            holding.add(Condition.FEDERATION)
        if self.multiple_forests:
            holding.add(Condition.MULTIPLE_FORESTS)
        else:
            holding.add(Condition.SINGLE_FOREST)
            if self.federation:
                holding.add(Condition.SINGLE_FOREST_FEDERATED)
        return {str(code) for code in holding}

    @property
    def catalogue_update_available(self) -> bool:
        """A newer catalogue version is published than the one the engagement is on (needs
        `with_catalogue_news`)."""
        number = getattr(self, "latest_version_number", None)
        on = self.catalogue_version.number if self.catalogue_version_id else 0
        return number is not None and number > on

    def clean(self):
        errors = {}
        if not self.services():
            errors[NON_FIELD_ERRORS] = _("Choose at least one service in scope.")
        if self.purchase_date and self.start_date and self.start_date < self.purchase_date:
            errors["start_date"] = _("The start date cannot be before the licence purchase date.")
        if errors:
            raise ValidationError(errors)
