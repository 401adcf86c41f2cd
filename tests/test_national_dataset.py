"""The national-scale dataset: consistent, deterministic, and usable through the pages."""

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse

from actions.models import Action, Meeting, ProgressUpdate
from bench.national import SLUG_PREFIX, NationalDataset
from policies.models import Measurement, Organisation, Plan

pytestmark = pytest.mark.django_db

SMALL = {"teams": 3, "municipalities": 7, "actions_per_programme": (4, 8)}


class Rollback(Exception):
    pass


def digest() -> str:
    """The generated content by natural values (primary keys differ between runs)."""
    rows = [
        *Plan.objects.filter(slug__startswith=SLUG_PREFIX)
        .order_by("slug")
        .values_list("slug", "title", "parent__slug"),
        *Action.objects.order_by("priority__plan__slug", "position").values_list(
            "priority__plan__slug",
            "priority__code",
            "title",
            "deadline",
            "status",
            "percentage",
        ),
        *ProgressUpdate.objects.order_by(
            "action__priority__plan__slug", "action__position", "date", "status"
        ).values_list(
            "action__priority__plan__slug", "action__position", "date", "status"
        ),
        *Measurement.objects.order_by(
            "indicator__name", "year", "period_type", "period_number"
        ).values_list("indicator__name", "year", "period_number", "value"),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_the_same_seed_makes_the_same_dataset():
    digests = []
    for _ in range(2):
        try:
            with transaction.atomic():
                NationalDataset(**SMALL).run()
                digests.append(digest())
                raise Rollback
        except Rollback:
            pass
    assert digests[0] == digests[1]
    try:
        with transaction.atomic():
            NationalDataset(**SMALL, seed=7).run()
            assert digest() != digests[0]
            raise Rollback
    except Rollback:
        pass


def test_rows_are_consistent():
    summary = NationalDataset(**SMALL).run()
    assert summary.counts["gemeenten"] == 7
    assert Organisation.objects.municipalities().count() == 7
    # Two IVPs and eight programmes per basisteam, each programme under its IVP.
    assert Plan.objects.filter(kind=Plan.Kind.IVP).count() == 6
    programmes = Plan.objects.filter(kind=Plan.Kind.PROGRAMME)
    assert programmes.count() == 24
    assert not programmes.filter(parent__isnull=True).exists()
    for plan in programmes.select_related("parent"):
        assert plan.parent.start_year <= plan.start_year <= plan.parent.end_year
    # Every municipality is in exactly one basisteam.
    per_town = Organisation.objects.municipalities().annotate(n=Count("plans"))
    assert {town.n for town in per_town} == {10}
    # An action's status, percentage and date are those of its latest progress update.
    latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by(
        "-date", "-id"
    )
    actions = Action.objects.annotate(
        latest_status=Subquery(latest.values("status")[:1]),
        latest_date=Subquery(latest.values("date")[:1]),
        latest_percentage=Subquery(latest.values("percentage")[:1]),
    )
    assert actions.count() == summary.counts["acties"] > 0
    with_updates = actions.filter(latest_date__isnull=False)
    assert with_updates.count() > actions.count() / 2
    for action in with_updates:
        assert (action.status, action.percentage, action.last_update_on) == (
            action.latest_status,
            action.latest_percentage,
            action.latest_date,
        )
    assert ProgressUpdate.objects.count() == summary.counts["voortgangsberichten"]
    assert not ProgressUpdate.objects.filter(date__gt=dt.date(2026, 11, 30)).exists()
    # Each action is on the agenda of its basisteam's driehoek in its deadline's quarter.
    for action in Action.objects.prefetch_related("meetings__plans")[:50]:
        (meeting,) = action.meetings.all()
        assert (meeting.date.year, (meeting.date.month - 1) // 3) == (
            action.deadline.year,
            (action.deadline.month - 1) // 3,
        )
        assert action.priority.plan in meeting.plans.all()
    assert Meeting.objects.count() == 3 * 8 * 4
    assert Measurement.objects.count() == summary.counts["metingen"] == 7 * 3 * 50


def test_a_generated_officer_sees_their_basisteam_and_nothing_else(client):
    NationalDataset(**SMALL, password="proef-wachtwoord-123").run()
    town = Organisation.objects.municipalities().order_by("cbs_code").first()
    officer = get_user_model().objects.get(username=f"oov.{town.cbs_code.lower()}")
    assert officer.check_password("proef-wachtwoord-123")
    client.force_login(officer)
    response = client.get(reverse("reports:home"))
    assert response.status_code == 200
    shown = {row["plan"] for row in response.context["rows"]}
    assert shown == set(Plan.objects.filter(municipalities=town))
    plan = Plan.objects.filter(
        municipalities=town, kind=Plan.Kind.PROGRAMME, start_year=2026
    ).get()
    assert client.get(reverse("reports:plan", args=[plan.pk])).status_code == 200
    other = Plan.objects.exclude(municipalities=town).first()
    assert client.get(reverse("reports:plan", args=[other.pk])).status_code == 404


def test_the_command_refuses_a_second_run_and_sqlite_without_asking():
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command(
                "generate_national_dataset", "--teams", "1", "--municipalities", "1"
            )
    call_command(
        "generate_national_dataset",
        "--teams",
        "1",
        "--municipalities",
        "2",
        "--allow-sqlite",
        stdout=open("/dev/null", "w"),
    )
    with pytest.raises(CommandError, match="al"):
        call_command(
            "generate_national_dataset",
            "--teams",
            "1",
            "--municipalities",
            "2",
            "--allow-sqlite",
        )
