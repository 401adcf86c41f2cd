"""Security audit log (BIO): sign-ins, failed sign-ins, sign-outs and refused requests.

Changes to the data themselves are kept per object by django-simple-history.
"""

import logging

from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)

logger = logging.getLogger("ivp.security")


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "-") if request is not None else "-"


def _logged_in(sender, request, user, **kwargs):
    logger.info("login success user=%s ip=%s", user.get_username(), _client(request))


def _logged_out(sender, request, user, **kwargs):
    name = user.get_username() if user is not None else "-"
    logger.info("logout user=%s ip=%s", name, _client(request))


def _login_failed(sender, credentials, request=None, **kwargs):
    # Never log the password: only the username that was tried.
    logger.warning(
        "login failure user=%s ip=%s",
        credentials.get("username", "-"),
        _client(request),
    )


def connect():
    user_logged_in.connect(_logged_in, dispatch_uid="ivp_audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="ivp_audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="ivp_audit_login_failed")


class LogRefusalsMiddleware:
    """Writes every refused authorisation (403) to the security log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            user = getattr(request, "user", None)
            logger.warning(
                "authorisation refused user=%s method=%s path=%s ip=%s",
                user.get_username()
                if user is not None and user.is_authenticated
                else "-",
                request.method,
                request.path,
                _client(request),
            )
        return response
