#!/usr/bin/env bash
# setup.sh: installs what relnet needs to build, idempotently, outside the clone.
#
#   libtorch 2.1.x : $LIBTORCH if set (checked), else PyPI's torch==2.1.0 wheel unpacked into
#                    $RELNET_CACHE/libtorch-2.1.0 (CPU libraries and headers only)
#   gotch v0.9.1   : a CPU-patched copy in $RELNET_CACHE/gotch-v0.9.1, wired in by a generated,
#                    git-ignored go.work; none of gotch's code is committed
#   RELNET_CUDA=1  : the CUDA-linked build instead: $LIBTORCH if set (it must have
#                    lib/libtorch_cuda.so), else torch==2.1.0 and the NVIDIA CUDA 12.1 wheels it
#                    pins, unpacked into $RELNET_CACHE/libtorch-2.1.0-cuda; gotch's copy in
#                    $RELNET_CACHE/gotch-v0.9.1-cuda links libtorch_cuda; go.cuda.work and
#                    .libtorch-cuda instead of go.work and .libtorch, so the CPU build and Go's
#                    build cache for it are left as they are (the Makefile sets GOWORK and the
#                    CGO flags for it)
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
case "${RELNET_CUDA:-}" in
  "" | 0) cuda= ;;
  1) cuda=1 ;;
  *) die "RELNET_CUDA=$RELNET_CUDA: set it to 1 for the CUDA-linked build, or unset it for the CPU one" ;;
esac
mkdir -p "$cache" || die "cannot create cache directory $cache (set RELNET_CACHE to a writable directory)"

# --- libtorch -------------------------------------------------------------------------------
libtorch_version() { # prints MAJOR.MINOR.PATCH of the libtorch at $1
  local h="$1/include/torch/csrc/api/include/torch/version.h"
  [ -f "$h" ] || return 1
  awk '/define TORCH_VERSION_(MAJOR|MINOR|PATCH)/ {v = v (v == "" ? "" : ".") $3} END {print v}' "$h"
}

# PyPI's torch==2.1.0 is a CUDA 12.1 build; its CUDA libraries come in NVIDIA's wheels, pinned
# here exactly as torch 2.1.0's metadata pins them (nvJitLink, which cuSPARSE and cuSOLVER
# require unpinned, at the same CUDA 12.1 release), each with the libraries unpacked from it:
# those libtorch_cuda.so needs, and those libtorch and cuDNN open later with dlopen (cuDNN's
# per-kind libraries, cuSOLVER for libtorch_cuda_linalg, NVRTC for jitted kernels).
cuda_wheels=(
  "nvidia-cuda-runtime-cu12==12.1.105 libcudart.so.12"
  "nvidia-cuda-cupti-cu12==12.1.105 libcupti.so.12"
  "nvidia-cuda-nvrtc-cu12==12.1.105 libnvrtc.so.12 libnvrtc-builtins.so.12.1"
  "nvidia-cudnn-cu12==8.9.2.26 libcudnn.so.8 libcudnn_ops_infer.so.8 libcudnn_ops_train.so.8 libcudnn_cnn_infer.so.8 libcudnn_cnn_train.so.8 libcudnn_adv_infer.so.8 libcudnn_adv_train.so.8"
  "nvidia-cublas-cu12==12.1.3.1 libcublas.so.12 libcublasLt.so.12"
  "nvidia-cufft-cu12==11.0.2.54 libcufft.so.11"
  "nvidia-curand-cu12==10.3.2.106 libcurand.so.10"
  "nvidia-cusolver-cu12==11.4.5.107 libcusolver.so.11"
  "nvidia-cusparse-cu12==12.1.0.106 libcusparse.so.12"
  "nvidia-nccl-cu12==2.18.1 libnccl.so.2"
  "nvidia-nvtx-cu12==12.1.105 libnvToolsExt.so.1"
  "nvidia-nvjitlink-cu12==12.1.105 libnvJitLink.so.12"
)
# torch's own libraries of the CUDA build: the CPU ones, the CUDA ones and those it dlopens.
cuda_torch_libs="libtorch_cpu.so libc10.so libgomp-*.so.1 libtorch_cuda.so libc10_cuda.so libtorch_cuda_linalg.so libcaffe2_nvrtc.so"

