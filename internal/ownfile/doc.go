// Package ownfile decides whether a file or folder found on disk is the
// user's own: owned by them and not writable by others. awsfresh trusts
// what it reads — a project's settings, its credential cache — only then,
// since anyone who can write such a file can choose what runs or which
// credentials are served. Where POSIX ownership does not exist (Windows)
// everything is accepted; ACLs are not inspected.
package ownfile
