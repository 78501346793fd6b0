// Package cpu answers what this machine's CPU can do, from the flags line of /proc/cpuinfo,
// so that code and tests ask one place. relnet itself never changes the answer; inside a
// test binary (testing.Testing), the environment variable RELNET_TEST_CPU_WITHOUT, a
// comma-separated list of flags, makes the CPU look as if it lacked them, so that the paths
// taken on another CPU (an AVX2-only EPYC, say) are tested on this one.
package cpu

import (
	"cmp"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// WithoutEnv names the variable that hides flags inside test binaries.
const WithoutEnv = "RELNET_TEST_CPU_WITHOUT"

// BF16Flags are the flags of native bfloat16 arithmetic: either is enough.
var BF16Flags = []string{"avx512_bf16", "amx_bf16"}

// this is read once per process.
var this = sync.OnceValue(func() Info {
	text, _ := os.ReadFile("/proc/cpuinfo")
	in := Parse(string(text))
	if testing.Testing() {
		in = in.Without(strings.Split(os.Getenv(WithoutEnv), ","))
	}
	return in
})

// Info is what one cpuinfo text says of the first CPU: its model name and its flags.
type Info struct {
	Model string
	Flags []string // as listed, in order
}

// Parse reads the model name and the flags of the first processor of a /proc/cpuinfo text.
// Only the "flags" line counts (not "bugs", not "vmx flags").
func Parse(cpuinfo string) Info {
	var in Info
	for line := range strings.SplitSeq(cpuinfo, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(name) {
		case "model name":
			if in.Model == "" {
				in.Model = strings.TrimSpace(value)
			}
		case "flags":
			if in.Flags == nil {
				in.Flags = strings.Fields(value)
			}
		}
	}
	return in
}

// Without returns in less the given flags (empty names are ignored).
func (in Info) Without(hidden []string) Info {
	in.Flags = slices.DeleteFunc(slices.Clone(in.Flags), func(f string) bool { return slices.Contains(hidden, f) })
	return in
}

// Has reports whether in lists any of the flags.
func (in Info) Has(any ...string) bool {
	return slices.ContainsFunc(any, func(f string) bool { return slices.Contains(in.Flags, f) })
}

// This is the CPU this process runs on (less RELNET_TEST_CPU_WITHOUT's flags in a test).
func This() Info { return this() }

// HasBF16 reports whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX-BF16).
func HasBF16() bool { return This().Has(BF16Flags...) }

// Summary names the model and which of the flags that decide relnet's speed it has and lacks,
// for stamping measured figures: "AMD EPYC 7B13 (has avx2; lacks avx512f avx512_bf16 amx_bf16)".
func (in Info) Summary() string {
	var have, lack []string
	for _, f := range []string{"avx2", "avx512f", "avx512_bf16", "amx_bf16"} {
		if in.Has(f) {
			have = append(have, f)
		} else {
			lack = append(lack, f)
		}
	}
	model := cmp.Or(in.Model, "unknown CPU")
	var parts []string
	if len(have) > 0 {
		parts = append(parts, "has "+strings.Join(have, " "))
	}
	if len(lack) > 0 {
		parts = append(parts, "lacks "+strings.Join(lack, " "))
	}
	return model + " (" + strings.Join(parts, "; ") + ")"
}
