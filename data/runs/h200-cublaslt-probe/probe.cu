// Which cuBLASLt FP8 matmul descriptors cublasLtMatmul accepts on this card: evotune's own
// (e4m3 A and B^T, TN, A/B scale pointers, fp16 D with C = D, the BIAS epilogue with an fp16
// bias) and variants that each change one thing. For each: the heuristic's status and algorithm
// count, then cublasLtMatmul's status with the first algorithm and the stream's status after it.
// Build: nvcc -O2 -o probe probe.cu -lcublasLt
#include <cublasLt.h>
#include <cuda_runtime.h>
#include <stdio.h>
#include <string.h>

struct Variant {
  const char *name;
  cudaDataType ab, d, bias;
  int epilogue_bias, scales, scales_apart, c_apart, workspace_mb;
  int m, n, k;
};

static void *dalloc(size_t bytes, int fill) {
  void *p = 0;
  cudaMalloc(&p, bytes);
  cudaMemset(p, fill, bytes);
  return p;
}

static size_t esize(cudaDataType t) {
  return t == CUDA_R_8F_E4M3 ? 1 : t == CUDA_R_32F ? 4 : 2;
}

static void run(const Variant &v, cudaStream_t stream) {
  cublasLtHandle_t h;
  cublasLtCreate(&h);
  // Column-major: "A" = B^T's buffer, K x N, op T; "B" = A's buffer, K x M, op N; D N x M.
  void *a = dalloc((size_t)v.k * v.n * esize(v.ab), 0x38);
  void *b = dalloc((size_t)v.k * v.m * esize(v.ab), 0x38);
  void *d = dalloc((size_t)v.n * v.m * esize(v.d), 0);
  void *c = v.c_apart ? dalloc((size_t)v.n * v.m * esize(v.d), 0) : d;
  void *bias = dalloc((size_t)v.n * 4, 0);
  float ones[2] = {1.f, 1.f};
  float *sa = (float *)dalloc(64, 0), *sb = v.scales_apart ? (float *)dalloc(64, 0) : sa + 1;
  cudaMemcpy(sa, ones, 4, cudaMemcpyHostToDevice);
  cudaMemcpy(sb, ones, 4, cudaMemcpyHostToDevice);
  size_t ws_bytes = (size_t)v.workspace_mb << 20;
  void *ws = ws_bytes ? dalloc(ws_bytes, 0) : 0;

  cublasLtMatmulDesc_t desc;
  cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F);
  cublasOperation_t t = CUBLAS_OP_T, n = CUBLAS_OP_N;
  cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof t);
  cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &n, sizeof n);
  cublasStatus_t set = CUBLAS_STATUS_SUCCESS;
  if (v.epilogue_bias) {
    cublasLtEpilogue_t e = CUBLASLT_EPILOGUE_BIAS;
    cudaDataType bt = v.bias;
    set = (cublasStatus_t)(set | cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &e, sizeof e));
    set = (cublasStatus_t)(set | cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bt, sizeof bt));
    set = (cublasStatus_t)(set | cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias));
  }
  if (v.scales) {
    set = (cublasStatus_t)(set | cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &sa, sizeof sa));
    set = (cublasStatus_t)(set | cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &sb, sizeof sb));
  }
  cublasLtMatrixLayout_t la, lb, ld;
  cublasLtMatrixLayoutCreate(&la, v.ab, v.k, v.n, v.k);
  cublasLtMatrixLayoutCreate(&lb, v.ab, v.k, v.m, v.k);
  cublasLtMatrixLayoutCreate(&ld, v.d, v.n, v.m, v.n);
  cublasLtMatmulPreference_t pref;
  cublasLtMatmulPreferenceCreate(&pref);
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws_bytes, sizeof ws_bytes);
  cublasLtMatmulHeuristicResult_t res[8];
  int count = 0;
  cublasStatus_t hs = cublasLtMatmulAlgoGetHeuristic(h, desc, la, lb, ld, ld, pref, 8, res, &count);
  cublasStatus_t ms = CUBLAS_STATUS_NOT_INITIALIZED;
  cudaError_t after = cudaSuccess;
  int ok_algos = 0;
  if (hs == CUBLAS_STATUS_SUCCESS) {
    float alpha = 1.f, beta = 0.f;
    for (int i = 0; i < count; i++) {
      cublasStatus_t s = cublasLtMatmul(h, desc, &alpha, a, la, b, lb, &beta, c, ld, d, ld,
                                        &res[i].algo, ws, ws_bytes, stream);
      if (i == 0) ms = s;
      if (s == CUBLAS_STATUS_SUCCESS) ok_algos++;
    }
    after = cudaStreamSynchronize(stream);
  }
  float first = 0;
  if (v.d == CUDA_R_32F) cudaMemcpy(&first, d, 4, cudaMemcpyDeviceToHost);
  printf("%-44s set=%d heuristic=%-2d count=%d matmul(first)=%-2d ok_algos=%d/%d sync=%s\n", v.name, (int)set,
         (int)hs, count, (int)ms, ok_algos, count, cudaGetErrorName(after));
  cudaFree(a); cudaFree(b); cudaFree(d); if (v.c_apart) cudaFree(c); cudaFree(bias); cudaFree(sa);
  if (v.scales_apart) cudaFree(sb); if (ws) cudaFree(ws);
  cublasLtMatmulPreferenceDestroy(pref);
  cublasLtMatrixLayoutDestroy(la); cublasLtMatrixLayoutDestroy(lb); cublasLtMatrixLayoutDestroy(ld);
  cublasLtMatmulDescDestroy(desc);
  cublasLtDestroy(h);
}

