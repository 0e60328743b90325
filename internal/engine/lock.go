package engine

import (
	"context"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// lock takes the profile's cross-process lock, waiting until ctx is
// done. flock(2) locks belong to open file descriptions, so two goroutines
// of one process exclude each other as two processes do. The lock is
// released by the kernel if the process dies.
func (c cache) lock(ctx context.Context, profile string) (unlock func(), err error) {
	if c.dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, err
	}
	l := flock.New(c.lockPath(profile))
	ok, err := l.TryLockContext(ctx, 25*time.Millisecond)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ctx.Err()
	}
	return func() { _ = l.Unlock() }, nil
}
