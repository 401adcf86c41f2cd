"""The page where a signed-in user creates and revokes their own API token."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token


@login_required
@require_http_methods(["GET", "POST"])
def token_page(request):
    """GET shows whether a token exists; POST creates or revokes; a key shows once."""
    token = Token.objects.filter(user=request.user).first()
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            if token is not None:
                token.delete()  # a new token replaces the old one
            token = Token.objects.create(user=request.user)
            new_key = token.key
            messages.success(
                request,
                _("Your new token has been made. Copy it now: it is not shown again."),
            )
        elif action == "revoke" and token is not None:
            token.delete()
            token = None
            messages.success(request, _("Your token has been revoked."))
            return redirect("api-token")
        else:
            messages.error(request, _("Choose to create or to revoke a token."))
            return redirect("api-token")
    return render(
        request,
        "api/token.html",
        {"token": token, "new_key": new_key, "title": _("API token")},
    )
