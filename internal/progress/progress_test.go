package progress

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/awsfresh/awsfresh/internal/testtools"
)

// fakeClock is a settable clock.
type fakeClock = testtools.Clock

func newFakeClock() *fakeClock {
	return testtools.NewClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
}

// recorder keeps each Write to it separately, so tests can tell the
// command's writes from the Line's own.
type recorder struct {
	mu     sync.Mutex
	writes []string
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.writes, "")
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.writes)
}

// since returns what was written after the first n writes.
func (r *recorder) since(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.writes[n:], "")
}

// screen replays s on an emulated terminal that understands what a Line
// writes (CR, LF as CR+LF, ESC[K, SGR sequences, which it drops) and
// returns its rows with trailing blanks removed. Any other control
// character or escape sequence fails the test.
func screen(t *testing.T, s string) []string {
	t.Helper()
	rows := [][]rune{nil}
	row, col := 0, 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\r':
			col = 0
		case r == '\n':
			row, col = row+1, 0
			if row == len(rows) {
				rows = append(rows, nil)
			}
		case r == '\x1b':
			j := i + 1
			if j >= len(rs) || rs[j] != '[' {
				t.Fatalf("unexpected escape at %d in %q", i, s)
			}
			for j++; j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' || rs[j] == ';'); j++ {
			}
			if j >= len(rs) {
				t.Fatalf("unterminated escape sequence in %q", s)
			}
			switch rs[j] {
			case 'K':
				if col < len(rows[row]) {
					rows[row] = rows[row][:col]
				}
			case 'm':
			default:
				t.Fatalf("unexpected escape sequence %q", string(rs[i:j+1]))
			}
			i = j
		case r < ' ' || r == 0x7f:
			t.Fatalf("unexpected control character %q at %d in %q", r, i, s)
		default:
			for len(rows[row]) <= col {
				rows[row] = append(rows[row], ' ')
			}
			rows[row][col] = r
			col++
		}
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.TrimRight(string(r), " ")
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

const cmdLine = "aws sso login --profile dev"

// start starts a Line whose own goroutine never ticks: the test calls tick.
func start(o Options, timeout time.Duration) (*Line, *recorder, *fakeClock) {
	rec := &recorder{}
	clk := newFakeClock()
	o.Out = rec
	o.Now = clk.Now
	o.Interval = time.Hour
	if o.Width == nil {
		o.Width = func() int { return 120 }
	}
	return Start(o, cmdLine, timeout), rec, clk
}

func write(t *testing.T, l *Line, s string) {
	t.Helper()
	n, err := l.Writer().Write([]byte(s))
	if err != nil || n != len(s) {
		t.Fatalf("Write(%q) = %d, %v", s, n, err)
	}
}

func TestTerminalRedrawsInPlaceAndClearsAtStop(t *testing.T) {
	l, rec, clk := start(Options{Terminal: true}, 3*time.Minute)
	want := clearLine + "awsfresh: aws sso login --profile dev — 0:00 elapsed, 3:00 left (Ctrl+C to cancel)"
	if got := rec.String(); got != want {
		t.Fatalf("at start wrote %q, want %q", got, want)
	}
	n := rec.count()
	l.tick(clk.Advance(12*time.Second + 700*time.Millisecond))
	want = clearLine + "awsfresh: aws sso login --profile dev — 0:12 elapsed, 2:48 left (Ctrl+C to cancel)"
	if got := rec.since(n); got != want {
		t.Fatalf("tick at 0:12.7 wrote %q, want %q", got, want)
	}
	if got := screen(t, rec.String()); len(got) != 1 || !strings.Contains(got[0], "0:12 elapsed, 2:48 left") {
		t.Fatalf("screen after a redraw = %q, want the one status line", got)
	}
	n = rec.count()
	l.Stop()
	if got := rec.since(n); got != clearLine {
		t.Fatalf("Stop wrote %q, want %q", got, clearLine)
	}
	if got := screen(t, rec.String()); len(got) != 0 {
		t.Fatalf("screen after Stop = %q, want it empty", got)
	}
	n = rec.count()
	l.Stop()
	l.tick(clk.Advance(time.Second))
	if got := rec.since(n); got != "" {
		t.Fatalf("after Stop, a second Stop and a tick wrote %q", got)
	}
}

