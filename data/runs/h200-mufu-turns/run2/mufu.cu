// MUFU.EX2 issue rate per SM sub-partition: one CTA per SM, W warps per CTA (W/4 per SMSP),
// each thread running CH independent exp2 chains, or the softmax pattern (ffma, ex2, sum).
#include <cstdio>
#include <cuda_runtime.h>
template <int CH, bool SUM>
__global__ void k(float* out, long long* cyc, int iters) {
    float x[CH], s = 0.f;
#pragma unroll
    for (int c = 0; c < CH; ++c) x[c] = -(threadIdx.x + c) * 1e-3f;
    __syncthreads();
    long long t0 = clock64();
    for (int i = 0; i < iters; ++i) {
#pragma unroll
        for (int c = 0; c < CH; ++c) {
            float y;
            if (SUM) {
                float a = fmaf(x[c], 0.999f, -0.001f);
                asm volatile("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(a));
                s += y; x[c] = a;
            } else {
                asm volatile("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x[c]));
                x[c] = -y;
            }
        }
    }
    long long t1 = clock64();
    __syncthreads();
    float r = s;
#pragma unroll
    for (int c = 0; c < CH; ++c) r += x[c];
    out[blockIdx.x * blockDim.x + threadIdx.x] = r;
    if (threadIdx.x % 32 == 0) cyc[blockIdx.x * 32 + threadIdx.x / 32] = t1 - t0;
}
template <int CH, bool SUM>
void run(int warps, const char* name) {
    float* out; long long* cyc; int iters = 4096;
    cudaMalloc(&out, 132 * 1024 * 4); cudaMalloc(&cyc, 132 * 32 * 8);
    k<CH, SUM><<<132, warps * 32>>>(out, cyc, iters);
    k<CH, SUM><<<132, warps * 32>>>(out, cyc, iters);
    cudaDeviceSynchronize();
    long long h[32]; cudaMemcpy(h, cyc, sizeof(h), cudaMemcpyDeviceToHost);
    long long mx = 0; for (int w = 0; w < warps; ++w) mx = h[w] > mx ? h[w] : mx;
    double per_warp_mufu = (double)iters * CH;              // MUFU warp-instructions per warp
    double per_smsp = per_warp_mufu * ((warps + 3) / 4);    // per sub-partition
    printf("%-26s warps/CTA %2d  cycles %9lld  cycles per MUFU per warp %6.2f  per SMSP %6.2f  lanes/clk/SM %5.2f\n",
           name, warps, mx, mx / per_warp_mufu, mx / per_smsp, 32.0 * per_smsp * (warps < 4 ? warps : 4) / mx);
    cudaFree(out); cudaFree(cyc);
}
int main() {
    for (int w : {1, 4}) run<1, false>(w, "1 chain (latency)");
    for (int w : {1, 4, 8, 12, 16}) run<8, false>(w, "8 chains");
    for (int w : {4, 8}) run<2, false>(w, "2 chains");
    for (int w : {4, 8}) run<16, false>(w, "16 chains");
    for (int w : {4, 8, 12}) run<8, true>(w, "softmax 8 (ffma,ex2,sum)");
    for (int w : {4, 8}) run<24, true>(w, "softmax 24");
    return 0;
}
