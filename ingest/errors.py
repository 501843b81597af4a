"""Exception types. Every message says what went wrong and what the user can do about it.

The service maps ``StandardsError.http_status`` / ``code`` onto the JSON error shape
``{"error": {"code", "message"}}``; the CLI prints the message and exits non-zero.
"""

from __future__ import annotations


class StandardsError(Exception):
    """Base class: a problem the user can act on (never a bug)."""

    code = "error"
    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- ingest -----------------------------------------------------------------------------
class IngestError(StandardsError):
    """A document could not be ingested; the store is unchanged."""

    code = "ingest_error"
    http_status = 422


class EmptyDocumentError(IngestError):
    code = "empty_document"


class UnsupportedFormatError(IngestError):
    code = "unsupported_format"
    http_status = 415


class FileTooLargeError(IngestError):
    code = "file_too_large"
    http_status = 413


class CorruptFileError(IngestError):
    code = "corrupt_file"


class EncryptedFileError(IngestError):
    code = "encrypted_file"


class NotTextError(IngestError):
    """Binary data in a file whose name says it is text."""

    code = "not_text"


class NoClausesError(IngestError):
    code = "no_clauses"


class DuplicateDocumentError(IngestError):
    """The file's bytes are identical to another stored document's."""

    code = "duplicate_document"
    http_status = 409


class FileMissingError(IngestError):
    """The path given does not exist or is not a file."""

    code = "file_not_found"
    http_status = 404


class ManifestError(StandardsError):
    code = "manifest_error"


class SettingError(StandardsError):
    """A STANDARDS_* environment variable holds a value the setting does not accept."""

    code = "bad_setting"
    http_status = 500


class QuestionLogOffError(StandardsError):
    """Feedback was sent while the question log is off (STANDARDS_QUESTION_LOG)."""

    code = "question_log_off"
    http_status = 409


# --- lookups ----------------------------------------------------------------------------
class NotFoundError(StandardsError):
    code = "not_found"
    http_status = 404


class UnknownAuthorityError(NotFoundError):
    code = "unknown_authority"


class UnknownTopicError(NotFoundError):
    code = "unknown_topic"


class UnknownRoleError(NotFoundError):
    code = "unknown_role"


class UnknownCohortError(NotFoundError):
    code = "unknown_cohort"


# --- index / model ----------------------------------------------------------------------
class ModelError(StandardsError):
    """The embedding model is missing, or its weights are not the expected file."""

    code = "model_error"
    http_status = 500


class IndexMismatchError(StandardsError):
    """The on-disk index was built by another model or is out of step with the store."""

    code = "index_mismatch"
    http_status = 500


# --- requests ---------------------------------------------------------------------------
class BadRequestError(StandardsError):
    code = "bad_request"
    http_status = 422


class AuthError(StandardsError):
    code = "forbidden"
    http_status = 403


# --- extraction -------------------------------------------------------------------------
class TaxonomyError(StandardsError):
    """The taxonomy data file is missing or does not follow its schema."""

    code = "taxonomy_error"
    http_status = 500


# --- reliability: authentication, limits, background jobs (issue 12) -----------------------
class MissingCredentialsError(AuthError):
    """No (or no Bearer) credentials were sent: 401 with a ``WWW-Authenticate`` challenge."""

    code = "unauthorized"
    http_status = 401
    headers = {"WWW-Authenticate": 'Bearer realm="standards-admin"'}


class TooManyAttemptsError(StandardsError):
    """Too many failed admin-token attempts from one client (429 with ``Retry-After``)."""

    code = "too_many_requests"
    http_status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, int(retry_after)))}


class RequestTooLargeError(StandardsError):
    """A request body over its limit, refused from its headers or while it streams in."""

    code = "too_large"
    http_status = 413


class RequestTimeoutError(StandardsError):
    """A request body stalled for longer than STANDARDS_BODY_TIMEOUT."""

    code = "request_timeout"
    http_status = 408


class InvalidTextError(BadRequestError):
    """Request text that is not valid Unicode (an unpaired surrogate such as \\ud800)."""

    code = "invalid_text"


class InvalidAuthorityError(BadRequestError):
    """An authority name that cannot be stored: empty, control characters, too long or a reserved word."""

    code = "invalid_authority"


class AuthorityConflictError(IngestError):
    """A file would replace a document that belongs to another authority."""

    code = "authority_conflict"
    http_status = 409


class QueueFullError(StandardsError):
    """The background worker already has STANDARDS_UPLOAD_QUEUE jobs waiting."""

    code = "queue_full"
    http_status = 429

    def __init__(self, message: str, retry_after: int = 30):
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


class UnknownJobError(NotFoundError):
    code = "unknown_job"


class IndexNotReadyError(StandardsError):
    """The dense (meaning-based) index is still being built; keyword search works meanwhile."""

    code = "index_not_ready"
    http_status = 503

    def __init__(self, message: str, retry_after: int = 10):
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


# --- statutory baseline -----------------------------------------------------------------
class NationalDataError(StandardsError):
    """The national baseline file (service/data/national.yaml) is missing or breaks its schema."""

    code = "national_data_error"
    http_status = 500


# --- store ------------------------------------------------------------------------------
class DatabaseConfigError(StandardsError):
    """STANDARDS_DATABASE_URL is malformed, or the database it names cannot be reached."""

    code = "database_unavailable"
    http_status = 503
