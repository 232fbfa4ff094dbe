"""URL canonicalisation: one article, one key, whatever spelling led to it (case B09).

Two levels:

* :func:`canonical_url` is the article's key in the index: the URL with the scheme and
  host lower-cased, IDN hosts in punycode, the default port dropped, tracking parameters
  (``utm_*``, ``fbclid``, ``gclid`` ...) and the fragment removed, the query sorted
  (w3lib's ``canonicalize_url``, RFC 3986 section 6), the path otherwise as the publisher
  spells it.
* :func:`match_key` is looser, for "have we met this article already?": it also ignores a
  trailing slash and an AMP suffix (``/amp/``, ``?amp=1``, ``?outputType=amp``), so that
  ``/story``, ``/story/`` and ``/story/amp/`` meet.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

#: Query parameters that only track where a reader came from (matched case-insensitively).
TRACKING_PARAM_RE = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|gclsrc|dclid|msclkid|mc_cid|mc_eid|yclid|igshid|_ga|_gl|"
    r"ref|ref_src|cmpid|ocid|smid|sr_share|share|amp|outputtype|__twitter_impression|xtor|"
    r"at_medium|at_campaign|icid|int_source|int_medium|int_campaign)$",
    re.IGNORECASE,
)
_AMP_PATH_RE = re.compile(r"(/amp)/?$|(\.amp)(?=\.html?$|$)", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """The article key for ``url`` (see the module docstring).

    Args:
        url: an absolute http(s) URL, in any spelling (IRI, upper-case host, ``:443``).

    Returns:
        The canonical URL, e.g. ``https://news.example.org/2024/03/02/council-budget``
        for ``https://NEWS.example.org:443/2024/03/02/council-budget?utm_source=rss#c``.
    """
    url = safe_url_string(url.strip(), encoding="utf-8")
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not TRACKING_PARAM_RE.match(k)]
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets (RFC 3986 section 3.2.2)
    port = parts.port if _has_port(parts.netloc) else None
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = parts.path or "/"
    rebuilt = urlunsplit((scheme, host, path, urlencode(query), ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def _has_port(netloc: str) -> bool:
    host = netloc.rsplit("@", 1)[-1]
    return bool(re.search(r":\d+$", host))


def match_key(url: str) -> str:
    """A looser key than :func:`canonical_url`: trailing slash and AMP suffixes ignored.

    Args:
        url: an absolute URL.

    Returns:
        A string equal for every spelling of one article's URL (case B09).
    """
    parts = urlsplit(canonical_url(url))
    path = _AMP_PATH_RE.sub("", parts.path)
    path = path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def same_site(url: str, base: str) -> bool:
    """True when ``url`` is on the host of ``base`` (a leading ``www.`` ignored)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
        base_host = (urlsplit(base).hostname or "").lower()
    except ValueError:  # not a URL (an unclosed IPv6 bracket): on no site
        return False
    strip = lambda h: h[4:] if h.startswith("www.") else h  # noqa: E731
    return bool(host) and strip(host) == strip(base_host)
