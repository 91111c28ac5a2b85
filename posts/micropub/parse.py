"""Form, multipart and JSON Micropub requests → one shape: an action plus mf2 properties.

Spec: https://www.w3.org/TR/micropub/#form-encoded-and-multipart-requests (§3.1.1) and
https://www.w3.org/TR/micropub/#json-syntax (§3.3.2). Commands (`mp-*`) travel with the properties
because the post services read `mp-slug` and `mp-syndicate-to`; they are never stored as properties.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError

from posts.micropub.errors import invalid_request

# Form names that are not properties (§3.2 Reserved Properties); `mp-*` are commands, handled apart.
RESERVED = frozenset({"access_token", "h", "action", "url"})
FILE_PROPERTIES = ("photo", "video", "audio")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass
class MicropubRequest:
    """What the client asked for, independent of how it was encoded."""

    action: str = "create"
    url: str = ""
    h: str = "entry"
    properties: dict[str, list] = field(default_factory=dict)
    files: dict[str, list[UploadedFile]] = field(default_factory=dict)
    # The JSON body as sent, for updates (replace/add/delete).
    body: dict = field(default_factory=dict)
    form_tokens: list[str] = field(default_factory=list)


def parse(request: HttpRequest) -> MicropubRequest:
    content_type = (request.content_type or "").lower()
    if content_type == "application/json":
        return _from_json(_json_body(request))
    if content_type in FORM_TYPES:
        return _from_form(*form_data(request))
    raise invalid_request("Send application/x-www-form-urlencoded, multipart/form-data or application/json.")


def form_properties(query: QueryDict) -> dict[str, list]:
    """`category[]=a&category[]=b` and `category=a` alike become {"category": [...]}; empty values drop.

    Only `[]` is understood (§3.1.1); names like `foo[bar]` are not properties and are ignored,
    except `content[html]`, which several clients send for HTML content."""
    properties: dict[str, list] = {}
    for key in query:
        name = key[:-2] if key.endswith("[]") else key
        if name in RESERVED or not name or "[" in name or "]" in name:
            continue
        values = [value for value in query.getlist(key) if value != ""]
        if values:
            properties.setdefault(name, []).extend(values)
    if query.get("content[html]"):
        properties["content"] = [{"html": query["content[html]"]}]
    return properties


def form_data(request: HttpRequest) -> tuple[QueryDict, dict[str, list[UploadedFile]]]:
    """request.POST and the file parts, with Django's parser errors turned into invalid_request."""
    try:
        post, files = request.POST, request.FILES
    except RequestDataTooBig as error:
        raise invalid_request("The request is too large.", status=413) from error
    except (MultiPartParserError, SuspiciousOperation) as error:
        raise invalid_request(f"The form body could not be read: {error}") from error
    uploads: dict[str, list[UploadedFile]] = {}
    for key in files:
        name = key[:-2] if key.endswith("[]") else key
        uploads.setdefault(name, []).extend(files.getlist(key))
    return post, uploads


def _from_form(query: QueryDict, files: dict[str, list[UploadedFile]]) -> MicropubRequest:
    """Files other than photo/video/audio are unknown properties, and those are ignored (§3.3.5)."""
    return MicropubRequest(
        action=query.get("action", "create"),
        url=query.get("url", ""),
        h=query.get("h", "entry"),
        properties=form_properties(query),
        files={name: uploads for name, uploads in files.items() if name in FILE_PROPERTIES},
        form_tokens=query.getlist("access_token"),
    )


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body.decode("utf-8"))
    except RequestDataTooBig as error:
        raise invalid_request("The request is too large.", status=413) from error
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise invalid_request("The body is not valid JSON in UTF-8.") from error
    if not isinstance(body, dict):
        raise invalid_request("The JSON body must be an object.")
    return body


def _from_json(body: dict) -> MicropubRequest:
    action, url = body.get("action", "create"), body.get("url", "")
    if not isinstance(action, str) or not isinstance(url, str):
        raise invalid_request("action and url must be strings.")
    if action != "create":
        return MicropubRequest(action=action, url=url, body=body)
    h = _json_h(body.get("type", ["h-entry"]))
    return MicropubRequest(h=h, properties=json_properties(body), body=body)


def _json_h(types) -> str:
    """["h-entry"] → "entry"; no type means h-entry (§3.3 SHOULD)."""
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise invalid_request('type must be a list such as ["h-entry"].')
    return types[0].removeprefix("h-")


def json_properties(body: dict) -> dict[str, list]:
    """The properties object; every value must be an array (§3.3.2). `mp-*` given beside it count too."""
    properties = body.get("properties", {})
    if not isinstance(properties, dict):
        raise invalid_request("properties must be an object.")
    merged = {key: value for key, value in body.items() if key.startswith("mp-")} | properties
    for name, values in merged.items():
        if not isinstance(values, list):
            raise invalid_request(f"The value of {name} must be an array.")
    return {name: values for name, values in merged.items() if name and name != "access_token" and values}
