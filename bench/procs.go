//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/awsfresh/awsfresh/internal/procfs"
)

// markerVar is the environment variable that tags every process a
// measurement starts. Children inherit it, including those that leave
// their parent's process group or are reparented to init, so a scan of
// /proc finds them all.
const markerVar = "AWSFRESH_BENCH_MARK"

// procKey identifies one process across PID reuse.
type procKey struct {
	pid   int
	start uint64 // starttime in clock ticks since boot
}

// parseStat parses /proc/<pid>/stat, which must be complete: the harness
// tells processes apart by their start time.
func parseStat(data []byte) (procfs.Stat, error) {
	st, err := procfs.ParseStat(data)
	if err == nil && st.StartTime == 0 {
		err = errors.New("stat: too few fields")
	}
	return st, err
}

// markerOf returns the value of markerVar in a NUL-separated environment.
func markerOf(environ []byte) string {
	prefix := []byte(markerVar + "=")
	for _, kv := range bytes.Split(environ, []byte{0}) {
		if bytes.HasPrefix(kv, prefix) {
			return string(kv[len(prefix):])
		}
	}
	return ""
}

// scanner finds the live processes that carry a marker. It caches each
// process's marker (the environment of a process does not change), so a
// scan costs one small read per process.
type scanner struct {
	self    int
	markers map[procKey]string
}

func newScanner() *scanner {
	return &scanner{self: os.Getpid(), markers: make(map[procKey]string)}
}

// live returns, by marker value, the PIDs of the live (not zombie)
// processes whose marker value starts with prefix. The harness's own
// process is never included.
func (s *scanner) live(prefix string) map[string][]int {
	out := make(map[string][]int)
	dir, err := os.Open("/proc")
	if err != nil {
		return out
	}
	names, _ := dir.Readdirnames(-1)
	dir.Close()
	seen := make(map[procKey]bool, len(names))
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid == s.self {
			continue
		}
		data, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue
		}
		st, err := parseStat(data)
		if err != nil || st.Dead() {
			continue
		}
		k := procKey{pid, st.StartTime}
		seen[k] = true
		m, ok := s.markers[k]
		if !ok {
			env, err := os.ReadFile("/proc/" + name + "/environ")
			if err != nil {
				continue // gone, or not ours to read
			}
			m = markerOf(env)
			if len(env) > 0 {
				s.markers[k] = m
			}
		}
		if m != "" && strings.HasPrefix(m, prefix) {
			out[m] = append(out[m], pid)
		}
	}
	for k := range s.markers {
		if !seen[k] {
			delete(s.markers, k)
		}
	}
	return out
}

// killMarked sends SIGKILL, one PID at a time, to every live process whose
// marker starts with prefix, and returns how many it signalled. Only
// processes this harness started carry such a marker.
func (s *scanner) killMarked(prefix string) int {
	n := 0
	for _, pids := range s.live(prefix) {
		for _, pid := range pids {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
			}
		}
	}
	return n
}

// vmRSS returns the resident set size of pid in bytes, from
// /proc/<pid>/status.
func vmRSS(pid int) (int64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	return parseVmRSS(data)
}

func parseVmRSS(status []byte) (int64, error) {
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				return 0, errors.New("VmRSS: unexpected format")
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmRSS line")
}
