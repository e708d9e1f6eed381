package caddy

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLimitAcceptEncoding(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"a browser's list is decodable", []string{"gzip, deflate, br, zstd"}, []string{"gzip, deflate, br, zstd"}},
		{"undecodable codings are dropped, weights kept", []string{"dcb, br;q=1.0, compress, gzip;q=0.8"}, []string{"br;q=1.0, gzip;q=0.8"}},
		{"a wildcard would let upstream pick any", []string{"*"}, []string{"identity"}},
		{"only codings the middleware cannot decode", []string{"compress, dcz"}, []string{"identity"}},
		{"several header lines", []string{"dcb", "GZIP"}, []string{"GZIP"}},
		{"no header", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.in != nil {
				h["Accept-Encoding"] = tt.in
			}
			limitAcceptEncoding(h)
			assert.Equal(t, tt.want, h["Accept-Encoding"])
		})
	}
}
