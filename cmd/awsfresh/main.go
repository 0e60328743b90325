// Command awsfresh keeps AWS credentials fresh for long-running programs.
// See the README, or run awsfresh --help.
package main

import (
	"os"

	"github.com/awsfresh/awsfresh/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:]))
}
