"""OPML 2.0 (opml.org/spec2.opml) import and export of follows: defusedxml, DOCTYPE refused (R11)."""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring  # noqa: S405 - building, not parsing

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError, fromstring

MAX_OUTLINES = 2000


class OPMLError(ValueError):
    """The upload is not an OPML file we accept; the message says why."""


def parse_opml(content: bytes) -> list[tuple[str, str]]:
    """(xmlUrl, title) of every feed outline, nested folders included."""
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise OPMLError("OPML files with a DOCTYPE or entities are refused.") from exc
    except ParseError as exc:
        raise OPMLError(f"This is not a valid OPML file ({exc}).") from exc
    if root.tag != "opml":
        raise OPMLError("This is not an OPML file.")
    found = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if url.startswith(("http://", "https://")):
            found.append((url, outline.get("title") or outline.get("text") or ""))
    return found[:MAX_OUTLINES]


def build_opml(title: str, feeds: list[tuple[str, str, str]]) -> bytes:
    """feeds: (xmlUrl, htmlUrl, title) → an OPML 2.0 document."""
    root = Element("opml", version="2.0")
    SubElement(SubElement(root, "head"), "title").text = title
    body = SubElement(root, "body")
    for xml_url, html_url, name in feeds:
        SubElement(body, "outline", type="rss", text=name or xml_url, title=name or xml_url,
                   xmlUrl=xml_url, htmlUrl=html_url)  # fmt: skip
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="utf-8")
