package engine

// OnFlightJoin makes e call f whenever a caller joins a flight that is
// already running, at the moment it joins.
func OnFlightJoin(e *Engine, f func()) {
	e.flights.mu.Lock()
	defer e.flights.mu.Unlock()
	e.flights.onJoin = func(string) { f() }
}
