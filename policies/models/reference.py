"""The official municipality list of the CBS and the safety regions (policies/reference/).

Reference data loaded by a data migration: nobody edits it in the product; an
organisation that is a municipality is chosen from it by name.
"""

import difflib
import re
import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

from ivp import access

_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")


def name_key(name: str) -> str:
    """A name as compared: no case, accents, hyphens, apostrophes or double spaces
    ("Oost-Gelre" is "Oost Gelre", "Súdwest-Fryslân" is "sudwest fryslan")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain.casefold()).split())


class ReferenceQuerySet(models.QuerySet):
    """Everyone signed in reads the list; the beheerder keeps it (ivp/access.py)."""

    def visible_to(self, user):
        return self.all() if user.is_authenticated else self.none()

    def changeable_by(self, user):
        return self.all() if access.is_beheerder(user) else self.none()


class MunicipalityQuerySet(ReferenceQuerySet):
    def named(self, name: str) -> "Municipality | None":
        """The one municipality this name means: its official name or common name
        ("Den Bosch"), or the official name without its province suffix ("Hengelo" for
        "Hengelo (O.)") where only one municipality has it; None if none or several."""
        key = name_key(name or "")
        if not key:
            return None
        entries = list(self.select_related("safety_region"))
        for names in (
            lambda m: (m.name, m.common_name),
            lambda m: (_SUFFIX.sub("", m.name),),
        ):
            found = [m for m in entries if key in {name_key(n) for n in names(m) if n}]
            if len(found) == 1:
                return found[0]
            if found:
                return None  # "Bergen": (L.) or (NH.)
        return None

    def close_to(self, name: str, n: int = 5) -> list[str]:
        """The official names (with the common name) that come closest to `name`."""
        entries = list(self.only("name", "common_name"))
        by_key: dict[str, Municipality] = {}
        for entry in entries:
            for candidate in (entry.name, entry.common_name):
                if candidate:
                    by_key.setdefault(name_key(candidate), entry)
        keys = difflib.get_close_matches(name_key(name or ""), by_key, n=n, cutoff=0.6)
        seen: list[str] = []
        for key in keys:
            label = by_key[key].label
            if label not in seen:
                seen.append(label)
        return seen


class SafetyRegion(models.Model):
    """One of the 25 safety regions (veiligheidsregio's), VR01-VR25."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("safety region")
        verbose_name_plural = _("safety regions")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Municipality(models.Model):
    """A municipality of the CBS classification, with its code and safety region."""

    cbs_code = models.CharField(_("CBS code"), max_length=6, unique=True)
    name = models.CharField(_("official name"), max_length=100, unique=True)
    common_name = models.CharField(
        _("common name"),
        max_length=100,
        blank=True,
        help_text=_("The name in daily use where it differs, e.g. Den Bosch."),
    )
    safety_region = models.ForeignKey(
        SafetyRegion,
        verbose_name=_("safety region"),
        related_name="municipalities",
        on_delete=models.PROTECT,
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality (CBS list)")
        verbose_name_plural = _("municipalities (CBS list)")
        ordering = ["name"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The official name, with the common name where one differs."""
        if self.common_name:
            return f"{self.name} ({self.common_name})"
        return self.name
