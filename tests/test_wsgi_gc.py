"""A worker frees each request's cyclic garbage after the response (ivp/wsgi.py)."""

import gc

import pytest
from django.core.signals import request_finished

from ivp.wsgi import freeze_loaded_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    """This process as a gunicorn worker once it has loaded the app, and back again."""
    thresholds = gc.get_threshold()
    freeze_loaded_objects()
    yield
    request_finished.disconnect(dispatch_uid="ivp.wsgi.collect_after_request")
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_a_worker_collects_the_young_objects_after_every_request(worker, client):
    collections = []

    def seen(phase, info):
        if phase == "stop":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        for _ in range(3):
            # The young generation's threshold is far from reached by these requests:
            # without the collection after each, none would run.
            assert client.get("/bestaat-niet/").status_code == 404
    finally:
        gc.callbacks.remove(seen)
    assert collections == [1, 1, 1]
