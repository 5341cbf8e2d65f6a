"""The Vosk model of this worker process, loaded once and shared by all its jobs."""

from __future__ import annotations

import logging
import os

from speech import LoadedModel, load_model

logger = logging.getLogger(__name__)

_loaded: LoadedModel | None = None


def get_model(configured_path: str | None) -> LoadedModel:
    """Return the process's model, loading it on first use.

    The worker calls this before it forks work horses, so every horse inherits the
    loaded model instead of loading its own.
    """
    global _loaded
    if _loaded is None:
        _loaded = load_model(configured_path or None)
        logger.info("speech model ready pid=%s model=%s", os.getpid(), _loaded.name)

    return _loaded


def loaded_model() -> LoadedModel | None:
    """Return the model if this process has loaded it, else None."""
    return _loaded
