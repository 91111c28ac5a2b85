"""Micropub errors as the spec names them (https://www.w3.org/TR/micropub/#error-response)."""

from __future__ import annotations

from django.http import JsonResponse


class MicropubError(Exception):
    """An error a view answers as JSON {"error", "error_description"} with its HTTP status."""

    def __init__(
        self, error: str, description: str = "", *, status: int = 400, scope: str = "", retry_after: int = 0
    ) -> None:
        super().__init__(description or error)
        self.error, self.description, self.status, self.scope = error, description, status, scope
        self.retry_after = retry_after

    def response(self) -> JsonResponse:
        body = {"error": self.error, "error_description": self.description}
        if self.scope:
            body["scope"] = self.scope
        response = JsonResponse(body, status=self.status)
        if self.status == 401 or self.error == "insufficient_scope":
            response["WWW-Authenticate"] = self._challenge()
        if self.retry_after:
            response["Retry-After"] = str(self.retry_after)
        return response

    def _challenge(self) -> str:
        """RFC 6750 §3: no error code when the request carried no credentials at all."""
        if self.error == "unauthorized":
            return 'Bearer realm="micropub"'
        challenge = f'Bearer realm="micropub", error="{self.error}"'
        return challenge + (f', scope="{self.scope}"' if self.scope else "")


def invalid_request(description: str, *, status: int = 400) -> MicropubError:
    return MicropubError("invalid_request", description, status=status)
