package runcmd

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestTailBuffer(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		writes []string
		want   string
	}{
		{"empty", 4, nil, ""},
		{"short", 4, []string{"ab"}, "ab"},
		{"exact", 4, []string{"abcd"}, "abcd"},
		{"one long write", 4, []string{"abcdefgh"}, "efgh"},
		{"many small", 4, []string{"ab", "cd", "ef", "g"}, "defg"},
		{"long after short", 4, []string{"ab", "cdefghij"}, "ghij"},
		{"disabled", 0, []string{"abc"}, ""},
		{"negative", -1, []string{"abc"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := tailBuffer{max: tt.max}
			for _, w := range tt.writes {
				if n, err := tb.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if got := string(tb.Bytes()); got != tt.want {
				t.Errorf("Bytes() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestTailBufferRandom compares against the obvious implementation and checks
// that memory stays within 2*max however much is written.
func TestTailBufferRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, limit := range []int{1, 7, 64, 1000} {
		tb := tailBuffer{max: limit}
		var all []byte
		for range 2000 {
			p := make([]byte, r.IntN(3*limit+2))
			for i := range p {
				p[i] = byte(r.IntN(256))
			}
			tb.Write(p)
			all = append(all, p...)
			want := all[max(0, len(all)-limit):]
			if got := tb.Bytes(); !bytes.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("max %d after %d bytes: tail differs", limit, len(all))
			}
			if cap(tb.buf) > 2*limit {
				t.Fatalf("max %d: buffer capacity %d > %d", limit, cap(tb.buf), 2*limit)
			}
		}
	}
}

func TestAppendBounded(t *testing.T) {
	var b []byte
	const limit = 100_000
	for len(b) < limit {
		n := min(3000, limit-len(b))
		b = appendBounded(b, bytes.Repeat([]byte{'x'}, n), limit)
		if cap(b) > limit {
			t.Fatalf("cap %d > limit %d", cap(b), limit)
		}
	}
	if len(b) != limit {
		t.Fatalf("len %d, want %d", len(b), limit)
	}
}
