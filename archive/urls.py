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

import functools
import re
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from courlan.clean import TRACKERS_RE
from w3lib.url import canonicalize_url, safe_url_string

#: Query parameters that only track where a reader came from, beyond courlan's list
#: (:func:`is_tracking_param`): share and campaign markers it lacks, and the AMP switches
#: (``amp``, ``outputType``) that name the same story.
_MORE_TRACKING_PARAMS = frozenset({
    "share", "sr_share", "smid", "cmpid", "ocid", "icid", "gclsrc", "__twitter_impression",
    "amp", "outputtype",
    # session ids, which name the reader's visit, not the page
    "sid", "jsessionid", "phpsessid", "sessionid", "aspsessionid", "cfid", "cftoken",
})
#: A session id carried as a path parameter (``/story;jsessionid=ABC``).
_PATH_SESSION_RE = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/?#]*", re.IGNORECASE)
_AMP_PATH_RE = re.compile(r"(/amp)/?$|(\.amp)(?=\.html?$|$)", re.IGNORECASE)


@functools.lru_cache(maxsize=65536)
def canonical_url(url: str) -> str:
    """The article key for ``url`` (see the module docstring). Pure, so its answers are
    cached (a crawl asks about the same URL from the scheduler, the store and the index).

    Args:
        url: an absolute http(s) URL, in any spelling (IRI, upper-case host, ``:443``).

    Returns:
        The canonical URL, e.g. ``https://news.example.org/2024/03/02/council-budget``
        for ``https://NEWS.example.org:443/2024/03/02/council-budget?utm_source=rss#c``.
    """
    url = safe_url_string(url.strip(), encoding="utf-8")
    if ";" in url:
        url = _PATH_SESSION_RE.sub("", url)
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not is_tracking_param(k)]
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


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter only tracks the reader (``utm_source``, ``fbclid``, ``mc_cid`` ...).

    The list is courlan's (``courlan.clean.TRACKERS_RE``, from AdGuard's and ClearURLs'
    tracking-parameter rules), read as whole names: its word patterns must end the name or
    a ``_``-separated part of it, so ``ref`` and ``ref_src`` track while ``refresh`` and
    ``gallery`` (which only begin like ``ref`` and ``ga``) do not.
    """
    if not isinstance(name, str):
        return False
    lowered = name.lower()
    if lowered in _MORE_TRACKING_PARAMS:
        return True
    match = TRACKERS_RE.search(lowered)
    if match is None:
        return False
    end = match.end()
    return match.group().endswith("_") or end == len(lowered) or lowered[end] in "_-"


def without_tracking(url: str) -> str:
    """``url`` with its tracking parameters (:func:`is_tracking_param`) and fragment removed,
    otherwise exactly as written: the spelling the crawler fetches, so a capture is under
    the clean URL.

    >>> without_tracking("https://example.org/story/?utm_source=rss&id=7#top")
    'https://example.org/story/?id=7'
    """
    if not isinstance(url, str):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if ";" in parts.path:
        parts = parts._replace(path=_PATH_SESSION_RE.sub("", parts.path))
        url = urlunsplit(parts)
    if not parts.query:
        return urlunsplit(parts._replace(fragment="")) if parts.fragment else url
    kept = [pair for pair in parts.query.split("&") if pair and not is_tracking_param(unquote_plus(pair.split("=", 1)[0]))]
    return urlunsplit(parts._replace(query="&".join(kept), fragment=""))


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
