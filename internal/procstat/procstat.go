// Package procstat reads this process's memory use from /proc/self/status.
package procstat

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// RSSMB is this process's resident set size in MB, or 0 where /proc/self/status does not exist.
func RSSMB() float64 { return statusMB("VmRSS:") }

// PeakRSSMB is this process's peak resident set size so far in MB (VmHWM), or 0 where
// /proc/self/status does not exist.
func PeakRSSMB() float64 { return statusMB("VmHWM:") }

// statusMB reads one kB field of /proc/self/status, in MB.
func statusMB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
