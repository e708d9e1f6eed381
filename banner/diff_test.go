package banner

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unified writes a diff one "±line" per element, for readable expectations.
func unified(lines []DiffLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.String()
	}
	return out
}

// rebuild joins the lines of a diff that op filters in, giving back the old
// (DiffDelete) or the new (DiffInsert) text.
func rebuild(lines []DiffLine, side DiffOp) string {
	var kept []string
	for _, l := range lines {
		if l.Op == DiffKeep || l.Op == side {
			kept = append(kept, l.Text)
		}
	}
	return strings.Join(kept, "\n")
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"both empty", "", "", []string{}},
		{"from nothing", "", "a\nb", []string{"+a", "+b"}},
		{"to nothing", "a\nb", "", []string{"-a", "-b"}},
		{"same", "a\nb", "a\nb", []string{" a", " b"}},
		{"insert in the middle", "a\nc", "a\nb\nc", []string{" a", "+b", " c"}},
		{"delete at the start", "a\nb\nc", "b\nc", []string{"-a", " b", " c"}},
		{"append", "a", "a\nb", []string{" a", "+b"}},
		{"replace: deletions first", "a\nb\nc\nd", "a\nx\ny\nd", []string{" a", "-b", "-c", "+x", "+y", " d"}},
		{"trailing newline is a line", "a", "a\n", []string{" a", "+"}},
		{"carriage return stays in its line", "a\r\nb", "a\nb", []string{"-a\r", "+a", " b"}},
		{"repeated lines", "a\nb\na\nb", "b\na\nb\na", []string{"-a", " b", " a", " b", "+a"}},
		{"all different", "a\nb", "c\nd", []string{"-a", "-b", "+c", "+d"}},
		{"paragraph moved", "p1\np2\np3", "p2\np3\np1", []string{"-p1", " p2", " p3", "+p1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff(tc.old, tc.new)
			assert.Equal(t, tc.want, unified(got))
			assert.Equal(t, tc.old, rebuild(got, DiffDelete))
			assert.Equal(t, tc.new, rebuild(got, DiffInsert))
		})
	}
}

// lcs is the textbook O(N·M) longest common subsequence length of two line
// lists: a shortest edit script keeps exactly that many lines.
func lcs(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(cur[j], prev[j+1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func keptLines(lines []DiffLine) int {
	n := 0
	for _, l := range lines {
		if l.Op == DiffKeep {
			n++
		}
	}
	return n
}

// TestDiffIsShortest compares random texts over a small alphabet, where
// lines repeat a lot, with the dynamic-programming LCS.
func TestDiffIsShortest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		lines := make([]string, rng.IntN(40))
		for i := range lines {
			lines[i] = string(rune('a' + rng.IntN(4)))
		}
		return strings.Join(lines, "\n")
	}
	for i := range 500 {
		old, new := text(), text()
		got := Diff(old, new)
		require.Equal(t, old, rebuild(got, DiffDelete), "case %d", i)
		require.Equal(t, new, rebuild(got, DiffInsert), "case %d", i)
		require.Equal(t, lcs(splitLines(old), splitLines(new)), keptLines(got), "case %d: %q → %q", i, old, new)
	}
}

func TestDiffBeyondItsBounds(t *testing.T) {
	numbered := func(prefix string, n int) string {
		lines := make([]string, n)
		for i := range lines {
			lines[i] = prefix + strconv.Itoa(i)
		}
		return strings.Join(lines, "\n")
	}
	tests := []struct {
		name     string
		old, new string
	}{
		{"too many edits", "head\n" + numbered("old", maxDiffEdits) + "\ntail", "head\n" + numbered("new", maxDiffEdits) + "\ntail"},
		{"too many lines", "head\nold start\n" + numbered("x", maxDiffLines) + "\nold end\ntail", "head\nnew start\n" + numbered("x", maxDiffLines) + "\nnew end\ntail"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff(tc.old, tc.new)
			assert.Equal(t, tc.old, rebuild(got, DiffDelete))
			assert.Equal(t, tc.new, rebuild(got, DiffInsert))
			assert.Equal(t, " head", got[0].String(), "the common start is kept")
			assert.Equal(t, " tail", got[len(got)-1].String(), "the common end is kept")
			middle := unified(got[1 : len(got)-1])
			firstInsert := 0
			for firstInsert < len(middle) && middle[firstInsert][0] == '-' {
				firstInsert++
			}
			for _, l := range middle[firstInsert:] {
				require.Equal(t, byte('+'), l[0], "the middle is deleted as a whole, then inserted")
			}
		})
	}
}

func ExampleDiff() {
	old := "Cookies we use:\nanalytics\ntargeting\nContact us."
	new := "Cookies we use:\nanalytics\npartners\nContact us."
	for _, line := range Diff(old, new) {
		fmt.Println(line)
	}
	// Output:
	//  Cookies we use:
	//  analytics
	// -targeting
	// +partners
	//  Contact us.
}

func FuzzDiff(f *testing.F) {
	f.Add("", "")
	f.Add("a\nb\nc", "a\nc\nd")
	f.Add("a\n\nb\n", "\na\nb")
	f.Add("x\r\ny", "x\ny\n")
	f.Fuzz(func(t *testing.T, old, new string) {
		if len(old)+len(new) > 1<<16 {
			t.Skip("the page bounds what it compares; so does the fuzz target")
		}
		got := Diff(old, new)
		if rebuild(got, DiffDelete) != old {
			t.Fatalf("kept and deleted lines do not give the old text back: %q", unified(got))
		}
		if rebuild(got, DiffInsert) != new {
			t.Fatalf("kept and inserted lines do not give the new text back: %q", unified(got))
		}
		for i := 1; i < len(got); i++ {
			if got[i-1].Op == DiffInsert && got[i].Op == DiffDelete {
				t.Fatalf("a deletion follows an insertion within a change at line %d: %q", i, unified(got))
			}
		}
		if a, b := splitLines(old), splitLines(new); len(a)*len(b) <= 1<<14 && len(a)+len(b) <= maxDiffEdits {
			if want := lcs(a, b); keptLines(got) != want {
				t.Fatalf("kept %d lines, the longest common subsequence has %d", keptLines(got), want)
			}
		}
	})
}
