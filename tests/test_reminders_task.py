"""Reminders as a scheduled Celery task (issue 19, item 3): the same code as the
management command, sent by a real worker, started every morning by beat."""

import datetime as dt
import email
import email.policy

import pytest
from celery.schedules import crontab
from django.conf import settings

from actions.models import ReminderItem, ReminderMail
from actions.tasks import send_reminders
from policies.models import Membership

from .factories import ActionFactory, MunicipalityFactory, PlanFactory, UserFactory

DAY = dt.date(2021, 6, 16)  # the day before the factories' deadline of 17 June 2021


def officer_with_action_due_tomorrow():
    epe = MunicipalityFactory(name="Epe")
    plan = PlanFactory(start_year=2021, end_year=2024, municipalities=[epe])
    action = ActionFactory(
        priority__plan=plan, title="Buurtpreventie opzetten", owners=[epe]
    )
    officer = UserFactory(username="oov.epe", email="oov.epe@example.org")
    Membership.objects.create(
        user=officer, organisation=epe, role=Membership.Role.OFFICER
    )
    return officer, action


def test_beat_starts_the_reminders_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == send_reminders.name
    assert entry["schedule"] == crontab(hour=6, minute=30)
    assert settings.CELERY_TIMEZONE == "Europe/Amsterdam"


@pytest.mark.django_db
def test_the_task_in_process_sends_what_the_command_sends(mailoutbox):
    """Without REDIS_URL the task runs at once in the calling process."""
    officer, action = officer_with_action_due_tomorrow()
    result = send_reminders.delay(DAY.isoformat()).get()
    assert result == {"day": "2021-06-16", "mails": 1, "items": 1, "already_sent": 0}
    assert [m.to for m in mailoutbox] == [["oov.epe@example.org"]]
    assert send_reminders.delay(DAY.isoformat()).get()["mails"] == 0


def test_a_real_worker_sends_the_days_reminders_once(celery_worker, use_redis):
    officer, action = officer_with_action_due_tomorrow()
    result = send_reminders.delay(DAY.isoformat()).get(timeout=60)
    assert result["mails"] == 1, celery_worker.log.read_text()[-3000:]
    mail = ReminderMail.objects.get()
    assert (mail.user, mail.date) == (officer, DAY)
    assert list(ReminderItem.objects.values_list("action", "reason")) == [
        (action.pk, ReminderItem.Reason.DUE_1)
    ]
    # The worker's mail (EMAIL_URL filemail://) is the digest, to the officer.
    sent = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in celery_worker.mail_dir.iterdir()
    ]
    assert [m["To"] for m in sent] == ["oov.epe@example.org"]
    assert "Buurtpreventie opzetten" in sent[0].get_body(("plain",)).get_content()
    # Beat firing twice (two beats, a retry) sends nothing twice.
    assert send_reminders.delay(DAY.isoformat()).get(timeout=60)["mails"] == 0
    assert ReminderMail.objects.count() == 1
    assert list(celery_worker.cwd.iterdir()) == []  # nothing kept on local disk
