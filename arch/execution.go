package arch

// BN is how BatchNorm normalises at test time.
type BN string

const (
	BNEval  BN = "eval"  // running statistics (honest)
	BNBatch BN = "batch" // the test batch's statistics (the paper's code; inflates accuracy)
)

func (b *BN) UnmarshalText(text []byte) error { return OneOf(b, text, BNEval, BNBatch) }

// Device is where tensors live.
type Device string

const (
	CPU  Device = "cpu"
	CUDA Device = "cuda"
	Auto Device = "auto" // CUDA when libtorch sees a device, else the CPU
)

func (d *Device) UnmarshalText(text []byte) error { return OneOf(d, text, CPU, CUDA, Auto) }

// Precision is the number format of convolutions, linear layers and matrix products.
type Precision string

const (
	FP32 Precision = "fp32"
	// BF16 computes them in bfloat16 from fp32 weights (libtorch's CPU autocast); BatchNorm,
	// the losses and Adam stay in fp32. It needs a CPU with AVX512-BF16 or AMX.
	BF16 Precision = "bf16"
)

func (p *Precision) UnmarshalText(text []byte) error { return OneOf(p, text, FP32, BF16) }

// MemoryFormat is how images, feature maps and convolution weights are laid out in memory.
// Both give the same values up to float rounding.
type MemoryFormat string

const (
	// ChannelsLast stores each pixel's channels together (NHWC; PyTorch's channels_last), the
	// layout oneDNN's CPU convolutions compute in, so they need no conversion per call.
	ChannelsLast MemoryFormat = "channels_last"
	// NCHW stores each channel's plane together (PyTorch's default, contiguous format).
	NCHW MemoryFormat = "nchw"
)

func (f *MemoryFormat) UnmarshalText(text []byte) error {
	return OneOf(f, text, ChannelsLast, NCHW)
}
