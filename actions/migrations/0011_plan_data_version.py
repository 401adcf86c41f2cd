"""The data version of every plan, kept by triggers (actions/triggers.py, installed after
every migrate); existing plans get their first version here."""

import secrets

from django.db import migrations, models


def first_versions(apps, schema_editor):
    Plan = apps.get_model("policies", "Plan")
    PlanDataVersion = apps.get_model("actions", "PlanDataVersion")
    ids = [
        0,
        *Plan.objects.using(schema_editor.connection.alias).values_list(
            "pk", flat=True
        ),
    ]
    PlanDataVersion.objects.using(schema_editor.connection.alias).bulk_create(
        [PlanDataVersion(plan_id=pk, version=secrets.randbits(62)) for pk in ids],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0010_progressupdate_is_public"),
        ("policies", "0011_add_plan_publication"),
    ]

    operations = [
        migrations.CreateModel(
            name="PlanDataVersion",
            fields=[
                (
                    "plan_id",
                    models.BigIntegerField(
                        primary_key=True, serialize=False, verbose_name="plan"
                    ),
                ),
                ("version", models.BigIntegerField(verbose_name="data version")),
            ],
            options={
                "verbose_name": "plan data version",
                "verbose_name_plural": "plan data versions",
                "default_permissions": (),
            },
        ),
        migrations.RunPython(first_versions, migrations.RunPython.noop),
    ]
