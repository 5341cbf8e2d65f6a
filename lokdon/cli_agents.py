"""`lokdon agents`: add and list the officers who receive tickets."""

from __future__ import annotations

import json
import re

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select, update

from lokdon.cli_support import needs_database
from messaging.phone import normalize_caller
from models import Agent, AgentRole, AgentTopic, WebSession, db
from models.base import utcnow
from tickets.topics import get_topics
from web.passwords import MIN_PASSWORD_LENGTH, hash_password

# Deliberately loose: one @, no spaces, a dot in the domain. The mail server decides.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Password of the demo officers; seed-demo refuses to run outside development.
DEMO_PASSWORD = "pekanbaru-demo"
DEMO_SUPERVISOR = "Andi Pratama"
# Demo officers for the local hotline; `make run` adds them.
DEMO_AGENTS = [
    ("Siti Rahmawati", "+6281265000001", "siti@disdukcapil.example", ["ktp_el", "kk"]),
    ("Budi Santoso", "+6281265000002", "budi@disdukcapil.example", ["ktp_el", "akta"]),
    (
        "Dewi Lestari",
        "+6281265000003",
        "dewi@disdukcapil.example",
        ["pindah_datang", "data_kependudukan", "lainnya"],
    ),
    (
        "Andi Pratama",
        "+6281265000004",
        "andi@disdukcapil.example",
        ["akta", "kk", "lainnya"],
    ),
]


@click.group("agents", cls=AppGroup)
def agents_group() -> None:
    """Manage the officers who receive tickets."""


def parse_topics(value: str, role: str = AgentRole.AGENT.value) -> list[str]:
    """Read --topics; an agent needs at least one, a supervisor or admin may have
    none and then receives no tickets by assignment."""
    catalog = get_topics()
    keys = [key.strip() for key in value.split(",") if key.strip()]
    if not keys and role == AgentRole.AGENT.value:
        raise click.UsageError(
            "--topics needs at least one topic key for an agent, e.g. --topics ktp_el."
        )

    unknown = [key for key in keys if key not in catalog.keys()]
    if unknown:
        raise click.UsageError(
            f"Unknown topic {', '.join(unknown)}; "
            f"choose from {', '.join(catalog.keys())}."
        )

    return keys


def add_agent(
    name: str,
    phone: str | None,
    email: str | None,
    topics: list[str],
    role: str = AgentRole.AGENT.value,
    password_hash: str | None = None,
) -> Agent:
    """Store a new active agent; raise click.UsageError on a taken phone or email."""
    with db.session_scope() as session:
        if phone and session.scalar(select(Agent.id).where(Agent.phone == phone)):
            raise click.UsageError(f"An agent with phone {phone} exists already.")

        if email and session.scalar(select(Agent.id).where(Agent.email == email)):
            raise click.UsageError(f"An agent with email {email} exists already.")

        agent = Agent(
            name=name, phone=phone, email=email, role=role, password_hash=password_hash
        )
        agent.topics = [AgentTopic(topic=key) for key in topics]
        session.add(agent)
        session.flush()
        return agent


@agents_group.command("add")
@click.option("--name", required=True, help="Full name of the officer.")
@click.option("--phone", default=None, help="Mobile number, e.g. +6281265000001.")
@click.option("--email", default=None, help="Work email address.")
@click.option(
    "--topics",
    default="",
    help="Comma-separated topic keys, e.g. ktp_el,kk; new tickets on them are "
    "assigned to this officer. Required for agents.",
)
@click.option(
    "--role",
    type=click.Choice([role.value for role in AgentRole]),
    default=AgentRole.AGENT.value,
    show_default=True,
    help="agent works own tickets; supervisor and admin see and reassign all.",
)
@click.option(
    "--password",
    "ask_password",
    is_flag=True,
    help="Prompt for a password so the officer can log in to the workspace.",
)
@needs_database
def add_command(
    name: str,
    phone: str | None,
    email: str | None,
    topics: str,
    role: str,
    ask_password: bool,
) -> None:
    """Add an officer who handles the given topics."""
    if not name.strip():
        raise click.UsageError("--name must not be empty.")

    if email is not None and not EMAIL.fullmatch(email):
        raise click.UsageError(f"--email {email!r} is not a valid email address.")

    normalized = None
    if phone:
        normalized = normalize_caller(phone, current_app.config["DEFAULT_PHONE_REGION"])
        if normalized is None:
            raise click.UsageError(f"--phone {phone!r} is not a valid phone number.")

    if ask_password and email is None:
        raise click.UsageError("--password needs --email, the officer's login name.")

    topic_keys = parse_topics(topics, role)
    password_hash = hash_password(prompt_password()) if ask_password else None
    agent = add_agent(name.strip(), normalized, email, topic_keys, role, password_hash)
    topic_list = ", ".join(agent.topic_keys) or "no topics"
    click.echo(f"agent {agent.id} added: {agent.name} ({topic_list})")


