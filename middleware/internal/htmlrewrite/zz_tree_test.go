package htmlrewrite

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func zzdump(n *html.Node, d int) {
	s := strings.Repeat("  ", d)
	switch n.Type {
	case html.ElementNode:
		fmt.Printf("%s<%s:%s %v>\n", s, n.Namespace, n.Data, n.Attr)
	case html.TextNode:
		fmt.Printf("%s%q\n", s, n.Data)
	case html.CommentNode:
		fmt.Printf("%s<!--%q-->\n", s, n.Data)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		zzdump(c, d+1)
	}
}

func TestZZTree(t *testing.T) {
	b, _ := os.ReadFile("/tmp/tree/in.html")
	doc, _ := html.ParseWithOptions(strings.NewReader(string(b)), html.ParseOptionEnableScripting(false))
	zzdump(doc, 0)
}
