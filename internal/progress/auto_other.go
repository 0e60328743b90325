//go:build !windows

package progress

// enableEscapes reports whether the terminal fd understands ANSI escape
// sequences; outside Windows every terminal that is not "dumb" does.
func enableEscapes(int) bool { return true }