# install_cuda_libtorch DIR assembles the CUDA libtorch in DIR: headers in include/, every
# library in lib/ (each finds the others through its $ORIGIN rpath). The wheels are kept in
# $cache/download-cuda until DIR is complete, so an interrupted download resumes.
install_cuda_libtorch() {
  local libtorch=$1 dl=$cache/download-cuda entry pin libs lib whl pats free
  free=$(df -Pk "$cache" | awk 'NR == 2 {print int($4 / 1048576)}')
  [ "$free" -ge 7 ] || die "$cache has $free GB free; the CUDA libtorch needs about 7 GB while it is assembled (2.5 GB of wheels, 4 GB unpacked); free some space or set RELNET_CACHE"
  say "assembling a CUDA libtorch $torch_version from PyPI's torch==$torch_version and NVIDIA's CUDA 12.1 wheels (~2.5 GB download) into $libtorch"
  command -v python3 >/dev/null || die "python3 with pip is needed to fetch the wheels (or set LIBTORCH to a CUDA libtorch 2.1)"
  command -v unzip >/dev/null || { apt-get install -y -q unzip >/dev/null 2>&1 || die "unzip is missing: apt-get install unzip"; }
  mkdir -p "$dl"
  local pins=("torch==$torch_version")
  for entry in "${cuda_wheels[@]}"; do pins+=("${entry%% *}"); done
  # pip's progress is one line per wheel; its whole output goes to pip.log, its end to the
  # terminal when it fails.
  if ! python3 -m pip download --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux1_x86_64 --platform manylinux2014_x86_64 --progress-bar off \
      --no-cache-dir -d "$dl" "${pins[@]}" 2>&1 | tee "$dl/pip.log" \
      | { grep --line-buffered -E '^ *(Downloading |File was already downloaded)' | sed -u 's/^ */setup:   /' >&2 || true; }; then
    tail -n 15 "$dl/pip.log" | sed 's/^/  pip: /' >&2
    die "pip could not download the CUDA wheels (its last lines above; all of it in $dl/pip.log); set LIBTORCH to a CUDA libtorch 2.1 instead"
  fi
  local unpack=$dl/unpacked
  rm -rf "$unpack"
  mkdir -p "$unpack/lib"
  whl=$(ls "$dl"/torch-$torch_version-*.whl) || die "pip left no torch==$torch_version wheel in $dl"
  pats=()
  for lib in $cuda_torch_libs; do pats+=("torch/lib/$lib"); done
  unzip -q "$whl" 'torch/include/*' -d "$unpack" && unzip -q -j "$whl" "${pats[@]}" -d "$unpack/lib" \
    || die "could not unpack $whl"
  for entry in "${cuda_wheels[@]}"; do
    pin=${entry%% *} libs=${entry#* }
    pin=${pin//-/_}
    whl=$(ls "$dl/${pin%%==*}-${pin#*==}"-*.whl) || die "pip left no wheel for ${entry%% *} in $dl"
    pats=()
    for lib in $libs; do pats+=("nvidia/*/lib/$lib"); done
    unzip -q -j "$whl" "${pats[@]}" -d "$unpack/lib" || die "could not unpack ${pats[*]} from $whl"
  done
  # Every library must find the others; only the driver's libcuda.so.1 (and the symbols it
  # defines, cuXxx) comes from the machine, with the GPU's driver.
  local missing
  missing=$(for lib in "$unpack"/lib/*.so*; do
              ldd -r "$lib" 2>&1 | grep -E 'not found|undefined symbol' \
                | grep -v -E 'libcuda\.so\.1|undefined symbol: cu[A-Z]' | sed "s|^|${lib##*/}: |"
            done) || true
  [ -z "$missing" ] || die "the unpacked CUDA libraries in $unpack/lib do not link: $(echo "$missing" | head -n 5)"
  rm -rf "$libtorch"
  mkdir -p "$libtorch"
  mv "$unpack/torch/include" "$unpack/lib" "$libtorch/"
  rm -rf "$dl"
  libtorch_version "$libtorch" >/dev/null || die "unpacked libtorch at $libtorch has no version header"
  say "CUDA libtorch ready: $(du -sh "$libtorch" | cut -f1) at $libtorch"
}

if [ -n "${LIBTORCH:-}" ]; then
  v=$(libtorch_version "$LIBTORCH") || die "LIBTORCH=$LIBTORCH has no include/torch/csrc/api/include/torch/version.h; point LIBTORCH at a libtorch 2.1 directory or unset it to install one"
  case "$v" in 2.1.*) ;; *) die "LIBTORCH=$LIBTORCH is libtorch $v, relnet needs 2.1.x (gotch $gotch_version); unset LIBTORCH to install 2.1.0 from PyPI" ;; esac
  libtorch=$(cd "$LIBTORCH" && pwd)
  if [ -n "$cuda" ] && [ ! -f "$libtorch/lib/libtorch_cuda.so" ]; then
    die "RELNET_CUDA=1, but LIBTORCH=$LIBTORCH has no lib/libtorch_cuda.so (a CPU-only libtorch); point LIBTORCH at a CUDA libtorch 2.1, or unset LIBTORCH to assemble one from PyPI"
  fi
