package credserver

import (
	"math/bits"
	"sync/atomic"
)

// Error codes of refused requests, as in the "code" field of the JSON
// error body and the keys of Stats.Refused.
const (
	CodeInvalidHost            = "InvalidHost"            // 403: Host header is not this server (DNS rebinding)
	CodeNotFound               = "NotFound"               // 404: path is not Path
	CodeMethodNotAllowed       = "MethodNotAllowed"       // 405: method is not GET
	CodeMissingToken           = "MissingToken"           // 401: no Authorization header
	CodeInvalidToken           = "InvalidToken"           // 403: Authorization header is not the token
	CodeRequestBodyTooLarge    = "RequestBodyTooLarge"    // 413: body larger than MaxBodyBytes
	CodeRefreshInProgress      = "RefreshInProgress"      // 503: Provider still running after MaxHold, nothing usable in memory
	CodeCredentialsUnavailable = "CredentialsUnavailable" // 502: Provider failed, nothing usable in memory; message is its redacted error
	CodeServerClosed           = "ServerClosed"           // 503: the server is closing
	CodeTooManyConnections     = "TooManyConnections"     // connection closed without a response: MaxConns open (see MaxConns)
)

type reason int

const (
	reasonInvalidHost reason = iota
	reasonNotFound
	reasonMethod
	reasonMissingToken
	reasonInvalidToken
	reasonBodyTooLarge
	reasonRefreshInProgress
	reasonUnavailable
	reasonClosed
	reasonTooManyConns
	numReasons
)

func (r reason) code() string {
	switch r {
	case reasonInvalidHost:
		return CodeInvalidHost
	case reasonNotFound:
		return CodeNotFound
	case reasonMethod:
		return CodeMethodNotAllowed
	case reasonMissingToken:
		return CodeMissingToken
	case reasonInvalidToken:
		return CodeInvalidToken
	case reasonBodyTooLarge:
		return CodeRequestBodyTooLarge
	case reasonRefreshInProgress:
		return CodeRefreshInProgress
	case reasonUnavailable:
		return CodeCredentialsUnavailable
	case reasonClosed:
		return CodeServerClosed
	case reasonTooManyConns:
		return CodeTooManyConnections
	}
	return "Unknown"
}

// Stats counts what the server did since New.
type Stats struct {
	Served         uint64            // 200 responses (credentials handed out)
	ServedStale    uint64            // of Served: usable but not fresh, while a refresh ran or after it failed
	Refused        map[string]uint64 // refused requests and connections by error code (Code* constants); only non-zero counts
	ProviderCalls  uint64            // Provider calls started
	ProviderErrors uint64            // Provider calls that failed (or returned unusable credentials)
	Updates        uint64            // credentials accepted by Update
}

type counters struct {
	served, servedStale, providerCalls, providerErrors, updates atomic.Uint64
	refused                                                     [numReasons]atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	st := Stats{
		Served:         s.st.served.Load(),
		ServedStale:    s.st.servedStale.Load(),
		Refused:        map[string]uint64{},
		ProviderCalls:  s.st.providerCalls.Load(),
		ProviderErrors: s.st.providerErrors.Load(),
		Updates:        s.st.updates.Load(),
	}
	for r := range numReasons {
		if n := s.st.refused[r].Load(); n > 0 {
			st.Refused[r.code()] = n
		}
	}
	return st
}

// refuse counts a refusal and logs the 1st, 2nd, 4th, 8th… of each kind,
// so a client stuck in a loop cannot flood the log.
func (s *Server) refuse(r reason) {
	if n := s.st.refused[r].Add(1); bits.OnesCount64(n) == 1 {
		s.opts.Logf("credserver: refused a request (%s); %d so far", r.code(), n)
	}
}
