// relnet's own small C API over libtorch: what gotch v0.9.1 does not expose, or does slowly.
// Every function catches C++ exceptions; on failure it returns a negative value (or NULL) and
// relnet_last_error() tells what happened on this thread.
#ifndef RELNET_SHIM_H
#define RELNET_SHIM_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

const char *relnet_last_error(void);
const char *relnet_torch_version(void);
int64_t relnet_heap_in_use(void); // bytes malloc'ed and not freed (glibc's mallinfo2)
// Sets the device relnet_from_float32 and relnet_from_int64 create tensors on ("cpu", "cuda",
// "meta"; libtorch's device syntax).
int relnet_set_device(const char *name);
// Makes 4-d float tensors (images, feature maps, convolution weights) channels-last (on != 0)
// or contiguous NCHW from now on.
int relnet_set_channels_last(int on);
int relnet_set_num_threads(int n);
int relnet_get_num_threads(void);
int relnet_manual_seed(uint64_t seed);
int relnet_set_grad_enabled(int enabled); // returns the previous state
int relnet_cuda_available(void);
// Turns libtorch's autocast to bfloat16 (of the CPU, or of CUDA when that is the device) on
// or off for this thread; off clears its cache.
int relnet_autocast_bf16(int enabled);

void *relnet_from_float32(const float *data, const int64_t *shape, int ndim);
void *relnet_from_int64(const int64_t *data, const int64_t *shape, int ndim);
int relnet_to_float32(void *tensor, float *dst, int64_t n);
int relnet_requires_grad(void *tensor, int requires);
int relnet_copy(void *dst, void *src);

int relnet_zero_grad(void **params, int n);
double relnet_clip_grad_norm(void **params, int n, double max_norm);
int relnet_adam_step(void **params, void **m, void **v, int n, double lr, double beta1,
                     double beta2, double eps, int64_t step);
// SGD with momentum and L2 weight decay (PyTorch's torch.optim.SGD, dampening 0, no
// Nesterov): g += wd·p; b = momentum·b + g; p −= lr·b. Parameters without a gradient are
// skipped.
int relnet_sgd_step(void **params, void **bufs, int n, double lr, double momentum, double wd);

#ifdef __cplusplus
}
#endif
#endif
