"""The council's page of a plan, "Afspraken en resultaten": the Stadskanaal plan as its
council member reads it, the same summary as the annual PDF, and nothing to enter."""

import datetime as dt
import re
import shutil

import pytest
from django.urls import reverse

from actions.demo import demo_progress_load
from policies.demo import demo_results_load, demo_users_load
from policies.models import Agreement, Membership, Organisation, Plan, Result, Target
from policies.seeds import seeds_load
from reports import pdf

from .factories import (
    AgreementFactory,
    IndicatorFactory,
    MeasurementFactory,
    MunicipalityFactory,
    PartnerFactory,
    PlanFactory,
    PriorityFactory,
    SubPriorityFactory,
    UserFactory,
)
from .queries import PAGE_MAX_QUERIES, count_queries

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 1, 15)
STADSKANAAL = "stadskanaal-ivp-2020-2024"


@pytest.fixture
def seeded():
    seeds_load()
    demo_progress_load()
    demo_results_load(today=TODAY)
    demo_users_load(password="demo-wachtwoord-2021")
    return Plan.objects.get(slug=STADSKANAAL)


def log_in(client, username):
    client.force_login(Membership.objects.filter(user__username=username)[0].user)


def results_url(plan, year=None):
    url = reverse("reports:plan_results", args=[plan.pk])
    return f"{url}?jaar={year}" if year else url


def text_of(html: str) -> str:
    """The page's main content as a reader sees it: no tags, whitespace folded."""
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def summary_rows(html: str) -> list[list[str]]:
    """The cells of the summary table (#jaaroverzicht), body and total, as text."""
    table = html[html.index('id="jaaroverzicht"') :]
    table = table[table.index("<tbody") : table.index("</table>")]
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        )
    ]


def test_council_member_reads_the_19_agreements_with_expected_and_achieved_results(
    client, seeded
):
    log_in(client, "raad.stadskanaal")
    response = client.get(results_url(seeded, 2021))
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(html)
    assert "Afspraken en resultaten 2021" in text
    # Every priority with its objective, every agreement with its expected result.
    agreements = Agreement.objects.filter(priority__plan=seeded)
    assert agreements.count() == 19
    assert html.count('data-agreement="') == 19
    for priority in seeded.priorities.all():
        assert str(priority) in text
        assert " ".join(priority.objective.split())[:60] in text
    for agreement in agreements:
        assert " ".join(agreement.expected_result.split())[:60] in text
    # The achieved results of 2021 in words (not only a colour), with the explanation.
    of_2021 = Result.objects.filter(agreement__in=agreements, year=2021)
    reported = html.count('data-result="') - html.count('data-result="none"')
    assert reported == of_2021.count() > 0
    for word in ("Behaald", "Deels behaald", "Niet behaald"):
        assert f">{word}</span>" in html
    assert "Behaald [Illustratief] Uitgevoerd zoals afgesproken" in text
    # An agreement without a 2021 result names the years it did report on.
    assert "Nog niet gerapporteerd." in text and "Andere jaren" in text
    # Owners and planning as the plan states them.
    assert "Trekker Stadskanaal" in text and "Planning 2020" in text


def test_council_member_finds_nothing_to_enter(client, seeded):
    log_in(client, "raad.stadskanaal")
    html = client.get(results_url(seeded, 2021)).content.decode()
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [h for h in hrefs if "/admin/" in h and "logout" not in h]
    assert not [h for h in hrefs if re.search(r"bewerken|nieuw|resultaat|voortgang", h)]
    for label in ("Mijn acties", "Invoer (beheer)", "bewerken", "Bewerken"):
        assert label not in html
    # No form that writes: only the year chooser (GET), logout and the language.
    forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"', html)
    assert set(forms) <= {reverse("admin:logout"), reverse("set_language")}


