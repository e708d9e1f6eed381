// Package caddy is the ConsentGate middleware as a Caddy v2 module.
package caddy
