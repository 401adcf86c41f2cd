"""WSGI entry point for production servers (gunicorn, uwsgi)."""

import gc
import os

from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivp.settings")

application = get_wsgi_application()


def freeze_loaded_objects() -> None:
    """Keep the garbage collector's pauses short in a worker that serves requests.

    A full collection walks every object that has survived two collections: in a worker
    that is mostly Django, the apps' modules, the URLconf and the templates, some hundred
    thousand objects that live as long as the process. Walking them made a few requests
    in every hundred several times slower than the rest (the API list's p95 against its
    median, README "Performance"). gc.freeze() moves what exists now to a generation the
    collector never walks. A request makes tens of thousands of short-lived objects
    (querysets, rows, template nodes), so with the default threshold of 700 the young
    generation was collected dozens of times per request and promoted its survivors into
    the older ones; a threshold of 50,000 collects about once a request and leaves
    the older generations nearly untouched. Called by ivp/gunicorn.conf.py once a worker
    has loaded the app, and by bench/pages.py before it measures.

    Most of what a request leaves behind is freed as soon as it is no longer used, but
    not all: DRF's fields and their serializer point at each other, a prefetched
    queryset at the object it belongs to, so a few thousand objects a request are freed
    only by a collection. With the raised threshold that collection came once in about
    a dozen requests and freed all of theirs at once, 15-25 ms inside whichever request
    was unlucky: the slow 5 % of the API list. They are now collected after every
    request (collect_after_request), half a millisecond each.
    """
    get_resolver().url_patterns  # noqa: B018 (the URLconf is loaded on first use)
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    request_finished.connect(
        collect_after_request, dispatch_uid="ivp.wsgi.collect_after_request"
    )


def collect_after_request(**kwargs) -> None:
    """Free the request's cyclic garbage once the response has been sent: Django sends
    request_finished when the server closes the response, which gunicorn does after it
    has written the body (so the client does not wait for it; the worker's next request
    does, by half a millisecond). The young generations only: what survives them lives
    as long as the worker."""
    gc.collect(1)
