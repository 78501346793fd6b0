package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/internal/cpu"
	"github.com/relnet/relnet/tensors"
)

// version is relnet's own release.
const version = "0.1.0"

var versionCommand = &cli.Command{
	Name:  "version",
	Usage: "print relnet, gotch and libtorch versions, the device, the CPU and whether it computes bf16",
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
			fmt.Printf("relnet   %s\ngotch    %s\nlibtorch %s\ndevice   %s (auto; %s), %d intra-op threads\ncpu      %s\nbf16     %s\n",
				version, gotch, tensors.TorchVersion(), device, linkage(), tensors.Threads(), cpu.This().Summary(), bf16Support())
			return nil
		})
	},
}

// bf16Support says whether train.precision = "bf16" runs on this CPU.
func bf16Support() string {
	if cpu.HasBF16() {
		return "native (train.precision = \"bf16\" runs here)"
	}
	return "not native: train.precision = \"bf16\" is refused on this CPU (it lists neither " + strings.Join(cpu.BF16Flags, " nor ") + ")"
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
