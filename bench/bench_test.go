//go:build unix

package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5}, 5},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{4, 1, 3, 2}, 2}, // (2+3)/2 in integer nanoseconds
		{[]time.Duration{10, 30, 20, 40}, 25},
	}
	for _, tt := range tests {
		in := append([]time.Duration(nil), tt.in...)
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.in[i] {
				t.Fatalf("median reordered its argument: %v", tt.in)
			}
		}
	}
}

func TestPercentile(t *testing.T) {
	var xs []int64
	for i := int64(1); i <= 100; i++ {
		xs = append(xs, i)
	}
	for _, tt := range []struct {
		p    float64
		want int64
	}{{50, 50}, {99, 99}, {100, 100}, {0.5, 1}, {99.5, 100}} {
		if got := percentile(xs, tt.p); got != tt.want {
			t.Errorf("percentile(1..100, %v) = %d, want %d", tt.p, got, tt.want)
		}
	}
	if got := percentile([]int64{7}, 99); got != 7 {
		t.Errorf("percentile of one value = %d, want 7", got)
	}
	if got := percentile([]int64(nil), 50); got != 0 {
		t.Errorf("percentile of none = %d, want 0", got)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 21345: "21,345", 1234567: "1,234,567", -4321: "-4,321"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestParseStat(t *testing.T) {
	// The command name may hold spaces and parentheses.
	line := "4242 (a b) (c)) Z 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	st, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if st.State != 'Z' || st.PPID != 17 || st.StartTime != 987654 || !st.Dead() {
		t.Errorf("parseStat = %+v (dead %v), want state Z, ppid 17, start 987654, dead", st, st.Dead())
	}
	st.State = 'S'
	if st.Dead() {
		t.Error("a sleeping process counts as dead")
	}
	for _, bad := range []string{"", "12 comm S 1 2", "12 (x) S 1 2 3"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) accepted a malformed line", bad)
		}
	}
}

func TestParseStatOfSelf(t *testing.T) {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	st, err := parseStat(data)
	if err != nil {
		t.Fatal(err)
	}
	if st.Dead() || st.PPID != os.Getppid() {
		t.Errorf("own stat %+v: want alive with ppid %d", st, os.Getppid())
	}
}

func TestMarkerOf(t *testing.T) {
	env := []byte("PATH=/bin\x00" + markerVar + "=run-1-x\x00HOME=/h\x00")
	if got := markerOf(env); got != "run-1-x" {
		t.Errorf("markerOf = %q, want run-1-x", got)
	}
	if got := markerOf([]byte("X" + markerVar + "=no\x00")); got != "" {
		t.Errorf("markerOf matched a longer variable name: %q", got)
	}
}

func TestParseVmRSS(t *testing.T) {
	n, err := parseVmRSS([]byte("Name:\tx\nVmRSS:\t   12672 kB\nThreads:\t5\n"))
	if err != nil || n != 12672<<10 {
		t.Errorf("parseVmRSS = %d, %v; want %d", n, err, 12672<<10)
	}
	if _, err := parseVmRSS([]byte("Name:\tx\n")); err == nil {
		t.Error("parseVmRSS accepted a status without VmRSS")
	}
}

// TestScannerFindsMarkedProcess starts a marked sleep, finds it, kills it
// through the scanner, and sees it gone.
func TestScannerFindsMarkedProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("no /proc")
	}
	marker := "test-" + t.Name()
	cmd := exec.Command("sleep", "60")
	cmd.Env = append(os.Environ(), markerVar+"="+marker)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s := newScanner()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.live(marker)[marker]) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the marked process was never found")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := s.live(marker)[marker]; len(got) != 1 || got[0] != cmd.Process.Pid {
		t.Errorf("live = %v, want [%d]", got, cmd.Process.Pid)
	}
	if len(s.live("other-prefix")) != 0 {
		t.Error("a prefix that does not match found processes")
	}
	if n := s.killMarked(marker); n != 1 {
		t.Errorf("killMarked signalled %d processes, want 1", n)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the marked process survived killMarked")
	}
	if got := s.live(marker)[marker]; len(got) != 0 {
		t.Errorf("a dead process is still live: %v", got)
	}
}

func TestHungValues(t *testing.T) {
	d := time.Unix(1000, 0)
	runs := []*hungRun{
		{deadline: d, goneAt: d.Add(10 * time.Millisecond)},
		{deadline: d, goneAt: d.Add(30 * time.Millisecond)},
		{deadline: d, goneAt: d.Add(20 * time.Millisecond)},
	}
	gone := func(r *hungRun) time.Time { return r.goneAt }
	v := hungValues(runs, 30*time.Second, "still alive", gone)
	if v.worst != 30*time.Millisecond || !strings.HasPrefix(v.text, "+0.020 s (max +0.030 s)") {
		t.Errorf("hungValues = %+v", v)
	}
	runs[1].goneAt = time.Time{}
	v = hungValues(runs, 30*time.Second, "still alive", gone)
	if v.worst <= 30*time.Second || !strings.Contains(v.text, "still alive 30.000 s after in 1/3 runs") {
		t.Errorf("a run that never finished: %+v", v)
	}
	for _, r := range runs {
		r.goneAt = time.Time{}
	}
	v = hungValues(runs, 30*time.Second, "still alive", gone)
	if v.worst <= 30*time.Second || v.text != "still alive 30.000 s after (3/3 runs)" {
		t.Errorf("no run finished: %+v", v)
	}
}

func TestMarkdownTable(t *testing.T) {
	rows := []row{
		{section: "S1", name: "a|b", value: "1", target: "-", verdict: info},
		{section: "S1", name: "c", value: "2", target: "<= 1", verdict: miss, note: "why"},
		{section: "S2", name: "d", value: "3", target: ">= 1", verdict: pass},
		{section: "S2", name: "e", value: "4", target: ">= 5", verdict: miss, note: "why"},
		{section: "S2", name: "f", value: "-", target: "-", verdict: skipped, note: "no tool"},
	}
	md := markdownTable(rows)
	for _, want := range []string{"| **S1** | | | |\n", `| a\|b | 1 | - | - |`, "| c | 2 | <= 1 | **miss** |", "| **S2** | | | |\n| d | 3 | >= 1 | pass |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if n := notesOf(rows); len(n) != 2 || n[0] != "c; e: why" || n[1] != "f: no tool" {
		t.Errorf("notesOf = %q, want [\"c; e: why\" \"f: no tool\"]", n)
	}
}
