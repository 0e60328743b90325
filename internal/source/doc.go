// Package source is where credentials come from, without user
// interaction: an export command that prints credentials JSON, or the AWS
// SDK for Go v2's default credential chain for a profile (static keys, SSO
// with sso-session token refresh, assume-role, credential_process).
//
// A Source only retrieves. Deciding when to retrieve, caching, verifying
// and running the login command belong to package engine.
package source
