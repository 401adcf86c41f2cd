"""The five VNG Kernbeleid Veiligheid fields, fixed reference data.

(The trigger that keeps a priority's parent in the same plan is installed after every
migrate by policies.triggers, because SQLite drops triggers when it rebuilds a table.)
"""

from django.db import migrations

from policies.reference.safety import SAFETY_FIELDS, load_safety_fields


def add_safety_fields(apps, schema_editor):
    load_safety_fields(apps.get_model("policies", "SafetyField"))


def remove_safety_fields(apps, schema_editor):
    apps.get_model("policies", "SafetyField").objects.filter(
        code__in=[code for code, _ in SAFETY_FIELDS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial_policy_model")]

    operations = [
        migrations.RunPython(add_safety_fields, remove_safety_fields),
    ]
