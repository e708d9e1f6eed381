package htmlrewrite

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZProbe(t *testing.T) {
	in, err := os.ReadFile("/tmp/probe/in.txt")
	if err != nil {
		t.Skip()
	}
	m := testMatcher(t)
	for _, c := range strings.Split(string(in), "\n====\n") {
		o := Options{Inject: []byte("[B]"), SiteHost: "www.example.com", Beacons: true, OnRemove: func(rm Removal) { fmt.Printf("   rm %+v\n", rm) }}
		if strings.HasPrefix(c, "DEFER:") {
			c = c[6:]
			o.Mode = Defer
			o.CategoryNames = []string{"necessary", "analytics", "marketing"}
		}
		out := rewrite(t, m, o, c)
		fmt.Printf("IN : %q\nOUT: %q\n", c, out)
		o.OnRemove = nil
		for i := 1; i < len(c); i++ {
			if o2 := rewriteSplit(t, m, o, []byte(c), []int{i}, false); o2 != out {
				fmt.Printf("  SPLIT %d: %q\n", i, o2)
			}
		}
	}
}
