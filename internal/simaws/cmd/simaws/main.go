// Command simaws runs the simulated AWS of package simaws on loopback for
// manual use: it prints the environment lines that point the AWS SDK for Go
// v2 at it, plus one user's long-term keys, and serves until interrupted.
package main

import (
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

func main() {
	s := simaws.New(simaws.Options{Logf: log.Printf})
	if err := s.Start(); err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	key, secret := s.CreateUser("sim-admin")
	for _, e := range s.Env() {
		fmt.Printf("export %s\n", e)
	}
	// Printed on purpose: these are throwaway keys of a local simulation.
	fmt.Printf("export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\nexport AWS_REGION=us-east-1\n", key, secret)
	fmt.Fprintf(os.Stderr, "simaws listening on %s (AWS CLI: --endpoint-url %s); Ctrl+C to stop\n", s.URL(), s.URL())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	<-ch
}
