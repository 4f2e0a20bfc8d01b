"""API clients for tests: a signed-in person, or a partner system holding an OAuth2 token."""

import datetime
import secrets

from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def bearer_client(user, scope: str) -> APIClient:
    """An API client holding an OAuth2 access token of `user` with `scope`."""
    application = Application.objects.create(
        name=f"{user.username} system",
        user=user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    token = AccessToken.objects.create(
        user=user,
        application=application,
        token=secrets.token_urlsafe(24),
        expires=timezone.now() + datetime.timedelta(hours=1),
        scope=scope,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return client
