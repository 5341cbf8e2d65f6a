"""Fixtures for the speech tests: the test recordings and one Vosk model per session."""

from pathlib import Path

import pytest

from speech import LoadedModel, load_model

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Directory of the recordings that scripts/make_test_speech.sh writes."""
    return DATA_DIR


@pytest.fixture(scope="session")
def loaded_model() -> LoadedModel:
    """The bundled Korean Vosk model, loaded once for every test of the session."""
    return load_model(None)
