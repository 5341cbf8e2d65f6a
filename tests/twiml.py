"""Parsing of TwiML responses for assertions on verbs and attributes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any


def parse_twiml(response: Any) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    return root


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


def spoken(element: ET.Element) -> list[str]:
    return [say.text or "" for say in element.iter("Say")]
