#!/usr/bin/env bash
# setup.sh: installs what relnet needs to build, idempotently, outside the clone.
#
#   libtorch 2.1.x : $LIBTORCH if set (checked), else PyPI's torch==2.1.0 wheel unpacked into
#                    $RELNET_CACHE/libtorch-2.1.0 (CPU libraries and headers only)
#   gotch v0.9.1   : a CPU-patched copy in $RELNET_CACHE/gotch-v0.9.1, wired in by a generated,
#                    git-ignored go.work; none of gotch's code is committed
#   Fashion-MNIST  : Debian's dataset-fashion-mnist, or $FASHION_MNIST_DIR
#
# A second run only checks and prints "ready". Every failure is one line saying what to do.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${RELNET_CACHE:-$HOME/.cache/relnet}
gotch_version=v0.9.1
torch_version=2.1.0

die() { echo "setup: $*" >&2; exit 1; }
say() { echo "setup: $*" >&2; }
mkdir -p "$cache" || die "cannot create cache directory $cache (set RELNET_CACHE to a writable directory)"

# --- libtorch -------------------------------------------------------------------------------
libtorch_version() { # prints MAJOR.MINOR.PATCH of the libtorch at $1
  local h="$1/include/torch/csrc/api/include/torch/version.h"
  [ -f "$h" ] || return 1
  awk '/define TORCH_VERSION_(MAJOR|MINOR|PATCH)/ {v = v (v == "" ? "" : ".") $3} END {print v}' "$h"
}

if [ -n "${LIBTORCH:-}" ]; then
  v=$(libtorch_version "$LIBTORCH") || die "LIBTORCH=$LIBTORCH has no include/torch/csrc/api/include/torch/version.h; point LIBTORCH at a libtorch 2.1 directory or unset it to install one"
  case "$v" in 2.1.*) ;; *) die "LIBTORCH=$LIBTORCH is libtorch $v, relnet needs 2.1.x (gotch $gotch_version); unset LIBTORCH to install 2.1.0 from PyPI" ;; esac
  libtorch=$(cd "$LIBTORCH" && pwd)
