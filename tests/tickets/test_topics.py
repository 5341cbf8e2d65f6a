"""The topics file: the shipped one is valid, and broken ones are rejected with a
reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tickets.exceptions import TopicsFileError
from tickets.topics import DEFAULT_TOPICS_FILE, load_topics

TOPIC = '[[topic]]\nkey = "{key}"\ndigit = "{digit}"\nname = "{key}"\n{extra}\n'


def write_topics(tmp_path: Path, *entries: tuple[str, str, str]) -> Path:
    path = tmp_path / "topics.toml"
    path.write_text(
        "".join(TOPIC.format(key=k, digit=d, extra=e) for k, d, e in entries)
    )
    return path


def test_shipped_topics_cover_civil_registry_services() -> None:
    catalog = load_topics(DEFAULT_TOPICS_FILE)

    assert catalog.keys() == [
        "ktp_el",
        "kk",
        "akta",
        "pindah_datang",
        "data_kependudukan",
        "lainnya",
    ]
    assert catalog.fallback.key == "lainnya"
    assert catalog.by_digit("2").key == "kk"
    assert catalog.by_digit("9") is None


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ((("a", "1", "fallback = true"), ("b", "1", "")), "unique"),
        ((("a", "9", "fallback = true"),), "9 repeats"),
        ((("a", "1", ""), ("b", "2", "")), "fallback"),
        ((("a", "12", "fallback = true"),), "invalid"),
    ],
    ids=["duplicate-digit", "repeat-digit", "no-fallback", "two-digits"],
)
def test_broken_topics_file_is_rejected(
    tmp_path: Path, entries: tuple[tuple[str, str, str], ...], message: str
) -> None:
    with pytest.raises(TopicsFileError, match=message):
        load_topics(write_topics(tmp_path, *entries))


def test_missing_topics_file_names_path(tmp_path: Path) -> None:
    with pytest.raises(TopicsFileError, match="nothing.toml"):
        load_topics(tmp_path / "nothing.toml")
