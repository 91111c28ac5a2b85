"""Reading a page's microformats2: mf2py, over lxml's HTML parser.

mf2py's default tree builder is html5lib, pure Python and most of a verification's parsing time; lxml
(libxml2, in C) builds the same tree for well-formed pages about 2.5× faster. On broken markup the two
repair differently (misnested tags, stray table cells, NUL bytes), which may change what such a page's
h-entry says, never what reaches a page: content is strict-sanitised and names are plain text after.
"""

from __future__ import annotations

import mf2py

HTML_PARSER = "lxml"


def parse_mf2(html: str, url: str) -> dict:
    """The page's mf2 JSON (items, rels), relative URLs resolved against url (or its <base href>)."""
    return mf2py.parse(doc=html, url=url, html_parser=HTML_PARSER)
