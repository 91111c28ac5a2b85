"""Only microhost/fetch*.py talks HTTP: nothing else imports an HTTP client or lets a parser fetch (R1)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "tests", "var", "bench", "node_modules", ".git", "build", "dist", "__pycache__"}
ALLOWED_FILE = re.compile(r"^microhost/fetch(_\w+)?\.py$")
# HTTP clients, and SDKs that bring their own (Mastodon.py, pytumblr, atproto, OAuth sessions).
NETWORK_MODULES = (
    "httpx", "requests", "urllib3", "aiohttp", "http.client", "urllib.request", "httplib2", "pycurl",
    "requests_oauthlib", "authlib.integrations", "mastodon", "pytumblr", "atproto",
)  # fmt: skip
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<package>[\w.]+)[ \t]+import[ \t]+(?P<names>[^\n#]*)"
    r"|import[ \t]+(?P<modules>[^\n#]+))",
    re.MULTILINE,
)
_ATTRIBUTE_USE = re.compile(r"\b(?:urllib\.request|http\.client)\.\w")


def _imported_modules(source: str) -> list[str]:
    """Dotted names of every module an import line brings in (from a import b counts as a.b too)."""
    modules: list[str] = []
    for match in _IMPORT.finditer(source):
        if match["package"]:
            names = [n.strip().split()[0] for n in match["names"].strip("()\\ ").split(",") if n.strip()]
            modules += [match["package"], *(f"{match['package']}.{name}" for name in names)]
        else:
            modules += [part.strip().split()[0] for part in match["modules"].split(",") if part.strip()]
    return modules


def _call_arguments(source: str, call: str) -> list[str]:
    """The argument text of each `call(...)` in source, with balanced parentheses."""
    found = []
    for match in re.finditer(re.escape(call), source):
        depth, end = 1, match.end()
        while depth and end < len(source):
            depth += {"(": 1, ")": -1}.get(source[end], 0)
            end += 1
        found.append(source[match.end() : end - 1])
    return found


def offences(source: str) -> list[str]:
    """Why this source would do HTTP outside the safe fetcher; empty when it would not."""
    found = [
        f"imports {module}"
        for module in _imported_modules(source)
        if any(module == bad or module.startswith(bad + ".") for bad in NETWORK_MODULES)
    ]
    found += [f"uses {m.group(0)[:-1]}" for m in _ATTRIBUTE_USE.finditer(source)]
    if "feedparser.parse(" in source and "BytesIO" not in source:
        found.append("calls feedparser.parse( without BytesIO: give it the fetched bytes, never a URL")
    for args in _call_arguments(source, "mf2py.parse("):
        if re.search(r"\burl\s*=", args) and not re.search(r"\bdoc\s*=", args):
            found.append("calls mf2py.parse(url=...) without doc=: mf2py would fetch the URL itself")
    return found


def project_files() -> list[Path]:
    """Every .py file of the project outside the virtualenv, tests, var/ and bench/."""
    files = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        files += [Path(folder) / name for name in names if name.endswith(".py")]
    return sorted(files)


def test_no_module_but_the_fetcher_does_http():
    """No project module other than microhost/fetch*.py imports an HTTP client or hands a parser a URL."""
    files = project_files()
    assert ROOT / "microhost" / "fetch.py" in files  # the walk really covers the project
    problems = {
        str(path.relative_to(ROOT)): offences(path.read_text(encoding="utf-8"))
        for path in files
        if not ALLOWED_FILE.match(path.relative_to(ROOT).as_posix())
    }
    assert {path: why for path, why in problems.items() if why} == {}


@pytest.mark.parametrize(
    "source",
    [
        "import httpx",
        "import requests as r",
        "import os, urllib.request",
        "from urllib.request import urlopen",
        "from urllib import request",
        "from http import client",
        "import http.client",
        "from urllib3 import PoolManager",
        "import aiohttp",
        "from requests_oauthlib import OAuth2Session",
        "from mastodon import Mastodon",
        "    from httpx import Client  # inside a function",
        "page = urllib.request.urlopen(url)",
        "entries = feedparser.parse(feed_url)",
        "data = mf2py.parse(url=source_url)",
    ],
)
def test_detector_flags_direct_http(source):
    """The checker above catches each way of doing HTTP directly (so an empty result means something)."""
    assert offences(source)


@pytest.mark.parametrize(
    "source",
    [
        "from urllib.parse import urljoin, urlsplit",
        "import http",
        "from http import HTTPStatus",
        "from microhost.fetch import fetch",
        "feed = feedparser.parse(io.BytesIO(response.content), response_headers=headers)",
        "data = mf2py.parse(doc=response.text, url=response.url)",
        "import requestsfaker",
    ],
)
def test_detector_allows_safe_code(source):
    """Parsing helpers, the safe fetcher and parsers given fetched bytes are not flagged."""
    assert offences(source) == []
