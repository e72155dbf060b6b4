// Plain float32 SDPA reference: O = softmax(scale * Q K^T [+ causal mask]) V, fp32 throughout.
//
// One thread block of REF_THREADS threads per query row; the grid's x covers all B*H*S rows
// (row = blockIdx.x, head = row / S, i = row % S). Correct for any S, S_kv >= 1 and
// 1 <= D <= 256. Q and O are [B*H, S, D], K and V [B*H_kv, S_kv, D], D contiguous; query head
// `head` reads kv head head / group (group = H / H_kv). Row i sees keys 0 .. S_kv - 1, or with
// `causal` (aligned bottom-right) keys 0 .. i + S_kv - S. Two passes over the keys: the row
// maximum of the scaled scores, then chunks of REF_THREADS keys whose weights exp(s - max) go
// through shared memory while each thread accumulates its output columns. Scores are dot products by one warp per key, lanes over
// D (coalesced). No CUDA headers are needed; it is also valid as a tera template (no braces
// pairs), so a test space can render it unchanged.
//
// Entry points:
//   sdpa_reference_f32      float inputs (already dequantized, or full precision), float output
//   sdpa_reference_contract the FP8 kernel contract: e4m3 codes + descales in, fp16 bits out

#define REF_THREADS 128
#define REF_WARPS (REF_THREADS / 32)
#define REF_MAX_D 256
#define REF_COLS (REF_MAX_D / REF_THREADS)

__device__ __forceinline__ float ref_neg_inf() { return __int_as_float(0xff800000); }

// e4m3 (bias 7, no infinities, S.1111.111 is NaN) to float.
__device__ __forceinline__ float ref_decode_e4m3(unsigned char c)
{
    const int exp = (c >> 3) & 0xF;
    const int man = c & 0x7;
    float mag;
    if (exp == 0xF && man == 0x7) {
        mag = __int_as_float(0x7fffffff);
    } else if (exp == 0) {
        mag = ldexpf((float)man, -9);
    } else {
        mag = ldexpf(1.0f + 0.125f * (float)man, exp - 7);
    }
    return (c & 0x80) ? -mag : mag;
}

__device__ __forceinline__ unsigned short ref_f32_to_f16_bits(float x)
{
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(x));
    return h;
}

struct RefLoadF32 {
    const float* p;
    __device__ float operator()(size_t i) const { return p[i]; }
};

struct RefLoadE4m3 {
    const unsigned char* p;
    float descale;
    __device__ float operator()(size_t i) const { return ref_decode_e4m3(p[i]) * descale; }
};

struct RefStoreF32 {
    float* p;
    __device__ void operator()(size_t i, float x) const { p[i] = x; }
};

struct RefStoreF16 {
    unsigned short* p;
    __device__ void operator()(size_t i, float x) const { p[i] = ref_f32_to_f16_bits(x); }
};

__device__ __forceinline__ float ref_warp_sum(float x)
{
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
}

// scale * dot(q_row, key row at k[base .. base + D)), the same value in every lane.
template <class Load>
__device__ __forceinline__ float ref_score(const float* q_row, const Load& k, size_t base, int D,
                                           float scale)
{
    const int lane = threadIdx.x & 31;
    float acc = 0.0f;
    for (int e = lane; e < D; e += 32) acc += q_row[e] * k(base + e);
    return ref_warp_sum(acc) * scale;
}

// Block-wide maximum of one value per warp (lane 0's), through shared memory.
__device__ __forceinline__ float ref_block_max(float x, float* scratch)
{
    const int warp = threadIdx.x >> 5;
    if ((threadIdx.x & 31) == 0) scratch[warp] = x;
    __syncthreads();
    float m = scratch[0];
    for (int w = 1; w < REF_WARPS; ++w) m = fmaxf(m, scratch[w]);
    __syncthreads();
    return m;
}

template <class Load, class Store>
__device__ void ref_attend_row(const Load& q, const Load& k, const Load& v, const Store& out,
                               float scale, int S, int D, int S_kv, int group, int causal)
{
    __shared__ float q_row[REF_MAX_D];
    __shared__ float weights[REF_THREADS];
    __shared__ float scratch[REF_WARPS];
    if (blockDim.x != REF_THREADS || D < 1 || D > REF_MAX_D || S < 1 || S_kv < 1 || group < 1) __trap();
    const int warp = threadIdx.x >> 5;
    const size_t row = blockIdx.x;
    // 32-bit index arithmetic (grid.x < 2^31 rows): a 64-bit division would need a stack frame.
    const unsigned head = blockIdx.x / (unsigned)S, i = blockIdx.x % (unsigned)S;
    const size_t kv_base = (size_t)(head / (unsigned)group) * (size_t)S_kv * (size_t)D;
    const int keys = causal ? (int)i + 1 + S_kv - S : S_kv;
    if (keys < 1) __trap();
    for (int d = threadIdx.x; d < D; d += REF_THREADS) q_row[d] = q(row * (size_t)D + d);
    __syncthreads();

    float m = ref_neg_inf();
    for (int j = warp; j < keys; j += REF_WARPS)
        m = fmaxf(m, ref_score(q_row, k, kv_base + (size_t)j * D, D, scale));
    m = ref_block_max(m, scratch);

    float acc[REF_COLS];
    for (int c = 0; c < REF_COLS; ++c) acc[c] = 0.0f;
    float l = 0.0f;
    for (int j0 = 0; j0 < keys; j0 += REF_THREADS) {
        const int n = min(REF_THREADS, keys - j0);
        for (int jj = warp; jj < n; jj += REF_WARPS) {
            const float s = ref_score(q_row, k, kv_base + (size_t)(j0 + jj) * D, D, scale);
            if ((threadIdx.x & 31) == 0) weights[jj] = expf(s - m);
        }
        __syncthreads();
        for (int jj = 0; jj < n; ++jj) {
            const float p = weights[jj];
            const size_t v_row = kv_base + (size_t)(j0 + jj) * D;
            l += p;
            for (int c = 0; c < REF_COLS; ++c) {
                const int d = threadIdx.x + c * REF_THREADS;
                if (d < D) acc[c] += p * v(v_row + d);
            }
        }
        __syncthreads();
    }
    for (int c = 0; c < REF_COLS; ++c) {
        const int d = threadIdx.x + c * REF_THREADS;
        if (d < D) out(row * (size_t)D + d, acc[c] / l);
    }
}

extern "C" __global__ void __launch_bounds__(REF_THREADS)
sdpa_reference_f32(const float* q, const float* k, const float* v, float* o, float softmax_scale,
                   int S, int D, int S_kv, int group, int causal)
{
    ref_attend_row(RefLoadF32{q}, RefLoadF32{k}, RefLoadF32{v}, RefStoreF32{o}, softmax_scale, S, D,
                   S_kv, group, causal);
}

extern "C" __global__ void __launch_bounds__(REF_THREADS)
sdpa_reference_contract(const unsigned char* q, const unsigned char* k, const unsigned char* v,
                        unsigned short* o, float q_descale, float k_descale, float v_descale,
                        float softmax_scale, int S, int D, int heads, int S_kv, int group, int causal)
{
    ref_attend_row(RefLoadE4m3{q, q_descale}, RefLoadE4m3{k, k_descale}, RefLoadE4m3{v, v_descale},
                   RefStoreF16{o}, softmax_scale, S, D, S_kv, group, causal);
}
