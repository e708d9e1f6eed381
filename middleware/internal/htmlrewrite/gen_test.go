package htmlrewrite

import "github.com/consentgate/consent/middleware/internal/testpage"

// page returns the shared realistic test page of about size bytes.
func page(size int) []byte { return testpage.Page(size) }

// The head and tail every generated page starts and ends with.
const (
	pageHead = testpage.Head
	pageTail = testpage.Tail
)
