//go:build unix

package cli_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/testtools"
)

// The login command of the terminal tests: a device-code prompt, a wait,
// then more output.
const (
	progressURLLine = "Open https://device.sso.example/ and enter code ABCD-EFGH"
	progressLogin   = `echo "` + progressURLLine + `"; sleep 4; echo done`
	progressExited  = "AWSFRESH-EXITED="
)

// sgr matches a color or bold escape sequence in `capture-pane -e` output.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TestProgressLineInTerminal runs `awsfresh refresh` in a real terminal
// (tmux) and reads the screen: while the login command runs, a countdown
// line is redrawn in place below the command's intact output; afterwards
// the countdown is gone and the output is still intact.
func TestProgressLineInTerminal(t *testing.T) {
	tmux := testtools.Require(t, "tmux")
	for _, noColor := range []bool{false, true} {
		name := "color"
		if noColor {
			name = "NO_COLOR"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			if noColor {
				s.env["NO_COLOR"] = "1"
			}
			s.env["TERM"] = "xterm-256color"
			pane := startTmux(t, tmux, s, awsfreshBin+" refresh --force --timeout 20s --command "+shellQuote(progressLogin))

			// While the login command runs.
			var during []string
			waitScreen(t, pane, 15*time.Second, "the countdown under the command's output", func(rows []string) bool {
				during = rows
				if slices.ContainsFunc(rows, func(r string) bool { return strings.HasPrefix(r, progressExited) }) {
					t.Fatalf("awsfresh exited before a countdown was seen; screen:\n%s", strings.Join(rows, "\n"))
				}
				u, st := rowIndex(rows, progressURLLine), statusRows(rows)
				return u >= 0 && len(st) > 0 && st[0] > u
			})
			st := statusRows(during)
			if len(st) != 1 {
				t.Fatalf("%d rows show a countdown, want 1:\n%s", len(st), strings.Join(during, "\n"))
			}
			status := during[st[0]]
			for _, want := range []string{"awsfresh:", "echo", "elapsed", "left", "Ctrl+C"} {
				if !strings.Contains(status, want) {
					t.Errorf("status line %q lacks %q", status, want)
				}
			}
			if !regexp.MustCompile(`0:\d\d elapsed, 0:\d\d left`).MatchString(status) {
				t.Errorf("status line %q does not count down from 0:20", status)
			}
			raw := pane.capture(true)
			if colored := sgr.MatchString(raw); colored == noColor {
				t.Errorf("NO_COLOR=%v but bold/color sequences on screen: %v\n%q", noColor, colored, raw)
			}
			// Redrawn in place: a later screen shows another elapsed time on
			// the one status row, and the output above is untouched.
			waitScreen(t, pane, 5*time.Second, "the countdown redrawn in place", func(rows []string) bool {
				st := statusRows(rows)
				return len(st) == 1 && rows[st[0]] != status && rowIndex(rows, progressURLLine) >= 0
			})

			// After it finished.
			var after []string
			waitScreen(t, pane, 30*time.Second, "awsfresh to exit", func(rows []string) bool {
				after = rows
				return slices.ContainsFunc(rows, func(r string) bool { return strings.HasPrefix(r, progressExited) })
			})
			u, d := rowIndex(after, progressURLLine), rowIndex(after, "done")
			if u < 0 || d < 0 || d < u {
				t.Errorf("after the run, the command's output is not intact and in order (URL row %d, done row %d)", u, d)
			}
			for _, i := range statusRows(after) {
				t.Errorf("the countdown line is still on screen after the run: %q", after[i])
			}
			if t.Failed() {
				t.Logf("screen during the run:\n%s\nscreen after:\n%s", strings.Join(during, "\n"), strings.Join(after, "\n"))
			}
		})
	}
}

// tmuxPane is one detached tmux session on a server of its own.
type tmuxPane struct {
	t          *testing.T
	tmux, sock string
}

// startTmux runs command (a shell command line) in the sandbox's
// environment in a new detached 120x20 tmux session, then prints its exit
// status and keeps the pane open.
func startTmux(t *testing.T, tmux string, s *sandbox, command string) *tmuxPane {
	t.Helper()
	p := &tmuxPane{t: t, tmux: tmux, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	var env []string
	for _, kv := range s.environ() {
		env = append(env, shellQuote(kv))
	}
	slices.Sort(env)
	inner := "cd " + shellQuote(s.dir) + " && env -i " + strings.Join(env, " ") + " " + command +
		"; echo " + progressExited + "$?; sleep 60"
	cmd := exec.Command(tmux, "-S", p.sock, "-f", "/dev/null", "new-session", "-d", "-s", "awsfresh", "-x", "120", "-y", "20", inner)
	cmd.Env = []string{"PATH=" + s.env["PATH"], "HOME=" + s.home, "TERM=xterm-256color", "SHELL=/bin/sh"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		exec.Command(tmux, "-S", p.sock, "kill-server").Run()
	})
	return p
}

// capture returns the pane's visible text, with its escape sequences for
// colors and attributes when escapes is true.
func (p *tmuxPane) capture(escapes bool) string {
	p.t.Helper()
	args := []string{"-S", p.sock, "capture-pane", "-p", "-t", "awsfresh"}
	if escapes {
		args = append(args, "-e")
	}
	out, err := exec.Command(p.tmux, args...).Output()
	if err != nil {
		p.t.Fatalf("tmux capture-pane: %v", err)
	}
	return string(out)
}

// rows returns the pane's visible rows, without trailing blanks.
func (p *tmuxPane) rows() []string {
	rows := strings.Split(p.capture(false), "\n")
	for i, r := range rows {
		rows[i] = strings.TrimRight(r, " ")
	}
	return rows
}

// waitScreen polls the screen until ok accepts it, failing after limit.
func waitScreen(t *testing.T, p *tmuxPane, limit time.Duration, what string, ok func([]string) bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		rows := p.rows()
		if ok(rows) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; screen:\n%s", limit, what, strings.Join(rows, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rowIndex is the index of the first row equal to line, or -1.
func rowIndex(rows []string, line string) int {
	return slices.Index(rows, line)
}

// statusRows are the indexes of the rows showing a countdown.
func statusRows(rows []string) []int {
	var found []int
	for i, r := range rows {
		if strings.HasPrefix(r, "awsfresh:") && strings.Contains(r, "elapsed") {
			found = append(found, i)
		}
	}
	return found
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
