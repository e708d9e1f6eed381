// Package banner renders what the visitor sees, from the policy and the
// visitor's current consent, with html/template and embedded assets: the
// consent banner and the "Cookie settings" control the middleware injects
// (Banner), their stylesheet and script (Asset), the preferences, cookie
// policy and policy changes pages (Pages), and the texts in every language
// the site offers (Catalog: English, German and French built in).
//
// The script also gives the site's own scripts window.ConsentGate (get,
// open, onChange) and a consentgate:change event on document: see the
// README, "JavaScript API".
package banner
