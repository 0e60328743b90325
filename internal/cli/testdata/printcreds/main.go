// Command printcreds prints a fixed credential_process object: the floor
// that a warm `awsfresh export` is compared with in benchmarks.
package main

import "os"

func main() {
	os.Stdout.WriteString(`{"Version":1,"AccessKeyId":"ASIABENCHMARK0000001","SecretAccessKey":"benchsecret","SessionToken":"benchtoken","Expiration":"2099-01-01T00:00:00Z"}` + "\n")
}
