// Package banner renders what the visitor sees: the consent banner, the
// preferences page and the cookie policy page, from the policy and the
// visitor's current consent, with html/template and embedded assets.
package banner
