"""One connector per silo behind one small interface (base.Connector); the registry is explicit."""

from __future__ import annotations

from syndication.connectors.base import Connector
from syndication.connectors.bluesky import Bluesky
from syndication.connectors.linkedin import LinkedIn
from syndication.connectors.mastodon import Mastodon
from syndication.connectors.medium import Medium
from syndication.connectors.tumblr import Tumblr

CONNECTORS: dict[str, type[Connector]] = {c.NAME: c for c in (Mastodon, Tumblr, Medium, LinkedIn, Bluesky)}


def connector_for(connection) -> Connector:
    return CONNECTORS[connection.silo](connection)