func TestTerminalCommandOutputIntact(t *testing.T) {
	l, rec, clk := start(Options{Terminal: true, Color: true}, 3*time.Minute)
	chunks := []string{
		"Attempting to open the SSO authorization page in your browser.\n",
		"If it does not open, open:\n\nhttps://device.sso.example/\n\nThen enter the code:\n\n",
	}
	for _, c := range chunks {
		write(t, l, c)
		clk.Advance(300 * time.Millisecond)
	}
	l.tick(clk.Advance(time.Second))
	write(t, l, "ABCD-")
	n := rec.count()
	l.tick(clk.Advance(200 * time.Millisecond))
	write(t, l, "EFGH")
	l.tick(clk.Advance(500 * time.Millisecond))
	if got := rec.since(n); got != "EFGH" {
		t.Fatalf("while a partial line was fresh, wrote %q, want only the command's %q", got, "EFGH")
	}
	n = rec.count()
	l.tick(clk.Advance(600 * time.Millisecond)) // 1.1 s after the last output
	got := rec.since(n)
	if !strings.HasPrefix(got, "\n"+clearLine) || !strings.Contains(got, "left") {
		t.Fatalf("tick after PartialWait wrote %q, want a newline, then the status", got)
	}
	write(t, l, "\nSuccessfully logged in.\n")
	n = rec.count()
	l.Stop()
	if got := rec.since(n); got != clearLine {
		t.Fatalf("Stop wrote %q, want %q", got, clearLine)
	}

	// The command's writes reach Out unchanged, whole and in order.
	var cmd []string
	for _, w := range rec.writes {
		if !strings.HasPrefix(w, "\r") && w != "\n" {
			cmd = append(cmd, w)
		}
	}
	wantCmd := append(append([]string{}, chunks...), "ABCD-", "EFGH", "\nSuccessfully logged in.\n")
	if strings.Join(cmd, "|") != strings.Join(wantCmd, "|") {
		t.Errorf("command writes reached Out as\n%q\nwant\n%q", cmd, wantCmd)
	}
	wantScreen := []string{
		"Attempting to open the SSO authorization page in your browser.",
		"If it does not open, open:",
		"",
		"https://device.sso.example/",
		"",
		"Then enter the code:",
		"",
		"ABCD-EFGH",
		"",
		"Successfully logged in.",
	}
	if got := screen(t, rec.String()); strings.Join(got, "\n") != strings.Join(wantScreen, "\n") {
		t.Errorf("screen after Stop:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantScreen, "\n"))
	}
	if s := rec.String(); !strings.Contains(s, bold) || !strings.Contains(s, reset) {
		t.Errorf("Color is on, but no bold text was written: %q", s)
	}
}

func TestTerminalStatusFollowsOutput(t *testing.T) {
	l, rec, clk := start(Options{Terminal: true}, time.Minute)
	defer l.Stop()
	clk.Advance(5 * time.Second)
	n := rec.count()
	write(t, l, "line one\n")
	got := rec.writes[n:]
	want := []string{clearLine, "line one\n", clearLine + "awsfresh: aws sso login --profile dev — 0:05 elapsed, 0:55 left (Ctrl+C to cancel)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("a complete line of output produced writes\n%q\nwant\n%q", got, want)
	}
	if s := screen(t, rec.String()); len(s) != 2 || s[0] != "line one" || !strings.Contains(s[1], "0:55 left") {
		t.Fatalf("screen = %q, want the output line and the status below it", s)
	}
}

func TestPartialOutputAtStopEndsTheLine(t *testing.T) {
	for _, terminal := range []bool{true, false} {
		t.Run(fmt.Sprint("terminal=", terminal), func(t *testing.T) {
			l, rec, _ := start(Options{Terminal: terminal}, time.Minute)
			write(t, l, "Enter code: ABCD-EFGH")
			l.Stop()
			if got := rec.String(); !strings.HasSuffix(got, "Enter code: ABCD-EFGH\n") {
				t.Fatalf("output ends %q, want the partial line ended by Stop", got)
			}
			if got := screen(t, rec.String()); len(got) != 1 || got[0] != "Enter code: ABCD-EFGH" {
				t.Fatalf("screen = %q", got)
			}
		})
	}
}

func TestPlainMode(t *testing.T) {
	l, rec, clk := start(Options{Terminal: false, Color: true, Width: func() int { return 20 }}, 3*time.Minute)
	if got := rec.String(); got != "" {
		t.Fatalf("plain mode wrote %q at start, want nothing", got)
	}
	write(t, l, "Open https://device.sso.example/\n")
	steps := []struct {
		at   time.Duration // since start
		want string        // the tick's output
	}{
		{1 * time.Second, ""},
		{29 * time.Second, ""},
		{30 * time.Second, "awsfresh: still waiting for the login command: 0:30 elapsed, 2:30 left\n"},
		{31 * time.Second, ""},
		{59 * time.Second, ""},
		{61*time.Second + 500*time.Millisecond, "awsfresh: still waiting for the login command: 1:01 elapsed, 1:59 left\n"},
		{89 * time.Second, ""},
	}
	begin := clk.Now()
	for _, s := range steps {
		n := rec.count()
		clk.Advance(begin.Add(s.at).Sub(clk.Now()))
		l.tick(clk.Now())
		if got := rec.since(n); got != s.want {
			t.Errorf("tick at %s wrote %q, want %q", s.at, got, s.want)
		}
	}
	// A due line waits for a fresh partial line, then goes below it.
	clk.Advance(500 * time.Millisecond)
	write(t, l, "code: WXYZ") // at 1:29.5
	n := rec.count()
	l.tick(clk.Advance(400 * time.Millisecond)) // 1:29.9: not due yet
	l.tick(clk.Advance(599 * time.Millisecond)) // 1:30.499: due, but the partial line is 0.999 s old
	if got := rec.since(n); got != "" {
		t.Fatalf("wrote %q in the middle of a fresh partial line", got)
	}
	l.tick(clk.Advance(600 * time.Millisecond)) // 1:31.099
	if got, want := rec.since(n), "\nawsfresh: still waiting for the login command: 1:31 elapsed, 1:29 left\n"; got != want {
		t.Fatalf("after PartialWait wrote %q, want %q", got, want)
	}
	l.Stop()
	all := rec.String()
	if strings.ContainsAny(all, "\r\x1b") {
		t.Fatalf("plain mode wrote a carriage return or escape: %q", all)
	}
	want := []string{
		"Open https://device.sso.example/",
		"awsfresh: still waiting for the login command: 0:30 elapsed, 2:30 left",
		"awsfresh: still waiting for the login command: 1:01 elapsed, 1:59 left",
		"code: WXYZ",
		"awsfresh: still waiting for the login command: 1:31 elapsed, 1:29 left",
	}
	if got := screen(t, all); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("plain output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStatusText(t *testing.T) {
	tests := []struct {
		name    string
		command string
		timeout time.Duration
		at      time.Duration
		width   int
		want    string
	}{
		{"no deadline", cmdLine, 0, 65 * time.Second, 120,
			"awsfresh: aws sso login --profile dev — 1:05 elapsed (Ctrl+C to cancel)"},
		{"deadline reached", cmdLine, 10 * time.Second, 11 * time.Second, 120,
			"awsfresh: aws sso login --profile dev — 0:11 elapsed, deadline reached: stopping it (Ctrl+C to cancel)"},
		{"fractional timeout rounds left up", cmdLine, 1500 * time.Millisecond, 200 * time.Millisecond, 120,
			"awsfresh: aws sso login --profile dev — 0:00 elapsed, 0:02 left (Ctrl+C to cancel)"},
		{"hours", cmdLine, 2 * time.Hour, time.Hour + 2*time.Second, 120,
			"awsfresh: aws sso login --profile dev — 1:00:02 elapsed, 59:58 left (Ctrl+C to cancel)"},
		{"narrow: hint dropped, command cut", cmdLine, 3 * time.Minute, 0, 50,
			"awsfresh: aws sso logi… — 0:00 elapsed, 3:00 left"},
		{"very narrow: numbers only", cmdLine, 3 * time.Minute, 0, 30,
			"awsfresh: 0:00 elapsed, 3:00…"},
		{"multi-line command on one line", "printf 'a\\n'\n\techo b\x1b[31m  c\r\n", time.Minute, 0, 120,
			"awsfresh: printf 'a\\n' echo b [31m c — 0:00 elapsed, 1:00 left (Ctrl+C to cancel)"},
		{"key id redacted", "login --key AKIAABCDEFGHIJKLMNOP", time.Minute, 0, 120,
			"awsfresh: login --key "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			clk := newFakeClock()
			l := Start(Options{Out: rec, Terminal: true, Now: clk.Now, Interval: time.Hour, Width: func() int { return tt.width }}, tt.command, tt.timeout)
			defer l.Stop()
			got := l.status(clk.Advance(tt.at))
			if strings.HasPrefix(tt.name, "key id") {
				if strings.Contains(got, "AKIAABCDEFGHIJKLMNOP") || !strings.HasPrefix(got, tt.want) {
					t.Fatalf("status = %q, want the key id masked", got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("status = %q\nwant     %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n >= tt.width {
				t.Errorf("status is %d columns wide on a %d-column terminal", n, tt.width)
			}
		})
	}
}

func TestColorAllowed(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"TERM": "xterm-256color"}, true},
		{map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, false},
		{map[string]string{"TERM": "xterm-256color", "NO_COLOR": "0"}, false},
		{map[string]string{"TERM": "xterm-256color", "NO_COLOR": ""}, true},
		{map[string]string{"TERM": "dumb"}, false},
		{map[string]string{}, false},
	}
	for _, tt := range tests {
		if got := ColorAllowed(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("ColorAllowed(%v) = %v, want %v", tt.env, got, tt.want)
		}
	}
}

func TestNoColorMeansNoSGR(t *testing.T) {
	l, rec, clk := start(Options{Terminal: true, Color: false}, time.Minute)
	write(t, l, "x\n")
	l.tick(clk.Advance(time.Second))
	l.Stop()
	if s := rec.String(); regexp.MustCompile(`\x1b\[[0-9;]*m`).MatchString(s) {
		t.Fatalf("Color is off but a color sequence was written: %q", s)
	}
}

func TestWritesAfterStopPassThrough(t *testing.T) {
	l, rec, _ := start(Options{Terminal: true}, time.Minute)
	l.Stop()
	n := rec.count()
	write(t, l, "late\n")
	if got := rec.since(n); got != "late\n" {
		t.Fatalf("after Stop a Write produced %q, want the bytes alone", got)
	}
}

// failWriter fails every write after the first ok.
type failWriter struct {
	ok int
	n  int
}

var errBroken = errors.New("broken pipe")

func (w *failWriter) Write(p []byte) (int, error) {
	w.n++
	if w.n > w.ok {
		return 0, errBroken
	}
	return len(p), nil
}

func TestOutErrors(t *testing.T) {
	// The status write at Start fails: the Line shows nothing more, but
	// command output is still passed on.
	fw := &failWriter{ok: 0}
	clk := newFakeClock()
	l := Start(Options{Out: fw, Terminal: true, Now: clk.Now, Interval: time.Hour}, cmdLine, time.Minute)
	if _, err := l.Writer().Write([]byte("x\n")); !errors.Is(err, errBroken) {
		t.Fatalf("Write to a failing Out returned %v, want %v", err, errBroken)
	}
	calls := fw.n
	l.tick(clk.Advance(time.Second))
	l.Stop()
	if fw.n != calls {
		t.Fatalf("after a failed status write the Line still wrote %d times", fw.n-calls)
	}
}

func TestTickerRedrawsWithRealClock(t *testing.T) {
	var buf lockedBuffer
	l := Start(Options{Out: &buf, Terminal: true, Interval: 5 * time.Millisecond}, cmdLine, time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(buf.String(), clearLine) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("no redraws every 5ms: %q", buf.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.Stop()
	after := buf.String()
	time.Sleep(30 * time.Millisecond)
	if buf.String() != after {
		t.Fatal("the Line kept writing after Stop returned")
	}
	if !strings.HasSuffix(after, clearLine) {
		t.Fatalf("output does not end with the status cleared: %q", after)
	}
}

func TestConcurrentWritersKeepLinesWhole(t *testing.T) {
	var buf lockedBuffer
	l := Start(Options{Out: &buf, Terminal: true, Interval: time.Millisecond, Width: func() int { return 200 }}, cmdLine, time.Minute)
	var wg sync.WaitGroup
	want := map[string]bool{}
	for g := range 4 {
		for i := range 50 {
			want[fmt.Sprintf("writer %d line %d https://device.sso.example/?code=ABCD-EFGH", g, i)] = true
		}
		wg.Go(func() {
			for i := range 50 {
				fmt.Fprintf(l.Writer(), "writer %d line %d https://device.sso.example/?code=ABCD-EFGH\n", g, i)
				if i%10 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	l.Stop()
	rows := screen(t, buf.String())
	if len(rows) != len(want) {
		t.Fatalf("screen has %d rows, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		if !want[r] {
			t.Fatalf("garbled row %q", r)
		}
		delete(want, r)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestAutoOnNonTerminal(t *testing.T) {
	var buf bytes.Buffer
	o := Auto(&buf, func(string) string { return "xterm" })
	if o.Terminal || o.Color || o.Out != &buf {
		t.Fatalf("Auto(bytes.Buffer) = %+v, want plain mode on the buffer", o)
	}
}

func TestDisplay(t *testing.T) {
	rec := &recorder{}
	clk := newFakeClock()
	d := NewDisplay(Options{Out: rec, Terminal: true, Now: clk.Now, Interval: time.Hour})
	w := d.Writer()
	d.Stop() // no Line yet: nothing happens
	fmt.Fprint(w, "before\n")
	if got := rec.String(); got != "before\n" {
		t.Fatalf("without a Line, Writer wrote %q", got)
	}
	d.Start("first", time.Minute)
	fmt.Fprint(w, "one\n")
	d.Start("second", time.Minute) // stops the first
	fmt.Fprint(w, "two")
	d.Stop()
	d.Stop()
	fmt.Fprint(w, "after\n")
	all := rec.String()
	for _, want := range []string{"awsfresh: first — ", "awsfresh: second — "} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks a status line %q: %q", want, all)
		}
	}
	want := []string{"before", "one", "two", "after"}
	if got := screen(t, all); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("screen:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
