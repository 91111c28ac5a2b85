"""Bearer tokens (the same ones as Micropub/IndieAuth) and their scopes, for DRF views."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from accounts.tokens import authenticate


class BearerTokenAuthentication(BaseAuthentication):
    """Authorization: Bearer <token>; request.user is the token's user and request.auth the token."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        token = authenticate(header[7:].strip())
        if token is None:
            raise AuthenticationFailed("The token is invalid, expired or revoked.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="microhost"'


class HasScope(BasePermission):
    """The view's `scopes` maps an HTTP method to the scope it needs; anonymous callers are refused."""

    message = "This token lacks the scope this request needs."

    def has_permission(self, request, view) -> bool:
        if request.auth is None:
            return False
        needed = getattr(view, "scopes", {}).get(request.method, "read")
        return request.auth.has_scope(needed)


class BearerScheme(OpenApiAuthenticationExtension):
    """How the schema describes our tokens."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A microhost app token (IndieAuth)."}
