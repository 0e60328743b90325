// Package credserver owns the local credentials endpoint that `awsfresh exec`
// runs for its program: a loopback HTTP server that speaks the AWS container
// credentials protocol. The program's AWS SDK finds it through
// AWS_CONTAINER_CREDENTIALS_FULL_URI and authenticates with
// AWS_CONTAINER_AUTHORIZATION_TOKEN (see Server.Env and Server.ChildEnv).
//
// The server serves whatever its Provider returns and knows nothing about
// settings, SSO, profiles or login commands. It keeps the last credentials
// in memory and answers from there while they are fresh, by engine.Policy
// (the rule all of awsfresh decides freshness with; see Options.Policy);
// otherwise it asks the Provider, one call at a time, detached from any
// request. No request is held longer than Options.MaxHold:
// a request that cannot be answered by then gets the still-valid credentials
// from memory or a 503 RefreshInProgress error the SDKs retry. Close cancels
// a running Provider call and waits (bounded) for it to return, so a login
// it started is gone when Close returns.
//
// It must not: listen on anything but 127.0.0.1, serve a request whose
// Authorization or Host header is wrong, let connections of local processes
// without the token crowd out the program's (see MaxConns), hold a request for minutes while a
// login runs, or put a secret (secret key, session token, full access key
// id) in an error body or a log line. Only 200 responses carry credentials.
package credserver
