// Row softmax of the "math" baseline (unfused fp16 SDPA): P = softmax(scale * S), in place.
//
// scores: [rows, n] fp16 bits (the QK^T GEMM's output), overwritten by P in fp16; fp32 math.
// One block of SOFTMAX_THREADS threads per row (grid.x = rows). Three passes over the row:
// maximum, sum of exp(scale*s - max), then the normalized weights. Each thread reads and writes
// only its own columns, so working in place is safe. No CUDA headers are needed.

#define SOFTMAX_THREADS 256

__device__ __forceinline__ float sm_f16_bits_to_f32(unsigned short h)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}

__device__ __forceinline__ unsigned short sm_f32_to_f16_bits(float x)
{
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(x));
    return h;
}

// Block-wide reduction (max when is_max, else sum) through shared memory.
__device__ __forceinline__ float sm_block_reduce(float x, bool is_max, float* scratch)
{
    for (int o = 16; o > 0; o >>= 1) {
        const float y = __shfl_xor_sync(0xffffffffu, x, o);
        x = is_max ? fmaxf(x, y) : x + y;
    }
    const int warp = threadIdx.x >> 5;
    if ((threadIdx.x & 31) == 0) scratch[warp] = x;
    __syncthreads();
    float r = scratch[0];
    for (int w = 1; w < SOFTMAX_THREADS / 32; ++w) r = is_max ? fmaxf(r, scratch[w]) : r + scratch[w];
    __syncthreads();
    return r;
}

extern "C" __global__ void __launch_bounds__(SOFTMAX_THREADS)
baseline_softmax(unsigned short* scores, int n, float scale)
{
    __shared__ float scratch[SOFTMAX_THREADS / 32];
    if (blockDim.x != SOFTMAX_THREADS) __trap();
    unsigned short* row = scores + (size_t)blockIdx.x * (size_t)n;
    float m = __int_as_float(0xff800000);
    for (int j = threadIdx.x; j < n; j += SOFTMAX_THREADS)
        m = fmaxf(m, sm_f16_bits_to_f32(row[j]) * scale);
    m = sm_block_reduce(m, true, scratch);
    float l = 0.0f;
    for (int j = threadIdx.x; j < n; j += SOFTMAX_THREADS)
        l += expf(sm_f16_bits_to_f32(row[j]) * scale - m);
    l = sm_block_reduce(l, false, scratch);
    const float inv = 1.0f / l;
    for (int j = threadIdx.x; j < n; j += SOFTMAX_THREADS)
        row[j] = sm_f32_to_f16_bits(expf(sm_f16_bits_to_f32(row[j]) * scale - m) * inv);
}
