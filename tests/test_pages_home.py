"""The start page: the plans a user may see, each with its period, municipalities and a
one-line status summary; anonymous users are sent to the login."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import PlanFactory, UserFactory, dashboard_actions, dashboard_plan

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12


def test_root_is_the_start_page_and_anonymous_users_go_to_the_login(client):
    assert reverse("reports:home") == "/"
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("admin:login") + "?next=/"


def test_start_page_lists_only_visible_plans_with_their_summary(client):
    plan, reader = dashboard_plan()
    dashboard_actions(plan, 10)
    other = PlanFactory(title="Plan van een andere gemeente")
    client.force_login(reader)
    html = client.get("/").content.decode()
    assert plan.title in html
    assert other.title not in html
    assert "2021" in html
    for municipality in plan.municipalities.all():
        assert municipality.name in html
    # 10 actions: statuses cycle done, ongoing, at risk, not started, ongoing.
    assert (
        "Acties: 10 (2 afgerond, 4 loopt, 2 risico / vertraagd, 2 niet gestart)" in html
    )
    assert "te laat: 8" in html  # deadlines in 2021, eight not done


def test_user_without_memberships_is_told_whom_to_ask(client):
    client.force_login(UserFactory())
    assert "Vraag de beheerder" in client.get("/").content.decode()


def test_start_page_query_count_is_the_same_for_20_and_500_actions(client):
    plan, reader = dashboard_plan()
    client.force_login(reader)
    dashboard_actions(plan, 20)
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    dashboard_actions(plan, 480)
    with CaptureQueriesContext(connection) as large:
        html = client.get("/").content.decode()
    assert len(small) == len(large) <= MAX_QUERIES
    assert "Acties: 500" in html


def test_pages_use_no_inline_script_and_the_nl_design_system_css(client):
    plan, reader = dashboard_plan()
    client.force_login(reader)
    response = client.get("/")
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert (
        "<script" not in html and " style=" not in html and " on" + "click" not in html
    )
    assert "/static/nlds/index.css" in html
    assert "/static/nlds/theme.css" in html
    assert 'href="#inhoud"' in html and 'id="inhoud"' in html  # the skip link's target


def test_many_plans_come_ten_at_a_time_newest_first_at_the_same_query_cost(client):
    """A national installation: a driehoek member sees years of plans of their basisteam."""
    plan, reader = dashboard_plan()
    towns = list(plan.municipalities.all())
    client.force_login(reader)
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    older = [
        PlanFactory(
            title=f"Uitvoeringsprogramma {year}",
            start_year=year,
            end_year=year,
            municipalities=towns,
        )
        for year in range(2009, 2021)
    ]
    with CaptureQueriesContext(connection) as many:
        first = client.get("/")
    assert len(one) == len(many) <= MAX_QUERIES
    shown = [row["plan"] for row in first.context["rows"]]
    assert shown == [plan] + older[::-1][:9]
    html = first.content.decode()
    assert "13 plannen, nieuwste eerst." in html
    assert "Pagina 1 van 2" in html and 'rel="next"' in html
    second = client.get("/", {"page": 2})
    assert [row["plan"] for row in second.context["rows"]] == older[:3][::-1]
    assert 'rel="prev"' in second.content.decode()


@pytest.mark.parametrize(
    ("role", "enters_data"),
    [("officer", True), ("reader", False), ("council", False)],
)
def test_menu_offers_data_entry_only_to_who_enters_data(client, role, enters_data):
    from policies.models import Membership

    plan, _ = dashboard_plan()
    user = UserFactory(username=f"menu-{role}", is_staff=True)
    Membership.objects.create(
        user=user, organisation=plan.municipalities.first(), role=role
    )
    client.force_login(user)
    html = client.get("/").content.decode()
    assert ("Mijn acties</a>" in html) is enters_data
    assert ("Invoer (beheer)</a>" in html) is enters_data
    assert "Alle acties</a>" in html
