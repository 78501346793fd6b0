package serve

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// heldLocks reads the flocks this machine's kernel holds (/proc/locks) and returns whether
// the lock file name (relative to root) is one of them: a run whose .lock is held is being
// trained. Reading /proc/locks takes no lock, so a runner never finds the lock busy because
// of the dashboard. Where /proc/locks cannot be read, nothing counts as locked.
func heldLocks(root *os.Root) func(name string) bool {
	text, err := os.ReadFile("/proc/locks")
	held := map[string]bool{}
	if err == nil {
		for line := range strings.Lines(string(text)) {
			f := strings.Fields(line)
			if len(f) >= 6 && f[1] == "FLOCK" {
				held[f[5]] = true
			}
		}
	}
	return func(name string) bool {
		if len(held) == 0 {
			return false
		}
		info, err := root.Stat(name)
		if err != nil {
			return false
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		return ok && held[lockID(st)]
	}
}

// lockID is a file's identity as /proc/locks writes it: major:minor (hex, two digits at
// least) and the inode number.
func lockID(st *syscall.Stat_t) string {
	dev := uint64(st.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^0xfff
	minor := dev&0xff | (dev>>12)&^0xff
	return fmt.Sprintf("%02x:%02x:%d", major, minor, st.Ino)
}
