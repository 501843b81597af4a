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


# --- statutory baseline -----------------------------------------------------------------
class NationalDataError(StandardsError):
    """The national baseline file (service/data/national.yaml) is missing or breaks its schema."""

    code = "national_data_error"
    http_status = 500
