package engine

import (
	"context"
	"time"

	"github.com/gofrs/flock"
)

// lock takes the profile's cross-process lock, waiting until ctx is
// done. flock(2) locks belong to open file descriptions, so two goroutines
// of one process exclude each other as two processes do. The lock is
// released by the kernel if the process dies. The directory is made
// ready first (see prepare); note says what was changed about it.
func (c cache) lock(ctx context.Context, profile string) (unlock func(), note string, err error) {
	if c.dir == "" {
		return func() {}, "", nil
	}
	if note, err = c.prepare(); err != nil {
		return nil, "", err
	}
	l := flock.New(c.lockPath(profile))
	ok, err := l.TryLockContext(ctx, 25*time.Millisecond)
	if err != nil {
		return nil, note, err
	}
	if !ok {
		return nil, note, ctx.Err()
	}
	return func() { _ = l.Unlock() }, note, nil
}
