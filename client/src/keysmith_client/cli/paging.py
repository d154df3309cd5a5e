"""The paging options shared by the listing commands: --limit, --cursor and --all."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import IO, TypeVar

from ..models import Page
from .exits import UsageFailure

Item = TypeVar("Item")


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


def say_more(what: str, next_cursor: str | None, err: IO[str]) -> None:
    if next_cursor:
        print(f"more {what}: --cursor {next_cursor} (or --all)", file=err)
