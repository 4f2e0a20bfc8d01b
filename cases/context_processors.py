from core.roles import Role, roles_of


def roles(request):
    """The user's roles, for templates that show or hide what a role may use."""
    held = roles_of(getattr(request, "user", None))
    return {"user_roles": held, "Role": Role}
