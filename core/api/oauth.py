"""OAuth2 for partner systems (django-oauth-toolkit, client credentials grant).

A partner system is a user in the `partner_system` group with one confidential application
(`manage.py create_partner_client`). Two adjustments to the toolkit:

1. A client-credentials token acts as the application's user (the toolkit leaves the token
   without a user), so role checks, case scoping (`case_visible_to`), the timeline and the
   audit trail all name the partner's account.
2. A client gets only the scopes granted to its account (below).

Scopes:

django-oauth-toolkit lets any client ask for any scope in settings.OAUTH2_PROVIDER["SCOPES"];
here a client gets only the scopes granted to its account. A grant is a group named
`api-scope:<scope>` held by the application's user (`manage.py create_partner_client` adds
them; administrators change them in the admin, on the partner's user). A request for a scope
not granted is refused by /o/token/ with `invalid_scope`; a request naming no scope gets every
granted scope.
"""

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes

SCOPE_GROUP_PREFIX = "api-scope:"


def scope_group_name(scope: str) -> str:
    return f"{SCOPE_GROUP_PREFIX}{scope}"


def granted_scopes(user) -> list[str]:
    """The scopes `user`'s clients may obtain, in the order of the settings."""
    if user is None:
        return []
    names = set(
        user.groups.filter(name__startswith=SCOPE_GROUP_PREFIX).values_list("name", flat=True)
    )
    return [s for s in SettingsScopes().get_available_scopes() if scope_group_name(s) in names]


class PartnerScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return super().get_available_scopes(application, request, *args, **kwargs)
        return granted_scopes(application.user)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return super().get_default_scopes(application, request, *args, **kwargs)
        return granted_scopes(application.user)


class PartnerOAuth2Validator(OAuth2Validator):
    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        if request.grant_type == "client_credentials" and request.user is None:
            request.user = request.client.user
        return super()._create_access_token(expires, request, token, source_refresh_token)
