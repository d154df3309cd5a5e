"""What the listing commands share: the paging options --limit, --cursor and --all, and how a
listing is printed (the API's JSON, or a table and the next page's cursor)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import IO, Any, Protocol, TypeVar

from ..models import Page
from .connection import option
from .exits import EXIT_OK, UsageFailure
from .output import print_json, print_table


class Listed(Protocol):
    @property
    def raw(self) -> dict[str, Any]: ...


Item = TypeVar("Item", bound=Listed)


def paging_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--limit", type=int, metavar="N", help=f"{what} per page, 1-100 (default 20)")
    parser.add_argument("--cursor", help="continue from a page's next cursor")
    parser.add_argument("--all", action="store_true", help="follow next cursors to the end")


def read_pages(
    args: argparse.Namespace,
    one_page: Callable[[int | None, str | None], Page[Item]],
    every_item: Callable[[int | None], Iterable[Item]],
) -> tuple[list[Item], str | None]:
    """The items the options ask for: one page (``--limit``, ``--cursor``) or, with ``--all``, every
    page; with the cursor of the next page (None when nothing is left)."""
    if args.limit is not None and not 1 <= args.limit <= 100:
        raise UsageFailure("--limit must be 1-100")
    if args.all:
        if args.cursor:
            raise UsageFailure("--all starts at the first page; leave out --cursor")
        return list(every_item(args.limit)), None
    page = one_page(args.limit, args.cursor)
    return list(page.items), page.next_cursor


def show_listing(
    args: argparse.Namespace,
    listing: tuple[list[Item], str | None],
    what: str,
    columns: list[str],
    row: Callable[[Item], list[str]],
    out: IO[str],
    err: IO[str],
) -> int:
    """``--json``: the items as the API gave them and ``next_cursor``; otherwise a table of
    ``columns`` (or "No <what>.") and, on standard error, how to ask for the next page."""
    items, next_cursor = listing
    if option(args, "json"):
        print_json({"items": [item.raw for item in items], "next_cursor": next_cursor}, out)
        return EXIT_OK
    if items:
        print_table(columns, [row(item) for item in items], out)
    else:
        print(f"No {what}.", file=out)
    if next_cursor:
        print(f"more {what}: --cursor {next_cursor} (or --all)", file=err)
    return EXIT_OK
