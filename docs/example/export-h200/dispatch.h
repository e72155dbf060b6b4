/* dispatch.h: evotune's tuned FP8 (e4m3) attention kernels for NVIDIA H200 (sm_90a).
 *
 * Written by `evotune export` (evotune c6b8f5a751a9-dirty) from the tuning database /root/out/tuning.db;
 * dispatch.json holds the same table. Each entry is one kernel, kernels/<id>.cubin beside this
 * header, tuned at the problem it names. Load the cubin with cuModuleLoadData, take
 * `entry_point` with cuModuleGetFunction, raise CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
 * to `smem_bytes`, and launch with cuLaunchKernel.
 *
 * Arguments, in order: q, k, v, o, q_descale, k_descale, v_descale, softmax_scale, S, D, heads, S_kv, group, causal.
 *   q, k, v   EVOTUNE_ARGS_POINTERS: device pointers to the e4m3 codes of Q [B*H, S, D] and K, V
 *             [B*Hkv, S_kv, D], contiguous. EVOTUNE_ARGS_TENSOR_MAPS: CUtensorMap by value, from
 *             cuTensorMapEncodeTiled: UINT8, rank 3, dims (D, rows, heads), byte strides
 *             (D, rows*D), box (tma[0], tma[1] rows for Q or tma[2] rows for K and V, 1),
 *             element strides 1, no interleave, swizzle tma[0] bytes, L2 promotion 128B, OOB
 *             fill none (zeros).
 *   o         device pointer to O [B*H, S, D], fp16; every element is written.
 *   q_descale, k_descale, v_descale, softmax_scale   float (softmax_scale: 1/sqrt(D) for SDPA).
 *   S, D, heads (= B*H), S_kv, group (= H / Hkv), causal (0 or 1)   int. A kernel taking device
 *   pointers declares the arguments up to D and reads only those.
 *
 * Other problems: a kernel runs any problem its `accepts` fields admit when `reuse` is 1 (only
 * its own problem otherwise): D pads to d_pad (D rounded up to 32), D % d_multiple_of == 0,
 * the widest of 16, 8, 4, 1 dividing D is d_load_bytes (when not 0), causal equals `causal`,
 * and with plain_only no mask, Hkv == H and S_kv == S; kv_splits <= ceil(S_kv / block_n) when
 * kv_splits > 1. Its grid is then (ceil(S / block_m), B*H, kv_splits), or with `persistent`
 * (min(SMs, ceil(S / block_m) * B*H), 1, 1) (the geometry below is at 132 SMs); the
 * block and shared memory stay as they are.
 *
 * evotune checked each kernel against a reference within |o - ref| <= 0.03 + 0.0625 * |ref|.
 */
#ifndef EVOTUNE_DISPATCH_H
#define EVOTUNE_DISPATCH_H

#define EVOTUNE_ARGS_POINTERS 0
#define EVOTUNE_ARGS_TENSOR_MAPS 1

typedef struct evotune_sdpa_problem {
    int b, h, s, d, causal, kv_heads, kv_len;
} evotune_sdpa_problem;

typedef struct evotune_sdpa_accepts {
    int d_pad, d_multiple_of, d_load_bytes, causal, plain_only;
    int block_m, block_n, kv_splits, persistent, reuse;
} evotune_sdpa_accepts;

typedef struct evotune_sdpa_kernel {
    const char *id;
    const char *cubin;       /* relative to this header's folder */
    const char *entry_point;
    const char *family;
    int args;                /* EVOTUNE_ARGS_POINTERS or EVOTUNE_ARGS_TENSOR_MAPS */
    evotune_sdpa_problem problem;
    unsigned grid[3];
    unsigned block[3];
    unsigned smem_bytes;
    unsigned tma[3];         /* swizzle bytes, Q box rows, K/V box rows; 0 without tensor maps */
    evotune_sdpa_accepts accepts;
    double kernel_p50_us;    /* kernel-only median at its problem */
} evotune_sdpa_kernel;

