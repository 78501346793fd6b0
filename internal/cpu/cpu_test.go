package cpu

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	text := "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu avx2 avx512f avx512_bf16\nbugs\t\t: amx_bf16\n" +
		"processor\t: 1\nmodel name\t: other\nflags\t\t: fpu\n"
	in := Parse(text)
	if in.Model != "AMD EPYC 7B13" || !slices.Equal(in.Flags, []string{"fpu", "avx2", "avx512f", "avx512_bf16"}) {
		t.Fatalf("Parse = %+v", in)
	}
	if in.Has("amx_bf16") {
		t.Error("a flag on the bugs line counted")
	}
	if !in.Has(BF16Flags...) || in.Without(BF16Flags).Has(BF16Flags...) {
		t.Errorf("Has(%v) = %v, after Without %v", BF16Flags, in.Has(BF16Flags...), in.Without(BF16Flags).Has(BF16Flags...))
	}
	if got, want := in.Summary(), "AMD EPYC 7B13 (has avx2 avx512f avx512_bf16; lacks amx_bf16)"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	if got := (Info{}).Summary(); got != "unknown CPU (lacks avx2 avx512f avx512_bf16 amx_bf16)" {
		t.Errorf("empty Summary = %q", got)
	}
}

func TestHasBF16Flags(t *testing.T) {
	for text, want := range map[string]bool{
		"processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16 amx_tile\n": true,
		"flags\t\t: fpu avx512f amx_bf16 amx_tile\n":                    true,
		"flags\t\t: fpu avx2 avx512f\nbugs\t\t: avx512_bf16\n":          false, // only the flags line counts
		"model name\t: no flags here\n":                                 false,
	} {
		if got := Parse(text).Has(BF16Flags...); got != want {
			t.Errorf("Parse(%q).Has(%v) = %v, want %v", text, BF16Flags, got, want)
		}
	}
}

// TestWithoutHidesFlagsInTests runs this package's test binary again with
// RELNET_TEST_CPU_WITHOUT naming the flags this CPU has: the child's This() lists none of them.
func TestWithoutHidesFlagsInTests(t *testing.T) {
	if os.Getenv("RELNET_CPU_CHILD") == "1" {
		if hidden := strings.Split(os.Getenv(WithoutEnv), ","); This().Has(hidden...) {
			t.Fatalf("This() still has one of %v: %v", hidden, This().Flags)
		}
		return
	}
	real := This()
	if len(real.Flags) < 2 {
		t.Skip("/proc/cpuinfo lists fewer than two flags here")
	}
	hide := real.Flags[:2]
	cmd := exec.Command(os.Args[0], "-test.run", "^TestWithoutHidesFlagsInTests$", "-test.v")
	cmd.Env = append(os.Environ(), "RELNET_CPU_CHILD=1", WithoutEnv+"="+strings.Join(hide, ","))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("child with %s=%s: %v\n%s", WithoutEnv, strings.Join(hide, ","), err, out)
	}
}