elif [ -n "$cuda" ]; then
  libtorch=$cache/libtorch-$torch_version-cuda
  if ! libtorch_version "$libtorch" >/dev/null || [ ! -f "$libtorch/lib/libtorch_cuda.so" ]; then
    install_cuda_libtorch "$libtorch"
  fi
else
  libtorch=$cache/libtorch-$torch_version
  if ! libtorch_version "$libtorch" >/dev/null || [ ! -f "$libtorch/lib/libtorch_cpu.so" ]; then
    say "installing libtorch $torch_version from PyPI's torch==$torch_version wheel (~670 MB download) into $libtorch"
    command -v python3 >/dev/null || die "python3 with pip is needed to fetch the torch wheel (or set LIBTORCH)"
    command -v unzip >/dev/null || { apt-get install -y -q unzip >/dev/null 2>&1 || die "unzip is missing: apt-get install unzip"; }
    # PyPI's wheel is a CUDA build: libtorch_cpu.so names libcudart.so.12 and libcupti.so.12 as
    # needed libraries even on the CPU path, so their two small wheels come along.
    dl=$(mktemp -d "$cache/download.XXXXXX")
    start=$SECONDS
    # pip's whole output goes to pip.log; the terminal gets a line per wheel, with its size,
    # and pip's last lines when it fails.
    if ! python3 -m pip download --no-deps --only-binary=:all: --python-version 3.11 --progress-bar off \
        --platform manylinux1_x86_64 -d "$dl" "torch==$torch_version" \
        nvidia-cuda-runtime-cu12==12.1.105 nvidia-cuda-cupti-cu12==12.1.105 2>&1 | tee "$dl/pip.log" \
        | { grep --line-buffered -E '^ *(Downloading |File was already downloaded)' | sed -u 's/^ */setup:   /' >&2 || true; } \
        || [ "$(ls "$dl"/*.whl 2>/dev/null | wc -l)" != 3 ]; then
      tail -n 15 "$dl/pip.log" | sed 's/^/  pip: /' >&2
      die "pip could not download torch==$torch_version from PyPI (its last lines above); set LIBTORCH to a libtorch 2.1 directory"
    fi
    say "downloaded in $((SECONDS - start)) s; unpacking the CPU libraries and headers"
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

# --- gotch, patched for CPU (or CUDA) --------------------------------------------------------
# The CUDA build has its own copy: gotch's package path is part of Go's build cache key, so
# switching between the two builds recompiles neither.
kind=CPU gotch=$cache/gotch-$gotch_version
[ -z "$cuda" ] || kind=CUDA gotch=$cache/gotch-$gotch_version-cuda
# The copy's marker names the patches applied; a copy with another marker is made again.
patches="relnet patches 3: $kind lib.go; gotch#115 out-pointers freed; no per-tensor GC ballast"
if [ "$(cat "$gotch/.relnet-patched" 2>/dev/null)" != "$patches" ]; then
  say "preparing a patched $kind copy of gotch $gotch_version in $gotch"
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
if [ -z "$cuda" ]; then
  what="CPU-only link flags" link="-ltorch_cpu -lc10 -Wl,-rpath,$libtorch/lib"
