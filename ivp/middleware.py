"""Request middleware: Dutch first, and the sliding idle timeout of sessions."""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but it does not follow the browser's
    Accept-Language: many officers use an English browser on a Dutch desk. The choice made
    with the language switch (Django's set_language view, a cookie) is respected."""

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


SESSION_REFRESHED_KEY = "_ivp_refreshed"
SESSION_REFRESH_SECONDS = 60


def mark_session_refreshed(session) -> None:
    session[SESSION_REFRESHED_KEY] = int(time.time())


def _logged_in(sender, request, user, **kwargs):
    mark_session_refreshed(request.session)  # login saves the session anyway


def connect():
    user_logged_in.connect(_logged_in, dispatch_uid="ivp_session_refreshed_at_login")


class SlidingSessionMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE, 30 minutes) without a write on every request.

    Django's SESSION_SAVE_EVERY_REQUEST writes the session row at every page view, which
    under load is a database write (and a WAL flush) per request. Here a request marks
    the session as changed, so SessionMiddleware saves it with a new expiry, only when the
    last refresh is at least SESSION_REFRESH_SECONDS old. A session so expires between 29
    and 30 minutes after the last activity: never later than the policy says.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            last = session.get(SESSION_REFRESHED_KEY, 0)
            if time.time() - last >= SESSION_REFRESH_SECONDS:
                mark_session_refreshed(session)
        return response
