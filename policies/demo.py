"""Demo accounts for the seed data: one per role a municipality's users will have.

What each role may see and change per organisation is decided by the permission rule
(issue "Roles"); here each account gets its role's group with the model permissions.
"""

import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Organisation

DOMAIN_MODELS = [
    ("policies", "organisation"),
    ("policies", "plan"),
    ("policies", "priority"),
    ("policies", "agreement"),
    ("policies", "result"),
    ("policies", "indicator"),
    ("policies", "target"),
    ("policies", "measurement"),
    ("actions", "action"),
    ("actions", "progressupdate"),
    ("actions", "meeting"),
]

# Group name -> verbs on the domain models.
ROLE_GROUPS = {
    "OOV-medewerker": ["view", "add", "change"],
    "Lezer (driehoek)": ["view"],
    "Raadslid": ["view"],
}


def username_part(name: str) -> str:
    """'Súdwest-Fryslân' -> 'sudwest-fryslan': lower case, no spaces or accents."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ascii_name.lower().split())


def role_groups_ensure() -> dict[str, Group]:
    groups = {}
    for group_name, verbs in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = [f"{verb}_{model}" for _, model in DOMAIN_MODELS for verb in verbs]
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label__in={app for app, _ in DOMAIN_MODELS},
                codename__in=codenames,
            )
        )
        groups[group_name] = group
    return groups


def _user(username: str, password: str, *, group: Group | None = None, superuser=False):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_staff = True
    user.is_superuser = superuser
    user.is_active = True
    user.set_password(password)
    user.save()
    user.groups.set([group] if group else [])
    return user


@transaction.atomic
def demo_users_load(*, password: str) -> list[tuple[str, str]]:
    """Create or reset the demo accounts; returns (username, description) pairs."""
    groups = role_groups_ensure()
    accounts = [("beheerder", "beheerder (alles)")]
    _user("beheerder", password, superuser=True)
    for municipality in Organisation.objects.municipalities().filter(plans__isnull=False).distinct():
        username = f"oov.{username_part(municipality.name)}"
        _user(username, password, group=groups["OOV-medewerker"])
        accounts.append((username, f"OOV-medewerker gemeente {municipality.name}"))
    _user("lezer.veluwe-noord", password, group=groups["Lezer (driehoek)"])
    accounts.append(("lezer.veluwe-noord", "driehoekslid Veluwe-Noord (alleen lezen)"))
    _user("raad.stadskanaal", password, group=groups["Raadslid"])
    accounts.append(("raad.stadskanaal", "raadslid Stadskanaal (alleen lezen)"))
    return accounts
