package cli

// killCommandGroups does nothing on Windows: each command runs in a job
// object that closes, killing its processes, when awsfresh exits.
func killCommandGroups() {}
