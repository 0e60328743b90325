// Package procfs reads what awsfresh needs from Linux's /proc: a process's
// state, parent and group, whether a process or a process group still has
// a live member, a process's children, and which processes carry a marker
// in their environment. A zombie counts as dead: it has exited and only waits
// to be reaped, which some container inits never do. Elsewhere (no /proc)
// the answers say they are unknown.
package procfs

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"time"
)

// Stat is what awsfresh reads from /proc/PID/stat.
type Stat struct {
	State     byte // R, S, D, Z, X, …
	PPID      int
	PGRP      int
	StartTime uint64 // clock ticks after boot; 0 when the line was cut short
}

// Dead reports whether a process in this state has ended: a zombie (Z)
// or one being torn down (X).
func (s Stat) Dead() bool { return s.State == 'Z' || s.State == 'X' }

// ParseStat parses "pid (comm) state ppid pgrp … starttime …", where comm
// may hold spaces and parentheses. StartTime is left 0 when the line has
// fewer than its 22 fields.
func ParseStat(data []byte) (Stat, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return Stat{}, errors.New("stat: no command name")
	}
	f := bytes.Fields(data[i+1:])
	// state(0) ppid(1) pgrp(2) … starttime(19)
	if len(f) < 3 || len(f[0]) != 1 {
		return Stat{}, errors.New("stat: too few fields")
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pgrp, err2 := strconv.Atoi(string(f[2]))
	if err1 != nil || err2 != nil {
		return Stat{}, errors.New("stat: bad number")
	}
	s := Stat{State: f[0][0], PPID: ppid, PGRP: pgrp}
	if len(f) > 19 {
		if s.StartTime, err1 = strconv.ParseUint(string(f[19]), 10, 64); err1 != nil {
			return Stat{}, errors.New("stat: bad start time")
		}
	}
	return s, nil
}

// ReadStat reads and parses /proc/PID/stat.
func ReadStat(pid int) (Stat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(data)
}

// Alive reports whether pid is a live (not zombie) process; known is false
// when /proc cannot tell (it is not there).
func Alive(pid int) (alive, known bool) {
	s, err := ReadStat(pid)
	switch {
	case errors.Is(err, os.ErrNotExist):
		_, procErr := os.Stat("/proc/self/stat")
		return false, procErr == nil
	case err != nil:
		return false, false
	}
	return !s.Dead(), true
}

// GroupAlive reports whether a live (not zombie) process has process group
// pgid; known is false when /proc cannot be read.
func GroupAlive(pgid int) (alive, known bool) {
	pids, err := pids()
	if err != nil {
		return false, false
	}
	for _, pid := range pids {
		if s, err := ReadStat(pid); err == nil && s.PGRP == pgid && !s.Dead() {
			return true, true
		}
	}
	return false, true
}

// Children returns the live (not zombie) processes whose parent is ppid.
func Children(ppid int) ([]int, error) {
	all, err := pids()
	if err != nil {
		return nil, err
	}
	var out []int
	for _, pid := range all {
		if s, err := ReadStat(pid); err == nil && s.PPID == ppid && !s.Dead() {
			out = append(out, pid)
		}
	}
	return out, nil
}

// WithEnv returns the live processes whose environment, as it was when
// they started their program, holds the entry "KEY=value" exactly.
// Processes of other users, and ones that made themselves undumpable, are
// not readable and not returned.
func WithEnv(entry string) ([]int, error) {
	all, err := pids()
	if err != nil {
		return nil, err
	}
	want := []byte(entry)
	var out []int
	for _, pid := range all {
		data, err := readEnviron(pid)
		if err != nil || !hasEntry(data, want) {
			continue
		}
		if s, err := ReadStat(pid); err == nil && !s.Dead() {
			out = append(out, pid)
		}
	}
	return out, nil
}

// readEnviron reads a process's environment. A process in the middle of
// execve shows an empty one for a moment (its new memory map has no
// environment yet), which would hide a marked process that is exec'ing
// from a sweep: an empty environment of a process that is not a kernel
// thread is read again, a few times, a millisecond apart.
func readEnviron(pid int) ([]byte, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/environ"
	for try := 0; ; try++ {
		data, err := os.ReadFile(path)
		if err != nil || len(data) > 0 || try == 5 {
			return data, err
		}
		if s, err := ReadStat(pid); err != nil || s.PPID == 2 || pid == 2 || s.Dead() {
			return data, nil // a kernel thread, or gone: nothing to wait for
		}
		time.Sleep(time.Millisecond)
	}
}

// hasEntry reports whether the NUL-separated list env holds entry.
func hasEntry(env, entry []byte) bool {
	for len(env) > 0 {
		var e []byte
		e, env, _ = bytes.Cut(env, []byte{0})
		if bytes.Equal(e, entry) {
			return true
		}
	}
	return false
}

// pids lists the processes in /proc.
func pids() ([]int, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	out := make([]int, 0, len(names))
	for _, name := range names {
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		if pid, err := strconv.Atoi(name); err == nil {
			out = append(out, pid)
		}
	}
	return out, nil
}
