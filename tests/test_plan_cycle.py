"""The plan cycle (issue 17): an IVP with its yearly programmes, and next year's
programme made from this year's with the unfinished actions carried over."""

import datetime as dt

import pytest
from django.urls import reverse

from actions.annual import AnnualSummary
from actions.cycle import next_programme
from actions.models import Action, Status
from actions.state import PlanState
from ivp.periods import Period
from policies.models import Agreement, Membership, Plan, Priority, Result
from policies.results import ResultsSummary

from .factories import (
    ActionFactory,
    AgreementFactory,
    IndicatorFactory,
    MunicipalityFactory,
    PartnerFactory,
    PlanFactory,
    PriorityFactory,
    UserFactory,
)
from .queries import PAGE_MAX_QUERIES, count_queries

pytestmark = pytest.mark.django_db


class Cycle:
    """Epe and Hattem's IVP 2020-2023 with its 2021 programme: a priority tree, two
    priorities without actions, and actions of every kind of status."""

    def __init__(self):
        self.epe = MunicipalityFactory(name="Epe")
        self.hattem = MunicipalityFactory(name="Hattem")
        self.police = PartnerFactory(name="Politie")
        self.ivp = PlanFactory(
            title="IVP 2020-2023",
            slug="ivp-2020-2023",
            start_year=2020,
            end_year=2023,
            municipalities=[self.epe, self.hattem],
        )
        self.ivp_priority = PriorityFactory(plan=self.ivp, code="A", title="Visie")
        self.programme = PlanFactory(
            title="Uitvoeringsprogramma 2021",
            slug="uvp-2021",
            kind=Plan.Kind.PROGRAMME,
            start_year=2021,
            end_year=2021,
            parent=self.ivp,
            municipalities=[self.epe, self.hattem],
        )
        self.programme.partners.add(self.police)
        self.top = PriorityFactory(plan=self.programme, code="1", title="Zorg")
        self.sub = PriorityFactory(
            plan=self.programme, parent=self.top, code="1.1", title="Jeugd"
        )
        # Without actions: a top priority and a sub-priority (issue 17, item 7).
        self.empty = PriorityFactory(
            plan=self.programme, code="2", title="Ondermijning"
        )
        self.empty_sub = PriorityFactory(
            plan=self.programme, parent=self.top, code="1.2", title="Woonoverlast"
        )
        self.open = {
            status: ActionFactory(
                priority=self.sub if status == Status.AT_RISK else self.top,
                title=f"Open {status}",
                status=status,
                deadline=dt.date(2021, 10, 1),
                owners=[self.epe],
            )
            for status in (Status.NOT_STARTED, Status.ONGOING, Status.AT_RISK)
        }
        self.open[Status.AT_RISK].owners.add(self.hattem)
        self.open[Status.AT_RISK].partners.add(self.police)
        self.closed = [
            ActionFactory(priority=self.top, title=f"Dicht {status}", status=status)
            for status in Status.closed_values()
        ]
        self.agreement = AgreementFactory(priority=self.top, text="Afspraak zorg")
        self.indicator = IndicatorFactory(plan=self.programme, name="Inbraken")
        self.officer = self._user("oov.beide", [self.epe, self.hattem], "officer")
        self.programme.coordinators.add(self.officer)
        self.epe_officer = self._user("oov.epe", [self.epe], "officer")
        self.reader = self._user("lezer.epe", [self.epe], "reader")
        self.outsider = self._user("oov.elders", [MunicipalityFactory()], "officer")

    @staticmethod
    def _user(username, organisations, role):
        user = UserFactory(username=username)
        for organisation in organisations:
            Membership.objects.create(user=user, organisation=organisation, role=role)
        return user

    @property
    def url(self):
        return reverse("reports:next_programme", args=[self.programme.pk])


@pytest.fixture
def cycle():
    return Cycle()


def _numbers():
    return (Plan.objects.count(), Priority.objects.count(), Action.objects.count())


