"""The official municipality list ships with the product: loaded by a migration, chosen
by name (also the common name) in the admin, the API, the seeds and the national
dataset, never typed with its code."""

import pytest
from django.urls import reverse

from actions.imports import programme_import
from actions.models import Action
from bench.national import NationalDataset
from policies import reference
from policies.models import Municipality, Organisation, SafetyRegion
from policies.seeds import seeds_load

from .factories import MunicipalityFactory, PlanFactory, UserFactory
from .forms import admin_post_data
from .test_imports import _xlsx

pytestmark = pytest.mark.django_db


def test_a_fresh_installation_has_the_342_municipalities_and_25_safety_regions():
    assert Municipality.objects.count() == 342
    assert SafetyRegion.objects.count() == 25
    den_bosch = Municipality.objects.get(cbs_code="GM0796")
    assert den_bosch.name == "'s-Hertogenbosch"
    assert den_bosch.common_name == "Den Bosch"
    assert den_bosch.safety_region.name == "Brabant-Noord"
    # Every region has municipalities; no municipality is without a region.
    assert not SafetyRegion.objects.filter(municipalities__isnull=True).exists()


def test_loading_the_list_again_duplicates_nothing():
    reference.load(SafetyRegion, Municipality, Organisation)
    assert Municipality.objects.count() == 342
    assert SafetyRegion.objects.count() == 25


@pytest.mark.parametrize(
    "typed, code",
    [
        ("Den Bosch", "GM0796"),
        ("den haag", "GM0518"),
        ("'s-Gravenhage", "GM0518"),
        ("Hengelo", "GM0164"),  # "Hengelo (O.)" in the list
        ("Oost-Gelre", "GM1586"),  # "Oost Gelre" in the list
        ("Sudwest-Fryslan", "GM1900"),
    ],
)
def test_a_municipality_is_found_by_its_official_or_common_name(typed, code):
    assert Municipality.objects.named(typed).cbs_code == code


def test_an_ambiguous_or_unknown_name_finds_none_but_suggests():
    assert Municipality.objects.named("Bergen") is None  # (L.) or (NH.)
    assert {"Bergen (L.)", "Bergen (NH.)"} <= set(
        Municipality.objects.close_to("Bergen")
    )
    assert Municipality.objects.named("Stadskanal") is None
    assert Municipality.objects.close_to("Stadskanal")[0] == "Stadskanaal"


def test_seeds_match_an_existing_municipality_by_its_cbs_code():
    epe = Organisation.objects.create(
        name="Gemeente Epe", kind=Organisation.Kind.MUNICIPALITY, cbs_code="GM0232"
    )
    seeds_load()
    assert Organisation.objects.filter(cbs_code="GM0232").get().pk == epe.pk
    # Every seed municipality is an entry of the list, with its safety region.
    municipalities = Organisation.objects.municipalities()
    assert municipalities.count() == 19
    assert not municipalities.filter(municipality__isnull=True).exists()
    hengelo = municipalities.get(cbs_code="GM0164")
    assert hengelo.municipality.name == "Hengelo (O.)"
    assert hengelo.safety_region.name == "Twente"


def test_an_organisation_outside_the_list_keeps_its_own_code():
    # A municipality merged before the list's year (and the test factories' GM9xxx).
    old = MunicipalityFactory(name="Gemeente Voorheen")
    assert old.municipality is None and old.safety_region is None
    assert old.cbs_code.startswith("GM9")


@pytest.fixture
def beheerder(client):
    user = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_admin_offers_choosing_a_municipality_not_typing_its_code(beheerder):
    url = reverse("admin:policies_organisation_add")
    response = beheerder.get(url)
    form = response.context["adminform"].form
    assert "cbs_code" not in form.fields  # shown, read-only
    assert form.fields["municipality"].widget.__class__.__name__ == (
        "RelatedFieldWidgetWrapper"
    )
    assert "admin-autocomplete" in str(form["municipality"])
    # The autocomplete finds the list's entry by its common name.
    found = beheerder.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "policies",
            "model_name": "organisation",
            "field_name": "municipality",
            "term": "Den Bosch",
        },
    ).json()["results"]
    den_bosch = Municipality.objects.get(cbs_code="GM0796")
    assert [row["id"] for row in found] == [str(den_bosch.pk)]
    # Chosen, with the name left empty: name, code and region come from the list.
    data = admin_post_data(
        response, kind="municipality", municipality=den_bosch.pk, name=""
    )
    assert beheerder.post(url, data).status_code == 302
    organisation = Organisation.objects.get(municipality=den_bosch)
    assert organisation.name == "'s-Hertogenbosch"
    assert organisation.cbs_code == "GM0796"
    assert organisation.safety_region.name == "Brabant-Noord"


def test_admin_refuses_a_municipality_not_chosen_from_the_list(beheerder):
    url = reverse("admin:policies_organisation_add")
    response = beheerder.get(url)
    data = admin_post_data(response, kind="municipality", name="Nergenshuizen")
    response = beheerder.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["municipality"] == ["Kies de gemeente uit de CBS-lijst."]
    assert not Organisation.objects.filter(name="Nergenshuizen").exists()


def test_the_national_dataset_uses_the_real_municipalities():
    NationalDataset(teams=2, municipalities=6, actions_per_programme=(1, 2)).run()
    towns = Organisation.objects.municipalities().select_related("municipality")
    assert towns.count() == 6
    for town in towns:
        assert town.municipality is not None, town.name
        assert town.name == town.municipality.name
        assert town.cbs_code == town.municipality.cbs_code
        assert town.safety_region_id == town.municipality.safety_region_id


def test_an_import_names_a_municipality_by_its_common_name():
    """A programme table whose trekker is "Den Bosch": created as the list's
    municipality, not as a partner of that name, and matched on the next import."""
    epe = MunicipalityFactory(name="Epe", cbs_code="GM0232")
    plan = PlanFactory(municipalities=[epe], start_year=2021, end_year=2021)
    rows = [
        ["Speerpunt", "Actie", "Trekker", "Deadline"],
        ["1 Jeugd", "Regionaal overleg jeugdoverlast.", "Epe, Den Bosch", "Q3 2021"],
    ]
    preview = programme_import(plan=plan, data=_xlsx(rows), filename="a.xlsx")
    assert preview.unmatched_names == {"Den Bosch": [2]}
    saved = programme_import(
        plan=plan,
        data=_xlsx(rows),
        filename="a.xlsx",
        commit=True,
        create_organisations=True,
    )
    assert saved.saved
    den_bosch = Organisation.objects.get(cbs_code="GM0796")
    assert den_bosch.name == "'s-Hertogenbosch"
    assert den_bosch.kind == Organisation.Kind.MUNICIPALITY
    assert den_bosch.safety_region.name == "Brabant-Noord"
    action = Action.objects.get(title="Regionaal overleg jeugdoverlast.")
    assert set(action.owners.all()) == {epe, den_bosch}
    assert not Organisation.objects.filter(name="Den Bosch").exists()
