"""Call rows kept in step with Twilio's webhooks, never moving a call backwards."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from messaging.phone import normalize_caller
from models import Call, CallStatus, insert_ignore
from models.base import utcnow
from models.call import IvrStep


def insert_call(
    session: Session,
    form: Mapping[str, str],
    region: str,
    step: IvrStep = IvrStep.GREETING,
) -> bool:
    """Store the call of form["CallSid"] at step unless it exists; True if inserted."""
    status = parse_call_status(form.get("CallStatus", ""))
    return insert_ignore(
        session,
        Call,
        {
            "call_sid": form["CallSid"],
            "from_raw": form.get("From", "")[:64],
            "caller_number": normalize_caller(form.get("From"), region),
            "to_number": form.get("To", "")[:64],
            "status": status.value,
            "status_rank": status.rank,
            "ivr_step": step.value,
            "ivr_step_rank": step.rank,
            "started_at": utcnow(),
        },
        conflict=["call_sid"],
    )


def ensure_call(session: Session, form: Mapping[str, str], region: str) -> Call:
    """Return the call of form["CallSid"], storing it on first sight."""
    insert_call(session, form, region)
    return session.scalars(select(Call).where(Call.call_sid == form["CallSid"])).one()


def start_call(session: Session, form: Mapping[str, str], region: str) -> bool:
    """Store a new call already in the menu with one INSERT; True if it was new.

    The voice webhook is the hottest path, so the common case is a single statement. A
    retried webhook, or a call first seen in another callback, moves the existing row to
    the menu step instead.
    """
    if insert_call(session, form, region, step=IvrStep.MENU):
        return True

    session.execute(
        update(Call)
        .where(Call.call_sid == form["CallSid"], Call.ivr_step_rank < IvrStep.MENU.rank)
        .values(ivr_step=IvrStep.MENU.value, ivr_step_rank=IvrStep.MENU.rank)
        .execution_options(synchronize_session=False)
    )
    return False


def parse_call_status(value: str) -> CallStatus:
    try:
        return CallStatus(value)
    except ValueError:
        return CallStatus.IN_PROGRESS


def advance_call_status(
    session: Session, call_sid: str, status: CallStatus, duration: int | None = None
) -> bool:
    """Set the call's status unless it has already reached a later one; True if changed.

    Twilio may deliver status callbacks out of order; the conditional UPDATE makes a
    late "ringing" after "completed" a no-op, also under concurrent requests.
    """
    values: dict[str, object] = {"status": status.value, "status_rank": status.rank}
    if status.rank == 3:
        now = utcnow()
        values["ended_at"] = now
        values["duration_seconds"] = duration

    result = session.execute(
        update(Call)
        .where(Call.call_sid == call_sid, Call.status_rank < status.rank)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def advance_ivr_step(
    session: Session, call: Call, step: IvrStep, topic: str | None = None
) -> None:
    """Move the caller forward in the menu and remember the topic once chosen."""
    values: dict[str, object] = {"ivr_step": step.value, "ivr_step_rank": step.rank}
    if topic is not None:
        values["topic"] = topic

    session.execute(
        update(Call)
        .where(Call.id == call.id, Call.ivr_step_rank <= step.rank)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(call)
