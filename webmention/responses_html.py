"""The responses under a permalink (webmention/jinja2/webmention/responses.html), rendered by Jinja2.

A post that went viral lists a hundred replies and a hundred faces of each kind; as Django includes
(one per reply, one more per author photo) they cost ~18 ms of CPU on every uncached render of that
permalink, which a burst of likes makes stale again and again (issue 7, session 11).
"""

from __future__ import annotations

from django.utils.safestring import SafeString

from microhost import jinja_html
from posts.dates import printed_dates
from webmention.selectors import responses_for

RESPONSES = "webmention/responses.html"


def responses_html(post) -> SafeString:
    """The post's shown responses as HTML, dates in the active {% timezone %}; blank when it has none."""
    return jinja_html.render(RESPONSES, {"responses": responses_for(post), "dates": printed_dates})
