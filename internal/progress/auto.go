package progress

import (
	"io"

	"golang.org/x/term"
)

// ColorAllowed reports whether color and bold text may be used, from the
// environment that getenv reads: not when NO_COLOR has any non-empty value
// (https://no-color.org), nor when TERM is empty or "dumb".
func ColorAllowed(getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	t := getenv("TERM")
	return t != "" && t != "dumb"
}

// fder is implemented by *os.File.
type fder interface{ Fd() uintptr }

// Auto returns the Options for showing a Line on out: Terminal when out is
// a terminal (an *os.File, or anything with an Fd method, for which
// term.IsTerminal holds) that understands cursor movement (TERM is not
// "dumb"; on Windows, the console accepts escape sequences); then Color as
// ColorAllowed says and Width from the terminal's size. Otherwise plain
// mode. getenv reads the environment (os.Getenv in production).
func Auto(out io.Writer, getenv func(string) string) Options {
	o := Options{Out: out}
	f, ok := out.(fder)
	if !ok {
		return o
	}
	fd := int(f.Fd())
	if !term.IsTerminal(fd) || getenv("TERM") == "dumb" || !enableEscapes(fd) {
		return o
	}
	o.Terminal = true
	o.Color = ColorAllowed(getenv)
	o.Width = func() int {
		w, _, err := term.GetSize(fd)
		if err != nil {
			return 0
		}
		return w
	}
	return o
}
