"""Officers who receive tickets, and the complaint topics each one handles."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, UTCDateTime


class AgentRole(enum.StrEnum):
    """An officer's role, which sets the tickets they see and may change."""

    AGENT = "agent"  # works their own tickets and the unassigned queue
    SUPERVISOR = "supervisor"  # views and reassigns every ticket
    ADMIN = "admin"  # a supervisor who also manages officers

    @property
    def sees_all_tickets(self) -> bool:
        return self is not AgentRole.AGENT


class Agent(TimestampMixin, Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # E.164, used for call-backs; never logged at INFO.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[str] = mapped_column(
        String(20), default=AgentRole.AGENT.value, server_default=AgentRole.AGENT.value
    )
    # Argon2id hash (argon2-cffi encoded form); None means the officer cannot log in.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Breaks ties between agents with equally many open tickets: longest idle first.
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    topics: Mapped[list[AgentTopic]] = relationship(
        back_populates="agent", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def topic_keys(self) -> list[str]:
        return sorted(topic.topic for topic in self.topics)

    def __repr__(self) -> str:
        return f"<Agent {self.id} {self.name!r}>"


class AgentTopic(Base):
    __tablename__ = "agent_topics"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    # A key of the topics file, e.g. "ktp_el".
    topic: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

    agent: Mapped[Agent] = relationship(back_populates="topics")
