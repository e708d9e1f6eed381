package store

import "errors"

// Errors of the consent ledger.
var (
	// ErrLedgerURL reports a ledger URL that a driver's Open cannot use: an
	// unknown scheme (named in the message) or a malformed path.
	ErrLedgerURL = errors.New("store: unsupported ledger URL")
	// ErrLedgerUnavailable means the ledger's database could not read or
	// write; it wraps the cause. The consent endpoint answers 503 and sets
	// no cookie, and a retry is safe.
	ErrLedgerUnavailable = errors.New("store: consent ledger unavailable")
	// ErrLedgerClosed means the ledger was closed. It always comes wrapped
	// together with ErrLedgerUnavailable, so one errors.Is check covers both.
	ErrLedgerClosed = errors.New("store: consent ledger closed")
	// ErrBadRecord reports a record that can never be stored: a missing
	// consent or request ID, an unknown action, an oversized field, or an IP
	// field that is not pseudonymised.
	ErrBadRecord = errors.New("store: invalid ledger record")
	// ErrIdempotencyConflict reports a record whose request ID (from the
	// client's Idempotency-Key) is already stored with another decision:
	// the key was reused for a different request. Nothing is recorded; the
	// consent endpoint answers 422.
	ErrIdempotencyConflict = errors.New("store: Idempotency-Key reused with a different decision")
	// ErrExportFormat reports an export format other than ExportJSONLines
	// and ExportCSV.
	ErrExportFormat = errors.New("store: unknown ledger export format")
)