int main() {
  printf("cublasLt version %zu, cudart %zu\n", cublasLtGetVersion(), cublasLtGetCudartVersion());
  cudaStream_t stream;
  cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
  const cudaDataType E4 = CUDA_R_8F_E4M3, F16 = CUDA_R_16F, BF = CUDA_R_16BF, F32 = CUDA_R_32F;
  Variant vs[] = {
      // name                                  ab  d    bias epi sc apart c_apart ws   m     n     k
      {"evotune's (1000,1000,1024)",            E4, F16, F16, 1, 1, 0, 0, 32, 1000, 1000, 1024},
      {"evotune's (1024,1024,1024)",            E4, F16, F16, 1, 1, 0, 0, 32, 1024, 1024, 1024},
      {"no bias epilogue",                      E4, F16, F16, 0, 1, 0, 0, 32, 1024, 1024, 1024},
      {"no scale pointers",                     E4, F16, F16, 1, 0, 0, 0, 32, 1024, 1024, 1024},
      {"no bias, no scales",                    E4, F16, F16, 0, 0, 0, 0, 32, 1024, 1024, 1024},
      {"scales in separate allocations",        E4, F16, F16, 1, 1, 1, 0, 32, 1024, 1024, 1024},
      {"C apart from D",                        E4, F16, F16, 1, 1, 0, 1, 32, 1024, 1024, 1024},
      {"bf16 D, bf16 bias",                     E4, BF, BF, 1, 1, 0, 0, 32, 1024, 1024, 1024},
      {"bf16 D, bf16 bias, C apart",            E4, BF, BF, 1, 1, 0, 1, 32, 1024, 1024, 1024},
      {"fp16 D, bf16 bias",                     E4, F16, BF, 1, 1, 0, 0, 32, 1024, 1024, 1024},
      {"f32 D, f32 bias",                       E4, F32, F32, 1, 1, 0, 0, 32, 1024, 1024, 1024},
      {"f32 D, bf16 bias",                      E4, F32, BF, 1, 1, 0, 0, 32, 1024, 1024, 1024},
      {"no workspace",                          E4, F16, F16, 1, 1, 0, 0, 0, 1024, 1024, 1024},
      {"fp16 inputs (cublas_fp16)",             F16, F16, F16, 1, 0, 0, 0, 32, 1024, 1024, 1024},
      {"evotune's at 8192^3",                   E4, F16, F16, 1, 1, 0, 0, 32, 8192, 8192, 8192},
      {"evotune's at 4096,4096,112",            E4, F16, F16, 1, 1, 0, 0, 32, 4096, 4096, 112},
  };
  for (const Variant &v : vs) run(v, stream);
  printf("legacy default stream:\n");
  run(vs[1], 0);
  return 0;
}