else
  libtorch=$cache/libtorch-$torch_version
  if ! libtorch_version "$libtorch" >/dev/null || [ ! -f "$libtorch/lib/libtorch_cpu.so" ]; then
    say "installing libtorch $torch_version from PyPI's torch==$torch_version wheel (~670 MB download) into $libtorch"
    command -v python3 >/dev/null || die "python3 with pip is needed to fetch the torch wheel (or set LIBTORCH)"
    command -v unzip >/dev/null || { apt-get install -y -q unzip >/dev/null 2>&1 || die "unzip is missing: apt-get install unzip"; }
    # PyPI's wheel is a CUDA build: libtorch_cpu.so names libcudart.so.12 and libcupti.so.12 as
    # needed libraries even on the CPU path, so their two small wheels come along.
    dl=$(mktemp -d "$cache/download.XXXXXX")
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux1_x86_64 -d "$dl" "torch==$torch_version" \
      nvidia-cuda-runtime-cu12==12.1.105 nvidia-cuda-cupti-cu12==12.1.105 \
      || die "pip could not download torch==$torch_version from PyPI; set LIBTORCH to a libtorch 2.1 directory"
    unpack=$dl/unpacked
    unzip -q "$dl"/torch-*.whl 'torch/include/*' 'torch/lib/libtorch_cpu.so' 'torch/lib/libc10.so' \
      'torch/lib/libgomp*' -d "$unpack" \
      && unzip -q "$dl"/nvidia_cuda_runtime*.whl 'nvidia/cuda_runtime/lib/libcudart.so.12' -d "$unpack" \
      && unzip -q "$dl"/nvidia_cuda_cupti*.whl 'nvidia/cuda_cupti/lib/libcupti.so.12' -d "$unpack" \
      || die "could not unpack the wheels in $dl"
    mv "$unpack"/nvidia/*/lib/*.so.12 "$unpack/torch/lib/"
    rm -rf "$libtorch"
    mkdir -p "$libtorch"
    mv "$unpack/torch/include" "$unpack/torch/lib" "$libtorch/"
    rm -rf "$dl"
    libtorch_version "$libtorch" >/dev/null || die "unpacked libtorch at $libtorch has no version header"
  fi
fi

# --- gotch, patched for CPU ------------------------------------------------------------------
gotch=$cache/gotch-$gotch_version
# The copy's marker names the patches applied; a copy with another marker is made again.
patches="relnet patches 3: CPU lib.go; gotch#115 out-pointers freed; no per-tensor GC ballast"
if [ "$(cat "$gotch/.relnet-patched" 2>/dev/null)" != "$patches" ]; then
  say "preparing a patched CPU copy of gotch $gotch_version in $gotch"
  src=$(cd "$repo" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "github.com/sugarme/gotch@$gotch_version" \
        | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src" ] || die "go could not download github.com/sugarme/gotch@$gotch_version"
  rm -rf "$gotch"
  cp -r "$src" "$gotch"
  chmod -R u+w "$gotch"
  # gotch#115: every generated op mallocs a 0-byte out-pointer, lets libtorch write the result
  # tensor's pointer (or up to 7 of them) into it, and never frees it: 32 bytes leaked per op
  # at least, and a heap overflow for ops with several outputs. Allocate room for 8 pointers
  # and free it when the op returns (the pointers were copied out by then).
  gen="$gotch/ts/tensor-generated.go"
  n=$(grep -cE '^\s*(ptr|ctensorPtr0) := \(\*lib\.Ctensor\)\(unsafe\.Pointer\(C\.malloc\(0\)\)\)$' "$gen") || true
  [ "$n" -gt 2000 ] || die "gotch's $gen does not look as expected ($n out-pointer mallocs); cannot apply the gotch#115 patch"
  sed -i -E 's/^(\s*)(ptr|ctensorPtr0) := \(\*lib\.Ctensor\)\(unsafe\.Pointer\(C\.malloc\(0\)\)\)$/\1\2 := (*lib.Ctensor)(C.malloc(64))\n\1defer C.free(unsafe.Pointer(\2))/' "$gen"
  [ "$(grep -c 'C.malloc(0)' "$gen")" = 0 ] || die "the gotch#115 patch left malloc(0) calls in $gen"
  # gotch gives every tensor a 100 KB Go allocation so that Go's GC runs its finalizers soon;
  # relnet frees every tensor itself, so that is only 100 KB of garbage to zero and collect
  # per op (tens of MB per training step).
  grep -q '^	x.d = new(bigStruct)$' "$gotch/ts/tensor.go" || die "gotch's ts/tensor.go does not look as expected; cannot drop its 100 KB per-tensor allocation"
  sed -i 's|^	x.d = new(bigStruct)$|	// relnet: no 100 KB per-tensor GC ballast; relnet frees its tensors itself|' "$gotch/ts/tensor.go"
  echo "$patches" > "$gotch/.relnet-patched"
  say "patched $n out-pointer allocations in $gen (gotch#115)"
fi
# lib.go names this libtorch; rewrite it only when it changes, so Go's build cache stays warm.
libgo=$(cat <<EOT
// Generated by relnet's scripts/setup.sh: CPU-only link flags for libtorch at $libtorch.

package libtch

// #cgo CFLAGS: -I\${SRCDIR} -O3 -Wall -Wno-unused-variable -Wno-deprecated-declarations -Wno-c++11-narrowing -g -Wno-sign-compare -Wno-unused-function
// #cgo CFLAGS: -D_GLIBCXX_USE_CXX11_ABI=0
// #cgo CFLAGS: -I$libtorch/include -I$libtorch/include/torch/csrc/api/include
// #cgo CXXFLAGS: -std=c++17 -I\${SRCDIR} -g -O3 -D_GLIBCXX_USE_CXX11_ABI=0
// #cgo CXXFLAGS: -I$libtorch/include -I$libtorch/include/torch/csrc/api/include
// #cgo LDFLAGS: -lstdc++ -L$libtorch/lib -ltorch_cpu -lc10 -Wl,-rpath,$libtorch/lib
import "C"
EOT
)
if [ "$(cat "$gotch/libtch/lib.go" 2>/dev/null)" != "$libgo" ]; then
  printf '%s\n' "$libgo" > "$gotch/libtch/lib.go"
fi

# go.work points the module at the patched copy; .libtorch lets relnet's own cgo shim find headers.
gover=$(awk '$1 == "go" {print $2; exit}' "$repo/go.mod")
work=$(printf 'go %s\n\nuse .\n\nreplace github.com/sugarme/gotch %s => %s\n' "$gover" "$gotch_version" "$gotch")
if [ "$(cat "$repo/go.work" 2>/dev/null)" != "$work" ]; then
  printf '%s\n' "$work" > "$repo/go.work"
fi
ln -sfn "$libtorch" "$repo/.libtorch"

# --- Fashion-MNIST ---------------------------------------------------------------------------
fmnist=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ ! -f "$fmnist/train-images-idx3-ubyte.gz" ] && [ ! -f "$fmnist/train-images-idx3-ubyte" ]; then
  if [ -n "${FASHION_MNIST_DIR:-}" ]; then
    die "FASHION_MNIST_DIR=$FASHION_MNIST_DIR has no train-images-idx3-ubyte(.gz)"
  fi
  say "installing Debian's dataset-fashion-mnist"
  { apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1; }; } \
    || die "could not install dataset-fashion-mnist (as root: apt-get install dataset-fashion-mnist), or set FASHION_MNIST_DIR"
fi

say "ready: libtorch $(libtorch_version "$libtorch") at $libtorch, gotch $gotch_version at $gotch, Fashion-MNIST at $fmnist"
