// Command bench measures awsfresh side by side with its peers and writes
// the results to BENCHMARKS.md at the repository root.
//
// Run it from anywhere inside the repository:
//
//	go run ./bench            # full run, a few minutes
//	go run ./bench -quick     # smoke run with small repetition counts
//	go run ./bench -h         # every repetition count is a flag
//
// It builds the real binary (cmd/awsfresh) as the README's install command
// does, once more with cgo for comparison, and the floor programs
// (internal/cli/testdata/printcreds, bench/internal/sdkfloor) into a
// temporary directory, then
// measures, each figure a median over repeated runs and each comparison a
// ratio of figures measured in the same run:
//
//   - warm-cache `awsfresh export` against the floor (a Go binary that only
//     prints the same JSON) and against `aws configure export-credentials`
//     (AWS CLI v2) for the same static-keys profile;
//   - how long after its deadline a hung command is really gone (every
//     process it started dead or a zombie), for awsfresh and for the AWS SDK
//     for Go v2's processcreds provider with the same timeout;
//   - concurrent `awsfresh export` calls (100 by default) while the SSO login is expired:
//     how many times the login command ran and the total wall time;
//   - the credentials endpoint of a real `awsfresh exec`: requests per second
//     and p50/p99 latency at several numbers of keep-alive clients, and the
//     resident memory of the idle awsfresh process.
//
// Everything runs in temporary home directories against the simulated AWS
// of internal/simaws on 127.0.0.1. Processes are identified by a marker
// environment variable unique to this run; the harness kills, by process
// ID, only processes that carry its marker, and it kills every one of them
// that is still alive when it ends.
//
// The harness owns only measuring and reporting. It must not change the
// user's ~/.aws or any file outside its temporary directories and the
// output file, contact anything but loopback, or print a secret beyond the
// fixed fake credentials it makes up itself.
package main
