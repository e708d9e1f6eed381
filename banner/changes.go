package banner

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/consentgate/consent"
)

// ErrUnknownVersion is returned by Pages.Changes for a version the policy
// has no revision of; the endpoint answers it with 404.
var ErrUnknownVersion = errors.New("banner: unknown policy version")

// maxVersionBytes bounds a version asked for; longer ones are not looked up.
const maxVersionBytes = 256

// diffContext is how many unchanged lines are shown around each change.
const diffContext = 3

// changesView is what the changes page shows.
type changesView struct {
	From, To consent.Revision
	// Changelog lists the revisions after the older of the two, up to and
	// including the newer one, newest first.
	Changelog []consent.Revision
	// Summaries is set when the revisions' summaries are compared because
	// not both have a full text.
	Summaries bool
	// Nothing is set when there is nothing to compare: no texts and no
	// summaries.
	Nothing bool
	Rows    []diffRow
}

// Same reports whether the compared texts are equal.
func (c *changesView) Same() bool {
	return !slices.ContainsFunc(c.Rows, func(r diffRow) bool { return r.Kind != "keep" })
}

// diffRow is a line of the diff as the page shows it, or a run of unchanged
// lines left out (Skipped > 0).
type diffRow struct {
	Kind    string // "keep", "del" or "ins"
	Text    string
	Skipped int
}

// Count returns Skipped as text, for the "diff.skipped" placeholder.
func (r diffRow) Count() string { return strconv.Itoa(r.Skipped) }

// Changes renders the page comparing the policy text of revision from with
// that of revision to. An empty to means the current version, an empty from
// the revision before to. Both must be versions of the policy's revisions,
// else it returns ErrUnknownVersion (so does an empty from when to is the
// first revision).
//
// The texts compared are the revisions' Text when both have one; otherwise
// their Summary, so that like is compared with like, and the page says so.
func (p *Pages) Changes(buf *bytes.Buffer, d PageData, from, to string) error {
	revs := p.policy.Revisions
	find := func(version string) int {
		if len(version) > maxVersionBytes {
			return -1
		}
		return slices.IndexFunc(revs, func(r consent.Revision) bool { return r.Version == version })
	}
	if to == "" {
		to = p.policy.Version
	}
	j := find(to)
	i := j - 1
	if from != "" {
		i = find(from)
	}
	if i < 0 || j < 0 {
		return ErrUnknownVersion
	}
	c := &changesView{From: revs[i], To: revs[j]}
	lo, hi := min(i, j), max(i, j)
	c.Changelog = slices.Clone(revs[lo+1 : hi+1])
	slices.Reverse(c.Changelog)

	old, cur := c.From.Text, c.To.Text
	if old == "" || cur == "" {
		old, cur, c.Summaries = c.From.Summary, c.To.Summary, true
		c.Nothing = old == "" && cur == ""
	}
	c.Rows = collapse(Diff(normalizeText(old), normalizeText(cur)), diffContext)

	v := p.view(d, "diff.title")
	v.Changes = c
	return p.tmpl.ExecuteTemplate(buf, "changes.html", v)
}

// normalizeText makes line ends "\n" and drops trailing line ends, which a
// reader cannot see and should not be shown as changes.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimRight(s, "\n")
}

// collapse turns a diff into rows, replacing each run of unchanged lines
// longer than needed for context lines around the changes by one row
// saying how many lines were left out.
func collapse(lines []DiffLine, context int) []diffRow {
	kinds := [...]string{DiffKeep: "keep", DiffDelete: "del", DiffInsert: "ins"}
	rows := make([]diffRow, 0, len(lines))
	for i := 0; i < len(lines); {
		if lines[i].Op != DiffKeep {
			rows = append(rows, diffRow{Kind: kinds[lines[i].Op], Text: lines[i].Text})
			i++
			continue
		}
		j := i
		for j < len(lines) && lines[j].Op == DiffKeep {
			j++
		}
		head, tail := context, context // lines kept after the change before, before the next
		if i == 0 {
			head = 0
		}
		if j == len(lines) {
			tail = 0
		}
		if j-i <= head+tail+1 { // hiding one line would save nothing
			head, tail = j-i, 0
		}
		for _, l := range lines[i : i+head] {
			rows = append(rows, diffRow{Kind: "keep", Text: l.Text})
		}
		if n := j - i - head - tail; n > 0 {
			rows = append(rows, diffRow{Kind: "keep", Skipped: n})
		}
		for _, l := range lines[j-tail : j] {
			rows = append(rows, diffRow{Kind: "keep", Text: l.Text})
		}
		i = j
	}
	return rows
}
