"""A write that touches several rows (an action and its owners) is all or nothing."""

import pytest
from django.db import IntegrityError
from django.db.models.query import QuerySet
from rest_framework.test import APIClient

from actions.models import Action

from .factories import MunicipalityFactory, PlanFactory, PriorityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_failure_while_linking_owners_leaves_no_half_action(monkeypatch):
    epe = MunicipalityFactory(name="Epe")
    priority = PriorityFactory(plan=PlanFactory(municipalities=[epe]))
    user = UserFactory(username="oov.epe")
    user.memberships.create(organisation=epe, role="officer")
    client = APIClient()
    client.force_authenticate(user)

    original = QuerySet.bulk_create

    def failing_bulk_create(self, objs, *args, **kwargs):
        if self.model is Action.owners.through:
            raise IntegrityError("simulated failure after the action row was written")
        return original(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", failing_bulk_create)
    response = client.post(
        "/api/v1/actions/",
        {"priority": priority.pk, "title": "Half", "owners": [epe.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Dit kan niet worden opgeslagen: het botst met andere gegevens."
        ]
    }
    assert not Action.objects.filter(title="Half").exists()

    monkeypatch.setattr(QuerySet, "bulk_create", original)
    response = client.post(
        "/api/v1/actions/",
        {"priority": priority.pk, "title": "Heel", "owners": [epe.pk]},
        format="json",
    )
    assert response.status_code == 201
    assert list(Action.objects.get(title="Heel").owners.all()) == [epe]
