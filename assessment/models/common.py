"""What several models share."""

from __future__ import annotations

import hashlib
from typing import overload

from django.utils.translation import get_language


class Translated:
    """`obj.title` reads `title_de` or `title_en` in the active language, German as fallback."""

    def __init__(self, base: str) -> None:
        self.base = base

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Translated: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> str: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> str | Translated:
        if instance is None:
            return self
        return self.value(instance, get_language())

    def value(self, instance: object, language: str | None) -> str:
        """The text in `language`; for markup of many texts that looks the language up once."""
        value = getattr(instance, f"{self.base}_en", "") if (language or "")[:2] == "en" else ""
        return value or getattr(instance, f"{self.base}_de")


def secret_hash(raw_token: str) -> str:
    """How a secret link's token is stored: its SHA-256, never the token itself."""
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()
