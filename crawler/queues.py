"""The scheduler's disk queue (JOBDIR), with request serialisation that costs O(1).

Scrapy serialises each queued request with :meth:`scrapy.Request.to_dict`, which finds the
names of its callback and errback by ``inspect.getmembers(spider)``: every attribute of
the spider, properties included, read twice per request. On a crawl of page requisites
(several requests a page) that was the largest single cost of scheduling. Here the name of
each callback function is found once and remembered; the dict written is the one Scrapy
writes, so a job saved by either resumes with either.
"""
from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.http.request import _find_method
from scrapy.squeues import PickleLifoDiskQueue


class CallbackNames:
    """The spider attribute name of each callback function, looked up once per function."""

    def __init__(self) -> None:
        self._names: dict[Any, str] = {}

    def name(self, spider: Any, func: Any) -> Any:
        """``func``'s name on ``spider``; non-callables (None, a name already) unchanged.

        Raises:
            ValueError: ``func`` is not a method of ``spider`` (as Scrapy raises).
        """
        if not callable(func):
            return func
        key = getattr(func, "__func__", None)
        if key is None:
            return _find_method(spider, func)  # raises ValueError, as Scrapy does
        name = self._names.get(key)
        if name is None or getattr(getattr(spider, name, None), "__func__", None) is not key:
            name = self._names[key] = _find_method(spider, func)
        return name


#: One for the process: a function's name is checked against the spider on every use.
CALLBACK_NAMES = CallbackNames()


def request_to_dict(request: Request, spider: Any, names: CallbackNames) -> dict[str, Any]:
    """What :meth:`scrapy.Request.to_dict` gives for ``spider``, read back by
    :func:`scrapy.utils.request.request_from_dict`."""
    d = {
        "url": request.url,
        "callback": names.name(spider, request.callback),
        "errback": names.name(spider, request.errback),
        "headers": dict(request.headers),
    }
    for attr in request.attributes:
        d.setdefault(attr, getattr(request, attr))
    if type(request) is not Request:  # noqa: E721 - a subclass is recorded by name
        d["_class"] = request.__module__ + "." + request.__class__.__name__
    return d


class ArchiveDiskQueue(PickleLifoDiskQueue):  # type: ignore[misc,valid-type]
    """Scrapy's ``PickleLifoDiskQueue`` (``SCHEDULER_DISK_QUEUE``), serialising through
    :func:`request_to_dict`."""

    def push(self, request: Request) -> None:
        # The pickling queue beneath Scrapy's request queue takes the dict.
        # (Scrapy builds PickleLifoDiskQueue at run time, so mypy cannot check this super())
        super(PickleLifoDiskQueue, self).push(request_to_dict(request, self.spider, CALLBACK_NAMES))  # type: ignore[misc]
