"""The five VNG Kernbeleid Veiligheid fields, fixed reference data.

(The trigger that keeps a priority's parent in the same plan is installed after every
migrate by policies.triggers, because SQLite drops triggers when it rebuilds a table.)
"""

from django.db import migrations

SAFETY_FIELDS = [
    ("woon_leefomgeving", "Veilige woon- en leefomgeving"),
    ("bedrijvigheid", "Bedrijvigheid en veiligheid"),
    ("jeugd", "Jeugd en veiligheid"),
    ("fysiek", "Fysieke veiligheid"),
    ("integriteit", "Integriteit en veiligheid"),
]


def add_safety_fields(apps, schema_editor):
    SafetyField = apps.get_model("policies", "SafetyField")
    for position, (code, name) in enumerate(SAFETY_FIELDS, start=1):
        SafetyField.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )


def remove_safety_fields(apps, schema_editor):
    apps.get_model("policies", "SafetyField").objects.filter(
        code__in=[code for code, _ in SAFETY_FIELDS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial_policy_model")]

    operations = [
        migrations.RunPython(add_safety_fields, remove_safety_fields),
    ]
