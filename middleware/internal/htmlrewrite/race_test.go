//go:build race

package htmlrewrite

// raceEnabled: the race detector changes allocation counts and speed.
const raceEnabled = true
