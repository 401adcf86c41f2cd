"""The public site cannot leak (issue 18, item 5).

Every public URL pattern (found through the resolver, as tests/url_matrix.py finds
them) is fetched anonymously for every seed plan, published or not, with the seeds,
the demo progress and results, and users with names and e-mail addresses in the
database. Nothing of an unpublished plan, no progress text not marked public, no part
a municipality did not publish, no e-mail address and no user's name may appear; the
answers carry cache headers and never a cookie.
"""

import csv
import html
import io
import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, Q, TextField, Value
from django.db.models.functions import Cast, Concat
from django.test import Client, override_settings

from actions.demo import demo_progress_load
from actions.models import Action, ProgressUpdate
from policies.demo import demo_results_load, demo_users_load
from policies.models import (
    AgendaPriority,
    Agreement,
    Indicator,
    Plan,
    Priority,
    SafetyField,
)
from policies.seeds import seeds_load
from reports import public

from . import url_matrix as um

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
STADSKANAAL_IVP = "stadskanaal-ivp-2020-2024"
NOORDOOSTPOLDER_IVP = "noordoostpolder-ivp-2018-2021"
NOORDOOSTPOLDER_PROGRAMME = "noordoostpolder-uvp-2020-2021"
VELUWE_NOORD_PROGRAMME = "veluwe-noord-uvp-2021"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seeds with demo data; the IVPs of Stadskanaal and Noordoostpolder published
    whole (not Noordoostpolder's programme), Veluwe-Noord's 2021 programme without its
    indicators, every other plan not; every other progress update of that programme
    marked public; users with full names."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ):
            seeds_load()
            demo_progress_load()
            demo_results_load()
            demo_users_load(password="lek-wachtwoord-2021")
        for n, user in enumerate(get_user_model().objects.order_by("pk")):
            user.first_name, user.last_name = "Geertruida", f"Hoogeveenstra{n}"
            user.save()
        for slug, parts in (
            (STADSKANAAL_IVP, {}),
            # An IVP whose 2021 programme stays unpublished: its figures of 2021 hold
            # the programme's (Plan.covered_plans), the public pages must not.
            (NOORDOOSTPOLDER_IVP, {}),
            (VELUWE_NOORD_PROGRAMME, {"public_indicators": False}),
        ):
            plan = Plan.objects.get(slug=slug)
            plan.set_published(True)
            for name, value in parts.items():
                setattr(plan, name, value)
            plan.save()
        # Each progress text its own (the demo repeats a few), so a text not marked
        # public is recognisable wherever it appears.
        ProgressUpdate.objects.update(
            text=Concat(
                Value("Voortgangsnotitie "),
                Cast("pk", CharField()),
                Value(": "),
                "text",
                output_field=TextField(),
            )
        )
        updates = ProgressUpdate.objects.filter(
            action__priority__plan__slug=VELUWE_NOORD_PROGRAMME
        ).order_by("pk")
        ProgressUpdate.objects.filter(
            pk__in=list(updates.values_list("pk", flat=True))[::2]
        ).update(is_public=True)
        cache.clear()
        yield
        transaction.set_rollback(True)


def public_urls():
    """Every public URL for every seed plan and municipality, published or not."""
    patterns = [p for p in um.url_patterns() if p.name.startswith("public:")]
    assert {p.name for p in patterns} == {
        "public:index",
        "public:municipality",
        "public:plan",
        "public:plan_data",
        "public:field",
    }
    assert all(um.classify(p).subject == "published" for p in patterns)
    codes = list(SafetyField.objects.values_list("code", flat=True))
    urls = set()
    for plan in Plan.objects.prefetch_related("municipalities"):
        for organisation in plan.municipalities.all():
            for pattern in patterns:
                for code in codes:
                    for format in ("csv", "json"):
                        values = {
                            "municipality": public.municipality_slug(organisation),
                            "plan": plan.slug,
                            "code": code,
                            "format": format,
                        }
                        urls.add(pattern.url(values))
    return sorted(urls)


def shown_text(published):
    """What the published parts of the published plans may show."""
    texts = set()
    for plan in Plan.objects.filter(pk__in=[p.pk for p in published]):
        # Its own and its programmes that are published themselves.
        ids = Plan.objects.filter(Q(pk=plan.pk) | Q(parent=plan, published=True))
        priorities = Priority.objects.filter(plan__in=ids)
        if plan.public_priorities or plan.public_actions:
            for row in priorities.values_list("title", "objective"):
                texts |= set(row)
        if plan.public_priorities:
            # The agendas its priorities serve (its own list, as its annual report).
            texts |= set(
                AgendaPriority.objects.filter(plan=plan).values_list("title", flat=1)
            )
        if plan.public_actions:
            texts |= set(
                Action.objects.filter(priority__plan__in=ids).values_list(
                    "title", flat=True
                )
            )
        if plan.public_indicators:
            texts |= set(
                Indicator.objects.filter(plan=plan).values_list("name", flat=1)
            )
        if plan.public_agreements:
            for agreement in Agreement.objects.filter(priority__plan__in=ids):
                texts |= {agreement.text, agreement.expected_result}
                texts |= {r.text for r in agreement.results.all()}
    texts |= set(
        ProgressUpdate.objects.filter(is_public=True).values_list("text", flat=True)
    )
    return texts


def _within(text, allowed) -> bool:
    # A short title of an unpublished plan ("Woonoverlast") may be a word of a
    # published one; that is no leak.
    return any(text in other for other in allowed)


def secrets():
    """What must not appear: (what it is, the text)."""
    published = list(Plan.objects.published())
    allowed = shown_text(published)
    hidden = set()
    for plan in Plan.objects.all():
        listed = plan in published
        if not listed or not (plan.public_priorities or plan.public_actions):
            hidden |= {
                ("priority", t)
                for t in Priority.objects.filter(plan=plan).values_list("title", flat=1)
            }
        if not listed or not plan.public_priorities:
            hidden |= {
                ("agenda priority", t)
                for t in AgendaPriority.objects.filter(plan=plan).values_list(
                    "title", flat=True
                )
            }
        if not listed or not plan.public_actions:
            hidden |= {
                ("action", t)
                for t in Action.objects.filter(priority__plan=plan).values_list(
                    "title", flat=True
                )
            }
        if not listed or not plan.public_indicators:
            hidden |= {
                ("indicator", t)
                for t in Indicator.objects.filter(plan=plan).values_list("name", flat=1)
            }
    hidden |= {
        ("progress text", text)
        for text in ProgressUpdate.objects.filter(is_public=False).values_list(
            "text", flat=True
        )
    }
    hidden = {(what, text) for what, text in hidden if not _within(text, allowed)}
    for user in get_user_model().objects.all():
        hidden.add(("user's name", user.get_full_name()))
        # A username that is also an organisation's or a plan's word ("politie")
        # is checked as the whole account name only where it cannot be that word.
        if "." in user.username or not any(
            user.username.lower() in text.lower() for text in allowed
        ):
            hidden.add(("username", user.username))
    return hidden


def test_nothing_unpublished_personal_or_internal_is_public(seeded):
    hidden = secrets()
    kinds = Counter(what for what, _ in hidden)
    assert kinds["progress text"] > 20 and kinds["priority"] > 10, kinds
    assert kinds["action"] > 20 and kinds["indicator"] and kinds["user's name"], kinds
    programme = Action.objects.filter(priority__plan__slug=NOORDOOSTPOLDER_PROGRAMME)
    assert ("action", programme.first().title) in hidden
    client = Client()
    problems, shown = [], 0
    urls = public_urls()
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        body = response.content.decode()
        # Not even the 404 of what is not published sets or reads a cookie.
        if response.cookies:
            problems.append(f"{url}: sets {list(response.cookies)}")
        if "cookie" in response.get("Vary", "").lower():
            problems.append(f"{url}: varies on the cookie")
        if response.status_code == 200:
            shown += 1
            control = response.get("Cache-Control", "")
            if "public" not in control or "max-age" not in control:
                problems.append(f"{url}: Cache-Control {control!r}")
            if not response.get("ETag") or not response.get("Last-Modified"):
                problems.append(f"{url}: no ETag or Last-Modified")
        if match := EMAIL.search(body):
            problems.append(f"{url}: an e-mail address {match.group()}")
        for what, text in hidden:
            if text and text in body:
                problems.append(f"{url}: {what} {text[:60]!r}")
    assert not problems, "\n".join(problems[:30])
    assert shown >= 10 and len(urls) > 100


def test_stadskanaal_shows_its_published_ivp_with_7_priorities_and_19_agreements(
    seeded,
):
    client = Client()
    page = client.get("/openbaar/stadskanaal/").content.decode()
    assert f"/openbaar/stadskanaal/{STADSKANAAL_IVP}/" in page
    plan = client.get(f"/openbaar/stadskanaal/{STADSKANAAL_IVP}/").content.decode()
    assert plan.count('<h3 id="prioriteit-') == 7
    assert plan.count('class="ivp-agreement"') == 19
    data = client.get(f"/openbaar/stadskanaal/{STADSKANAAL_IVP}.json").json()
    assert data["licence"] == "CC BY 4.0"
    assert sum(1 for row in data["rows"] if row["kind"] == "agreement") == 19
    csv_text = client.get(f"/openbaar/stadskanaal/{STADSKANAAL_IVP}.csv").content
    assert b"creativecommons.org/licenses/by/4.0" in csv_text


def test_the_plan_page_shows_the_agendas_its_priorities_serve(
    seeded, django_db_blocker
):
    """As the annual report's chapter (AgendaPriority.objects.served()), and only
    when the municipality published its priorities."""
    client = Client()
    url = f"/openbaar/stadskanaal/{STADSKANAAL_IVP}/"
    served = AgendaPriority.objects.filter(plan__slug=STADSKANAAL_IVP).served()
    assert len(served) == 16
    page = html.unescape(client.get(url).content.decode())
    assert "Aansluiting op de regionale en landelijke prioriteiten" in page
    for row in served:
        assert row.title in page
        for priority in row.priorities:
            assert priority in page
    with django_db_blocker.unblock(), transaction.atomic():
        plan = Plan.objects.get(slug=STADSKANAAL_IVP)
        plan.public_priorities = False
        plan.save()
        hidden = html.unescape(client.get(url).content.decode())
        transaction.set_rollback(True)
    # Its priorities' titles may still show with its actions; the agendas do not.
    assert "Aansluiting op de regionale" not in hidden
    assert 'id="agenda"' not in hidden


def test_the_downloads_carry_the_agendas_the_page_shows(seeded, django_db_blocker):
    """The JSON lists each agenda priority with the codes of the plan's priorities
    that serve it, the CSV has a row per link, as the page (the same served()); with
    the priorities not published neither carries an agenda title."""
    client = Client()
    base = f"/openbaar/stadskanaal/{STADSKANAAL_IVP}"
    served = AgendaPriority.objects.filter(plan__slug=STADSKANAAL_IVP).served()
    data = client.get(f"{base}.json").json()
    assert [
        (a["level"], a["agenda"], a["title"], a["kind"]) for a in data["agenda"]
    ] == [(row.level, row.agenda, row.title, row.kind) for row in served]
    codes = dict(
        Priority.objects.filter(plan__slug=STADSKANAAL_IVP).values_list("title", "code")
    )
    for item, row in zip(data["agenda"], served, strict=True):
        assert {"issuer", "period"} <= item.keys()
        assert [p["code"] for p in item["priorities"]] == [
            codes[title] for _code, title in row.served_by
        ]
    assert any(item["priorities"] for item in data["agenda"])

    table = list(
        csv.DictReader(
            io.StringIO(client.get(f"{base}.csv").content.decode()), delimiter=";"
        )
    )
    assert {"agenda_level", "agenda", "agenda_issuer", "agenda_kind"} <= table[0].keys()
    linked = [
        (r["text"], r["agenda"], r["priority_code"])
        for r in table
        if r["kind"] == "agenda_priority"
    ]
    assert linked == [
        (a["title"], a["agenda"], p["code"])
        for a in data["agenda"]
        for p in a["priorities"] or [{"code": ""}]
    ]
    assert all(r["licence"] == "CC BY 4.0" for r in table)

    with django_db_blocker.unblock(), transaction.atomic():
        plan = Plan.objects.get(slug=STADSKANAAL_IVP)
        plan.public_priorities = False
        plan.save()
        downloads = [client.get(f"{base}.{format}") for format in ("json", "csv")]
        transaction.set_rollback(True)
    assert downloads[0].json()["agenda"] == []
    titles = {row.title for row in served}
    texts = {p.title for p in Priority.objects.filter(plan__slug=STADSKANAAL_IVP)}
    for response in downloads:
        body = response.content.decode()
        assert "agenda_priority" not in body
        # An agenda title that is not also one of its priorities' titles (which its
        # published actions may still show).
        assert not [t for t in titles if t in body and not _within(t, texts)]


def test_an_unpublished_plan_is_a_404_there(seeded):
    client = Client()
    for slug in ("veluwe-noord-ivp-2020-2023", "kamerik", NOORDOOSTPOLDER_IVP):
        assert client.get(f"/openbaar/stadskanaal/{slug}/").status_code == 404
    assert client.get("/openbaar/kampen/").status_code == 404
    programme = f"/openbaar/noordoostpolder/{NOORDOOSTPOLDER_PROGRAMME}/"
    assert client.get(programme).status_code == 404


def test_public_progress_text_is_shown_and_its_author_never(seeded, django_db_blocker):
    client = Client()
    with django_db_blocker.unblock(), transaction.atomic():
        plan = Plan.objects.get(slug=VELUWE_NOORD_PROGRAMME)
        plan.public_actions = True
        plan.save()
        update = ProgressUpdate.objects.filter(
            is_public=True, action__priority__plan=plan
        ).first()
        action = update.action
        latest_public = action.progress_updates.filter(is_public=True).order_by(
            "-date", "-id"
        )[0]
        page = client.get(f"/openbaar/epe/{VELUWE_NOORD_PROGRAMME}/")
        transaction.set_rollback(True)
    assert latest_public.text in page.content.decode()


def test_an_edit_or_unpublishing_shows_at_once(seeded, django_db_blocker):
    client = Client()
    url = f"/openbaar/stadskanaal/{STADSKANAAL_IVP}/"
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with django_db_blocker.unblock(), transaction.atomic():
        priority = Priority.objects.filter(plan__slug=STADSKANAAL_IVP).first()
        priority.title = "Een nieuwe titel voor deze prioriteit"
        priority.save()
        edited = client.get(url)
        assert edited["ETag"] != first["ETag"]
        assert "Een nieuwe titel voor deze prioriteit" in edited.content.decode()
        plan = Plan.objects.get(slug=STADSKANAAL_IVP)
        plan.set_published(False)
        plan.save()
        assert client.get(url).status_code == 404
        assert client.get("/openbaar/stadskanaal/").status_code == 404
        transaction.set_rollback(True)
