"""Who may see and who may change movement records, and the one way pages check it.

Every movements page (bookings, groups, notices) is decorated with one of `viewer_required`,
`officer_required` or `officer_required_to_post`: a signed-out visitor goes to the login page,
a signed-in user of another role gets 403.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from core.roles import Role, has_role

# Book flights, record transit, escorts, departures and arrivals, enter history.
MANAGING_ROLES = frozenset({Role.MOVEMENT_OFFICER, Role.ADMINISTRATOR})
# Open the movements pages (the board, bookings) and read them in the API.
VIEWING_ROLES = MANAGING_ROLES | {Role.MANAGER, Role.CASEWORKER}


def can_manage_movements(user) -> bool:
    return bool(user is not None and (user.is_superuser or has_role(user, *MANAGING_ROLES)))


def can_view_movements(user) -> bool:
    return bool(user is not None and (user.is_superuser or has_role(user, *VIEWING_ROLES)))


def _page_check(may):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not may(request):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# A page movement staff may open.
viewer_required = _page_check(lambda request: can_view_movements(request.user))
# A page (or a form's POST) only movement officers and administrators may use.
officer_required = _page_check(lambda request: can_manage_movements(request.user))
# A page staff may open, whose form only officers may post.
officer_required_to_post = _page_check(
    lambda request: (
        can_manage_movements(request.user)
        if request.method == "POST"
        else can_view_movements(request.user)
    )
)