def prompt_password() -> str:
    """Ask twice for a password of at least MIN_PASSWORD_LENGTH characters."""
    password = click.prompt(
        f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
        hide_input=True,
        confirmation_prompt=True,
    )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.UsageError(
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters."
        )

    return password


@agents_group.command("set-password")
@click.argument("agent_id", type=int)
@needs_database
def set_password_command(agent_id: int) -> None:
    """Set the workspace password of agent AGENT_ID and end their open sessions."""
    password_hash = hash_password(prompt_password())
    with db.session_scope() as session:
        agent = session.get(Agent, agent_id)
        if agent is None or agent.email is None:
            raise click.UsageError(f"No agent with an email has the id {agent_id}.")

        agent.password_hash = password_hash
        session.execute(
            update(WebSession)
            .where(WebSession.agent_id == agent_id, WebSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )

    click.echo(f"password set for agent {agent_id}")


@agents_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@needs_database
def list_command(as_json: bool) -> None:
    """List the officers and their topics."""
    with db.session_scope() as session:
        agents = session.scalars(select(Agent).order_by(Agent.id)).all()
        rows = [
            {
                "id": a.id,
                "name": a.name,
                "role": a.role,
                "email": a.email,
                "active": a.active,
                "topics": a.topic_keys,
            }
            for a in agents
        ]

    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return

    click.echo(f"{'id':>4}  {'name':<24} {'role':<11} {'active':<7} topics")
    for row in rows:
        active = "yes" if row["active"] else "no"
        topics = ", ".join(row["topics"]) or "-"
        click.echo(
            f"{row['id']:>4}  {row['name']:<24} {row['role']:<11} {active:<7} {topics}"
        )


def set_active(agent_id: int, active: bool) -> Agent:
    with db.session_scope() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise click.UsageError(
                f"No agent has the id {agent_id}; see `lokdon agents list`."
            )

        agent.active = active
        return agent


@agents_group.command("deactivate")
@click.argument("agent_id", type=int)
@needs_database
def deactivate_command(agent_id: int) -> None:
    """Stop assigning new tickets to agent AGENT_ID; open tickets stay with them."""
    agent = set_active(agent_id, False)
    click.echo(f"agent {agent.id} ({agent.name}) deactivated")


@agents_group.command("activate")
@click.argument("agent_id", type=int)
@needs_database
def activate_command(agent_id: int) -> None:
    """Assign new tickets to the agent AGENT_ID again."""
    agent = set_active(agent_id, True)
    click.echo(f"agent {agent.id} ({agent.name}) activated")


@agents_group.command("seed-demo")
@needs_database
def seed_demo_command() -> None:
    """Add the demo officers unless they exist already (development only)."""
    if current_app.config["LOKDON_ENV"] != "development":
        raise click.UsageError(
            "seed-demo adds known passwords, so it runs in development only."
        )

    added = 0
    password_hash = hash_password(DEMO_PASSWORD)
    for name, phone, email, topics in DEMO_AGENTS:
        with db.session_scope() as session:
            exists = session.scalar(select(Agent.id).where(Agent.email == email))

        if exists is None:
            role = AgentRole.SUPERVISOR.value if name == DEMO_SUPERVISOR else "agent"
            add_agent(name, phone, email, topics, role, password_hash)
            added += 1

    click.echo(f"{added} demo agents added; their password is {DEMO_PASSWORD}")
