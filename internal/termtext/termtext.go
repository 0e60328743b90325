// Package termtext makes text from outside awsfresh safe to print on a
// terminal. It is a leaf: every package that prints may use it.
package termtext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape makes text that came from outside awsfresh (a profile name, a
// path, a command line, a command's output) safe to print inside
// awsfresh's own messages: C0 and C1 control characters, DEL, invalid
// UTF-8 and the Unicode controls that reorder text are written as Go
// escapes (\x1b, \u009b, \u202e), so nothing a repository or a command
// wrote can move the cursor, retitle or clear the terminal, or set the
// clipboard. Tabs and newlines are escaped too: callers print line by
// line. Everything else, including non-ASCII letters, is kept.
func Escape(s string) string {
	i := strings.IndexFunc(s, NeedsEscape)
	if i < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && NeedsEscape(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case NeedsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// NeedsEscape reports whether a terminal might act on r instead of
// showing it: the characters Escape rewrites.
func NeedsEscape(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f: // C0, DEL, C1
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, // bidirectional marks
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, // embeddings, overrides, isolates
		r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}

// EscapeLines escapes each line of text (see [Escape]), keeping the
// newlines between them, for a block awsfresh prints that holds outside
// text.
func EscapeLines(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = Escape(l)
	}
	return strings.Join(lines, "\n")
}
