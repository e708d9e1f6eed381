// Package catalog is ConsentGate's built-in catalog of known third parties:
// analytics, advertising, social, tag-management, session-replay,
// A/B-testing, customer-chat, marketing-automation and consent-sharing
// vendors, and the embeds (video, maps, social posts) that can be replaced
// by a click-to-load placeholder.
//
// The catalog is data: one YAML file per standard category under vendors/,
// embedded in the binary and validated by this package's tests. Each entry
// is written from the vendor's own privacy or cookie documentation, which
// its Docs field links to. Default returns the embedded catalog; Parse reads
// another one in the same format.
//
// A site's policy and the catalog are separate: the policy says which of
// its own categories each standard category falls under (see
// consent.Policy.Catalog); the catalog says which hosts, URL prefixes and
// cookies belong to which vendor. The middleware enforces both.
//
// This package imports only the domain (package consent).
package catalog
