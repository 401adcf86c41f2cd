"""Demo accounts for the seed data: one per role a municipality's users will have.

What each account may see and change follows from its memberships (ivp/access.py).
"""

import unicodedata

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Membership, Organisation, Plan

VELUWE_NOORD_PROGRAMME = "veluwe-noord-uvp-2021"


def username_part(name: str) -> str:
    """'Súdwest-Fryslân' -> 'sudwest-fryslan': lower case, no spaces or accents."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ascii_name.lower().split())


def _user(username: str, password: str, *, memberships=(), superuser=False):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.email = f"{username}@example.org"  # reserved domain: demo mail reaches nobody
    user.is_staff = True
    user.is_superuser = superuser
    user.is_active = True
    user.set_password(password)
    user.save()
    user.memberships.all().delete()
    Membership.objects.bulk_create(
        Membership(user=user, organisation=org, role=role) for org, role in memberships
    )
    return user


@transaction.atomic
def demo_users_load(*, password: str) -> list[tuple[str, str]]:
    """Create or reset the demo accounts; returns (username, description) pairs."""
    accounts = [("beheerder", "beheerder: mag alles")]
    _user("beheerder", password, superuser=True)
    municipalities = (
        Organisation.objects.municipalities().filter(plans__isnull=False).distinct()
    )
    for municipality in municipalities:
        username = f"oov.{username_part(municipality.name)}"
        _user(username, password, memberships=[(municipality, Membership.Role.OFFICER)])
        accounts.append((username, f"OOV-medewerker gemeente {municipality.name}"))

    veluwe_noord = Plan.objects.filter(slug=VELUWE_NOORD_PROGRAMME).first()
    if veluwe_noord is not None:
        _user(
            "lezer.veluwe-noord",
            password,
            memberships=[
                (m, Membership.Role.READER) for m in veluwe_noord.municipalities.all()
            ],
        )
        accounts.append(
            ("lezer.veluwe-noord", "driehoekslid Veluwe-Noord: alleen lezen")
        )
    stadskanaal = Organisation.objects.filter(cbs_code="GM0037").first()
    if stadskanaal is not None:
        _user(
            "raad.stadskanaal",
            password,
            memberships=[(stadskanaal, Membership.Role.COUNCIL)],
        )
        accounts.append(("raad.stadskanaal", "raadslid Stadskanaal: alleen lezen"))
    return accounts
