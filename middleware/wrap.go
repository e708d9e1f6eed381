package middleware

//go:generate go run ./internal/wrapgen

// closeNotifier mirrors the deprecated http.CloseNotifier, which old
// handlers still assert.
type closeNotifier interface {
	CloseNotify() <-chan bool
}
