"""The kit's exceptions: each one says what went wrong and what to do about it, in one line."""

from __future__ import annotations

__all__ = [
    "CacheCorruptError",
    "ChecksumMismatchError",
    "DataFormatError",
    "DataNotFoundError",
    "EncoderOutputError",
    "EncoderSpecError",
    "HubUnavailableError",
    "KitError",
    "ModelNotAvailableError",
    "UnknownLanguageError",
    "UnknownNameError",
]


class KitError(Exception):
    """Base class for user-fixable problems (the CLI prints these without a traceback)."""


class ModelNotAvailableError(KitError, LookupError):
    """A model name that cannot be resolved, or a known model whose offline pack is missing."""


class DataNotFoundError(KitError, FileNotFoundError):
    """A data file that is not in the data directory and cannot be downloaded."""


class DataFormatError(KitError, ValueError):
    """A data file that is malformed: names the file and, where possible, the line."""


class CacheCorruptError(KitError):
    """A cache entry that failed validation (it is rebuilt, never silently used)."""


class UnknownNameError(KitError, LookupError):
    """A data set, data file or language name that the catalog does not know (the message lists the known ones)."""


class UnknownLanguageError(UnknownNameError, ValueError):
    """A language code the kit cannot map (names the argument and the known codes)."""


class ChecksumMismatchError(DataFormatError):
    """A data file whose size or SHA-256 differs from the catalog's: a download or extraction (not kept), or a
    file of the data directory checked when it is first used (the message says how to restore it)."""


class HubUnavailableError(DataNotFoundError):
    """A data set that could not be loaded from the Hugging Face hub (offline, or not cached)."""


class EncoderSpecError(KitError, TypeError, ValueError):
    """Something passed as a model that the kit cannot encode with (a TypeError), or a precision it cannot run
    it in (a ValueError)."""


class EncoderOutputError(KitError, ValueError):
    """An encoder returned something that is not one finite row per text."""


class InvalidArgumentError(KitError, ValueError):
    """A setting outside its range: names the argument, the value given and what is allowed.

    >>> str(InvalidArgumentError("batch_size", 0, "a whole number ≥ 1"))
    "argument 'batch_size': 0 is not allowed; expected a whole number ≥ 1"
    >>> str(InvalidArgumentError("batch_size", 0, "a whole number ≥ 1").renamed("--batch-size", "0"))
    "argument --batch-size: '0' is not allowed; expected a whole number ≥ 1"
    """

    def __init__(self, argument: str, value: object, allowed: str) -> None:
        self.argument, self.value, self.allowed = argument, value, allowed
        name = argument if argument.startswith("-") else repr(argument)
        super().__init__(f"argument {name}: {value!r} is not allowed; expected {allowed}")

    def renamed(self, argument: str, value: object) -> InvalidArgumentError:
        """The same error under another name, e.g. a command-line flag and the text the user typed."""
        return InvalidArgumentError(argument, value, self.allowed)
