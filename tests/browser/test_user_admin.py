"""The beheerder's account pages in the admin (Django's own user admin, adapted in
ivp/admin.py): axe finds no WCAG 2.1 AA violation on the list, add and change pages,
and a membership can be given on the change page."""

import pytest
from django.urls import reverse

from ..factories import MunicipalityFactory
from .test_admin_pages import account, check_page
from .test_driehoek_journey import log_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(
        timezone_id="Europe/Amsterdam", viewport={"width": 1280, "height": 900}
    ),
]


def test_user_admin_pages_pass_axe(page, live_server, assert_accessible):
    epe = MunicipalityFactory(name="Epe")
    account("beheerder")
    officer = account("oov.epe", officer_of=epe)
    log_in(page, live_server, "beheerder")
    for url in (
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_user_change", args=[officer.pk]),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_add"),
    ):
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        check_page(page, assert_accessible)
