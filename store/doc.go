// Package store persists visitors' consent: the signed consent cookie that
// carries a visitor's choices from request to request, and what every
// proof-of-consent ledger shares — the Ledger interface, Record and
// NewRecord, the Pseudonymizer, the record checks, the group-commit writer,
// the background purge and the export formats.
//
// The ledger's databases live in packages of their own, so that an
// application that only needs the middleware and the cookie codec links no
// database driver: store/sqlite (embedded, pure Go, one instance),
// store/postgres (several instances sharing one ledger) and store/ledgerurl,
// which opens either from a URL (what consent-proxy's -ledger takes).
//
// The cookie is encoded with gorilla/securecookie: an HMAC-SHA256 signature,
// optional AES encryption, a JSON payload, and key rotation (the first key
// pair encodes, every pair decodes). Anything wrong with a cookie — tampered,
// signed with an unknown key, expired, oversized, unparsable, or given under
// a policy version that a material revision has replaced — makes Decode
// return an error, which the middleware treats as "no decision yet".
package store
