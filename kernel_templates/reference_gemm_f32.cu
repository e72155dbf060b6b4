// Plain float32 GEMM reference: D = alpha * A B^T + bias, fp32 throughout.
//
// A is [M, K] and B^T is [N, K] (row n holds column n of B), both row-major with K contiguous;
// bias is [N], added to every row, or null for none; D is [M, N] float, row-major. Correct for
// any M, N, K >= 1. Tiles of REF_TILE x REF_TILE outputs, one thread each: blockIdx.x runs over
// column tiles, blockIdx.y over row tiles (and on by gridDim.y past 65535 of them); each K step
// stages a REF_TILE x REF_TILE slice of A and of B^T in shared memory (coalesced loads along K,
// zeros past the edges). No CUDA headers are needed.
//
// Entry point:
//   gemm_reference_f32  float inputs (already dequantized, or full precision), float output

#define REF_TILE 16

extern "C" __global__ void __launch_bounds__(REF_TILE * REF_TILE)
gemm_reference_f32(const float* __restrict__ a, const float* __restrict__ b,
                   const float* __restrict__ bias, float* __restrict__ d, float alpha, int M,
                   int N, int K)
{
    __shared__ float as[REF_TILE][REF_TILE + 1];
    __shared__ float bs[REF_TILE][REF_TILE + 1];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int col = blockIdx.x * REF_TILE + tx;  // of D
    const int b_row = blockIdx.x * REF_TILE + ty;  // of B^T, staged by this thread
    const int row_tiles = (M - 1) / REF_TILE + 1;
    for (int tile = blockIdx.y; tile < row_tiles; tile += gridDim.y) {
        const int row = tile * REF_TILE + ty;  // of D and A
        float acc = 0.0f;
        for (int k0 = 0; k0 < K; k0 += REF_TILE) {
            const int k = k0 + tx;
            as[ty][tx] = (row < M && k < K) ? a[(size_t)row * K + k] : 0.0f;
            bs[ty][tx] = (b_row < N && k < K) ? b[(size_t)b_row * K + k] : 0.0f;
            __syncthreads();
#pragma unroll
            for (int kk = 0; kk < REF_TILE; ++kk) acc = fmaf(as[ty][kk], bs[tx][kk], acc);
            __syncthreads();
        }
        if (row < M && col < N) {
            d[(size_t)row * N + col] = alpha * acc + (bias ? bias[col] : 0.0f);
        }
    }
}
