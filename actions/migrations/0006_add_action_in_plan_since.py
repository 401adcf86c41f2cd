"""Actions know since when they belong to their plan, and deadlines end their period.

Existing rows cannot tell an action typed in last week from one loaded from the plan's
source document, so they all count from the start of their plan (an unplanned one from
the day it was added). New rows get the day they are entered (see Action.in_plan_since).

Deadlines given as a month, quarter or year were stored as typed by the admin and the
API ("2021-03-01" for "maart 2021"); they move to the last day of their period, the day
from which the rest of the product counts them late.
"""

import datetime as dt

import django.utils.timezone
from django.db import migrations, models

from ivp.periods import end_of_precision


def fill_in_plan_since_and_normalise_deadlines(apps, schema_editor):
    Action = apps.get_model("actions", "Action")
    for action in Action.objects.select_related("priority__plan").iterator(chunk_size=2000):
        changed = []
        start = dt.date(action.priority.plan.start_year, 1, 1)
        since = action.added_on if action.unplanned and action.added_on else start
        if action.in_plan_since != since:
            action.in_plan_since = since
            changed.append("in_plan_since")
        if action.deadline is not None:
            deadline = end_of_precision(action.deadline, action.deadline_precision)
            if deadline != action.deadline:
                action.deadline = deadline
                changed.append("deadline")
        if changed:
            Action.objects.filter(pk=action.pk).update(
                **{name: getattr(action, name) for name in changed}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0005_progress_latest_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="in_plan_since",
            field=models.DateField(
                default=django.utils.timezone.localdate,
                help_text="The first day on which this action belonged to the plan. Reports of periods before it leave the action out.",
                verbose_name="in the plan since",
            ),
        ),
        migrations.AddField(
            model_name="historicalaction",
            name="in_plan_since",
            field=models.DateField(
                default=django.utils.timezone.localdate,
                help_text="The first day on which this action belonged to the plan. Reports of periods before it leave the action out.",
                verbose_name="in the plan since",
            ),
        ),
        migrations.RunPython(
            fill_in_plan_since_and_normalise_deadlines, migrations.RunPython.noop
        ),
    ]
