//go:build unix

package progress

import (
	"testing"

	"github.com/creack/pty"
)

func TestAutoOnTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(tty, &pty.Winsize{Rows: 10, Cols: 77}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env             map[string]string
		terminal, color bool
	}{
		{map[string]string{"TERM": "xterm-256color"}, true, true},
		{map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, true, false},
		{map[string]string{"TERM": "dumb"}, false, false},
		{map[string]string{}, true, false},
	}
	for _, tt := range tests {
		o := Auto(tty, func(k string) string { return tt.env[k] })
		if o.Terminal != tt.terminal || o.Color != tt.color || o.Out != tty {
			t.Errorf("Auto(pty, %v): Terminal %v, Color %v; want %v, %v", tt.env, o.Terminal, o.Color, tt.terminal, tt.color)
		}
		if o.Terminal {
			if o.Width == nil || o.Width() != 77 {
				t.Errorf("Auto(pty, %v): Width does not report the pty's 77 columns", tt.env)
			}
		}
	}
}
