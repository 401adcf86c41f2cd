"""A national-scale dataset: every Dutch municipality, years of plans, actions and progress.

`generate_national_dataset` uses this to fill a database the size one installation for the
whole country would reach: 342 municipalities in 168 police basisteams, each basisteam
sharing its plans (two four-year IVPs and eight yearly programmes), about 100,000 actions,
half a million progress updates, 50,000 measurements, the driehoek meetings and the users.

It is deterministic: the same seed and the same `today` give the same rows, whatever the
date the command runs on. Rows are written with bulk inserts in one transaction, so a
failed run leaves nothing behind.

The municipalities already in the database (from the seeds) keep their names and CBS codes
and join a basisteam, so their users see a national installation's amount of plans; the
others are the remaining municipalities of the CBS list (policies/reference/), with their
real names, codes and safety regions; only beyond the list's 342 are names invented
("Gemeente ..."). Every generated plan
says in its description that it is generated test data, not adopted policy. Nothing in it
describes a person: the users are roles ("oov.gm0001"), the texts are policy texts.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from actions.models import Action, Meeting, ProgressUpdate, Status
from ivp.periods import Precision
from policies.models import (
    Agreement,
    Indicator,
    Measurement,
    Membership,
    Municipality,
    Organisation,
    Plan,
    Priority,
    Target,
)
from policies.models.plans import natural_sort_key

MUNICIPALITIES = 342
BASISTEAMS = 168
SLUG_PREFIX = "nl-"
DEFAULT_TODAY = dt.date(2026, 11, 30)
GENERATED = (
    "Gegenereerde testgegevens (generate_national_dataset), geen vastgesteld beleid."
)
# Years of yearly programmes, and the two IVPs above them.
IVPS = [(2019, 2022), (2023, 2026)]

POLICE_UNITS = [
    "Noord-Nederland",
    "Oost-Nederland",
    "Midden-Nederland",
    "Noord-Holland",
    "Amsterdam",
    "Den Haag",
    "Rotterdam",
    "Zeeland-West-Brabant",
    "Oost-Brabant",
    "Limburg",
]

# Invented place names: prefix + stem + suffix, as Dutch place names are built.
NAME_PREFIXES = ["", "", "", "Oude ", "Nieuw-", "Groot-", "Sint-", "Hoog-", "Laag-"]
NAME_STEMS = [
    "Aalder",
    "Beek",
    "Berg",
    "Bruin",
    "Dal",
    "Dijk",
    "Eik",
    "Elder",
    "Gulden",
    "Haven",
    "Heide",
    "Holt",
    "Horst",
    "Kamer",
    "Kerk",
    "Lin",
    "Marken",
    "Meer",
    "Molen",
    "Noorder",
    "Oester",
    "Oosten",
    "Riet",
    "Ruiter",
    "Schouw",
    "Sloot",
    "Steen",
    "Vaar",
    "Veen",
    "Vliet",
    "Wad",
    "Wester",
    "Wilder",
    "Zand",
    "Zuider",
    "Zwaan",
]
NAME_SUFFIXES = [
    "broek",
    "dam",
    "dorp",
    "drecht",
    "hoven",
    "horst",
    "huizen",
    "kerk",
    "loo",
    "meer",
    "oord",
    "rode",
    "schoten",
    "sloot",
    "veen",
    "vliet",
    "wijk",
    "wolde",
    "zijl",
]

THEMES = [
    (
        "Ondermijning",
        ["Zicht op ondermijning", "Bestuurlijke aanpak", "Weerbare ondernemers"],
    ),
    ("High impact crimes", ["Woninginbraken", "Overvallen en straatroven", "Geweld"]),
    ("Jeugd en veiligheid", ["Jeugdoverlast", "Jeugdcriminaliteit", "Middelengebruik"]),
    (
        "Zorg en veiligheid",
        [
            "Personen met verward gedrag",
            "Nazorg ex-gedetineerden",
            "Zorg- en Veiligheidshuis",
        ],
    ),
    (
        "Huiselijk geweld",
        ["Vroegsignalering", "Aanpak huiselijk geweld", "Ouderenmishandeling"],
    ),
    (
        "Cybercrime",
        ["Bewustwording", "Gedigitaliseerde criminaliteit", "Weerbaarheid organisatie"],
    ),
    (
        "Veilig uitgaan en evenementen",
        ["Horeca", "Evenementenveiligheid", "Jaarwisseling"],
    ),
    (
        "Radicalisering en polarisatie",
        ["Signalering", "Netwerk professionals", "Maatschappelijke onrust"],
    ),
    ("Veilige woonomgeving", ["Buurtpreventie", "Woonoverlast", "Verkeersoverlast"]),
]
ACTION_VERBS = [
    "Organiseren van",
    "Opstellen van",
    "Uitvoeren van",
    "Evalueren van",
    "Actualiseren van",
    "Voorbereiden van",
    "Inrichten van",
    "Uitbreiden van",
]
ACTION_OBJECTS = [
    "een voorlichtingscampagne",
    "een integrale controle",
    "het convenant met partners",
    "een bestuurlijke rapportage",
    "het casusoverleg op procesniveau",
    "een training voor medewerkers",
    "de buurtpreventie-app",
    "een wijkschouw",
    "het Damoclesbeleid",
    "een weerbaarheidsscan",
    "een ondermijningsbeeld",
    "het meldpunt",
    "een bijeenkomst met ondernemers",
    "het draaiboek",
    "een keurmerk veilig ondernemen",
    "de veiligheidsanalyse",
]
PROGRESS_TEXTS = [
    "Gestart; eerste overleg met de partners gevoerd.",
    "Planning afgestemd in het driehoeksoverleg.",
    "Uitvoering loopt volgens planning.",
    "Vertraging door capaciteit bij de partners; nieuwe planning volgt.",
    "Tussenevaluatie besproken in de WIV.",
    "Afgerond; resultaten gedeeld met de raad.",
    "Doorlopend onderdeel van het reguliere werk.",
    "Geannuleerd: opgegaan in een regionale aanpak.",
]
INDICATORS = [
    ("Woninginbraken", "1.1.1", Indicator.Source.POLICE, 60),
    ("Geweldsmisdrijven", "1.4", Indicator.Source.POLICE, 90),
    ("Fietsdiefstallen", "1.2.3", Indicator.Source.CBS, 80),
]


@dataclass
class Summary:
    """What a run made, per kind of row."""

    counts: Counter = field(default_factory=Counter)

    def add(self, kind: str, n: int) -> None:
        self.counts[kind] += n


def municipality_names(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    names: list[str] = []
    seen = set(taken)
    while len(names) < n:
        name = (
            rng.choice(NAME_PREFIXES)
            + rng.choice(NAME_STEMS)
            + rng.choice(NAME_SUFFIXES)
        )
        name = f"Gemeente {name}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def team_sizes(rng: random.Random, municipalities: int, teams: int) -> list[int]:
    """How many municipalities each basisteam covers: 1 to 5, summing to `municipalities`."""
    sizes = [municipalities // teams] * teams
    for i in range(municipalities - sum(sizes)):
        sizes[i] += 1
    for _ in range(teams // 3):
        a, b = rng.randrange(teams), rng.randrange(teams)
        if a != b and sizes[a] > 1 and sizes[b] < 5:
            sizes[a] -= 1
            sizes[b] += 1
    return sizes


def bulk(
    model, rows: list, summary: Summary, label: str, batch_size: int = 5000
) -> list:
    created = model.objects.bulk_create(rows, batch_size=batch_size)
    summary.add(label, len(rows))
    return created


class NationalDataset:
    """Builds the dataset; `run()` writes it in one transaction and returns a Summary."""

    def __init__(
        self,
        *,
        teams: int = BASISTEAMS,
        municipalities: int = MUNICIPALITIES,
        seed: int = 2026,
        today: dt.date = DEFAULT_TODAY,
        actions_per_programme: tuple[int, int] = (55, 95),
        password: str | None = None,
        progress=None,
    ):
        self.teams = teams
        self.municipalities = municipalities
        self.rng = random.Random(seed)
        self.today = today
        self.actions_per_programme = actions_per_programme
        self.password = password
        self.progress = progress or (lambda message: None)
        self.summary = Summary()

    @staticmethod
    def exists() -> bool:
        return Plan.objects.filter(slug__startswith=SLUG_PREFIX).exists()

    def run(self) -> Summary:
        with transaction.atomic():
            teams = self.organisations()
            users = self.users(teams)
            for team in teams:
                team["coordinator"] = users[team["municipalities"][0].pk]
            self.progress(
                f"{len(teams)} basisteams, {self.summary.counts['gemeenten']} gemeenten"
            )
            plans = self.plans(teams)
            self.progress(f"{self.summary.counts['plannen']} plannen")
            meetings = self.meetings(teams)
            self.link_meetings(plans, meetings)
            actions = self.actions(plans, meetings)
            self.progress(f"{len(actions)} acties")
            self.progress_updates(actions)
            self.progress(
                f"{self.summary.counts['voortgangsberichten']} voortgangsberichten"
            )
            self.indicators(teams)
        return self.summary

    # --- organisations and users -----------------------------------------------------

    def organisations(self) -> list[dict]:
        rng = self.rng
        existing = list(Organisation.objects.municipalities().order_by("cbs_code"))
        taken_codes = {o.cbs_code for o in existing}
        free_codes = [
            f"GM{n:04d}" for n in range(1, 2000) if f"GM{n:04d}" not in taken_codes
        ]
        new = max(self.municipalities - len(existing), 0)
        taken_names = set(Organisation.objects.values_list("name", flat=True))
        # The real municipalities of the CBS list first, with their code and region
        # (bulk_create skips Organisation.save(), which would link them itself).
        listed = [
            Organisation(
                name=entry.name,
                kind=Organisation.Kind.MUNICIPALITY,
                cbs_code=entry.cbs_code,
                municipality=entry,
                safety_region_id=entry.safety_region_id,
            )
            for entry in Municipality.objects.filter(organisation__isnull=True)
            .exclude(cbs_code__in=taken_codes)
            .exclude(name__in=taken_names)
            .order_by("cbs_code")[:new]
        ]
        # More than the country has (a stress test): invented names with free codes.
        listed_codes = set(Municipality.objects.values_list("cbs_code", flat=True))
        free_codes = [code for code in free_codes if code not in listed_codes]
        names = municipality_names(rng, new - len(listed), taken_names)
        invented = [
            Organisation(name=name, kind=Organisation.Kind.MUNICIPALITY, cbs_code=code)
            for name, code in zip(names, free_codes[: len(names)], strict=True)
        ]
        created = bulk(
            Organisation, listed + invented, self.summary, "nieuwe gemeenten"
        )
        towns = (existing + created)[: self.municipalities]
        rng.shuffle(towns)
        # A basisteam covers neighbours: its municipalities share a safety region.
        towns.sort(key=lambda town: town.safety_region_id or 0)
        sizes = team_sizes(rng, len(towns), self.teams)
        teams, start = [], 0
        for number, size in enumerate(sizes, start=1):
            members = towns[start : start + size]
            start += size
            unit = POLICE_UNITS[(number - 1) * len(POLICE_UNITS) // len(sizes)]
            teams.append(
                {
                    "number": number,
                    "unit": unit,
                    "municipalities": members,
                    "name": f"basisteam {number:03d} {members[0].name.removeprefix('Gemeente ')}",
                }
            )
        police = bulk(
            Organisation,
            [
                Organisation(
                    name=f"Politie {team['name']}",
                    kind=Organisation.Kind.POLICE,
                    police_unit=team["unit"],
                    police_district=f"District {team['unit']} {team['number'] % 4 + 1}",
                )
                for team in teams
            ],
            self.summary,
            "politieteams",
        )
        regional = {}
        for unit in POLICE_UNITS:
            for kind, label in [
                (Organisation.Kind.RIEC, "RIEC"),
                (Organisation.Kind.GGD, "GGD"),
                (Organisation.Kind.VEILIG_THUIS, "Veilig Thuis"),
            ]:
                regional[unit, kind] = Organisation(
                    name=f"{label} regio {unit} (landelijke dataset)", kind=kind
                )
        bulk(Organisation, list(regional.values()), self.summary, "partners")
        prosecution, _ = Organisation.objects.get_or_create(
            name="Openbaar Ministerie", defaults={"kind": Organisation.Kind.PROSECUTION}
        )
        for team, team_police in zip(teams, police, strict=True):
            team["police"] = team_police
            team["partners"] = [team_police, prosecution] + [
                regional[team["unit"], kind]
                for kind in (
                    Organisation.Kind.RIEC,
                    Organisation.Kind.GGD,
                    Organisation.Kind.VEILIG_THUIS,
                )
            ]
        self.summary.counts["gemeenten"] = len(towns)
        return teams

    def users(self, teams: list[dict]) -> dict[int, object]:
        """An officer and a council member per municipality, a reader per basisteam."""
        User = get_user_model()
        # One hash for all: hashing 850 passwords would take minutes and prove nothing.
        password = (
            make_password(self.password) if self.password else make_password(None)
        )
        rows, memberships = [], []
        for team in teams:
            for town in team["municipalities"]:
                code = town.cbs_code.lower()
                rows.append((f"oov.{code}", [(town, Membership.Role.OFFICER)]))
                rows.append((f"raad.{code}", [(town, Membership.Role.COUNCIL)]))
            rows.append(
                (
                    f"driehoek.team{team['number']:03d}",
                    [(t, Membership.Role.READER) for t in team["municipalities"]]
                    + [(team["police"], Membership.Role.READER)],
                )
            )
        created = bulk(
            User,
            [
                User(username=name, email=f"{name}@example.org", password=password)
                for name, _ in rows
            ],
            self.summary,
            "gebruikers",
        )
        officers = {}
        for user, (_name, roles) in zip(created, rows, strict=True):
            for organisation, role in roles:
                memberships.append(
                    Membership(user=user, organisation=organisation, role=role)
                )
                if role == Membership.Role.OFFICER:
                    officers[organisation.pk] = user
        bulk(Membership, memberships, self.summary, "lidmaatschappen")
        return officers

    # --- plans, priorities, agreements -----------------------------------------------

    def plans(self, teams: list[dict]) -> list[dict]:
        """Per basisteam: two IVPs and a programme per year, with their priorities."""
        rng = self.rng
        plan_rows, specs = [], []
        for team in teams:
            themes = rng.sample(THEMES, 5)
            team["themes"] = themes
            for start, end in IVPS:
                ivp = self.plan(
                    team,
                    Plan.Kind.IVP,
                    start,
                    end,
                    title=f"Integraal Veiligheidsplan {start}-{end} {team['name']}",
                    slug=f"ivp-{start}-{end}",
                    adopted_on=dt.date(start - 1, 12, 10 + team["number"] % 15),
                    adopted_by="Gemeenteraden",
                )
                plan_rows.append(ivp)
                specs.append({"plan": ivp, "team": team, "ivp": None})
                for year in range(start, end + 1):
                    programme = self.plan(
                        team,
                        Plan.Kind.PROGRAMME,
                        year,
                        year,
                        title=f"Uitvoeringsprogramma {year} {team['name']}",
                        slug=f"uvp-{year}",
                        adopted_on=dt.date(year - 1, 12, 1 + team["number"] % 20),
                        adopted_by="Driehoek",
                    )
                    plan_rows.append(programme)
                    specs.append({"plan": programme, "team": team, "ivp": ivp})
        bulk(Plan, plan_rows, self.summary, "plannen")
        for spec in specs:
            if spec["ivp"] is not None:
                spec["plan"].parent = spec["ivp"]
        Plan.objects.bulk_update(
            [s["plan"] for s in specs if s["ivp"]], ["parent"], batch_size=2000
        )

        municipalities, partners, coordinators = [], [], []
        for spec in specs:
            team, plan = spec["team"], spec["plan"]
            municipalities += [
                Plan.municipalities.through(plan_id=plan.pk, organisation_id=t.pk)
                for t in team["municipalities"]
            ]
            partners += [
                Plan.partners.through(plan_id=plan.pk, organisation_id=p.pk)
                for p in team["partners"]
            ]
            coordinators.append(
                Plan.coordinators.through(
                    plan_id=plan.pk, user_id=team["coordinator"].pk
                )
            )
        bulk(
            Plan.municipalities.through, municipalities, self.summary, "plan-gemeenten"
        )
        bulk(Plan.partners.through, partners, self.summary, "plan-partners")
        bulk(
            Plan.coordinators.through, coordinators, self.summary, "plan-coördinatoren"
        )
        self.priorities(specs)
        return specs

    def plan(
        self, team: dict, kind: str, start: int, end: int, *, slug: str, **fields
    ) -> Plan:
        """An unsaved generated plan of a basisteam, completed when it ended before today."""
        return Plan(
            kind=kind,
            slug=f"{SLUG_PREFIX}{team['number']:03d}-{slug}",
            start_year=start,
            end_year=end,
            status=Plan.Status.COMPLETED
            if end < self.today.year
            else Plan.Status.ADOPTED,
            description=GENERATED,
            **fields,
        )

    def priorities(self, specs: list[dict]) -> None:
        tops, subs = [], []
        for spec in specs:
            spec["subs"] = []
            subs_per_top = 2 if spec["ivp"] is None else 3
            for i, (theme, subthemes) in enumerate(spec["team"]["themes"], start=1):
                top = Priority(
                    plan=spec["plan"],
                    code=str(i),
                    sort_key=natural_sort_key(str(i)),
                    title=theme,
                    objective=f"Minder {theme.lower()} en een veiliger gevoel in de gemeenten.",
                )
                tops.append(top)
                for j, subtheme in enumerate(subthemes[:subs_per_top], start=1):
                    code = f"{i}.{j}"
                    sub = Priority(
                        plan=spec["plan"],
                        code=code,
                        sort_key=natural_sort_key(code),
                        title=subtheme,
                        objective=f"{subtheme}: samen met de partners aanpakken.",
                    )
                    sub._top = top
                    subs.append(sub)
                    spec["subs"].append(sub)
        bulk(Priority, tops, self.summary, "prioriteiten")
        for sub in subs:
            sub.parent = sub._top
        bulk(Priority, subs, self.summary, "prioriteiten")

        agreements, owners = [], []
        for spec in specs:
            if spec["ivp"] is not None:
                continue
            start = spec["plan"].start_year
            for n, sub in enumerate(spec["subs"]):
                for k in range(2):
                    agreement = Agreement(
                        priority=sub,
                        text=f"De partners maken afspraken over {sub.title.lower()} ({k + 1}).",
                        expected_result=f"Een gezamenlijke aanpak van {sub.title.lower()}.",
                        planning=dt.date(start + (n + k) % 4, 12, 31),
                        planning_precision=Precision.YEAR,
                        planning_text=str(start + (n + k) % 4),
                        position=k,
                    )
                    agreement._owner = spec["team"]["municipalities"][
                        (n + k) % len(spec["team"]["municipalities"])
                    ]
                    agreements.append(agreement)
        bulk(Agreement, agreements, self.summary, "afspraken")
        for agreement in agreements:
            owners.append(
                Agreement.owners.through(
                    agreement_id=agreement.pk, organisation_id=agreement._owner.pk
                )
            )
        bulk(Agreement.owners.through, owners, self.summary, "afspraak-trekkers")

    # --- meetings --------------------------------------------------------------------

    def meetings(self, teams: list[dict]) -> dict[tuple[int, int, int], Meeting]:
        """A driehoek per basisteam per quarter, in the quarter's last month."""
        rows, keys = [], []
        first, last = IVPS[0][0], IVPS[-1][1]
        for team in teams:
            for year in range(first, last + 1):
                for quarter in range(1, 5):
                    date = dt.date(
                        year, 3 * quarter, 5 + (team["number"] * 7 + quarter) % 20
                    )
                    rows.append(
                        Meeting(
                            body=Meeting.Body.DRIEHOEK,
                            title=f"Driehoek {team['name']}",
                            date=date,
                            preparation_deadline=date - dt.timedelta(days=14),
                        )
                    )
                    keys.append((team["number"], year, quarter))
        bulk(Meeting, rows, self.summary, "overleggen")
        return dict(zip(keys, rows, strict=True))

    def link_meetings(self, specs, meetings) -> None:
        towns, plans = [], []
        by_team = {s["team"]["number"]: s["team"] for s in specs}
        for (number, _year, _quarter), meeting in meetings.items():
            towns += [
                Meeting.municipalities.through(
                    meeting_id=meeting.pk, organisation_id=t.pk
                )
                for t in by_team[number]["municipalities"]
            ]
        for spec in specs:
            plan = spec["plan"]
            for year in range(plan.start_year, plan.end_year + 1):
                for quarter in range(1, 5):
                    meeting = meetings[spec["team"]["number"], year, quarter]
                    plans.append(
                        Meeting.plans.through(meeting_id=meeting.pk, plan_id=plan.pk)
                    )
        bulk(Meeting.municipalities.through, towns, self.summary, "overleg-gemeenten")
        bulk(Meeting.plans.through, plans, self.summary, "overleg-plannen")

    # --- actions and progress --------------------------------------------------------

    def final_status(self, deadline: dt.date) -> tuple[str, int | None]:
        """Where an action stands today, given its deadline."""
        rng, today = self.rng, self.today
        roll = rng.random()
        if deadline < today - dt.timedelta(days=120):
            table = [
                (0.70, Status.DONE),
                (0.78, Status.CONTINUOUS),
                (0.83, Status.CANCELLED),
                (0.93, Status.ONGOING),
            ]
            default = Status.AT_RISK
        elif deadline < today + dt.timedelta(days=60):
            table = [
                (0.40, Status.DONE),
                (0.50, Status.CONTINUOUS),
                (0.80, Status.ONGOING),
                (0.92, Status.AT_RISK),
            ]
            default = Status.NOT_STARTED
        else:
            table = [
                (0.05, Status.DONE),
                (0.15, Status.CONTINUOUS),
                (0.55, Status.ONGOING),
                (0.62, Status.AT_RISK),
            ]
            default = Status.NOT_STARTED
        status = next((s for limit, s in table if roll < limit), default)
        percentage = {
            Status.DONE: 100,
            Status.NOT_STARTED: 0,
            Status.CONTINUOUS: None,
            Status.CANCELLED: None,
        }.get(status, rng.randrange(10, 95, 5))
        return status, percentage

    def actions(self, specs: list[dict], meetings) -> list[Action]:
        rng = self.rng
        rows, owners, partners, meeting_links = [], [], [], []
        agreements_by_priority: dict[int, list[int]] = {}
        for priority_id, agreement_id in Agreement.objects.filter(
            priority__plan__slug__startswith=SLUG_PREFIX
        ).values_list("priority_id", "id"):
            agreements_by_priority.setdefault(priority_id, []).append(agreement_id)
        # Programme sub-priority i.j carries out the IVP's sub-priority with the same code.
        ivp_subs = {
            (spec["plan"].pk, sub.code): sub
            for spec in specs
            if spec["ivp"] is None
            for sub in spec["subs"]
        }
        low, high = self.actions_per_programme
        for spec in specs:
            if spec["ivp"] is None:
                continue
            year, team = spec["plan"].start_year, spec["team"]
            for position in range(rng.randint(low, high)):
                sub = spec["subs"][position % len(spec["subs"])]
                month = rng.randint(1, 12)
                precision = rng.choice(
                    [Precision.DAY, Precision.DAY, Precision.MONTH, Precision.QUARTER]
                )
                if precision == Precision.QUARTER:
                    month = (month - 1) // 3 * 3 + 3
                last_day = (
                    dt.date(year + month // 12, month % 12 + 1, 1)
                    - dt.timedelta(days=1)
                ).day
                day = (
                    rng.randint(1, last_day) if precision == Precision.DAY else last_day
                )
                deadline = dt.date(year, month, day)
                deadline_text = {
                    Precision.DAY: f"{deadline.day}-{deadline.month}-{year}",
                    Precision.MONTH: f"{month}-{year}",
                    Precision.QUARTER: f"Q{(month - 1) // 3 + 1} {year}",
                }[precision]
                status, percentage = self.final_status(deadline)
                unplanned = rng.random() < 0.06
                ivp_sub = ivp_subs.get((spec["ivp"].pk, sub.code))
                choices = agreements_by_priority.get(ivp_sub.pk, []) if ivp_sub else []
                action = Action(
                    priority=sub,
                    title=f"{rng.choice(ACTION_VERBS)} {rng.choice(ACTION_OBJECTS)} ({sub.title.lower()})",
                    description=f"Onderdeel van de aanpak {sub.title.lower()} in {year}.",
                    budget=Decimal(rng.randrange(0, 50_000, 500))
                    if rng.random() < 0.3
                    else None,
                    deadline=deadline,
                    deadline_precision=precision,
                    deadline_text=deadline_text,
                    status=status,
                    percentage=percentage,
                    unplanned=unplanned,
                    added_on=dt.date(year, max(1, month - 2), 1) if unplanned else None,
                    added_on_precision=Precision.MONTH,
                    position=position,
                    portfolio_holder="Burgemeester",
                )
                action.set_in_plan_since_from_document(spec["plan"])
                # Agreements live on the IVP's priorities; an action in the programme
                # points to the afspraak it carries out through its text, not the FK
                # (the FK must stay within the action's own priority).
                if choices:
                    action.note = (
                        f"Draagt bij aan afspraak {rng.choice(choices)} van het IVP."
                    )
                towns = team["municipalities"]
                action._owners = [towns[position % len(towns)]]
                if rng.random() < 0.35:
                    action._owners.append(team["police"])
                action._partners = rng.sample(team["partners"], 2)
                quarter = (deadline.month - 1) // 3 + 1
                action._meeting = meetings[team["number"], year, quarter]
                rows.append(action)
        bulk(Action, rows, self.summary, "acties", batch_size=2000)
        for action in rows:
            owners += [
                Action.owners.through(action_id=action.pk, organisation_id=o.pk)
                for o in action._owners
            ]
            partners += [
                Action.partners.through(action_id=action.pk, organisation_id=o.pk)
                for o in action._partners
                if o not in action._owners
            ]
            meeting_links.append(
                Action.meetings.through(
                    action_id=action.pk, meeting_id=action._meeting.pk
                )
            )
        bulk(Action.owners.through, owners, self.summary, "actie-trekkers")
        bulk(Action.partners.through, partners, self.summary, "actie-partners")
        bulk(Action.meetings.through, meeting_links, self.summary, "actie-overleggen")
        return rows

    def progress_updates(self, actions: list[Action]) -> None:
        """Dated updates leading to each action's status; the last one is that status."""
        rng, today = self.rng, self.today
        updates, changed = [], []
        for action in actions:
            year = action.deadline.year
            first = dt.date(year, 1, 15)
            last = min(today, action.deadline + dt.timedelta(days=45))
            if action.status == Status.NOT_STARTED or last <= first:
                continue
            n = rng.randint(1, 6) if year == today.year else rng.randint(3, 8)
            span = (last - first).days
            dates = sorted(
                first + dt.timedelta(days=rng.randint(0, span)) for _ in range(n)
            )
            for i, date in enumerate(dates):
                final = i == n - 1
                status = (
                    action.status
                    if final
                    else (Status.ONGOING if rng.random() < 0.85 else Status.AT_RISK)
                )
                if final:
                    percentage = action.percentage
                else:
                    percentage = min(90, 10 + 80 * (i + 1) // n)
                text = {
                    Status.DONE: PROGRESS_TEXTS[5],
                    Status.CONTINUOUS: PROGRESS_TEXTS[6],
                    Status.CANCELLED: PROGRESS_TEXTS[7],
                    Status.AT_RISK: PROGRESS_TEXTS[3],
                }.get(status, PROGRESS_TEXTS[i % 3])
                updates.append(
                    ProgressUpdate(
                        action=action,
                        date=date,
                        status=status,
                        percentage=percentage,
                        text=text,
                    )
                )
            action.last_update_on = dates[-1]
            changed.append(action)
        # No RETURNING needed: nothing refers to an update.
        ProgressUpdate.objects.bulk_create(updates, batch_size=5000)
        self.summary.add("voortgangsberichten", len(updates))
        Action.objects.bulk_update(changed, ["last_update_on"], batch_size=5000)

    # --- indicators ------------------------------------------------------------------

    def indicators(self, teams: list[dict]) -> None:
        """Per municipality, three figures on the current IVP: monthly since its start."""
        rng = self.rng
        start, end = IVPS[-1]
        plans = {
            p.slug: p
            for p in Plan.objects.filter(
                slug__startswith=SLUG_PREFIX, kind=Plan.Kind.IVP, start_year=start
            )
        }
        rows = []
        for team in teams:
            plan = plans[f"{SLUG_PREFIX}{team['number']:03d}-ivp-{start}-{end}"]
            for town in team["municipalities"]:
                for name, code, source, base in INDICATORS:
                    indicator = Indicator(
                        plan=plan,
                        name=f"{name} {town.name.removeprefix('Gemeente ')}",
                        unit="aantal",
                        source=source,
                        area=town.name,
                        municipality=town,
                        source_code=code,
                        direction=Indicator.Direction.LOWER,
                        baseline_value=Decimal(rng.randint(base // 2, base * 2)),
                        baseline_year=start - 1,
                    )
                    rows.append(indicator)
        bulk(Indicator, rows, self.summary, "indicatoren")
        targets = [
            Target(
                indicator=i,
                kind=Target.Kind.RELATIVE,
                value=Decimal(-10),
                year=end,
                reference_year=start - 1,
                description="10% minder dan in het basisjaar",
            )
            for i in rows
        ]
        bulk(Target, targets, self.summary, "streefwaarden")
        measurements = []
        last_month = self.today.replace(day=1) - dt.timedelta(days=1)
        for indicator in rows:
            monthly = float(indicator.baseline_value) / 12
            for year in range(start - 1, last_month.year):
                measurements.append(
                    Measurement(
                        indicator=indicator,
                        year=year,
                        period_type=Measurement.PeriodType.YEAR,
                        period_number=0,
                        value=Decimal(
                            round(
                                monthly
                                * 12
                                * (1 - 0.03 * (year - start + 1))
                                * rng.uniform(0.85, 1.15)
                            )
                        ),
                    )
                )
            for year in range(start, last_month.year + 1):
                for month in range(1, 13):
                    if (year, month) > (last_month.year, last_month.month):
                        break
                    measurements.append(
                        Measurement(
                            indicator=indicator,
                            year=year,
                            period_type=Measurement.PeriodType.MONTH,
                            period_number=month,
                            value=Decimal(
                                max(0, round(monthly * rng.uniform(0.5, 1.5)))
                            ),
                            provisional=(year, month)
                            >= (last_month.year, last_month.month - 2),
                        )
                    )
        bulk(Measurement, measurements, self.summary, "metingen", batch_size=10000)
