"""Errors of the background jobs."""


class JobError(Exception):
    """Base class of job errors."""


class RecordingDownloadError(JobError):
    """A recording could not be downloaded from Twilio."""


class RecordingCredentialsError(RecordingDownloadError):
    """Twilio rejected the account credentials (HTTP 401); retrying cannot help."""


class RecordingTooLargeError(RecordingDownloadError):
    """The recording exceeds RECORDING_MAX_BYTES."""


class JobRetryError(JobError):
    """A failed job that cannot be retried: it is gone or its row is missing."""
