"""Login and logout of officers, and the decorator that guards workspace pages."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from models import Agent, AgentRole, AuditEntry, db
from web.login_limit import clear_failures, is_blocked, record_failure
from web.passwords import hash_password, needs_rehash, verify_password
from web.sessions import end_session, start_session

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__, template_folder="templates")

F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """Send a visitor who is not logged in to the login page."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("agent") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def manager_required(view: F) -> F:
    """Allow supervisors and admins; other officers get 403, visitors the login."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not AgentRole(g.agent.role).sees_all_tickets:
            message = _("Halaman ini hanya untuk supervisor dan admin.")
            return render_template("web/forbidden.html", message=message), 403

        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def safe_next(target: str | None) -> str:
    """Return target if it is a path on this site, else the queue; no open redirects."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target

    return url_for("queue.tickets")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Show the login form; on POST check the password and start a session."""
    if request.method == "GET":
        return render_template("web/login.html", next=request.args.get("next", ""))

    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    remote_addr = request.remote_addr or "-"
    if is_blocked(email, remote_addr):
        logger.warning("login rejected: too many failures remote_addr=%s", remote_addr)
        minutes = max(current_app.config["LOGIN_FAILURE_WINDOW"] // 60, 1)
        message = _(
            "Terlalu banyak percobaan masuk yang gagal. "
            "Coba lagi dalam %(minutes)d menit.",
            minutes=minutes,
        )
        return render_template("web/login.html", error=message, email=email), 429

    with db.session_scope() as session:
        agent = session.scalars(select(Agent).where(Agent.email == email)).first()
        valid = verify_password(agent.password_hash if agent else None, password)
        if valid and agent is not None and agent.active:
            if agent.password_hash and needs_rehash(agent.password_hash):
                agent.password_hash = hash_password(password)

            session.add(AuditEntry(agent_id=agent.id, action="login"))
            session.expunge(agent)
        else:
            agent = None

    if agent is None:
        record_failure(email, remote_addr)
        logger.info("login failed remote_addr=%s", remote_addr)
        message = _("Email atau kata sandi salah.")
        return render_template("web/login.html", error=message, email=email), 401

    clear_failures(email)
    start_session(agent)
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the session on the server and return to the login page."""
    logger.info("officer logged out agent=%s", g.agent.id)
    end_session()
    return redirect(url_for("auth.login"))
