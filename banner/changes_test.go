package banner

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChangesPage(t *testing.T) {
	del := func(s string) string {
		return `<li class="del"><span class="mark" aria-hidden="true">−</span><span class="sr">Removed: </span><del>` + s + `</del></li>`
	}
	ins := func(s string) string {
		return `<li class="ins"><span class="mark" aria-hidden="true">+</span><span class="sr">Added: </span><ins>` + s + `</ins></li>`
	}
	keep := func(s string) string { return `<li><span class="mark"></span>` + s + `</li>` }
	tests := []struct {
		name     string
		from, to string
		want     []string
		notWant  []string
	}{
		{name: "full texts", from: "1", to: "2", want: []string{
			"<title>Changes to the cookie policy</title>",
			"Version 1 of 2026-01-10 compared with version 2 of 2026-03-02.",
			"<h2>What changed</h2>\n<ul>\n<li><strong>Version 2 of 2026-03-02</strong> — Added the partner category.",
			"Lines marked &#43; were added, lines marked − were removed",
			`<ul class="diff" aria-labelledby="diff">`,
			keep("Analytics cookies count visits."),
			ins("Partner cookies share conversions."),
			`<a href="/consent/policy?return=%2Fshop%3Fpage%3D2#revisions">Back to the changes to this policy</a>`,
		}, notWant: []string{"summaries are compared", "First published."}},
		{name: "backwards", from: "2", to: "1", want: []string{
			"Version 2 of 2026-03-02 compared with version 1 of 2026-01-10.",
			del("Partner cookies share conversions."),
		}},
		{name: "defaults: the current version against the one before", want: []string{
			"Version 2 of 2026-03-02 compared with version 3 of 2026-05-20.",
			"The full text of the policy is not available for both versions, so their summaries are compared instead.",
			del("Added the partner category."),
			ins("Clarified wording."),
		}},
		{name: "from alone: to the current version", from: "1", want: []string{
			"Version 1 of 2026-01-10 compared with version 3 of 2026-05-20.",
			"<li><strong>Version 3 of 2026-05-20</strong> — Clarified wording.</li>\n<li><strong>Version 2 of 2026-03-02</strong>",
			del("First published."),
		}},
		{name: "to alone: against the one before", to: "2", want: []string{
			"Version 1 of 2026-01-10 compared with version 2 of 2026-03-02.",
		}},
		{name: "same version", from: "2", to: "2", want: []string{"The two versions have the same text."},
			notWant: []string{`class="diff"`, "What changed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := page(t, pagesPolicy(), "changes", "", nil, tc.from, tc.to)
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
			for _, w := range tc.notWant {
				assert.NotContains(t, got, w)
			}
		})
	}
}

func TestChangesPageUnknownVersions(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		policy   func(*consent.Policy)
	}{
		{name: "unknown from", from: "9", to: "2"},
		{name: "unknown to", from: "1", to: "9"},
		{name: "the current version is not a revision's", from: "1", to: "1.0"},
		{name: "the first revision has none before it", to: "1"},
		{name: "too long", from: strings.Repeat("1", maxVersionBytes+1), to: "2",
			policy: func(p *consent.Policy) { p.Revisions[0].Version = strings.Repeat("1", maxVersionBytes+1) }},
		{name: "no revisions", policy: func(p *consent.Policy) { p.Revisions = nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pagesPolicy()
			if tc.policy != nil {
				tc.policy(p)
			}
			pages, err := NewPages(p)
			require.NoError(t, err)
			cat, err := NewCatalog(p)
			require.NoError(t, err)
			var buf bytes.Buffer
			err = pages.Changes(&buf, PageData{Consent: consent.Undecided(p), Prefix: "/consent", Texts: cat.Texts(0)}, tc.from, tc.to)
			assert.ErrorIs(t, err, ErrUnknownVersion)
			assert.Zero(t, buf.Len(), "nothing rendered")
		})
	}
}

func TestChangesPageWithNothingToCompare(t *testing.T) {
	p := pagesPolicy()
	for i := range p.Revisions {
		p.Revisions[i].Text, p.Revisions[i].Summary = "", ""
	}
	got := page(t, p, "changes", "de", nil, "1", "2")
	assert.Contains(t, got, "Keine der beiden Versionen hat einen Text oder eine Zusammenfassung zum Vergleichen.")
	assert.NotContains(t, got, "denselben Text")
}

func TestChangesPageLeavesOutUnchangedLines(t *testing.T) {
	p := pagesPolicy()
	lines := make([]string, 31)
	for i := range lines {
		lines[i] = "line " + strconv.Itoa(i)
	}
	p.Revisions[0].Text = strings.Join(lines, "\r\n") + "\r\n"
	lines[15] = "line fifteen"
	p.Revisions[1].Text = strings.Join(lines, "\n")
	got := page(t, p, "changes", "fr", nil, "1", "2")
	assert.Equal(t, 2, strings.Count(got, "Lignes inchangées non affichées\u00a0: 12</li>"), "12 lines before and after the change")
	for _, w := range []string{"line 12", "line 14", "<del>line 15</del>", "<ins>line fifteen</ins>", "line 16", "line 18"} {
		assert.Contains(t, got, w)
	}
	for _, w := range []string{"line 11<", "line 19<", "\r"} {
		assert.NotContains(t, got, w)
	}
}

func TestCollapse(t *testing.T) {
	k := func(s string) DiffLine { return DiffLine{DiffKeep, s} }
	tests := []struct {
		name  string
		lines []DiffLine
		want  []string // "skip N" for left out lines
	}{
		{"empty", nil, []string{}},
		{"short runs stay", []DiffLine{k("a"), {DiffInsert, "b"}, k("c")}, []string{"keep a", "ins b", "keep c"}},
		{"one line is never left out", []DiffLine{k("1"), k("2"), k("3"), k("4"), {DiffDelete, "x"}}, []string{"keep 1", "keep 2", "keep 3", "keep 4", "del x"}},
		{"long start", []DiffLine{k("1"), k("2"), k("3"), k("4"), k("5"), {DiffDelete, "x"}}, []string{"skip 2", "keep 3", "keep 4", "keep 5", "del x"}},
		{"long end", []DiffLine{{DiffInsert, "x"}, k("1"), k("2"), k("3"), k("4"), k("5")}, []string{"ins x", "keep 1", "keep 2", "keep 3", "skip 2"}},
		{"long middle", []DiffLine{{DiffInsert, "x"}, k("1"), k("2"), k("3"), k("4"), k("5"), k("6"), k("7"), k("8"), {DiffInsert, "y"}},
			[]string{"ins x", "keep 1", "keep 2", "keep 3", "skip 2", "keep 6", "keep 7", "keep 8", "ins y"}},
		{"no change", []DiffLine{k("1"), k("2")}, []string{"skip 2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := []string{}
			for _, r := range collapse(tc.lines, 3) {
				if r.Skipped > 0 {
					got = append(got, "skip "+r.Count())
				} else {
					got = append(got, r.Kind+" "+r.Text)
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
