"""Server-side sessions: created at login, checked and extended on every request, ended
at logout or after the idle and absolute timeouts."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from sqlalchemy import select, update

from models import Agent, WebSession, db
from models.base import utcnow

logger = logging.getLogger(__name__)

# Key of the session token in Flask's signed session cookie.
TOKEN_KEY = "sid"
# last_seen_at is written at most this often, so a burst of requests costs one write.
TOUCH_INTERVAL = timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(agent: Agent) -> None:
    """Log agent in: a new random token, so no id from before the login survives.

    Clearing Flask's session also drops the old CSRF token; a new one is made for the
    next form.
    """
    token = secrets.token_urlsafe(32)
    with db.session_scope() as db_session:
        db_session.add(
            WebSession(
                token_hash=token_hash(token),
                agent_id=agent.id,
                remote_addr=(request.remote_addr or "")[:64],
                user_agent=request.headers.get("User-Agent", "")[:300],
            )
        )

    session.clear()
    session[TOKEN_KEY] = token
    logger.info("officer logged in agent=%s", agent.id)


def end_session() -> None:
    """Log out: revoke the session row and clear the cookie."""
    token = session.get(TOKEN_KEY)
    if token:
        with db.session_scope() as db_session:
            db_session.execute(
                update(WebSession)
                .where(WebSession.token_hash == token_hash(token))
                .values(revoked_at=utcnow())
            )

    session.clear()


def expired(web_session: WebSession) -> bool:
    now = utcnow()
    config = current_app.config
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    return (
        web_session.revoked_at is not None
        or now - web_session.last_seen_at > idle
        or now - web_session.created_at > absolute
    )


def load_current_session() -> None:
    """Put the logged-in officer in g.agent, or None; runs before every request."""
    g.agent = None
    token = session.get(TOKEN_KEY)
    if not token or request.blueprint in ("ivr", "messaging"):
        return

    with db.session_scope() as db_session:
        found = db_session.execute(
            select(WebSession, Agent)
            .join(Agent, Agent.id == WebSession.agent_id)
            .where(WebSession.token_hash == token_hash(token))
        ).first()
        if found is None:
            session.clear()
            return

        web_session, agent = found
        if expired(web_session) or not agent.active:
            logger.info("officer session ended agent=%s reason=timeout", agent.id)
            web_session.revoked_at = web_session.revoked_at or utcnow()
            session.clear()
            return

        if utcnow() - web_session.last_seen_at > TOUCH_INTERVAL:
            web_session.last_seen_at = utcnow()

        db_session.expunge(agent)
        g.agent = agent
