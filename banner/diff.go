package banner

import (
	"slices"
	"strings"
)

// DiffOp says what a line of a diff does.
type DiffOp uint8

// The kinds of diff lines.
const (
	// DiffKeep is a line of both texts.
	DiffKeep DiffOp = iota
	// DiffDelete is a line only the old text has.
	DiffDelete
	// DiffInsert is a line only the new text has.
	DiffInsert
)

// String returns the op's mark in unified-diff style: " ", "-" or "+".
func (op DiffOp) String() string {
	switch op {
	case DiffDelete:
		return "-"
	case DiffInsert:
		return "+"
	default:
		return " "
	}
}

// DiffLine is one line of a diff.
type DiffLine struct {
	// Op is whether the line is kept, deleted or inserted.
	Op DiffOp
	// Text is the line without its "\n".
	Text string
}

// String returns the line in unified-diff style ("+added").
func (l DiffLine) String() string { return l.Op.String() + l.Text }

// Bounds of the exact diff. The texts come from the site's own policy, but
// a visitor chooses which two to compare, so a request must cost little
// whatever the texts are: at the bounds, about 10 ms and 5 MiB.
const (
	// maxDiffLines bounds the lines of both texts together, after their
	// common beginning and end are set aside.
	maxDiffLines = 10000
	// maxDiffEdits bounds the edit script's length: Myers' algorithm takes
	// O((N+M)·D) time and, keeping its trace, O(D²) memory.
	maxDiffEdits = 1000
)

// Diff returns the lines of old and new as a shortest edit script (Myers'
// algorithm): kept lines, and within each change the deleted lines before
// the inserted ones. Lines are split at "\n" only, so a "\r" stays part of
// its line; the empty text has no lines. Kept and deleted lines joined with
// "\n" give old, kept and inserted lines give new.
//
// Texts whose differing middle part exceeds 10,000 lines, or needs more
// than 1,000 inserted and deleted lines, are not diffed exactly: that middle
// part is shown deleted as a whole, then inserted, which is still a correct
// (if longer) diff.
func Diff(old, new string) []DiffLine {
	x, y := splitLines(old), splitLines(new)
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	out := make([]DiffLine, 0, len(x)+len(y)-pre-suf)
	for _, l := range x[:pre] {
		out = append(out, DiffLine{DiffKeep, l})
	}
	out = appendMiddle(out, x[pre:len(x)-suf], y[pre:len(y)-suf])
	for _, l := range x[len(x)-suf:] {
		out = append(out, DiffLine{DiffKeep, l})
	}
	return out
}

// splitLines splits s at "\n"; "" has no lines, so that joining the result
// with "\n" always gives s back.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// appendMiddle appends the diff of x and y, which differ in their first and
// last lines (or one of them is empty).
func appendMiddle(out []DiffLine, x, y []string) []DiffLine {
	ops := myers(intern(x, y))
	if ops == nil {
		ops = make([]DiffOp, 0, len(x)+len(y))
		for range x {
			ops = append(ops, DiffDelete)
		}
		for range y {
			ops = append(ops, DiffInsert)
		}
	}
	groupChanges(ops)
	i, j := 0, 0
	for _, op := range ops {
		switch op {
		case DiffKeep:
			out = append(out, DiffLine{DiffKeep, x[i]})
			i, j = i+1, j+1
		case DiffDelete:
			out = append(out, DiffLine{DiffDelete, x[i]})
			i++
		case DiffInsert:
			out = append(out, DiffLine{DiffInsert, y[j]})
			j++
		}
	}
	return out
}

// intern numbers the distinct lines, so that the diff compares integers.
func intern(x, y []string) (a, b []int32) {
	ids := make(map[string]int32, len(x)+len(y))
	number := func(lines []string) []int32 {
		out := make([]int32, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = int32(len(ids))
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	return number(x), number(y)
}

// myers returns the shortest edit script turning a into b, or nil when the
// inputs or the script exceed the bounds above. It follows Myers, "An
// O(ND) Difference Algorithm and Its Variations" (1986): for each edit
// count d it records, per diagonal k = x−y, the furthest x reached, and
// walks that trace back from (len(a), len(b)).
func myers(a, b []int32) []DiffOp {
	n, m := len(a), len(b)
	if n+m > maxDiffLines {
		return nil
	}
	limit := min(n+m, maxDiffEdits)
	off := limit + 1
	v := make([]int32, 2*limit+3)
	var trace [][]int32 // trace[d][k+d]: v after step d
	end := -1
	for d := 0; d <= limit && end < 0; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = int(v[off+k+1]) // down: an insertion
			} else {
				x = int(v[off+k-1]) + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = int32(x)
			if x >= n && y >= m {
				end = d
			}
		}
		trace = append(trace, slices.Clone(v[off-d:off+d+1]))
	}
	if end < 0 {
		return nil
	}

	ops := make([]DiffOp, 0, n+m)
	x, y := n, m
	for d := end; d > 0; d-- {
		prev := trace[d-1] // prev[k+d-1] is v[k] after step d-1
		at := func(k int) int { return int(prev[k+d-1]) }
		k := x - y
		down := k == -d || (k != d && at(k-1) < at(k+1))
		pk := k - 1
		if down {
			pk = k + 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			ops = append(ops, DiffKeep)
			x, y = x-1, y-1
		}
		if down {
			ops = append(ops, DiffInsert)
		} else {
			ops = append(ops, DiffDelete)
		}
		x, y = px, py
	}
	for ; x > 0; x-- {
		ops = append(ops, DiffKeep)
	}
	slices.Reverse(ops)
	return ops
}

// groupChanges puts, within each run of changed lines, the deletions before
// the insertions: the same edits, read as "this was replaced by that".
func groupChanges(ops []DiffOp) {
	for i := 0; i < len(ops); {
		if ops[i] == DiffKeep {
			i++
			continue
		}
		j, dels := i, 0
		for ; j < len(ops) && ops[j] != DiffKeep; j++ {
			if ops[j] == DiffDelete {
				dels++
			}
		}
		for p := i; p < j; p++ {
			if p < i+dels {
				ops[p] = DiffDelete
			} else {
				ops[p] = DiffInsert
			}
		}
		i = j
	}
}
