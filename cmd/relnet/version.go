package main

import (
	"fmt"
	"runtime/debug"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/tensors"
)

// version is relnet's own release.
const version = "0.1.0"

var versionCommand = &cli.Command{
	Name:  "version",
	Usage: "print relnet, gotch and libtorch versions and the device",
	Action: func(c *cli.Context) error {
		gotch := "unknown"
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, dep := range info.Deps {
				if dep.Path == "github.com/sugarme/gotch" {
					gotch = dep.Version
					if dep.Replace != nil {
						gotch += " (patched copy at " + dep.Replace.Path + ")"
					}
				}
			}
		}
		return tensors.Run(func() error {
			if err := tensors.Setup(tensors.Options{}); err != nil {
				return err
			}
			device, err := tensors.Device("auto")
			if err != nil {
				return err
			}
			fmt.Printf("relnet   %s\ngotch    %s\nlibtorch %s\ndevice   %s (auto; %s), %d intra-op threads\n",
				version, gotch, tensors.TorchVersion(), device, linkage(), tensors.Threads())
			return nil
		})
	},
}

// linkage says which libtorch libraries this process has loaded, and what libtorch reports.
func linkage() string {
	switch {
	case !tensors.CUDALinked():
		return "CPU-only libtorch"
	case tensors.CUDAAvailable():
		return "libtorch_cuda linked"
	}
	return "libtorch_cuda linked, no CUDA device"
}
