from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ivp import access

from .reference import Municipality, SafetyRegion


class OrganisationQuerySet(models.QuerySet):
    """Organisations are reference data: every signed-in user sees them all."""

    def visible_to(self, user):
        return self.all() if user.is_authenticated else self.none()

    def changeable_by(self, user):
        return self.all() if access.is_beheerder(user) else self.none()

    def municipalities(self):
        return self.filter(kind=Organisation.Kind.MUNICIPALITY)

    def named(self, name: str) -> "Organisation | None":
        """The organisation a name means: its own name (any case), else the municipality
        the CBS list knows by that name ("Den Bosch" for 's-Hertogenbosch)."""
        found = self.filter(name__iexact=name.strip()).first()
        if found is not None:
            return found
        listed = Municipality.objects.named(name)
        return None if listed is None else self.filter(municipality=listed).first()

    def get_or_create_named(self, name: str, *, kind: str) -> "Organisation":
        """The organisation a name means, created if missing: a name the CBS list knows
        becomes that municipality, with its code and region (never a partner of `kind`
        called "Den Bosch")."""
        found = self.named(name)
        if found is not None:
            return found
        listed = Municipality.objects.named(name)
        if listed is not None:
            return self.create(
                name=listed.name,
                kind=Organisation.Kind.MUNICIPALITY,
                municipality=listed,
            )
        return self.create(name=name.strip(), kind=kind)

    def in_plans_visible_to(self, user):
        """The organisations taking part as a municipality in a plan the user sees (every
        one for a beheerder): what a municipality filter offers, so a choice list names
        no municipality whose plans the user cannot open."""
        if access.is_beheerder(user):
            return self.all()
        through = Organisation.plans.through
        return self.filter(
            pk__in=through.objects.filter(
                plan_id__in=access.visible_plan_ids(user)
            ).values("organisation_id")
        )


class Organisation(models.Model):
    """A municipality or a partner organisation (police, OM, RIEC, GGD, ...)."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("municipality")
        POLICE = "police", _("police")
        PROSECUTION = "prosecution", _("public prosecution service (OM)")
        RIEC = "riec", _("RIEC")
        GGD = "ggd", _("GGD")
        VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis")
        HOUSING = "housing", _("housing corporation")
        SAFETY_REGION = "safety_region", _("safety region")
        NETWORK = "network", _("regional network")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    cbs_code = models.CharField(
        _("CBS code"),
        max_length=6,
        unique=True,
        null=True,
        blank=True,
        validators=[
            RegexValidator(
                r"^GM\d{4}$", _("A CBS municipality code looks like GM0037.")
            )
        ],
        help_text=_("Only for municipalities, e.g. GM0037."),
    )
    # A municipality is chosen from the CBS list (policies/models/reference.py); its
    # code and region follow from it. Kept beside cbs_code: a municipality that merged
    # before the list's year keeps its own code and has no entry.
    municipality = models.OneToOneField(
        Municipality,
        verbose_name=_("municipality in the CBS list"),
        related_name="organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_(
            "Choose the municipality by its name (also its common name, e.g. Den "
            "Bosch); its CBS code and safety region follow from the list."
        ),
    )
    safety_region = models.ForeignKey(
        SafetyRegion,
        verbose_name=_("safety region"),
        related_name="organisations",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    police_unit = models.CharField(_("police unit"), max_length=100, blank=True)
    police_district = models.CharField(_("police district"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="municipality",
                        cbs_code__isnull=False,
                        cbs_code__regex=r"^GM[0-9]{4}$",
                    )
                    | (~Q(kind="municipality") & Q(cbs_code__isnull=True))
                ),
                name="organisation_cbs_code_only_for_municipalities",
                violation_error_message=_(
                    "A municipality needs a CBS code (GM followed by four digits); "
                    "other organisations have none."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # An empty form field means "no code"; NULL keeps the unique constraint usable.
        self.cbs_code = self.cbs_code or None
        self.follow_list()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.municipality_id is not None and not self.is_municipality:
            raise ValidationError(
                {
                    "municipality": _(
                        "Only a municipality is chosen from the CBS list; set the "
                        "kind to municipality or clear this field."
                    )
                }
            )
        self.follow_list()
        if self.is_municipality and not self.cbs_code:
            raise ValidationError(
                {"municipality": _("Choose the municipality from the CBS list.")}
            )

    def follow_list(self) -> None:
        """A municipality takes its CBS code and safety region from its entry in the
        list; one saved with only a code (the seeds, an old installation) is linked to
        the entry with that code, if the list has it."""
        if not self.is_municipality:
            return
        if self.municipality_id is None and self.cbs_code:
            self.municipality = Municipality.objects.filter(
                cbs_code=self.cbs_code
            ).first()
        if self.municipality_id is not None:
            self.cbs_code = self.municipality.cbs_code
            self.safety_region_id = self.municipality.safety_region_id

    @property
    def is_municipality(self) -> bool:
        return self.kind == self.Kind.MUNICIPALITY


class Membership(models.Model):
    """A user's membership of an organisation, with the role they have there."""

    class Role(models.TextChoices):
        OFFICER = access.Role.OFFICER, _("OOV officer")
        READER = access.Role.READER, _("reader (driehoek member)")
        COUNCIL = access.Role.COUNCIL, _("council member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="memberships",
        on_delete=models.CASCADE,
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        related_name="memberships",
        on_delete=models.PROTECT,
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_one_role_per_organisation",
                violation_error_message=_(
                    "This user already has a role in this organisation."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"
