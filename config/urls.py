from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from partners.oauth import LockingIntrospectTokenView, LockingRevokeTokenView, LockingTokenView

urlpatterns = [
    path("", include("cases.urls")),
    path("interviews/", include("cases.interviews.urls")),
    path("clinic/", include("medical.urls")),
    path("orientation/", include("orientation.urls")),
    path("movements/", include("movements.urls")),
    path("reports/", include("reports.urls")),
    path("partners/", include("partners.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("config.api.urls")),
    # The token endpoint locks a client after repeated wrong secrets (partners/oauth.py).
    # So do revocation and introspection, which check client secrets too.
    path("o/token/", LockingTokenView.as_view(), name="oauth-token"),
    path("o/revoke_token/", LockingRevokeTokenView.as_view(), name="oauth-revoke-token"),
    path("o/introspect/", LockingIntrospectTokenView.as_view(), name="oauth-introspect"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "config.errors.refused"
handler404 = "config.errors.not_found"
handler500 = "config.errors.failed"
