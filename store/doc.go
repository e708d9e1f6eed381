// Package store persists visitors' consent: the signed consent cookie that
// carries a visitor's choices from request to request, and the
// proof-of-consent ledger (Ledger, OpenLedger): SQLite embedded, PostgreSQL
// for several instances.
//
// The cookie is encoded with gorilla/securecookie: an HMAC-SHA256 signature,
// optional AES encryption, a JSON payload, and key rotation (the first key
// pair encodes, every pair decodes). Anything wrong with a cookie — tampered,
// signed with an unknown key, expired, oversized, unparsable, or given under
// a policy version that a material revision has replaced — makes Decode
// return an error, which the middleware treats as "no decision yet".
package store
