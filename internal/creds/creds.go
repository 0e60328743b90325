package creds

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Credentials is one set of AWS credentials. The zero Expiration means the
// expiry is unknown (long-term keys, or an export command that did not say).
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	// IssuedAt is when AWS issued them, when the source knows (it minted
	// them just now); zero otherwise. Expiration-IssuedAt is their full
	// lifetime, which scales the refresh windows of short-lived ones.
	IssuedAt time.Time
}

// HasExpiration reports whether the expiry is known.
func (c Credentials) HasExpiration() bool { return !c.Expiration.IsZero() }

// Temporary reports whether the credentials carry a session token.
func (c Credentials) Temporary() bool { return c.SessionToken != "" }

// Empty reports whether no key is set.
func (c Credentials) Empty() bool { return c.AccessKeyID == "" && c.SecretAccessKey == "" }

// TimeLeft returns how long the credentials stay valid after now, or -1 when
// the expiry is unknown.
func (c Credentials) TimeLeft(now time.Time) time.Duration {
	if !c.HasExpiration() {
		return -1
	}
	return c.Expiration.Sub(now)
}

// MaskedKeyID returns the access key id with all but its prefix and last four
// characters hidden, e.g. "ASIA…WXYZ", safe to show to a person.
func (c Credentials) MaskedKeyID() string { return MaskKeyID(c.AccessKeyID) }

// String describes the credentials without any secret.
func (c Credentials) String() string {
	exp := "unknown expiry"
	if c.HasExpiration() {
		exp = "expires " + c.Expiration.UTC().Format(time.RFC3339)
	}
	kind := "long-term"
	if c.Temporary() {
		kind = "temporary"
	}
	return fmt.Sprintf("%s %s credentials, %s", c.MaskedKeyID(), kind, exp)
}

// GoString keeps %#v from printing secrets.
func (c Credentials) GoString() string { return "creds.Credentials{" + c.String() + "}" }

// Format keeps every fmt verb, including %+v, from printing secrets.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, c.GoString())
		return
	}
	fmt.Fprint(f, c.String())
}

// AWS converts to the SDK's credential value.
func (c Credentials) AWS(source string) aws.Credentials {
	return aws.Credentials{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		Source:          source,
		CanExpire:       c.HasExpiration(),
		Expires:         c.Expiration,
	}
}

// FromAWS converts from the SDK's credential value.
func FromAWS(v aws.Credentials) Credentials {
	c := Credentials{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken}
	if v.CanExpire {
		c.Expiration = v.Expires
	}
	return c
}

// MaskKeyID hides all of an access key id but its four-letter prefix and its
// last four characters.
func MaskKeyID(id string) string {
	if len(id) < 12 {
		return "****"
	}
	return id[:4] + "…" + id[len(id)-4:]
}
