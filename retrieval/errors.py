"""The exceptions newsbot raises on purpose; each message tells the reader what to do next.

NewsbotError
├── ConfigError          a setting or command-line value is invalid
├── ModelBuildError      the default embedding model could not be built or loaded
├── SourceError          an article file or record could not be read
├── IndexFolderError     the index folder is missing, corrupt or from another model/format
├── StateError           the bot's shared state (Redis) cannot be reached or used
└── QuestionError        a question is empty or unusable
    ├── UnreadableText   a question (or line) is not valid UTF-8 text
    └── UnknownOutlet    a filter names an outlet the index does not have
"""

from __future__ import annotations


class NewsbotError(Exception):
    """Base class for problems that are reported to users as plain messages."""


class ConfigError(NewsbotError):
    """A setting, environment variable or command-line value is invalid."""


class ModelBuildError(NewsbotError):
    """The embedding model could not be built or loaded."""


class SourceError(NewsbotError):
    """An article source (file or record) could not be read."""


class IndexFolderError(NewsbotError):
    """The index folder is missing, damaged, or was built differently."""


class StateError(NewsbotError):
    """The store of the bot's shared state (NEWSBOT_STATE_URL) cannot be reached or refuses us."""


class QuestionError(NewsbotError):
    """A question cannot be searched as given."""


class UnreadableText(QuestionError):
    """A question holds bytes that are not UTF-8 text (lone surrogates once decoded)."""


class UnknownOutlet(QuestionError):
    """An outlet filter names outlets the index does not hold; ``known`` lists those it does."""

    def __init__(self, unknown: tuple[str, ...], known: tuple[str, ...]) -> None:
        self.unknown = unknown
        self.known = known
        listed = ", ".join(known) if known else "none"
        super().__init__(f"no outlet named {', '.join(map(repr, unknown))} in the index; the outlets are: {listed}")
