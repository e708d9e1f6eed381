package store

import (
	"context"
	"io"
	"time"

	"github.com/consentgate/consent"
)

// Ledger is the proof-of-consent log (GDPR Art. 7(1): the site must be able
// to demonstrate that a visitor consented; the cookie is in the visitor's
// hands and proves nothing). Every decision the consent endpoint accepts is
// appended as a Record. Implementations are safe for concurrent use; open
// one with sqlite.Open or postgres.Open (packages store/sqlite and
// store/postgres), or from a URL with ledgerurl.Open.
type Ledger interface {
	// Record appends rec and returns nil only once it is durable (committed
	// and synced). Concurrent calls are group-committed: one transaction
	// carries many records. A record whose RequestID is already stored is
	// acknowledged without a second row, so a retry after an error is
	// always safe. Errors: ErrBadRecord for a record that can never be
	// stored, ErrLedgerUnavailable (wrapping the cause) when the database
	// cannot write, ctx.Err() when ctx ends first — in that last case the
	// record may or may not have been written.
	Record(ctx context.Context, rec Record) error
	// Lookup returns the history of one consent ID, oldest first: for the
	// preferences page and for data-subject requests. None is an empty
	// slice and no error.
	Lookup(ctx context.Context, consentID string) ([]Record, error)
	// Export writes the records with from <= Time < to, oldest first, to w in
	// format. A zero from or to leaves that end open.
	Export(ctx context.Context, from, to time.Time, w io.Writer, format ExportFormat) error
	// Purge deletes the records older than olderThan and says how many.
	Purge(ctx context.Context, olderThan time.Time) (int64, error)
	// Close stops the background purge, commits the records already handed
	// to the writer, refuses new ones (ErrLedgerClosed) and closes the
	// database. Calling it again returns nil.
	Close() error
}

// Action is what the visitor did.
type Action string

// The actions the consent endpoint records.
const (
	// ActionAcceptAll is a click on "accept all".
	ActionAcceptAll Action = "accept-all"
	// ActionRejectAll is a click on "reject all".
	ActionRejectAll Action = "reject-all"
	// ActionCustom is a saved choice of categories one by one.
	ActionCustom Action = "custom"
	// ActionWithdraw is a withdrawal of consent given before (Art. 7(3)).
	ActionWithdraw Action = "withdraw"
	// ActionGPCRefusal is a refusal that a Global Privacy Control signal
	// made without a visitor's click. A click made while GPC refused some
	// categories keeps its own action and sets Record.GPC.
	ActionGPCRefusal Action = "gpc-refusal"
)

// ActionFor returns the action of a choice made with method: AcceptAll,
// RejectAll and Custom map to their actions, anything else to "".
func ActionFor(m consent.Method) Action {
	switch m {
	case consent.AcceptAll:
		return ActionAcceptAll
	case consent.RejectAll:
		return ActionRejectAll
	case consent.Custom:
		return ActionCustom
	}
	return ""
}

// Channel is how a decision reached the endpoint.
type Channel string

// The channels.
const (
	// ChannelForm is a plain HTML form post (no JavaScript).
	ChannelForm Channel = "form"
	// ChannelScript is the banner script's fetch, answered with JSON.
	ChannelScript Channel = "script"
)

// Record is one decision as the ledger keeps it. It holds pseudonymous
// client data only: no raw IP address, no cookie value, no query string.
type Record struct {
	// RequestID identifies this write: a retry with the same RequestID is
	// stored once. NewRecord makes a random one.
	RequestID string `json:"requestId"`
	// ConsentID is the consent cookie's ID (consent.Consent.ID).
	ConsentID string `json:"consentId"`
	// Time is when the decision was made, in UTC with microsecond precision
	// (what both databases keep). Zero means "now" when recorded.
	Time time.Time `json:"time"`
	// PolicyVersion is the policy version the decision was made under.
	PolicyVersion string `json:"policyVersion"`
	// Action is what the visitor did.
	Action Action `json:"action"`
	// Channel is how the decision arrived; empty when unknown.
	Channel Channel `json:"channel"`
	// Language is the banner language the visitor read (a BCP 47 tag).
	Language string `json:"language"`
	// Granted lists the categories in effect after the decision, required
	// ones included, in policy order.
	Granted []consent.CategoryID `json:"granted"`
	// Refused lists the policy's other categories.
	Refused []consent.CategoryID `json:"refused"`
	// GPC is true when a Global Privacy Control signal refused categories
	// that the visitor's action alone would have granted.
	GPC bool `json:"gpc"`
	// IP is the client address pseudonymised: "203.0.113.0/24",
	// "2001:db8:1::/48" or "hmac-sha256:<64 hex>"; empty when unknown.
	IP string `json:"ip"`
	// UserAgentHash is the hex SHA-256 (HMAC-SHA256 when the Pseudonymizer
	// has a key) of the User-Agent header; empty when there was none.
	UserAgentHash string `json:"userAgentHash"`
	// Path is the page the decision was made on: a rooted path without
	// query or fragment, "/" when unknown.
	Path string `json:"path"`
}

// ExportFormat names an export format.
type ExportFormat string

// The export formats.
const (
	// ExportJSONLines writes one JSON object per line, with Record's JSON
	// field names.
	ExportJSONLines ExportFormat = "jsonl"
	// ExportCSV writes RFC 4180 CSV: a header row of Record's JSON field
	// names, then one row per record; category lists are space-separated.
	ExportCSV ExportFormat = "csv"
)
