// Command kubectl is the Kubernetes release's own kubectl, built from the same modules as the
// engine, for tests that run scripts which call kubectl (K3s's `k3s kubectl` is this command).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
)

func main() { os.Exit(cli.Run(cmd.NewDefaultKubectlCommand())) }
