"""Officers and logins for the workspace tests."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from models import Agent, AgentTopic, db
from web.passwords import hash_password

PASSWORD = "kata-sandi-yang-panjang"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_officer(
    email: str = "siti@disdukcapil.example",
    role: str = "agent",
    topics: tuple[str, ...] = ("ktp_el",),
    name: str = "Siti Rahmawati",
) -> int:
    with db.session_scope() as session:
        agent = Agent(
            name=name,
            email=email,
            role=role,
            password_hash=hash_password(PASSWORD),
            topics=[AgentTopic(topic=topic) for topic in topics],
        )
        session.add(agent)
        session.flush()
        return agent.id


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match is not None, f"no CSRF token on {path}"
    return match.group(1)


def log_in(
    client: FlaskClient,
    email: str = "siti@disdukcapil.example",
    password: str = PASSWORD,
) -> Any:
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )
