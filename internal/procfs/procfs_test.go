package procfs

import (
	"os"
	"testing"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		in    string
		state byte
		pgrp  int
		ok    bool
	}{
		{"123 (sleep) S 1 120 120 0 -1", 'S', 120, true},
		{"77 (a b) c)) Z 1 5 5 0", 'Z', 5, true},
		{"garbage", 0, 0, false},
		{"1 (x) S 1", 0, 0, false},
	}
	for _, tt := range tests {
		s, err := ParseStat([]byte(tt.in))
		if s.State != tt.state || s.PGRP != tt.pgrp || (err == nil) != tt.ok {
			t.Errorf("ParseStat(%q) = %+v, %v; want state %q, pgrp %d, ok %v", tt.in, s, err, tt.state, tt.pgrp, tt.ok)
		}
	}
	// The command name may hold spaces and parentheses; starttime is field 22.
	line := "4242 (a b) (c)) Z 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	s, err := ParseStat([]byte(line))
	if err != nil || s.State != 'Z' || s.PPID != 17 || s.StartTime != 987654 || !s.Dead() {
		t.Errorf("ParseStat = %+v, %v (dead %v), want state Z, ppid 17, start 987654, dead", s, err, s.Dead())
	}
	s.State = 'S'
	if s.Dead() {
		t.Error("a sleeping process counts as dead")
	}
}

func TestSelf(t *testing.T) {
	s, err := ReadStat(os.Getpid())
	if err != nil {
		t.Skip("no /proc:", err)
	}
	if s.Dead() || s.PPID != os.Getppid() {
		t.Errorf("own stat %+v: want alive with ppid %d", s, os.Getppid())
	}
	if alive, known := Alive(os.Getpid()); !alive || !known {
		t.Errorf("Alive(self) = %v, %v", alive, known)
	}
	if alive, known := GroupAlive(s.PGRP); !alive || !known {
		t.Errorf("GroupAlive(own group) = %v, %v", alive, known)
	}
	if alive, known := Alive(1 << 30); alive || !known {
		t.Errorf("Alive(no such pid) = %v, %v", alive, known)
	}
}
