package cli

// VersionFrom is versionFrom, for the test of the binary's --version.
var VersionFrom = versionFrom
