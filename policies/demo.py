"""Demo data on top of the seeds: accounts for every role, illustrative results.

What each account may see and change follows from its memberships (ivp/access.py).
The results are invented like the demo progress (actions/demo.py): deterministic,
labelled with MARKER in their own text, and loaded by `load_demo_progress`, never by
`load_seeds`.
"""

import datetime as dt
import unicodedata
import zlib
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from .models import Agreement, Indicator, Membership, Organisation, Plan, Result

VELUWE_NOORD_PROGRAMME = "veluwe-noord-uvp-2021"
MARKER = "[Illustratief]"


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
    # The police and the OM carry actions and agreements of their own in the seed plans:
    # an officer of each hears about them (actions/reminders.py) and reports on them.
    partners = (
        Organisation.objects.filter(
            kind__in=[Organisation.Kind.POLICE, Organisation.Kind.PROSECUTION]
        )
        .filter(Q(owned_actions__isnull=False) | Q(owned_agreements__isnull=False))
        .distinct()
        .order_by("name")
    )
    for partner in partners:
        username = slugify(partner.name)
        _user(username, password, memberships=[(partner, Membership.Role.OFFICER)])
        accounts.append((username, f"medewerker {partner.name}: eigen acties"))
    return accounts


# --- illustrative results of agreements --------------------------------------------

Assessment = Result.Assessment
# The assessment in the year an agreement was due (or, for one without a planning, in
# every year), picked by checksum: mostly achieved, as real plans report.
FINAL_ASSESSMENTS = [
    Assessment.ACHIEVED,
    Assessment.ACHIEVED,
    Assessment.ACHIEVED,
    Assessment.PARTLY,
    Assessment.PARTLY,
    Assessment.NOT_ACHIEVED,
]
# The explanation only: the pages and the report put the assessment in words before it.
RESULT_TEXTS = {
    Assessment.ACHIEVED: "{marker} Uitgevoerd zoals afgesproken en teruggekoppeld in "
    "de driehoek.",
    Assessment.PARTLY: "{marker} Een deel is uitgevoerd; de rest loopt door in het "
    "volgende jaar.",
    Assessment.NOT_ACHIEVED: "{marker} De partners hadden er geen capaciteit voor; de "
    "driehoek stelt voor de afspraak te herijken.",
}
UNDERWAY_TEXT = (
    "{marker} In uitvoering; de eerste stappen zijn gezet. Het resultaat wordt in "
    "{year} verwacht."
)


def _agreement_checksum(agreement: Agreement, year: int) -> int:
    priority = agreement.priority
    key = f"{priority.plan.slug}|{priority.code}|{priority.title}|"
    key += f"{agreement.position}|{agreement.text}|{year}"
    return zlib.crc32(key.encode("utf-8"))


def _result_years(agreement: Agreement, last_year: int) -> list[tuple[int, str, str]]:
    """(year, assessment, text) of each year an agreement reports on, up to last_year."""
    plan = agreement.priority.plan
    due = agreement.planning.year if agreement.planning else None
    last = min(plan.end_year, last_year, due or plan.end_year)
    years = []
    for year in range(plan.start_year, last + 1):
        if due is not None and year < due:
            text = UNDERWAY_TEXT.format(marker=MARKER, year=due)
            years.append((year, Assessment.PARTLY, text))
            continue
        checksum = _agreement_checksum(agreement, year)
        assessment = FINAL_ASSESSMENTS[checksum % len(FINAL_ASSESSMENTS)]
        years.append((year, assessment, RESULT_TEXTS[assessment].format(marker=MARKER)))
    return years


def demo_results_load(*, today: dt.date | None = None) -> int:
    """Record illustrative results for agreements without any; returns how many.

    An agreement with a planning reports "underway" in the years before it is due and
    an assessment in its year; one without reports an assessment every year. Only years
    that have ended before `today` get a result. Agreements that already have results
    (demo or real) are left alone, so a second run adds nothing.
    """
    last_year = (today or timezone.localdate()).year - 1
    agreements = (
        Agreement.objects.select_related("priority__plan")
        .filter(results__isnull=True)
        .order_by("priority__plan__slug", "priority__sort_key", "position", "id")
    )
    created = 0
    with transaction.atomic():
        for agreement in agreements:
            for year, assessment, text in _result_years(agreement, last_year):
                Result.objects.create(
                    agreement=agreement, year=year, assessment=assessment, text=text
                )
                created += 1
    return created


def demo_publication_load() -> int:
    """Publish the Stadskanaal IVP on the public site (/openbaar/stadskanaal/), all
    parts, under CC BY 4.0: the demo shows what a published plan looks like. The other
    seed plans stay unpublished. Returns how many plans were newly published."""
    published = 0
    for plan in Plan.objects.filter(slug="stadskanaal-ivp-2020-2024", published=False):
        plan.set_published(True)
        plan.save()
        published += 1
    return published


VELUWE_NOORD_IVP = "veluwe-noord-ivp-2020-2023"
# The police's registered burglaries (47013NED, crime type 1.1.1) of the first months
# of 2021 for the six Veluwe-Noord municipalities, one safety region.
BURGLARY_FILE = (
    Path(settings.BASE_DIR)
    / "fixtures"
    / "opendata"
    / "47013NED_veluwe_noord_woninginbraak.csv"
)


def demo_open_data_load() -> int:
    """Give the Veluwe-Noord IVP an indicator of registered burglaries per
    municipality, filled from the police's open data (fixtures/opendata), so the demo
    shows the safety picture (policies/comparison.py): each municipality beside the
    average of the others of its safety region. The indicators are illustrative (the
    IVP names none), labelled with MARKER; the figures are the open data's. Returns
    how many indicators were made; a second run makes none and changes nothing."""
    from .opendata import opendata_import

    plan = Plan.objects.filter(slug=VELUWE_NOORD_IVP).first()
    if plan is None:
        return 0
    made = 0
    with transaction.atomic():
        for town in plan.municipalities.order_by("name"):
            _indicator, created = Indicator.objects.get_or_create(
                plan=plan,
                source=Indicator.Source.POLICE,
                source_code="1.1.1",
                municipality=town,
                defaults={
                    "name": f"Woninginbraken {town.name}",
                    "unit": "aantal",
                    "area": town.name,
                    "direction": Indicator.Direction.LOWER,
                    "description": f"{MARKER} Geregistreerde woninginbraken per "
                    "maand (politie, open data 47013NED).",
                },
            )
            made += created
        opendata_import(plan=plan, data=BURGLARY_FILE.read_bytes(), commit=True)
    return made
