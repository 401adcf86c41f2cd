"""`manage.py report`: the same reports from the command line, into a file."""

import datetime as dt
import os
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command

from policies.models import Membership
from tests.factories import (
    ActionFactory,
    MeetingFactory,
    MunicipalityFactory,
    PriorityFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None
        and os.environ.get("CI", "").lower() != "true",
        reason="poppler-utils is missing (.ci/run installs it)",
    ),
]


@pytest.fixture
def plan():
    priority = PriorityFactory(
        plan__slug="hattem-2021",
        plan__title="Uitvoeringsprogramma Hattem 2021",
        plan__start_year=2021,
        plan__end_year=2021,
        plan__municipalities=[MunicipalityFactory(name="Hattem")],
    )
    ActionFactory(priority=priority, title="Keurmerk Veilig Ondernemen verlengen")
    return priority.plan


def _text(path) -> str:
    return " ".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout.split()
    )


def test_annual_report_by_slug_written_to_a_file(plan, tmp_path, capsys):
    target = tmp_path / "jaarverslag.pdf"
    call_command("report", "annual", "hattem-2021", "--year", "2021", "-o", str(target))
    assert "Keurmerk Veilig Ondernemen verlengen" in _text(target)
    assert str(target) in capsys.readouterr().out


def test_quarterly_report_by_number(plan, tmp_path):
    target = tmp_path / "k3.pdf"
    call_command(
        "report",
        "quarterly",
        str(plan.pk),
        "--year",
        "2021",
        "--quarter",
        "3",
        "-o",
        str(target),
    )
    assert "3e kwartaal 2021" in _text(target)


def test_agenda_by_meeting_number(plan, tmp_path):
    meeting = MeetingFactory(date=dt.date(2021, 9, 9))
    meeting.plans.add(plan)
    meeting.actions.add(*plan.priorities.get().actions.all())
    target = tmp_path / "agenda.pdf"
    call_command("report", "agenda", "--meeting", str(meeting.pk), "-o", str(target))
    assert "Keurmerk Veilig Ondernemen verlengen" in _text(target)


def test_as_a_user_only_plans_they_may_see(plan, tmp_path):
    outsider = UserFactory(username="raad.elders")
    Membership.objects.create(
        user=outsider,
        organisation=MunicipalityFactory(name="Elders"),
        role=Membership.Role.COUNCIL,
    )
    target = tmp_path / "x.pdf"
    with pytest.raises(
        CommandError, match="no plan hattem-2021 that you may see|geen plan"
    ):
        call_command(
            "report",
            "annual",
            "hattem-2021",
            "--year",
            "2021",
            "--user",
            "raad.elders",
            "-o",
            str(target),
        )
    assert not target.exists()


def test_a_wrong_quarter_is_refused_in_dutch(plan, tmp_path):
    with pytest.raises(CommandError, match="Het kwartaal moet 1, 2, 3 of 4 zijn."):
        call_command(
            "report",
            "quarterly",
            "hattem-2021",
            "--year",
            "2021",
            "--quarter",
            "5",
            "-o",
            str(tmp_path / "x.pdf"),
        )
