package tensors

import (
	"os"
	"path/filepath"
	"strings"
)

// CUDALinked reports whether libtorch's CUDA library, libtorch_cuda.so, is mapped into this
// process (read from /proc/self/maps): true for the CUDA-linked build (RELNET_CUDA=1 in
// scripts/setup.sh), with or without a GPU; false for the CPU-only build, or where
// /proc/self/maps cannot be read. Without libtorch_cuda, libtorch never registers its CUDA
// backend and CUDAAvailable is false even on a machine with a GPU.
func CUDALinked() bool {
	maps, err := os.ReadFile("/proc/self/maps")
	return err == nil && MapsLibrary(string(maps), "libtorch_cuda.so")
}

// MapsLibrary reports whether a /proc/PID/maps text maps the shared library lib: a file
// named lib, or lib followed by a version (libtorch_cuda.so.2.1), in any directory, and
// also when the file was deleted after it was mapped.
func MapsLibrary(maps, lib string) bool {
	for _, line := range strings.Split(maps, "\n") {
		// address perms offset dev inode pathname; the pathname may hold spaces.
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[5], "/") {
			continue
		}
		name := filepath.Base(strings.TrimSuffix(strings.Join(f[5:], " "), " (deleted)"))
		if name == lib || strings.HasPrefix(name, lib+".") {
			return true
		}
	}
	return false
}
