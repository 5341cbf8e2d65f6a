"""Errors of the ticket rules."""


class TicketError(Exception):
    """Base class of ticket errors."""


class TopicsFileError(TicketError):
    """The topics file is missing, unreadable or inconsistent."""


class UnknownTopicError(TicketError):
    """A topic key that the topics file does not define."""


class TicketNotFoundError(TicketError):
    """No ticket has the given reference."""


class WorkflowError(TicketError):
    """A status change or assignment that the workflow or the officer's role forbids."""


class HolidayError(TicketError):
    """A holiday that cannot be added or removed as requested."""
