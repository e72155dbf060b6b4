// The least a GEMM kernel must do, with no product in between: read A and B^T (one e4m3 byte per
// element) once and write D (one 16-bit value per element) once. Every 16-byte chunk of A and
// B^T is folded into an XOR, one 32-bit partial per block (so that every load is used and the
// reads can be checked exactly), and D[i] = i mod 2^14 (a finite fp16 value, never the poison),
// so that the writes can be checked exactly. Timed like a candidate, it is the floor of the
// timing protocol at a GEMM: launch, cold reads, writes.
//
// a: a_chunks x 16 bytes, b: b_chunks x 16 bytes (M and N rows of K rounded up to 16 bytes);
// d: d_elems u16 (M*N). The grid strides over the chunks of A, then of B^T, then of D (8
// elements each; the last d_elems % 8 written one by one by the thread of the last, partial
// chunk). Blocks of GEMM_FLOOR_THREADS threads; partials[blockIdx.x] receives the XOR of the
// 32-bit words the block read (0 for a block that read none). No CUDA headers are needed.

#define GEMM_FLOOR_THREADS 256

typedef unsigned int u32;
typedef unsigned long long u64;

__device__ __forceinline__ u32 fold(uint4 v) { return v.x ^ v.y ^ v.z ^ v.w; }

// The 8 fp16 values i mod 2^14 of D's chunk starting at element e, as four words.
__device__ __forceinline__ uint4 pattern(u64 e) {
    u32 w[4];
    for (int j = 0; j < 4; ++j) {
        const u32 lo = (u32)((e + 2 * j) & 0x3FFF), hi = (u32)((e + 2 * j + 1) & 0x3FFF);
        w[j] = lo | (hi << 16);
    }
    return make_uint4(w[0], w[1], w[2], w[3]);
}

extern "C" __global__ void __launch_bounds__(GEMM_FLOOR_THREADS) gemm_floor_stream(
    const uint4* __restrict__ a, u64 a_chunks, const uint4* __restrict__ b, u64 b_chunks,
    uint4* __restrict__ d, u64 d_elems, u32* __restrict__ partials)
{
    __shared__ u32 warp_xor[GEMM_FLOOR_THREADS / 32];
    const u64 d_chunks = (d_elems + 7) / 8;
    const u64 total = a_chunks + b_chunks + d_chunks;
    const u64 stride = (u64)gridDim.x * blockDim.x;
    u32 x = 0;
    for (u64 c = (u64)blockIdx.x * blockDim.x + threadIdx.x; c < total; c += stride) {
        if (c < a_chunks) {
            x ^= fold(a[c]);
        } else if (c < a_chunks + b_chunks) {
            x ^= fold(b[c - a_chunks]);
        } else {
            const u64 chunk = c - a_chunks - b_chunks, e = 8 * chunk;
            if (e + 8 <= d_elems) {
                d[chunk] = pattern(e);
            } else {
                unsigned short* dh = reinterpret_cast<unsigned short*>(d);
                for (u64 i = e; i < d_elems; ++i) dh[i] = (unsigned short)(i & 0x3FFF);
            }
        }
    }
    for (int off = 16; off > 0; off >>= 1) x ^= __shfl_xor_sync(0xffffffffu, x, off);
    if ((threadIdx.x & 31) == 0) warp_xor[threadIdx.x / 32] = x;
    __syncthreads();
    if (threadIdx.x == 0) {
        u32 block = 0;
        for (int w = 0; w < GEMM_FLOOR_THREADS / 32; ++w) block ^= warp_xor[w];
        partials[blockIdx.x] = block;
    }
}
