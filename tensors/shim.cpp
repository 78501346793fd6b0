#include "shim.h"

#include <malloc.h>

#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <torch/csrc/api/include/torch/version.h>
#include <torch/csrc/api/include/torch/utils.h>

static thread_local std::string last_error;

#define GUARD(fail, body)                                                      \
  try {                                                                        \
    last_error.clear();                                                        \
    body                                                                       \
  } catch (const std::exception &e) {                                          \
    last_error = e.what();                                                     \
    return fail;                                                               \
  }

static at::Tensor &T(void *p) { return *static_cast<at::Tensor *>(p); }

const char *relnet_last_error(void) { return last_error.c_str(); }

const char *relnet_torch_version(void) { return TORCH_VERSION; }

int64_t relnet_heap_in_use(void) {
  struct mallinfo2 mi = mallinfo2();
  return int64_t(mi.uordblks + mi.hblkhd);
}

// glibc hands big freed tensor buffers back to the kernel (munmap, heap trimming), so every
// episode page-faults its activations in again: at 84×84 that was 6.5M faults and a third of
// the run in system time. Before any thread exists (so before the Go runtime starts), relnet
// keeps all allocations in one arena on the brk heap and never trims it. RELNET_MALLOC=default
// keeps glibc's behaviour.
__attribute__((constructor)) static void relnet_tune_malloc(void) {
  const char *env = getenv("RELNET_MALLOC");
  if (env != nullptr && strcmp(env, "default") == 0) return;
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  mallopt(M_TOP_PAD, 64 << 20);
}

// The device every tensor relnet makes is created on (relnet_from_float32, relnet_from_int64),
// and the memory format of the 4-d ones.
static at::Device device(at::kCPU);
static at::MemoryFormat format4d = at::MemoryFormat::Contiguous;

int relnet_set_device(const char *name) { GUARD(-1, device = at::Device(std::string(name)); return 0;) }

int relnet_set_channels_last(int on) {
  format4d = on ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  return 0;
}

int relnet_set_num_threads(int n) { GUARD(-1, at::set_num_threads(n); return 0;) }

int relnet_get_num_threads(void) { GUARD(-1, return at::get_num_threads();) }

int relnet_manual_seed(uint64_t seed) { GUARD(-1, torch::manual_seed(seed); return 0;) }

int relnet_set_grad_enabled(int enabled) {
  GUARD(-1, bool prev = at::GradMode::is_enabled(); at::GradMode::set_enabled(enabled != 0);
        return prev ? 1 : 0;)
}

int relnet_autocast_bf16(int enabled) {
  GUARD(-1, bool cuda = device.is_cuda(); if (enabled) {
    if (cuda) {
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
      at::autocast::set_enabled(true);
    } else {
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
      at::autocast::set_cpu_enabled(true);
    }
    at::autocast::increment_nesting();
  } else if (at::autocast::decrement_nesting() == 0) {  // the outermost region ends
    if (cuda) {
      at::autocast::set_enabled(false);
    } else {
      at::autocast::set_cpu_enabled(false);
    }
    // Cached bf16 copies of the weights would go stale once the optimiser steps.
    at::autocast::clear_cache();
  } return 0;)
}

int relnet_cuda_available(void) { GUARD(0, return at::hasCUDA() ? 1 : 0;) }

void *relnet_from_float32(const float *data, const int64_t *shape, int ndim) {
  GUARD(nullptr, at::IntArrayRef sizes(shape, ndim);
        auto format = ndim == 4 ? format4d : at::MemoryFormat::Contiguous;
        auto t = at::empty(sizes, at::TensorOptions(at::kFloat).device(device).memory_format(format));
        t.copy_(at::from_blob(const_cast<float *>(data), sizes, at::kFloat));
        return new at::Tensor(std::move(t));)
}

void *relnet_from_int64(const int64_t *data, const int64_t *shape, int ndim) {
  GUARD(nullptr, at::IntArrayRef sizes(shape, ndim);
        auto t = at::from_blob(const_cast<int64_t *>(data), sizes, at::kLong)
                     .to(device, at::kLong, /*non_blocking=*/false, /*copy=*/true);
        return new at::Tensor(std::move(t));)
}

int relnet_to_float32(void *tensor, float *dst, int64_t n) {
  GUARD(-1, at::NoGradGuard guard;
        auto t = T(tensor).detach().to(at::kCPU, at::kFloat).contiguous();
        if (t.numel() != n) throw std::runtime_error("to_float32: tensor has " +
                                                     std::to_string(t.numel()) +
                                                     " elements, buffer " + std::to_string(n));
        std::memcpy(dst, t.data_ptr<float>(), n * sizeof(float)); return 0;)
}

int relnet_requires_grad(void *tensor, int requires) {
  GUARD(-1, T(tensor).requires_grad_(requires != 0); return 0;)
}

int relnet_copy(void *dst, void *src) {
  GUARD(-1, at::NoGradGuard guard; T(dst).copy_(T(src)); return 0;)
}

int relnet_zero_grad(void **params, int n) {
  GUARD(-1, for (int i = 0; i < n; i++) {
    auto &g = T(params[i]).mutable_grad();
    if (g.defined()) g.zero_();
  } return 0;)
}

// Scales all gradients so that their joint L2 norm is at most max_norm (torch's
// clip_grad_norm_); returns the norm before clipping.
double relnet_clip_grad_norm(void **params, int n, double max_norm) {
  GUARD(-1.0, at::NoGradGuard guard; double sq = 0; for (int i = 0; i < n; i++) {
    auto &g = T(params[i]).grad();
    if (g.defined()) sq += g.pow(2).sum().item<double>();
  } double norm = std::sqrt(sq);
        if (max_norm > 0 && norm > max_norm) {
          double scale = max_norm / (norm + 1e-6);
          for (int i = 0; i < n; i++) {
            auto &g = T(params[i]).mutable_grad();
            if (g.defined()) g.mul_(scale);
          }
        } return norm;)
}

// One Adam update (Kingma & Ba; torch.optim.Adam without weight decay) for every parameter
// with a gradient; m and v are the first and second moment buffers, step counts from 1.
int relnet_adam_step(void **params, void **m, void **v, int n, double lr, double beta1,
                     double beta2, double eps, int64_t step) {
  GUARD(-1, at::NoGradGuard guard; double bc1 = 1 - std::pow(beta1, step);
        double bc2 = 1 - std::pow(beta2, step); double step_size = lr / bc1;
        double bc2_sqrt = std::sqrt(bc2); for (int i = 0; i < n; i++) {
          auto &p = T(params[i]);
          auto &g = p.grad();
          if (!g.defined()) continue;
          T(m[i]).mul_(beta1).add_(g, 1 - beta1);
          T(v[i]).mul_(beta2).addcmul_(g, g, 1 - beta2);
          auto denom = (T(v[i]).sqrt() / bc2_sqrt).add_(eps);
          p.addcdiv_(T(m[i]), denom, -step_size);
        } return 0;)
}

int relnet_sgd_step(void **params, void **bufs, int n, double lr, double momentum, double wd) {
  GUARD(-1, at::NoGradGuard guard; for (int i = 0; i < n; i++) {
    auto &p = T(params[i]);
    auto &g = p.grad();
    if (!g.defined()) continue;
    auto d = wd != 0 ? g.add(p, wd) : g;
    T(bufs[i]).mul_(momentum).add_(d);
    p.add_(T(bufs[i]), -lr);
  } return 0;)
}
