//go:build unix

package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// verdict says how a row compares with its target.
type verdict string

const (
	pass    verdict = "pass"
	miss    verdict = "MISS"
	info    verdict = "-"       // a reference figure, no target
	skipped verdict = "skipped" // could not be measured here
)

// row is one line of the results table.
type row struct {
	section string
	name    string
	value   string
	target  string
	verdict verdict
	// note explains a miss or a skip: why, and what it would take.
	note string
}

// check returns pass when ok, miss otherwise.
func check(ok bool) verdict {
	if ok {
		return pass
	}
	return miss
}

// printTable writes rows as an aligned plain-text table, one block per
// section.
func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MEASUREMENT\tVALUE\tTARGET\tRESULT")
	section := ""
	for _, r := range rows {
		if r.section != section {
			section = r.section
			fmt.Fprintf(tw, "\t\t\t\n%s\t\t\t\n", strings.ToUpper(section))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.name, r.value, r.target, r.verdict)
	}
	tw.Flush()
	notes := notesOf(rows)
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for i, n := range notes {
			fmt.Fprintf(w, "[%d] %s\n", i+1, n)
		}
	}
}

// notesOf returns the notes of rows that missed or were skipped, in order;
// rows with the same note share one entry.
func notesOf(rows []row) []string {
	var names [][]string
	var texts []string
	for _, r := range rows {
		if r.note == "" || (r.verdict != miss && r.verdict != skipped) {
			continue
		}
		if i := slices.Index(texts, r.note); i >= 0 {
			names[i] = append(names[i], r.name)
			continue
		}
		texts = append(texts, r.note)
		names = append(names, []string{r.name})
	}
	out := make([]string, len(texts))
	for i := range texts {
		out[i] = strings.Join(names[i], "; ") + ": " + texts[i]
	}
	return out
}

// mdEscape makes s safe inside a Markdown table cell.
func mdEscape(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// markdownTable renders rows as a GitHub-flavoured Markdown table.
func markdownTable(rows []row) string {
	var b strings.Builder
	b.WriteString("| Measurement | Value | Target | Result |\n|---|---|---|---|\n")
	section := ""
	for _, r := range rows {
		if r.section != section {
			section = r.section
			fmt.Fprintf(&b, "| **%s** | | | |\n", mdEscape(section))
		}
		v := string(r.verdict)
		if r.verdict == miss {
			v = "**miss**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdEscape(r.name), mdEscape(r.value), mdEscape(r.target), v)
	}
	return b.String()
}
