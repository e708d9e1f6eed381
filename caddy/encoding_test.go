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
		{"a browser's list loses br and zstd", []string{"gzip, deflate, br, zstd"}, []string{"gzip, deflate"}},
		{"weights are kept", []string{"br;q=1.0, gzip;q=0.8"}, []string{"gzip;q=0.8"}},
		{"only codings the middleware cannot decode", []string{"br, zstd"}, []string{"identity"}},
		{"decodable already", []string{"gzip"}, []string{"gzip"}},
		{"several header lines", []string{"br", "GZIP"}, []string{"GZIP"}},
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
