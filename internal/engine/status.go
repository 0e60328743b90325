package engine

import "time"

// Status is what the engine knows about a profile without changing
// anything. It holds no secret: the access key id is masked.
type Status struct {
	Profile     string             `json:"profile"`
	Source      string             `json:"source"`
	CacheFile   string             `json:"cacheFile,omitempty"`
	Credentials *CredentialsStatus `json:"credentials,omitempty"`
	Cooldown    *CooldownStatus    `json:"cooldown,omitempty"`
}

// CredentialsStatus describes the cached credentials.
type CredentialsStatus struct {
	AccessKeyID string     `json:"accessKeyId"` // masked
	Temporary   bool       `json:"temporary"`
	Expiration  *time.Time `json:"expiration,omitempty"`
	ObtainedAt  time.Time  `json:"obtainedAt"`
	VerifiedAt  *time.Time `json:"verifiedAt,omitempty"`
	Identity    string     `json:"identity,omitempty"`
	// State is "valid", "renew soon" (inside the advisory window),
	// "refresh needed" (inside the mandatory window), "expired", or
	// "recheck due" (no known expiry and not re-read recently).
	State string `json:"state"`
}

// CooldownStatus describes the login cooldown.
type CooldownStatus struct {
	Failures    int       `json:"failures"`
	LastFailure time.Time `json:"lastFailure"`
	Until       time.Time `json:"until"`
	Active      bool      `json:"active"`
	LastError   string    `json:"lastError,omitempty"`
}

// Status reads the cache and reports. A missing or corrupt cache gives a
// Status without Credentials.
func (e *Engine) Status() Status {
	now := e.opts.Now()
	st := Status{Profile: e.opts.Profile, Source: e.opts.Source.Describe()}
	if e.cache.dir != "" {
		st.CacheFile = e.cache.path(e.opts.Profile, e.opts.Source.Key(), ".json")
	}
	rec, err := e.cache.load(e.opts.Profile, e.opts.Source.Key())
	if err != nil {
		return st
	}
	if c := rec.Credentials; c != nil {
		st.Credentials = &CredentialsStatus{
			AccessKeyID: c.value().MaskedKeyID(),
			Temporary:   c.SessionToken != "",
			Expiration:  c.Expiration,
			ObtainedAt:  c.ObtainedAt,
			VerifiedAt:  c.VerifiedAt,
			Identity:    c.Identity,
			State:       c.freshness(e.opts.Policy).State(now),
		}
	}
	if cd := rec.Cooldown; cd != nil {
		st.Cooldown = &CooldownStatus{Failures: cd.Failures, LastFailure: cd.LastFailure, Until: cd.until(), Active: cd.active(now), LastError: cd.LastError}
	}
	return st
}
