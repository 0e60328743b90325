//go:build unix

package main

import (
	"strings"
	"testing"
	"time"
)

// TestProseTakesFiguresFromTheRun: BENCHMARKS.md's prose states the run's
// own settings and machine, never fixed ones.
func TestProseTakesFiguresFromTheRun(t *testing.T) {
	b := &bench{hungTimeout: 3 * time.Second, peerWait: 7 * time.Second, callers: 12, loginDelay: 2 * time.Second,
		loadDuration: 4 * time.Second, loadRuns: 1, clients: []int{2, 5}, aws: "/opt/aws"}
	m := machine{nproc: 7, date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}
	rows := []row{
		{section: hungSection + ", timeout 3s", name: "awsfresh, plain sleep: call returned after deadline", verdict: miss},
		{section: "exec endpoint", name: "16 clients: p99 latency", verdict: miss},
	}
	b.noteOtherMisses(rows, m)
	doc := b.markdown(m, rows, "go run ./bench -hung-timeout 3s", 95*time.Second)
	for _, want := range []string{
		"this run took 1m35s on 7 CPUs", "AWS CLI v2 at `/opt/aws`", "given a 3 s deadline", "--timeout 3s`", "o.Timeout = 3s",
		"(start + 3 s)", "7 s after the deadline", "SIGKILL 2 s later", "12 `awsfresh export", "`sleep 2 && curl",
		"for 4 s per run after a 300 ms warm-up", "median over 1 run.", "same 7 CPUs", "polling /proc every 5 ms",
		"(2, 5 client goroutines", "on 7 CPUs;",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the prose lacks %q", want)
		}
	}
	for _, fixed := range []string{"2 cores", "1-second", "1 s deadline", "timeout 1s", "about 2 minutes", "16 or 64", "+0.02 s"} {
		if strings.Contains(doc, fixed) {
			t.Errorf("the prose holds the fixed %q", fixed)
		}
	}
}
