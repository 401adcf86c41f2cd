"""The official municipality list and the safety regions (README.md in this folder).

`load()` takes the model classes as arguments, so the data migration can pass the
historical models of its moment in the migration graph.
"""

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
MUNICIPALITIES = HERE / "gemeenten-2023.csv"
REGIONS = HERE / "veiligheidsregios.csv"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(SafetyRegion, Municipality, Organisation) -> None:
    """Create or update every region and municipality by its code (idempotent), and
    link the municipality organisations already there by their CBS code."""
    regions = {}
    for row in rows(REGIONS):
        regions[row["code"]], _ = SafetyRegion.objects.update_or_create(
            code=row["code"], defaults={"name": row["naam"]}
        )
    for row in rows(MUNICIPALITIES):
        municipality, _ = Municipality.objects.update_or_create(
            cbs_code=row["cbs_code"],
            defaults={
                "name": row["naam"],
                "common_name": row["roepnaam"],
                "safety_region": regions[row["veiligheidsregio_code"]],
            },
        )
        Organisation.objects.filter(
            kind="municipality", cbs_code=municipality.cbs_code
        ).update(municipality=municipality, safety_region=municipality.safety_region)
