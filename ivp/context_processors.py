"""What every page's frame needs to know about the user, asked of the permission rule."""

from functools import partial

from . import access


def roles(request):
    # A callable: the template calls it only where the menu is drawn, and the user's
    # memberships are read once per request (access.memberships).
    return {"enters_data": partial(access.enters_data, request.user)}
