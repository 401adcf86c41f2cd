"""Dutch first: the interface is Dutch unless the user chose English themselves."""

from django.conf import settings
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
