// Package creds owns the credential value awsfresh passes around and its
// wire formats: parsing what export commands print (credential_process v1,
// Claude Code's awsCredentialExport object, and `aws sts assume-role` /
// `get-session-token` output) and rendering the formats awsfresh prints
// (process, claude, env).
//
// Secrets never leave this package by accident: Credentials.String and
// GoString mask them, parse errors name the missing or bad key but never
// echo a value, and Redact scrubs anything that looks like a key id, secret
// key or session token from text that could carry command output.
package creds
