"""Import jobs: a large upload waits in the database for a worker (issue 19)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0011_plan_data_version"),
        ("policies", "0011_add_plan_publication"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("programma", "actions of a programme"),
                            ("werkboek", "a plan's workbook"),
                        ],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                (
                    "filename",
                    models.CharField(max_length=255, verbose_name="file name"),
                ),
                (
                    "content",
                    models.BinaryField(blank=True, null=True, verbose_name="file"),
                ),
                ("commit", models.BooleanField(default=False, verbose_name="save")),
                (
                    "create_organisations",
                    models.BooleanField(
                        default=False, verbose_name="create unknown organisations"
                    ),
                ),
                ("language", models.CharField(max_length=10, verbose_name="language")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("bezig", "being read"),
                            ("klaar", "ready"),
                            ("mislukt", "failed"),
                        ],
                        default="bezig",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                (
                    "outcome",
                    models.JSONField(blank=True, null=True, verbose_name="outcome"),
                ),
                ("error", models.TextField(blank=True, verbose_name="error")),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="uploaded at"),
                ),
                (
                    "started_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="started at"),
                ),
                (
                    "finished_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="finished at"
                    ),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="import_jobs",
                        to="policies.plan",
                        verbose_name="plan",
                    ),
                ),
            ],
            options={
                "verbose_name": "import job",
                "verbose_name_plural": "import jobs",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "programma"), ("plan__isnull", False)),
                            models.Q(("kind", "werkboek"), ("plan__isnull", True)),
                            _connector="OR",
                        ),
                        name="import_job_programme_has_plan",
                    )
                ],
            },
        ),
    ]
