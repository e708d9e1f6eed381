package main

import (
	"net/http"
	"strings"
)

// limitAcceptEncoding keeps of the visitor's Accept-Encoding only the
// codings the middleware can decode (gzip, deflate, br, zstd, identity), so
// that upstream never answers an HTML page in one it cannot read (compress,
// a shared-dictionary coding, or whatever "*" lets upstream pick), which
// would pass with its trackers. A list left empty asks for identity. A
// request without the header is left alone: Go's transport then asks for
// gzip itself and decodes it.
func limitAcceptEncoding(h http.Header) {
	vals := h.Values("Accept-Encoding")
	if len(vals) == 0 {
		return
	}
	var keep []string
	for _, v := range vals {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			coding, _, _ := strings.Cut(part, ";")
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip", "deflate", "br", "zstd", "identity":
				keep = append(keep, part)
			}
		}
	}
	if len(keep) == 0 {
		h.Set("Accept-Encoding", "identity")
		return
	}
	h.Set("Accept-Encoding", strings.Join(keep, ", "))
}
