//go:build race

package middleware

// raceEnabled: the race detector changes allocation figures, so tests of
// memory bounds skip under it.
const raceEnabled = true
