package engine

import "sync"

// flights runs one function per key at a time; callers that arrive while
// it runs wait for it and share its result (like singleflight, with a
// hook that tells tests a caller has joined).
type flights struct {
	mu     sync.Mutex
	m      map[string]*flight
	onJoin func(key string) // called, under mu, when a caller joins a running flight
}

type flight struct {
	done chan struct{}
	res  Result
	err  error
}

// do runs fn, or waits for the run of fn already under way for key.
func (g *flights) do(key string, fn func() (Result, error)) (Result, error) {
	g.mu.Lock()
	if f, ok := g.m[key]; ok {
		if g.onJoin != nil {
			g.onJoin(key)
		}
		g.mu.Unlock()
		<-f.done
		return f.res, f.err
	}
	if g.m == nil {
		g.m = map[string]*flight{}
	}
	f := &flight{done: make(chan struct{})}
	g.m[key] = f
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.m, key)
		g.mu.Unlock()
		close(f.done)
	}()
	f.err = errFlightPanicked // replaced unless fn panics
	f.res, f.err = fn()
	return f.res, f.err
}