else
  # Nothing in gotch or relnet calls into libtorch_cuda: without --no-as-needed the linker
  # would drop it, and libtorch would never register its CUDA backend. The rpath names every
  # directory outside the system's that holds a library libtorch_cuda.so needs ($libtorch/lib
  # first), as DT_RPATH (--disable-new-dtags) so it serves their own needs too.
  ldd_out=$(ldd "$libtorch/lib/libtorch_cuda.so" "$libtorch/lib/libc10_cuda.so" 2>&1) \
    || die "ldd cannot read $libtorch/lib/libtorch_cuda.so: $ldd_out"
  missing=$(echo "$ldd_out" | awk '/=> not found/ && $1 != "libcuda.so.1" {print $1}' | sort -u | tr '\n' ' ')
  [ -z "$missing" ] || die "libtorch_cuda.so at $libtorch/lib needs libraries this machine does not have: $missing(set LD_LIBRARY_PATH to their directory once for setup, or unset LIBTORCH)"
  rpaths="-Wl,-rpath,$libtorch/lib"
  for d in $(echo "$ldd_out" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | xargs -r -n1 dirname | xargs -r realpath | sort -u); do
    case "$d" in "$(realpath "$libtorch/lib")" | /lib | /lib/* | /lib64 | /lib64/* | /usr/lib | /usr/lib/* | /usr/lib64 | /usr/lib64/*) ;; *) rpaths+=" -Wl,-rpath,$d" ;; esac
  done
  what="CUDA link flags" link="-ltorch_cpu -lc10 -Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed -Wl,--disable-new-dtags $rpaths"
fi
libgo=$(cat <<EOT
// Generated by relnet's scripts/setup.sh: $what for libtorch at $libtorch.

package libtch

// #cgo CFLAGS: -I\${SRCDIR} -O3 -Wall -Wno-unused-variable -Wno-deprecated-declarations -Wno-c++11-narrowing -g -Wno-sign-compare -Wno-unused-function
// #cgo CFLAGS: -D_GLIBCXX_USE_CXX11_ABI=0
// #cgo CFLAGS: -I$libtorch/include -I$libtorch/include/torch/csrc/api/include
// #cgo CXXFLAGS: -std=c++17 -I\${SRCDIR} -g -O3 -D_GLIBCXX_USE_CXX11_ABI=0
// #cgo CXXFLAGS: -I$libtorch/include -I$libtorch/include/torch/csrc/api/include
// #cgo LDFLAGS: -lstdc++ -L$libtorch/lib $link
import "C"
EOT
)
if [ "$(cat "$gotch/libtch/lib.go" 2>/dev/null)" != "$libgo" ]; then
  printf '%s\n' "$libgo" > "$gotch/libtch/lib.go"
fi

# go.work points the module at the patched copy; .libtorch lets relnet's own cgo shim find headers.
# The CUDA build's are go.cuda.work and .libtorch-cuda, which the Makefile passes to Go as
# GOWORK and CGO flags; the CPU build's files stay as they are.
workfile=go.work symlink=.libtorch
[ -z "$cuda" ] || workfile=go.cuda.work symlink=.libtorch-cuda
gover=$(awk '$1 == "go" {print $2; exit}' "$repo/go.mod")
work=$(printf 'go %s\n\nuse .\n\nreplace github.com/sugarme/gotch %s => %s\n' "$gover" "$gotch_version" "$gotch")
if [ "$(cat "$repo/$workfile" 2>/dev/null)" != "$work" ]; then
  printf '%s\n' "$work" > "$repo/$workfile"
fi
ln -sfn "$libtorch" "$repo/$symlink"

# --- Fashion-MNIST ---------------------------------------------------------------------------
fmnist=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ ! -f "$fmnist/train-images-idx3-ubyte.gz" ] && [ ! -f "$fmnist/train-images-idx3-ubyte" ]; then
  if [ -n "${FASHION_MNIST_DIR:-}" ]; then
    die "FASHION_MNIST_DIR=$FASHION_MNIST_DIR has no train-images-idx3-ubyte(.gz)"
  fi
  say "installing Debian's dataset-fashion-mnist (~30 MB) with apt"
  log=$(mktemp)
  if ! { apt-get install -y -q dataset-fashion-mnist >>"$log" 2>&1 \
         || { apt-get update -q >>"$log" 2>&1 && apt-get install -y -q dataset-fashion-mnist >>"$log" 2>&1; }; }; then
    tail -n 15 "$log" | sed 's/^/  apt: /' >&2
    rm -f "$log"
    die "could not install dataset-fashion-mnist (apt's last lines above; as root: apt-get install dataset-fashion-mnist), or set FASHION_MNIST_DIR"
  fi
  rm -f "$log"
fi

# --- the one-time compile --------------------------------------------------------------------
# Go compiles gotch's generated C++ wrappers of libtorch once (Go's build cache keeps them):
# minutes in which nothing else is printed, so say so first.
if [ "$(cd "$repo" && GOWORK="$repo/$workfile" go list -f '{{.Stale}}' github.com/sugarme/gotch/ts 2>/dev/null)" != false ]; then
  say "compiling gotch's libtorch wrappers and relnet's shim once (about 4 minutes on 2 cores; Go's build cache keeps them)"
  start=$SECONDS
  (cd "$repo" && GOWORK="$repo/$workfile" go build github.com/sugarme/gotch/ts ./tensors) || die "go could not compile gotch $gotch_version against libtorch at $libtorch"
  say "compiled in $((SECONDS - start)) s"
fi

say "ready: ${cuda:+CUDA }libtorch $(libtorch_version "$libtorch") at $libtorch, gotch $gotch_version at $gotch, Fashion-MNIST at $fmnist"
