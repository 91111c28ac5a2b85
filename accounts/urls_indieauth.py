"""Platform URLs of the IndieAuth server and Settings → App tokens (issue 3)."""

from django.urls import path

from accounts.indieauth.views import authorize, metadata, tokens
from accounts.views import app_tokens

urlpatterns = [
    path("indieauth/metadata", metadata.metadata, name="indieauth_metadata"),
    # RFC 8414 §3.1 well-known locations, for OAuth clients that look there (IndieAuth §4.1.1).
    path(".well-known/oauth-authorization-server/indieauth/", metadata.metadata),
    path(".well-known/oauth-authorization-server", metadata.metadata),
    path("indieauth/auth", authorize.authorization_endpoint, name="indieauth_authorize"),
    path("indieauth/auth/decide", authorize.decide, name="indieauth_decide"),
    path("indieauth/token", tokens.token_endpoint, name="indieauth_token"),
    path("indieauth/introspect", tokens.introspection_endpoint, name="indieauth_introspect"),
    path("indieauth/revoke", tokens.revocation_endpoint, name="indieauth_revoke"),
    path("indieauth/userinfo", tokens.userinfo_endpoint, name="indieauth_userinfo"),
    path("settings/tokens/", app_tokens.index, name="settings_app_tokens"),
    path("settings/tokens/new/", app_tokens.create, name="settings_app_token_create"),
    path("settings/tokens/<int:token_id>/revoke/", app_tokens.revoke, name="settings_app_token_revoke"),
]
