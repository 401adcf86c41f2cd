"""The CBS municipality list of 2023 and the 25 safety regions (policies/reference/).

Loaded here so a fresh installation has them; idempotent (rows are matched by their
code), so running it again, or after the seeds, duplicates nothing. Municipality
organisations already there are linked to their entry by CBS code.
"""

from django.db import migrations

from policies import reference


def load_reference(apps, schema_editor):
    reference.load(
        apps.get_model("policies", "SafetyRegion"),
        apps.get_model("policies", "Municipality"),
        apps.get_model("policies", "Organisation"),
    )


def unlink_reference(apps, schema_editor):
    # The tables themselves go with 0008's reversal; the links must go first.
    apps.get_model("policies", "Organisation").objects.update(
        municipality=None, safety_region=None
    )
    apps.get_model("policies", "Municipality").objects.all().delete()
    apps.get_model("policies", "SafetyRegion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0008_add_reference_municipalities")]

    operations = [migrations.RunPython(load_reference, unlink_reference)]