static const evotune_sdpa_kernel evotune_sdpa_kernels[] = {
    /* 2,8,512,64 */
    { "b2_h8_s512_d64", "kernels/b2_h8_s512_d64.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 2, 8, 512, 64, 0, 8, 512 },
      {128, 1, 1}, {256, 1, 1}, 87104, {64, 64, 256},
      { 64, 16, 0, 0, 0, 64, 256, 1, 1, 1 },
      10.592 },
    /* 4,32,1024,128 */
    { "b4_h32_s1024_d128", "kernels/b4_h32_s1024_d128.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 4, 32, 1024, 128, 0, 32, 1024 },
      {132, 1, 1}, {384, 1, 1}, 181360, {32, 128, 128},
      { 128, 16, 0, 0, 0, 128, 128, 1, 1, 1 },
      117.088 },
    /* 4,32,2048,64 */
    { "b4_h32_s2048_d64", "kernels/b4_h32_s2048_d64.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 4, 32, 2048, 64, 0, 32, 2048 },
      {132, 1, 1}, {512, 1, 1}, 70736, {64, 192, 128},
      { 64, 16, 0, 0, 0, 192, 128, 1, 1, 1 },
      274.528 },
    /* 4,32,2048,80 */
    { "b4_h32_s2048_d80", "kernels/b4_h32_s2048_d80.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 4, 32, 2048, 80, 0, 32, 2048 },
      {132, 1, 1}, {384, 1, 1}, 160864, {32, 128, 192},
      { 96, 16, 0, 0, 0, 128, 192, 1, 1, 1 },
      359.072 },
    /* 4,32,2048,96 */
    { "b4_h32_s2048_d96", "kernels/b4_h32_s2048_d96.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 4, 32, 2048, 96, 0, 32, 2048 },
      {132, 1, 1}, {384, 1, 1}, 160864, {32, 128, 192},
      { 96, 16, 0, 0, 0, 128, 192, 1, 1, 1 },
      340.128 },
    /* 4,32,2048,107 */
    { "b4_h32_s2048_d107", "kernels/b4_h32_s2048_d107.cubin", "sdpa_fp8_fwd", "mma", EVOTUNE_ARGS_POINTERS,
      { 4, 32, 2048, 107, 0, 32, 2048 },
      {16, 128, 1}, {256, 1, 1}, 110592, {0, 0, 0},
      { 128, 1, 1, 0, 1, 128, 128, 1, 0, 1 },
      4322.144 },
    /* 4,32,2048,112 */
    { "b4_h32_s2048_d112", "kernels/b4_h32_s2048_d112.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 4, 32, 2048, 112, 0, 32, 2048 },
      {132, 1, 1}, {384, 1, 1}, 140368, {128, 128, 160},
      { 128, 16, 0, 0, 0, 128, 160, 1, 1, 1 },
      398.848 },
    /* 4,32,2048,128 */
    { "b4_h32_s2048_d128", "kernels/b4_h32_s2048_d128.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 4, 32, 2048, 128, 0, 32, 2048 },
      {132, 1, 1}, {384, 1, 1}, 119872, {128, 128, 160},
      { 128, 16, 0, 0, 0, 128, 160, 1, 1, 1 },
      382.592 },
    /* 4,32,2048,144 */
    { "b4_h32_s2048_d144", "kernels/b4_h32_s2048_d144.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 4, 32, 2048, 144, 0, 32, 2048 },
      {132, 1, 1}, {384, 1, 1}, 175184, {32, 128, 160},
      { 160, 16, 0, 0, 0, 128, 160, 1, 1, 1 },
      523.136 },
    /* 4,32,2048,160 */
    { "b4_h32_s2048_d160", "kernels/b4_h32_s2048_d160.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 4, 32, 2048, 160, 0, 32, 2048 },
      {132, 1, 1}, {384, 1, 1}, 175184, {32, 128, 160},
      { 160, 16, 0, 0, 0, 128, 160, 1, 1, 1 },
      454.176 },
    /* 4,32,4096,128 */
    { "b4_h32_s4096_d128", "kernels/b4_h32_s4096_d128.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 4, 32, 4096, 128, 0, 32, 4096 },
      {132, 1, 1}, {384, 1, 1}, 119872, {64, 128, 160},
      { 128, 16, 0, 0, 0, 128, 160, 1, 1, 1 },
      1432.768 },
    /* 8,16,8192,64 */
    { "b8_h16_s8192_d64", "kernels/b8_h16_s8192_d64.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 8, 16, 8192, 64, 0, 16, 8192 },
      {132, 1, 1}, {512, 1, 1}, 70736, {64, 192, 128},
      { 64, 16, 0, 0, 0, 192, 128, 1, 1, 1 },
      3707.872 },
    /* 8,16,8192,128 */
    { "b8_h16_s8192_d128", "kernels/b8_h16_s8192_d128.cubin", "sdpa_fp8_fwd", "wgmma", EVOTUNE_ARGS_TENSOR_MAPS,
      { 8, 16, 8192, 128, 0, 16, 8192 },
      {132, 1, 1}, {384, 1, 1}, 119872, {128, 128, 160},
      { 128, 16, 0, 0, 0, 128, 160, 1, 1, 1 },
      5516.112 },
};

#define EVOTUNE_SDPA_KERNEL_COUNT (sizeof(evotune_sdpa_kernels) / sizeof(evotune_sdpa_kernels[0]))

/* The kernel tuned at exactly this problem, or 0 (a null pointer) when there is none. */
static inline const evotune_sdpa_kernel *evotune_sdpa_find(evotune_sdpa_problem p)
{
    unsigned i;
    for (i = 0; i < EVOTUNE_SDPA_KERNEL_COUNT; ++i) {
        const evotune_sdpa_problem *t = &evotune_sdpa_kernels[i].problem;
        if (t->b == p.b && t->h == p.h && t->s == p.s && t->d == p.d && t->causal == p.causal
            && t->kv_heads == p.kv_heads && t->kv_len == p.kv_len)
            return &evotune_sdpa_kernels[i];
    }
    return 0;
}

#endif /* EVOTUNE_DISPATCH_H */
