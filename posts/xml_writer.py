"""The XML writer of the RSS and Atom feeds: the calls Django's feed generators make on their
SimplerXMLGenerator, answered with the same bytes, collected in a list.

xml.sax's XMLGenerator spends more on its own bookkeeping than on the text: every element is
several method calls, a regular expression and writes through a wrapper (~25 % of an uncached
20-item RSS feed's CPU, issue 7). tests/posts/test_xml_writer.py holds this writer to the
generator's exact output.
"""

from __future__ import annotations

import re

from django.utils.xmlutils import UnserializableContentError

# What SimplerXMLGenerator refuses: control characters are not allowed in XML 1.0.
_CONTROL = re.compile(r"[\x00-\x08\x0B-\x0C\x0E-\x1F]")


def escape_text(value: str) -> str:
    """xml.sax.saxutils.escape: & first, then > and <."""
    return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quote_attribute(value: str) -> str:
    """xml.sax.saxutils.quoteattr: escaped, newlines and tabs as references, in whichever quotes fit."""
    value = escape_text(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"{}"'.format(value.replace('"', "&quot;"))


class XmlWriter:
    """SimplerXMLGenerator(out, encoding, short_empty_elements=True) for the calls feeds make:
    attributes in sorted order, `<name/>` for an element with nothing inside."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.parts: list[str] = []
        self._open_tag = False  # a start tag written without its ">": closed by content or by "/>"

    def text(self) -> str:
        return "".join(self.parts)

    def startDocument(self) -> None:  # noqa: N802 (the SAX names the generators call)
        self.parts.append(f'<?xml version="1.0" encoding="{self.encoding}"?>\n')

    def processingInstruction(self, target: str, data: str) -> None:  # noqa: N802
        self._close_tag()
        self.parts.append(f"<?{target} {data}?>")

    def startElement(self, name: str, attrs: dict[str, str] | None) -> None:  # noqa: N802
        self._close_tag()
        if attrs:
            quoted = "".join(f" {key}={quote_attribute(value)}" for key, value in sorted(attrs.items()))
            self.parts.append(f"<{name}{quoted}")
        else:
            self.parts.append(f"<{name}")
        self._open_tag = True

    def endElement(self, name: str) -> None:  # noqa: N802
        if self._open_tag:
            self.parts.append("/>")
            self._open_tag = False
        else:
            self.parts.append(f"</{name}>")

    def characters(self, content: str) -> None:
        if content:
            if _CONTROL.search(content):
                raise UnserializableContentError("Control characters are not supported in XML 1.0")
            self._close_tag()
            self.parts.append(escape_text(content))

    def addQuickElement(self, name: str, contents: str | None = None, attrs: dict | None = None) -> None:  # noqa: N802
        self.startElement(name, attrs)
        if contents is not None:
            self.characters(contents)
        self.endElement(name)

    def _close_tag(self) -> None:
        if self._open_tag:
            self.parts.append(">")
            self._open_tag = False
