package wording

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 seconds"},
		{250 * time.Millisecond, "250 milliseconds"},
		{time.Second, "1 second"},
		{2 * time.Second, "2 seconds"},
		{59 * time.Second, "59 seconds"},
		{time.Minute, "1 minute"},
		{90 * time.Second, "90 seconds"},
		{3 * time.Minute, "3 minutes"},
		{150 * time.Second, "2 minutes 30 seconds"},
		{time.Hour, "1 hour"},
		{65 * time.Minute, "1 hour 5 minutes"},
		{2*time.Hour + 30*time.Second, "2 hours"},
	} {
		if got := Duration(tt.d); got != tt.want {
			t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
