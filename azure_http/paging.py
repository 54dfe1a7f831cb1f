"""Where the next page of a collection is.

Graph pages with ``@odata.nextLink`` (300 GDAP relationships a page), ARM with ``nextLink``;
both are absolute URLs that already carry every query parameter, so the caller follows them
verbatim. The loop itself lives in ``ApiClient.pages`` / ``ApiClient.paginate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NEXT_LINK_KEYS: tuple[str, ...] = ("@odata.nextLink", "nextLink")


def next_link_of(page: Mapping[str, Any], keys: tuple[str, ...] = NEXT_LINK_KEYS) -> str | None:
    """The URL of the page after ``page``, or None on the last page."""
    for key in keys:
        link = page.get(key)
        if isinstance(link, str) and link:
            return link
    return None
