"""What every handler shares: the served world, the dialect, the rendered-document cache,
and paging (first page of an ordered iterable, newest-first catalogue pages with cursors)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from emulator import cursors
from emulator.dialects.base import CatalogueQuery, Dialect
from emulator.documents import DocumentCache
from emulator.http import Request, Response, not_found
from emulator.index import Key
from emulator.world import World

T = TypeVar("T")
Handler = Callable[["Context", Request], Awaitable[Response]]


@dataclass(frozen=True)
class Context:
    world: World
    dialect: Dialect
    documents: DocumentCache


def first_page(items: Iterable[T], page_size: int) -> tuple[list[T], bool]:
    """The first `page_size` items, and whether there are more."""
    page: list[T] = []
    for item in items:
        if len(page) == page_size:
            return page, True
        page.append(item)
    return page, False


def catalogue_page(
    resources: Iterable[T], key: Callable[[T], Key], query: CatalogueQuery
) -> tuple[list[T], str | None, bool]:
    """Newest first, past the cursor; one page of `query.page_size` (or all)."""
    if query.exhausted:
        return [], None, False
    ordered = sorted(resources, key=key, reverse=True)
    if query.position is not None:
        ordered = [r for r in ordered if key(r) < query.position]
    if query.page_size is None:
        return ordered, None, False
    page, more = first_page(ordered, query.page_size)
    return page, cursors.encode(key(page[-1])) if more else None, more


def find(resources: Mapping[str, T], kind: str, request: Request) -> T:
    """The resource the path names, or a 404 envelope."""
    found = resources.get(request.resource_id)
    if found is None:
        raise not_found(kind, request.resource_id)
    return found
