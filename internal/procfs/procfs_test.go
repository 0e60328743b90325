package procfs

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"
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

// A child started with a marker in its environment is found both as a
// child and by its marker; once reaped it is neither.
func TestChildrenAndWithEnv(t *testing.T) {
	if _, err := ReadStat(os.Getpid()); err != nil {
		t.Skip("no /proc:", err)
	}
	marker := "PROCFS_TEST_MARKER=" + strconv.Itoa(os.Getpid())
	cmd := exec.Command("sleep", "60")
	cmd.Env = append(os.Environ(), marker)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	defer cmd.Wait()
	defer cmd.Process.Kill()

	kids, err := Children(os.Getpid())
	if err != nil || !slices.Contains(kids, pid) {
		t.Errorf("Children(self) = %v, %v; want it to hold %d", kids, err, pid)
	}
	// exec(2) may not have happened yet: the marker is in the environment
	// of the new program only.
	deadline := time.Now().Add(5 * time.Second)
	for {
		found, err := WithEnv(marker)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(found, []int{pid}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("WithEnv(%q) = %v, want [%d]", marker, found, pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if found, _ := WithEnv(marker + "x"); len(found) != 0 {
		t.Errorf("WithEnv matched a longer entry: %v", found)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if found, _ := WithEnv(marker); len(found) != 0 {
		t.Errorf("WithEnv after the process was reaped = %v", found)
	}
}

func TestHasEntry(t *testing.T) {
	env := []byte("A=1\x00B=2\x00AB=3\x00")
	for entry, want := range map[string]bool{"A=1": true, "B=2": true, "AB=3": true, "A=": false, "B=2\x00": false, "=": false} {
		if got := hasEntry(env, []byte(entry)); got != want {
			t.Errorf("hasEntry(%q) = %v, want %v", entry, got, want)
		}
	}
}
