"""The five VNG Kernbeleid Veiligheid fields and their themes, fixed reference data.

Themes: Source: the VNG's Kernbeleid Veiligheid as summarised per field on
raadsledenenveiligheid.nl/veiligheidsbeleid/ (e.g. "vier veiligheidsthema's: sociale
kwaliteit, fysieke kwaliteit, objectieve veiligheid ofwel veelvoorkomende criminaliteit en
subjectieve veiligheid"). Fysieke veiligheid keeps the Kernbeleid's four themes: digital
safety is not one of them (cybercrime is named there as a trend in the woon- en
leefomgeving, not as a theme). Loaded with update_or_create on the code: idempotent.
"""

SAFETY_FIELDS = [
    ("woon_leefomgeving", "Veilige woon- en leefomgeving"),
    ("bedrijvigheid", "Bedrijvigheid en veiligheid"),
    ("jeugd", "Jeugd en veiligheid"),
    ("fysiek", "Fysieke veiligheid"),
    ("integriteit", "Integriteit en veiligheid"),
]


SAFETY_THEMES = {
    "woon_leefomgeving": [
        ("sociale_kwaliteit", "Sociale kwaliteit"),
        ("fysieke_kwaliteit", "Fysieke kwaliteit"),
        (
            "objectieve_veiligheid",
            "Objectieve veiligheid (veelvoorkomende criminaliteit)",
        ),
        ("subjectieve_veiligheid", "Subjectieve veiligheid"),
    ],
    "bedrijvigheid": [
        ("veilig_winkelgebied", "Veilig winkelgebied"),
        ("veilige_bedrijventerreinen", "Veilige bedrijventerreinen"),
        ("veilig_uitgaan", "Veilig uitgaan"),
        ("veilige_evenementen", "Veilige evenementen"),
        ("veilig_toerisme", "Veilig toerisme"),
    ],
    "jeugd": [
        ("jeugdoverlast", "Jeugdoverlast"),
        ("jeugdcriminaliteit", "Jeugdcriminaliteit"),
        ("alcohol_drugs", "Alcohol en drugs"),
        ("veilig_in_en_om_school", "Veilig in en om de school"),
    ],
    "fysiek": [
        ("verkeersveiligheid", "Verkeersveiligheid"),
        ("brandveiligheid", "Brandveiligheid"),
        ("externe_veiligheid", "Externe veiligheid"),
        ("rampenbestrijding_crisisbeheersing", "Rampenbestrijding en crisisbeheersing"),
    ],
    "integriteit": [
        ("polarisatie_radicalisering", "Polarisatie en radicalisering"),
        ("georganiseerde_criminaliteit", "Georganiseerde criminaliteit (ondermijning)"),
        ("terrorisme", "Terrorisme"),
        ("informatieveiligheid", "Informatieveiligheid"),
        ("integriteit_overheid", "Integriteit van de overheid"),
    ],
}


def load_safety_fields(SafetyField) -> None:
    """Create or update the five fields by their code (idempotent)."""
    for position, (code, name) in enumerate(SAFETY_FIELDS, start=1):
        SafetyField.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )


def load_safety_themes(SafetyTheme) -> None:
    """Create or update every theme by its code (idempotent)."""
    for field_code, themes in SAFETY_THEMES.items():
        for position, (code, name) in enumerate(themes, start=1):
            SafetyTheme.objects.update_or_create(
                code=code,
                defaults={"field_id": field_code, "name": name, "position": position},
            )
