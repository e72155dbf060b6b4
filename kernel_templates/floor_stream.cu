// The least an SDPA kernel must do, with no attention in between: read Q, K and V (one e4m3 byte
// per element) once and write O (one 16-bit value per element) once. O[i] = Q[i] ^ K[i] ^ V[i]
// widened to 16 bits, so that every load is used and the output can be checked exactly.
// Timed like a candidate, it is the floor of the timing protocol at a shape: launch, cold
// reads, writes.
//
// q, k, v: n bytes each; o: n u16. Thread t of the grid handles elements 16t .. 16t + 15 with
// 16-byte loads and stores (the buffers are 256-byte aligned); the last n % 16 elements are
// handled one by one by the thread whose chunk would follow the last whole one. Blocks of
// FLOOR_THREADS threads; grid = ceil((n / 16 + 1) / FLOOR_THREADS). No CUDA headers are needed.

#define FLOOR_THREADS 256

typedef unsigned int u32;
typedef unsigned long long u64;

__device__ __forceinline__ u32 widen_lo(u32 x) {  // bytes 0, 1 of x to the low bytes of two u16
    return __byte_perm(x, 0, 0x4140);
}

__device__ __forceinline__ u32 widen_hi(u32 x) {  // bytes 2, 3
    return __byte_perm(x, 0, 0x4342);
}

extern "C" __global__ void __launch_bounds__(FLOOR_THREADS) floor_stream(
    const uint4* __restrict__ q, const uint4* __restrict__ k, const uint4* __restrict__ v,
    uint4* __restrict__ o, u64 n)
{
    const u64 chunk = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    const u64 whole = n / 16;
    if (chunk < whole) {
        const uint4 a = q[chunk], b = k[chunk], c = v[chunk];
        const u32 x[4] = {a.x ^ b.x ^ c.x, a.y ^ b.y ^ c.y, a.z ^ b.z ^ c.z, a.w ^ b.w ^ c.w};
        o[2 * chunk] = make_uint4(widen_lo(x[0]), widen_hi(x[0]), widen_lo(x[1]), widen_hi(x[1]));
        o[2 * chunk + 1] = make_uint4(widen_lo(x[2]), widen_hi(x[2]), widen_lo(x[3]), widen_hi(x[3]));
    } else if (chunk == whole) {
        const unsigned char* qb = reinterpret_cast<const unsigned char*>(q);
        const unsigned char* kb = reinterpret_cast<const unsigned char*>(k);
        const unsigned char* vb = reinterpret_cast<const unsigned char*>(v);
        unsigned short* ob = reinterpret_cast<unsigned short*>(o);
        for (u64 i = 16 * whole; i < n; ++i) ob[i] = qb[i] ^ kb[i] ^ vb[i];
    }
}