def test_preview_lists_what_will_be_made_and_saves_nothing(client, cycle):
    before = _numbers()
    client.force_login(cycle.officer)
    response = client.get(cycle.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Programma voor 2022 maken" in html
    assert "Uitvoeringsprogramma 2022" in html
    assert "4 prioriteiten, gekopieerd met hun plaats in de boom" in html
    assert "3 niet afgeronde acties worden overgenomen" in html
    for action in cycle.open.values():
        assert f'data-action="{action.pk}"' in html
    for action in cycle.closed:
        assert f'data-action="{action.pk}"' not in html
    assert _numbers() == before


def test_confirm_makes_the_programme_priorities_and_carried_over_actions(client, cycle):
    client.force_login(cycle.officer)
    response = client.post(cycle.url, {"jaar": "2022"})
    made = Plan.objects.get(start_year=2022)
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:plan", args=[made.pk])
    assert (made.title, made.slug, made.end_year) == (
        "Uitvoeringsprogramma 2022",
        "uvp-2022",
        2022,
    )
    assert made.kind == Plan.Kind.PROGRAMME and made.parent == cycle.ivp
    assert made.status == Plan.Status.CONCEPT
    assert set(made.municipalities.all()) == {cycle.epe, cycle.hattem}
    assert list(made.partners.all()) == [cycle.police]
    assert list(made.coordinators.all()) == [cycle.officer]
    # The same tree.
    copies = {p.code: p for p in made.priorities.select_related("parent")}
    assert set(copies) == {"1", "1.1", "1.2", "2"}
    assert copies["1.1"].parent == copies["1"] and copies["1.2"].parent == copies["1"]
    assert copies["2"].parent is None and copies["2"].title == "Ondermijning"
    # The unfinished actions, each a new action linked to the old one.
    carried = {a.carried_over_from_id: a for a in Action.objects.for_plan(made)}
    assert set(carried) == {a.pk for a in cycle.open.values()}
    for old in cycle.open.values():
        new = carried[old.pk]
        assert (new.title, new.status, new.deadline) == (
            old.title,
            old.status,
            old.deadline,
        )
        assert new.in_plan_since == dt.date(2022, 1, 1)
        assert new.priority.code == old.priority.code
        assert set(new.owners.all()) == set(old.owners.all())
        assert set(new.partners.all()) == set(old.partners.all())
        assert list(old.carried_over_to.all()) == [new]
        # The new action's history starts with who made it.
        assert new.history.earliest().history_user == cycle.officer
    # Last year's programme is as it was.
    for old in cycle.open.values():
        refreshed = Action.objects.get(pk=old.pk)
        assert refreshed.priority.plan == cycle.programme
        assert refreshed.status == old.status


def test_closed_actions_are_not_carried_over(cycle):
    preview = next_programme(cycle.programme)
    assert {a.pk for a in preview.actions} == {a.pk for a in cycle.open.values()}
    made = preview.save(by=cycle.officer)
    titles = set(Action.objects.for_plan(made).values_list("title", flat=True))
    assert titles == {a.title for a in cycle.open.values()}
    assert not Action.objects.filter(carried_over_from__in=cycle.closed).exists()


def test_the_action_pages_link_the_old_and_the_new_action(client, cycle):
    made = next_programme(cycle.programme).save(by=cycle.officer)
    old = cycle.open[Status.ONGOING]
    new = Action.objects.for_plan(made).get(carried_over_from=old)
    client.force_login(cycle.reader)
    new_page = client.get(reverse("reports:action", args=[new.pk])).content.decode()
    assert "Voortgezet uit" in new_page
    assert reverse("reports:action", args=[old.pk]) in new_page
    old_page = client.get(reverse("reports:action", args=[old.pk])).content.decode()
    assert "Voortgezet in" in old_page
    assert reverse("reports:action", args=[new.pk]) in old_page


def test_a_second_programme_for_the_same_year_is_refused(client, cycle):
    client.force_login(cycle.officer)
    assert client.post(cycle.url, {"jaar": "2022"}).status_code == 302
    before = _numbers()
    response = client.post(cycle.url, {"jaar": "2022"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Het IVP heeft al een programma voor 2022" in html
    assert "Er is niets opgeslagen" in html or "Niets opgeslagen" in html
    assert _numbers() == before
    # The preview says so too, and offers no button.
    preview = client.get(cycle.url).content.decode()
    assert "Het IVP heeft al een programma voor 2022" in preview
    assert 'name="jaar"' not in preview


def test_a_post_without_the_confirmed_year_makes_nothing(client, cycle):
    client.force_login(cycle.officer)
    before = _numbers()
    response = client.post(cycle.url, {})
    assert response.status_code == 400
    assert "Bevestig het maken van het programma voor 2022" in response.content.decode()
    assert _numbers() == before


def test_a_programme_beyond_the_ivp_is_refused(client, cycle):
    cycle.ivp.end_year = 2021
    cycle.ivp.save()
    client.force_login(cycle.officer)
    response = client.post(cycle.url, {"jaar": "2022"})
    assert response.status_code == 400
    assert "Het IVP loopt tot en met 2021" in response.content.decode()
    assert not Plan.objects.filter(start_year=2022).exists()


def test_only_from_a_programme(client, cycle):
    client.force_login(cycle.officer)
    url = reverse("reports:next_programme", args=[cycle.ivp.pk])
    before = _numbers()
    response = client.post(url, {"jaar": "2024"})
    assert response.status_code == 400
    assert "Alleen vanuit een jaarprogramma" in response.content.decode()
    assert _numbers() == before


@pytest.mark.parametrize("who", ["reader", "epe_officer"])
def test_who_may_not_change_the_whole_programme_gets_403(client, cycle, who):
    client.force_login(getattr(cycle, who))
    before = _numbers()
    assert client.get(cycle.url).status_code == 403
    assert client.post(cycle.url, {"jaar": "2022"}).status_code == 403
    assert _numbers() == before
    # Nor is the button offered on the programme's dashboard.
    dashboard = client.get(reverse("reports:plan", args=[cycle.programme.pk]))
    assert cycle.url not in dashboard.content.decode()


def test_who_may_not_see_the_programme_gets_404(client, cycle):
    client.force_login(cycle.outsider)
    assert client.get(cycle.url).status_code == 404
    assert client.post(cycle.url, {"jaar": "2022"}).status_code == 404


def test_the_programme_dashboard_offers_the_next_programme(client, cycle):
    client.force_login(cycle.officer)
    html = client.get(reverse("reports:plan", args=[cycle.programme.pk])).content
    html = html.decode()
    assert cycle.url in html and "Programma voor 2022 maken" in html
    assert reverse("reports:plan", args=[cycle.ivp.pk]) in html  # its IVP


def test_ivp_dashboard_lists_its_programmes_and_rolls_them_up(client, cycle):
    made = next_programme(cycle.programme).save(by=cycle.officer)
    client.force_login(cycle.reader)
    url = reverse("reports:plan", args=[cycle.ivp.pk])
    response = client.get(url, {"periode": "jaar", "jaar": 2022})
    html = response.content.decode()
    assert "Programma&#x27;s van dit IVP" in html or "Programma's van dit IVP" in html
    for programme in (cycle.programme, made):
        assert f'data-programme="{programme.pk}"' in html
        assert reverse("reports:plan", args=[programme.pk]) in html
    state = response.context["state"]
    # 2022: the IVP's own (none) and the 2022 programme's carried-over actions, not
    # the 2021 programme's originals a second time.
    assert state.total == 3
    assert state.counts == PlanState(made, Period(2022)).counts
    # The programme rows are each programme's own state on the day shown.
    for row in state.programme_rows:
        assert row.counts == PlanState(row.plan, Period(2022)).counts
    # 2021: the 2021 programme's actions, all six of them.
    state_2021 = client.get(url, {"periode": "jaar", "jaar": 2021}).context["state"]
    assert state_2021.total == 6
    assert state_2021.counts == PlanState(cycle.programme, Period(2021)).counts
    # Its priorities are the IVP's and the programme's, each under its plan's name.
    html_2021 = client.get(url, {"periode": "jaar", "jaar": 2021}).content.decode()
    assert f'data-plan="{cycle.programme.pk}"' in html_2021
    assert f'data-priority="{cycle.ivp_priority.pk}"' in html_2021
    assert f'data-priority="{cycle.sub.pk}"' in html_2021


def test_the_annual_report_of_an_ivp_covers_its_programme_of_that_year(cycle):
    summary = AnnualSummary(cycle.ivp, 2021)
    programme = AnnualSummary(cycle.programme, 2021)
    assert summary.totals == programme.totals
    assert summary.totals["agreements"] == 1
    assert ResultsSummary(cycle.ivp, 2021).of(cycle.top).agreements[0].agreement == (
        cycle.agreement
    )
    # Another year's programme is not in it.
    assert AnnualSummary(cycle.ivp, 2023).totals["agreements"] == 0


def test_the_ivp_dashboard_shows_the_programmes_indicators(client, cycle):
    client.force_login(cycle.reader)
    url = reverse("reports:plan", args=[cycle.ivp.pk])
    response = client.get(url, {"periode": "jaar", "jaar": 2021})
    names = [item["indicator"].name for item in response.context["indicators"]]
    assert names == ["Inbraken"]


def test_priorities_without_actions_are_shown(client, cycle):
    client.force_login(cycle.reader)
    response = client.get(reverse("reports:plan", args=[cycle.programme.pk]))
    html = response.content.decode()
    for priority in (cycle.empty, cycle.empty_sub, cycle.top, cycle.sub):
        assert f'data-priority="{priority.pk}"' in html
    assert "Woonoverlast" in html and "Ondermijning" in html


def test_a_plan_of_only_priorities_shows_them(client, cycle):
    bare = PlanFactory(municipalities=[cycle.epe])
    top = PriorityFactory(plan=bare, code="1", title="Veilige wijken")
    sub = PriorityFactory(plan=bare, parent=top, code="1.1", title="Buurtpreventie")
    client.force_login(cycle.reader)
    html = client.get(reverse("reports:plan", args=[bare.pk])).content.decode()
    assert f'data-priority="{top.pk}"' in html and f'data-priority="{sub.pk}"' in html


def test_query_counts_do_not_grow_with_actions_or_programmes(client, cycle):
    client.force_login(cycle.officer)
    ivp_url = reverse("reports:plan", args=[cycle.ivp.pk]) + "?periode=jaar&jaar=2021"
    small_ivp, _ = count_queries(client, ivp_url)
    small_preview, _ = count_queries(client, cycle.url)
    for i in range(30):
        ActionFactory(priority=cycle.sub, title=f"Extra {i}", status=Status.ONGOING)
    # Programmes of other years (not 2022, which the preview would then refuse).
    for year in (2020, 2023):
        PlanFactory(
            kind=Plan.Kind.PROGRAMME,
            parent=cycle.ivp,
            start_year=year,
            end_year=year,
            municipalities=[cycle.epe, cycle.hattem],
        )
    large_ivp, response = count_queries(client, ivp_url)
    assert len(response.context["programmes"]) == 3
    large_preview, _ = count_queries(client, cycle.url)
    assert small_ivp == large_ivp <= PAGE_MAX_QUERIES
    assert small_preview == large_preview <= PAGE_MAX_QUERIES


def test_a_plan_of_agreements_without_actions_shows_its_priorities(client, cycle):
    agreements_only = PlanFactory(municipalities=[cycle.epe])
    top = PriorityFactory(plan=agreements_only, code="1", title="Veilige wijken")
    sub = PriorityFactory(
        plan=agreements_only, parent=top, code="1.1", title="Buurtpreventie"
    )
    AgreementFactory(priority=sub, text="Buurtpreventie-apps in elke wijk")
    client.force_login(cycle.reader)
    response = client.get(reverse("reports:plan", args=[agreements_only.pk]))
    html = response.content.decode()
    results = reverse("reports:plan_results", args=[agreements_only.pk])
    for priority in (top, sub):
        assert f'data-priority="{priority.pk}"' in html
        assert f"#prioriteit-{priority.pk}" in html
    assert results in html


def test_agreements_still_to_keep_are_copied_and_carried_actions_keep_theirs(
    client, cycle
):
    """An agreement goes along unless it was achieved in the programme's year and no
    carried-over action works on it; a carried-over action points to the copy."""
    achieved = AgreementFactory(priority=cycle.sub, text="Afspraak behaald")
    worked_on = AgreementFactory(priority=cycle.sub, text="Behaald, actie loopt")
    for agreement in (achieved, worked_on):
        Result.objects.create(
            agreement=agreement,
            year=2021,
            text="Gedaan.",
            assessment=Result.Assessment.ACHIEVED,
        )
    Result.objects.create(
        agreement=cycle.agreement,
        year=2021,
        text="Half.",
        assessment=Result.Assessment.PARTLY,
    )
    carried = cycle.open[Status.AT_RISK]
    carried.agreement = worked_on
    carried.save()
    cycle.agreement.owners.add(cycle.epe)

    client.force_login(cycle.officer)
    html = client.get(cycle.url).content.decode()
    assert "2 afspraken worden meegenomen" in html
    assert f'data-agreement="{cycle.agreement.pk}"' in html
    assert f'data-agreement="{worked_on.pk}"' in html
    assert f'data-agreement="{achieved.pk}"' not in html

    client.post(cycle.url, {"jaar": "2022"})
    made = Plan.objects.get(start_year=2022)
    copies = {a.text: a for a in Agreement.objects.filter(priority__plan=made)}
    assert set(copies) == {"Afspraak zorg", "Behaald, actie loopt"}
    assert copies["Afspraak zorg"].priority.code == "1"
    assert list(copies["Afspraak zorg"].owners.all()) == [cycle.epe]
    assert not Result.objects.filter(agreement__in=copies.values()).exists()
    new = Action.objects.get(carried_over_from=carried)
    assert new.agreement == copies["Behaald, actie loopt"]
    # Last year's agreements and results are as they were.
    assert Agreement.objects.filter(priority__plan=cycle.programme).count() == 3
    assert Result.objects.filter(year=2021).count() == 3