def test_summary_is_the_annual_reports(client, seeded):
    """The page's summary table and sentence are the annual PDF's, figure for figure."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed (.ci/run installs it)")
    from .test_pdf_reports import pdf_pages

    log_in(client, "raad.stadskanaal")
    html = client.get(results_url(seeded, 2021)).content.decode()
    rows = summary_rows(html)
    assert len(rows) == 7 + 1  # seven priorities and the total
    assert rows[-1][0] == "Totaal" and rows[-1][1] == "19"
    sentence = text_of(html).split("Samenvatting 2021 ", 1)[1].split(". ")[0] + "."
    assert sentence.startswith("Resultaten 2021 van 19 afspraken:")
    report = " ".join(pdf_pages(pdf.annual_report_pdf(seeded, year=2021, today=TODAY)))
    for row in rows:
        assert " ".join(row) in report, row
    assert sentence in report


def test_year_chooser_defaults_like_the_dashboard_and_explains_a_wrong_year(
    client, seeded
):
    log_in(client, "raad.stadskanaal")
    dashboard = client.get(reverse("reports:plan", args=[seeded.pk]))
    year = dashboard.context["period"].year
    response = client.get(results_url(seeded))
    assert response.context["year"] == year
    wrong = client.get(results_url(seeded, 1999))
    assert wrong.status_code == 200 and wrong.context["year"] == year
    assert "Het jaar is niet begrepen" in wrong.content.decode()
    # The other years of an agreement link to that year.
    assert (
        f'href="?jaar={year}#prioriteit-'
        in client.get(
            results_url(seeded, 2021 if year != 2021 else 2020)
        ).content.decode()
    )


def test_others_get_404_and_the_dashboard_and_start_page_lead_here(client, seeded):
    url = results_url(seeded, 2021)
    log_in(client, "oov.hattem")
    assert client.get(url).status_code == 404
    log_in(client, "lezer.veluwe-noord")
    assert client.get(url).status_code == 404
    log_in(client, "oov.stadskanaal")
    assert client.get(url).status_code == 200

    log_in(client, "raad.stadskanaal")
    home = client.get(reverse("reports:home")).content.decode()
    assert f'href="{reverse("reports:plan_results", args=[seeded.pk])}"' in home
    # The complaint: the dashboard of a plan of agreements was a wall of zeros. It now
    # says what the plan holds and leads to its agreements and results.
    dashboard = client.get(
        reverse("reports:plan", args=[seeded.pk]) + "?periode=jaar&jaar=2021"
    ).content.decode()
    assert f'href="{url}"' in dashboard
    assert "Dit plan bevat 19 afspraken tussen de partners." in text_of(dashboard)
    assert 'id="per-prioriteit"' not in dashboard  # no table of zero actions


def test_query_count_does_not_grow_with_agreements(client):
    municipality = MunicipalityFactory()
    partner = PartnerFactory()
    plan = PlanFactory(municipalities=[municipality], start_year=2021, end_year=2022)
    top = PriorityFactory(plan=plan, code="1", objective="Minder overlast")
    sub = SubPriorityFactory(parent=top, code="1.1")
    indicator = IndicatorFactory(plan=plan, name="Overlastmeldingen", baseline_value=50)
    Target.objects.create(indicator=indicator, kind="absolute", value=40, year=2022)
    MeasurementFactory(indicator=indicator, year=2021, value=45)
    council = UserFactory()
    Membership.objects.create(user=council, organisation=municipality, role="council")
    client.force_login(council)

    def add_agreements(n):
        for i in range(n):
            agreement = AgreementFactory(
                priority=sub if i % 2 else top, expected_result=f"Beoogd {i}"
            )
            agreement.owners.set([municipality])
            agreement.partners.set([partner])
            for year in (2021, 2022):
                Result.objects.create(
                    agreement=agreement,
                    year=year,
                    assessment=Result.Assessment.values[i % 3],
                    text=f"Resultaat {i} in {year}",
                )

    add_agreements(3)
    small, _ = count_queries(client, results_url(plan, 2021))
    add_agreements(40)
    large, response = count_queries(client, results_url(plan, 2021))
    # The frame (session, user, memberships), the plan, its priorities and their
    # actions (2), the agreements with owners, partners and results (4) and the
    # indicators with measurements and targets (3).
    assert small == large <= 13 < PAGE_MAX_QUERIES
    text = text_of(response.content.decode())
    assert "Resultaten 2021 van 43 afspraken:" in text
    # The indicator against its baseline and target, as on the dashboard.
    assert (
        "Overlastmeldingen" in text and "Uitgangswaarde" in text and "Doel 2022" in text
    )
    assert Organisation.objects.count() == 2


def test_an_ivps_dashboard_counts_its_programmes_agreements_and_no_other_plans(client):
    """An IVP holds its own agreements and its programmes' (Plan.objects.family_of),
    a programme only its own; a plan beside them adds nothing."""
    municipality = MunicipalityFactory()
    ivp = PlanFactory(municipalities=[municipality])
    programme = PlanFactory(
        municipalities=[municipality],
        kind=Plan.Kind.PROGRAMME,
        parent=ivp,
        start_year=2021,
        end_year=2021,
    )
    beside = PlanFactory(municipalities=[municipality])
    for plan, n in ((ivp, 1), (programme, 2), (beside, 4)):
        priority = PriorityFactory(plan=plan)
        for i in range(n):
            AgreementFactory(priority=priority, expected_result=f"Beoogd {i}")
    council = UserFactory()
    Membership.objects.create(user=council, organisation=municipality, role="council")
    client.force_login(council)

    def said(plan):
        url = reverse("reports:plan", args=[plan.pk]) + "?periode=jaar&jaar=2021"
        return text_of(client.get(url).content.decode())

    assert "Dit plan bevat 3 afspraken tussen de partners." in said(ivp)
    assert "Dit plan bevat 2 afspraken tussen de partners." in said(programme)
    assert "Dit plan bevat 4 afspraken tussen de partners." in said(beside)
