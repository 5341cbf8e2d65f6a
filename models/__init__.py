"""Database models of the hotline and the session factory that binds them."""

from models.agent import Agent, AgentRole, AgentTopic
from models.base import Base
from models.call import Call, CallStatus
from models.db import db, insert_ignore
from models.holiday import Holiday
from models.message import Message, MessageStatus
from models.note import TicketNote, TranscriptCorrection
from models.recording import Recording, RecordingStatus
from models.ticket import Ticket, TicketEvent, TicketFlag, TicketStatus
from models.transcript import Transcript
from models.web_session import AuditEntry, WebSession

__all__ = [
    "Agent",
    "AgentRole",
    "AgentTopic",
    "AuditEntry",
    "Base",
    "Call",
    "CallStatus",
    "Holiday",
    "Message",
    "MessageStatus",
    "Recording",
    "RecordingStatus",
    "Ticket",
    "TicketEvent",
    "TicketFlag",
    "TicketNote",
    "TicketStatus",
    "Transcript",
    "TranscriptCorrection",
    "WebSession",
    "db",
    "insert_ignore",
]
