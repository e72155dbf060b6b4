// The read pass of the timing protocol's L2 flush (`--flush read` and `--flush write-read`):
// every byte of the flush buffer (twice the size of L2) is loaded once and nothing is stored,
// so L2 is left holding clean lines of the buffer where a memset leaves dirty ones. Plain loads
// (not the evict-first ld.global.cs), so the lines take L2's place as an application's reads do.
//
// buf: n16 16-byte chunks (256-byte aligned, from cudarc's allocator); one thread per chunk,
// blocks of FLUSH_THREADS threads, grid = ceil(n16 / FLUSH_THREADS). The XOR of a chunk's four
// words is 0 for any memset fill (four equal words), so the store to `sink` never happens; the
// compiler cannot know that, so it keeps every load. No CUDA headers are needed.

#define FLUSH_THREADS 256

typedef unsigned int u32;
typedef unsigned long long u64;

extern "C" __global__ void __launch_bounds__(FLUSH_THREADS) l2_flush_read(
    const uint4* __restrict__ buf, u64 n16, u32* __restrict__ sink)
{
    const u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n16) return;
    const uint4 x = buf[i];
    const u32 folded = x.x ^ x.y ^ x.z ^ x.w;
    if (folded == 0x9E3779B9u) *sink = folded;
}
