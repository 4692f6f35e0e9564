"""Domain errors. Each carries a hint that tells the user what to do next.

The CLI prints ``str(error)`` as one line and exits non-zero; the Telegram bot
replies with advice in Chinese chosen by the error's class, then the same line as
the detail (`render.telegram_not_added`). Nothing here imports a CLI or bot framework.
"""

from __future__ import annotations


class PolicybotError(Exception):
    """Base class: a user-facing problem with a message and a hint."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class InputError(PolicybotError):
    """The input (file, text, URL, question) cannot be used as given."""


class EncodingError(InputError):
    """Bytes that are not UTF-8, UTF-16 or GB18030 text."""


class EmptyArticleError(InputError):
    """Nothing left after cleaning."""


class FetchError(InputError):
    """A URL could not be fetched."""


class NotFoundError(PolicybotError):
    """An article id that is not in the store."""


class StoreError(PolicybotError):
    """The on-disk store is unusable (locked, corrupt, newer format)."""


class ConfigError(PolicybotError):
    """A missing or invalid setting."""

    exit_code = 2
