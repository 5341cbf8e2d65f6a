"""Complaint topics, read from a TOML file so the office changes them without code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from tickets.exceptions import TopicsFileError, UnknownTopicError

DEFAULT_TOPICS_FILE = Path(__file__).with_name("topics.toml")
# The menu key that repeats the menu; no topic may use it.
REPEAT_DIGIT = "9"


@dataclass(frozen=True)
class Topic:
    key: str
    digit: str
    name: str
    name_en: str
    fallback: bool = False
    # Working days to a first response and to resolution.
    response_days: int = 3
    resolution_days: int = 10


@dataclass(frozen=True)
class TopicCatalog:
    topics: tuple[Topic, ...]

    @property
    def fallback(self) -> Topic:
        return next(topic for topic in self.topics if topic.fallback)

    def by_digit(self, digit: str) -> Topic | None:
        return next((topic for topic in self.topics if topic.digit == digit), None)

    def get(self, key: str) -> Topic:
        for topic in self.topics:
            if topic.key == key:
                return topic

        known = ", ".join(topic.key for topic in self.topics)
        raise UnknownTopicError(f"Unknown topic {key!r}; known topics: {known}.")

    def names(self, english: bool = False) -> dict[str, str]:
        """Return topic key -> display name, in English when english is set."""
        return {t.key: t.name_en if english else t.name for t in self.topics}

    def keys(self) -> list[str]:
        return [topic.key for topic in self.topics]


def load_topics(path: Path) -> TopicCatalog:
    """Read and check a topics file: unique keys and digits, 9 unused, one fallback."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise TopicsFileError(f"Cannot read topics file {path}: {e}") from e

    try:
        topics = tuple(
            Topic(
                key=entry["key"],
                digit=str(entry["digit"]),
                name=entry["name"],
                name_en=entry.get("name_en", entry["name"]),
                fallback=bool(entry.get("fallback", False)),
                response_days=int(entry.get("response_days", 3)),
                resolution_days=int(entry.get("resolution_days", 10)),
            )
            for entry in data.get("topic", [])
        )
    except KeyError as e:
        raise TopicsFileError(f"A topic in {path} lacks the field {e}.") from e

    check_topics(path, topics)
    return TopicCatalog(topics)


def check_topics(path: Path, topics: tuple[Topic, ...]) -> None:
    if not topics:
        raise TopicsFileError(f"{path} defines no [[topic]].")

    keys = [topic.key for topic in topics]
    digits = [topic.digit for topic in topics]
    if len(set(keys)) != len(keys) or len(set(digits)) != len(digits):
        raise TopicsFileError(f"{path}: topic keys and digits must be unique.")

    for digit in digits:
        if len(digit) != 1 or digit not in "012345678":
            raise TopicsFileError(
                f"{path}: digit {digit!r} is invalid; "
                "use one key 0-8 (9 repeats the menu)."
            )

    if sum(topic.fallback for topic in topics) != 1:
        raise TopicsFileError(f"{path}: exactly one topic needs fallback = true.")


def init_app(app: Flask) -> None:
    path = Path(app.config["TOPICS_FILE"] or DEFAULT_TOPICS_FILE)
    app.extensions["lokdon.topics"] = load_topics(path)


def get_topics() -> TopicCatalog:
    """Return the current app's topic catalog."""
    return current_app.extensions["lokdon.topics"]
