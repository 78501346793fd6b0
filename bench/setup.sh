#!/usr/bin/env bash
# bench/setup.sh: the Python environment of the PyTorch peer benchmark (issue #5), idempotently,
# outside the clone: a venv in $RELNET_CACHE/peer-venv (default ~/.cache/relnet/peer-venv) with
# PyPI's torch==2.1.0, the wheel whose libtorch_cpu.so relnet links (scripts/setup.sh).
#
# PyPI's torch 2.1.0 is a CUDA build: `import torch` loads libtorch_cuda.so, which needs cuDNN,
# cuBLAS, NCCL, cuFFT, cuRAND, cuSPARSE and the CUDA runtime from the nvidia-*-cu12 wheels, so
# the install is about 2.5 GB of downloads (4.7 GB on disk, about 2.5 minutes here). The CPU-only
# wheel is not on PyPI. Leaving out the wheels `import torch` does not load (triton, cusolver,
# nvrtc) would save under 10% and leave a venv that `pip check` calls broken, so this is the
# ordinary install.
#
# A second run only reads two files and prints the versions.
set -euo pipefail

cache=${RELNET_CACHE:-$HOME/.cache/relnet}
venv=$cache/peer-venv
torch_version=2.1.0
# bench/export_check.py reads relnet's safetensors export and PNG images with these.
extras="safetensors==0.8.0 pillow==13.0.0"
stamp=$venv/.relnet-peer-ready
relnet_lib=$cache/libtorch-$torch_version/lib/libtorch_cpu.so

die() { echo "bench/setup: $*" >&2; exit 1; }
say() { echo "bench/setup: $*" >&2; }
site_dir() { "$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }

if [ ! -f "$stamp" ] || [ "$(head -n1 "$stamp")" != "torch $torch_version, $extras" ]; then
  command -v python3 >/dev/null || die "python3 is needed for the PyTorch peer (apt-get install python3 python3-venv)"
  mkdir -p "$cache" || die "cannot create $cache (set RELNET_CACHE to a writable directory)"
  if [ ! -x "$venv/bin/python" ]; then
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
      say "python3 -m venv failed; installing Debian's python3-venv"
      rm -rf "$venv"
      { apt-get install -y -q python3-venv >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q python3-venv >/dev/null 2>&1; }; } \
        || die "python3 -m venv does not work (as root: apt-get install python3-venv)"
      python3 -m venv "$venv" || die "python3 -m venv $venv failed"
    fi
  fi
  say "installing PyPI's torch==$torch_version, $extras into $venv (a CUDA build: about 2.5 GB of wheels)"
  # shellcheck disable=SC2086 # $extras is a list of requirements
  if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "torch==$torch_version" $extras > "$cache/peer-pip.log" 2>&1; then
    tail -n 15 "$cache/peer-pip.log" >&2
    die "pip could not install torch==$torch_version $extras from PyPI into $venv (log: $cache/peer-pip.log)"
  fi
  # Checked once, here: that torch imports and runs, and that the peer runs relnet's libtorch
  # (torch/lib/libtorch_cpu.so byte for byte the file scripts/setup.sh unpacked for relnet).
  "$venv/bin/python" -W ignore -c "
import sys, torch, safetensors.torch, PIL
assert torch.__version__.split('+')[0] == sys.argv[1], f'torch {torch.__version__}, want {sys.argv[1]}'
assert torch.ones(2, 2).sum().item() == 4
print(f'torch {sys.argv[1]}, {sys.argv[2]}')" "$torch_version" "$extras" > "$stamp.tmp" || die "import torch, safetensors or PIL failed in $venv"
  peer_lib=$(site_dir)/torch/lib/libtorch_cpu.so
  if [ ! -f "$relnet_lib" ]; then
    echo "relnet's $relnet_lib was missing when the peer was installed" >> "$stamp.tmp"
  elif cmp -s "$relnet_lib" "$peer_lib"; then
    echo "its libtorch_cpu.so is byte-identical to relnet's" >> "$stamp.tmp"
  else
    echo "its libtorch_cpu.so DIFFERS from relnet's $relnet_lib" >> "$stamp.tmp"
  fi
  mv "$stamp.tmp" "$stamp"
fi

torch_dir=$(site_dir)/torch || die "$venv is broken; remove it and run bench/setup.sh again"
py_version=$(sed -n "s/^__version__ = '\(.*\)'$/\1/p" "$torch_dir/version.py")
header=$torch_dir/include/torch/csrc/api/include/torch/version.h
lib_version=$(awk '/define TORCH_VERSION_(MAJOR|MINOR|PATCH)/ {v = v (v == "" ? "" : ".") $3} END {print v}' "$header" 2>/dev/null)
[ "${py_version%%+*}" = "$torch_version" ] || die "$venv has torch $py_version, want $torch_version; remove $venv and run again"
[ "$lib_version" = "$torch_version" ] || die "torch's bundled libtorch ($header) says ${lib_version:-nothing}, want $torch_version"
say "ready: torch $py_version, bundled libtorch $lib_version ($(sed -n 2p "$stamp")), in $venv"
