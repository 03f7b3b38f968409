"""Pagination of list pages, keeping the current filters in the page links."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for


@dataclass(frozen=True)
class Page:
    """One page of a list: its number (from 1), size and the total number of rows."""

    number: int
    size: int
    total: int

    @classmethod
    def from_request(cls, total: int) -> Page:
        """Read ``?page=`` (clamped to the existing pages)."""
        size = current_app.config["PAGE_SIZE"]
        number = request.args.get("page", 1, type=int) or 1
        pages = max(1, math.ceil(total / size))
        return cls(min(max(1, number), pages), size, total)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def url(self, number: int) -> str:
        """The current URL with another page number."""
        args: dict[str, Any] = {
            **(request.view_args or {}),
            **request.args.to_dict(),
            "page": number,
        }
        return url_for(request.endpoint or "", **args)
