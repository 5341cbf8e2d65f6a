"""Prompts a caller hears, read from one TOML file, with the voice and language set
once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from ivr.exceptions import PromptsFileError

DEFAULT_PROMPTS_FILE = Path(__file__).with_name("prompts.toml")


@dataclass(frozen=True)
class Prompts:
    voice: str
    language: str
    texts: dict[str, str]

    def text(self, key: str, **values: Any) -> str:
        """Return prompt key with its {placeholders} filled from values."""
        try:
            template = self.texts[key]
        except KeyError as e:
            raise PromptsFileError(f"The prompts file has no prompt {key!r}.") from e

        return template.format(**values)


def load_prompts(path: Path, voice: str = "", language: str = "") -> Prompts:
    """Read a prompts file; non-empty voice and language override the file's."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise PromptsFileError(f"Cannot read prompts file {path}: {e}") from e

    texts = {**data.get("prompts", {}), **data.get("sms", {})}
    file_voice = data.get("voice", {})
    return Prompts(
        voice=voice or file_voice.get("voice", ""),
        language=language or file_voice.get("language", "id-ID"),
        texts=texts,
    )


def init_app(app: Flask) -> None:
    path = Path(app.config["PROMPTS_FILE"] or DEFAULT_PROMPTS_FILE)
    app.extensions["lokdon.prompts"] = load_prompts(
        path, app.config["TWILIO_VOICE"], app.config["TWILIO_LANGUAGE"]
    )


def get_prompts() -> Prompts:
    """Return the current app's prompts."""
    return current_app.extensions["lokdon.prompts"]
