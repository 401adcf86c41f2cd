"""Dutch first, English on the user's own choice."""

import pytest
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_dutch_even_for_an_english_browser_until_the_user_chooses(client):
    client.force_login(
        UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    )
    page = client.get(reverse("reports:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="nl"' in page.content.decode()
    assert "Mijn plannen" in page.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("reports:home"))
    assert 'lang="en"' in english.content.decode()
    assert "My plans" in english.content.decode()
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    assert "Mijn plannen" in client.get(reverse("reports:home")).content.decode()
