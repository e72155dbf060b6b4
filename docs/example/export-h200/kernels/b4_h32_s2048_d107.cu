// sdpa_fp8_mma.cu.tera: FP8 (e4m3) scaled-dot-product attention forward, mma.sync family
// (the first of the space's two families; the second, TMA + wgmma, is sdpa_fp8_wgmma.cu.tera).
// Rendered by evotune from search_spaces/sdpa_fp8.toml when FAMILY = "mma".
//
// CONTRACT (the launcher relies on exactly this)
//   extern "C" __global__ void KERNEL(q, k, v, o, q_descale, k_descale, v_descale, softmax_scale, S, D)
//   q, k, v : [B*H, S, D] e4m3 codes, row-major, D contiguous, not padded; real = decode(code) * descale
//   o       : [B*H, S, D] fp16 (declared unsigned short, converted here), every element written,
//             nothing outside it written
//   O = softmax(softmax_scale * Q K^T) V over the dequantized inputs, non-causal.
//   grid = (GRID_X, GRID_Y, 1) = (ceil(S / BLOCK_M), B*H, 1); block = (THREADS, 1, 1);
//   dynamic shared memory = SMEM_BYTES (the launcher raises the limit above 48 KB).
//   S and D are runtime arguments: one binary serves every S >= 1 and every D with the same D_PAD
//   and LOAD_BYTES (D <= D_PAD, D % LOAD_BYTES == 0). The source depends on the shape only
//   through those two values.
//
// ALGORITHM
//   One CTA per (batch*head, BLOCK_M query rows). Each compute warp owns WARP_M = BLOCK_M /
//   NUM_WARPS query rows (16 or 32, i.e. M_TILES = 1 or 2 row tiles of the m16n8k32 mma).
//   1. The Q tile is copied to shared memory once (zero-filled past row S and past column D) and,
//      with Q_IN_REGS, kept as mma A fragments in registers.
//   2. K and V tiles of BLOCK_N keys stream through a STAGES-deep ring of shared-memory stages
//      filled with cp.async (16 B .cg when LOAD_BYTES == 16, 8/4 B .ca, or plain byte loads when
//      D is not a multiple of 4); out-of-range rows and columns are zero-filled.
//   3. S = Q K^T with mma.sync.m16n8k32.row.col.f32.e4m3.e4m3.f32 (A = Q rows, B = K rows, which
//      are already the "col" operand since d is contiguous).
//   4. Online softmax in fp32 registers: x = s * (softmax_scale * q_descale * k_descale * log2 e);
//      running max m and running sum l per row; p = 2^(x - (m - 8)) lies in [0, 256], which keeps
//      it clear of e4m3 underflow (e4m3 max is 448). Keys >= S are set to -inf first.
//   5. P is packed to e4m3 with cvt.rn.satfinite.e4m3x2.f32 straight from the S accumulators
//      into the A fragments of the PV mma: no shuffles, because the keys of every 16-key group are
//      permuted (see "KEY ORDER") and V^T is written in the same permuted order.
//   6. O += P V^T with the same mma; B = V^T comes from a shared-memory copy of the V tile
//      transposed in registers (4x4 byte blocks, __byte_perm).
//   7. O * v_descale / l -> fp16, written with row < S and column < D checks. The 2^8 offset of p
//      cancels: l is summed (in fp32) from the same offset p, before its rounding to e4m3.
//   NUM_PRODUCER_WARPS == 0: every warp loads, transposes and computes; stages are handed over with
//   __syncthreads. NUM_PRODUCER_WARPS > 0: the extra warps only load K/V and transpose V into a
//   per-stage V^T buffer; "full" and "empty" mbarriers per stage hand stages to and from the
//   compute warps.
//
// MMA FRAGMENTS (PTX ISA, "Matrix Fragments for mma.m16n8k32", 8-bit A/B, f32 C/D)
//   lane = threadIdx.x % 32, g = lane / 4 (groupID), q = lane % 4 (threadID_in_group),
//   byte j of a .b32 register is bits 8j..8j+7 (j = 0 is the lowest-indexed element).
//   A (16 x 32, row-major), regs a0..a3:  a_r byte j = A[g + 8*(r & 1)][16*(r >> 1) + 4q + j]
//   B (32 x 8, "col"),      regs b0, b1:  b_r byte j = B[k = 16*r + 4q + j][n = g]
//   C/D (16 x 8 f32),       c0..c3:       c_i = C[g + 8*(i >> 1)][2q + (i & 1)]
//
// KEY ORDER (P to A fragments without shuffles)
//   The S accumulators of 8-key tile t hold keys 8t + 2q and 8t + 2q + 1 for rows g and g + 8.
//   For the PV mma the k index is a key. Any permutation of the keys gives the same sum, provided
//   P (A) and V^T (B) use the same one. Inside every 16 keys, mma k index 4q + j stands for key
//       key(4q + j) = 2q + (j & 1) + 8 * (j >> 1)
//   so k32 step ks of the PV product takes, per thread:
//       a0 = P[g  ][32ks +      {2q, 2q+1, 8+2q, 9+2q}]  = S tiles 4ks,   4ks+1, c0 c1
//       a1 = P[g+8][32ks +      {2q, 2q+1, 8+2q, 9+2q}]  = S tiles 4ks,   4ks+1, c2 c3
//       a2 = P[g  ][32ks + 16 + {2q, 2q+1, 8+2q, 9+2q}]  = S tiles 4ks+2, 4ks+3, c0 c1
//       a3 = P[g+8][32ks + 16 + {2q, 2q+1, 8+2q, 9+2q}]  = S tiles 4ks+2, 4ks+3, c2 c3
//   and V^T is stored with position 16G + 4q + j holding key 16G + 2q + (j & 1) + 8 * (j >> 1),
//   so b_r = the 32-bit word of V^T row d = 8*dtile + g at position 32ks + 16r + 4q.
//
// SHARED MEMORY (bytes, in order; every offset a multiple of 16)
//   [mbarriers: 2 * STAGES * 8, only with producer warps] [Q: BLOCK_M * ROW_BYTES]
//   [K ring: STAGES * BLOCK_N * ROW_BYTES] [V ring: STAGES * BLOCK_N * ROW_BYTES]
//   [V^T: (producer warps ? STAGES : 1) * D_PAD * VT_ROW_BYTES]
//   ROW_BYTES = D_PAD + 16 and VT_ROW_BYTES = BLOCK_N + 16: a pitch of 4 (mod 8) words makes the
//   fragment loads (8 rows x 4 consecutive words per warp) free of bank conflicts.
//
// TEMPLATE VARIABLES
//   KERNEL              entry point name (the space's `kernel`)
//   BLOCK_M             query rows per CTA
//   BLOCK_N             keys per K/V tile (multiple of 32)
//   NUM_WARPS           compute warps; each owns BLOCK_M / NUM_WARPS (16 or 32) query rows
//   NUM_PRODUCER_WARPS  0: all warps load and compute; 1 or 2: dedicated load/transpose warps
//   STAGES              depth of the K/V shared-memory ring (>= 2)
//   Q_IN_REGS           keep Q's A fragments in registers (else re-read from shared memory)
//   D_PAD               head dim rounded up to a multiple of 32 (>= D)
//   LOAD_BYTES          16, 8, 4 or 1: bytes per global load; divides D
//   THREADS             (NUM_WARPS + NUM_PRODUCER_WARPS) * 32
//   SMEM_BYTES          dynamic shared memory, checked against the layout below at compile time
//   (GRID_X, GRID_Y are launch values only; B, H, S, D are not used by the source.)

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

namespace cfg {
constexpr int BLOCK_M = 128;
constexpr int BLOCK_N = 128;
constexpr int NUM_WARPS = 8;
constexpr int NUM_PRODUCER_WARPS = 0;
constexpr int STAGES = 2;
constexpr bool Q_IN_REGS = false;
constexpr int D_PAD = 128;
constexpr int LOAD_BYTES = 1;
constexpr int THREADS = 256;
constexpr int SMEM_BYTES = 110592;

constexpr int WARP_M = BLOCK_M / NUM_WARPS;  // query rows per compute warp
constexpr int M_TILES = WARP_M / 16;         // 16-row mma tiles per compute warp
constexpr int N_TILES = BLOCK_N / 8;         // 8-key column tiles of S per K tile
constexpr int KD_STEPS = D_PAD / 32;         // k32 steps of Q K^T
constexpr int KN_STEPS = BLOCK_N / 32;       // k32 steps of P V
constexpr int D_TILES = D_PAD / 8;           // 8-column tiles of O
constexpr int CONSUMER_THREADS = NUM_WARPS * 32;
constexpr int PRODUCER_THREADS = NUM_PRODUCER_WARPS * 32;
// Threads that run producer_loop (kept nonzero so that the unused producer code compiles when
// NUM_PRODUCER_WARPS == 0).
constexpr int PRODUCER_LOOP_THREADS = NUM_PRODUCER_WARPS > 0 ? PRODUCER_THREADS : 32;

constexpr int ROW_BYTES = D_PAD + 16;      // pitch of Q, K, V rows in shared memory
constexpr int VT_ROW_BYTES = BLOCK_N + 16; // pitch of V^T rows in shared memory
constexpr int VT_BUFS = NUM_PRODUCER_WARPS > 0 ? STAGES : 1;
constexpr int OFF_BAR = 0;
constexpr int BAR_BYTES = NUM_PRODUCER_WARPS > 0 ? 2 * STAGES * 8 : 0;
constexpr int OFF_Q = OFF_BAR + BAR_BYTES;
constexpr int KV_TILE_BYTES = BLOCK_N * ROW_BYTES;
constexpr int OFF_K = OFF_Q + BLOCK_M * ROW_BYTES;
constexpr int OFF_V = OFF_K + STAGES * KV_TILE_BYTES;
constexpr int VT_TILE_BYTES = D_PAD * VT_ROW_BYTES;
constexpr int OFF_VT = OFF_V + STAGES * KV_TILE_BYTES;
constexpr int SMEM_TOTAL = OFF_VT + VT_BUFS * VT_TILE_BYTES;

// Named barriers (0 is __syncthreads).
constexpr int BAR_CONSUMERS = 1;
constexpr int BAR_PRODUCERS = 2;

static_assert(SMEM_TOTAL == SMEM_BYTES, "SMEM_BYTES in the space disagrees with the kernel's layout");
static_assert(THREADS == (NUM_WARPS + NUM_PRODUCER_WARPS) * 32, "THREADS disagrees with the warp counts");
static_assert(WARP_M * NUM_WARPS == BLOCK_M && (WARP_M == 16 || WARP_M == 32), "a warp owns 16 or 32 rows");
static_assert(BLOCK_N % 32 == 0 && D_PAD % 32 == 0 && D_PAD <= 256, "tile sizes");
static_assert(STAGES >= 2, "the cp.async ring needs two stages at least");
static_assert(LOAD_BYTES == 16 || LOAD_BYTES == 8 || LOAD_BYTES == 4 || LOAD_BYTES == 1, "load width");
static_assert(NUM_PRODUCER_WARPS >= 0 && NUM_PRODUCER_WARPS <= 2, "producer warps");
}  // namespace cfg

// ---------------------------------------------------------------------------------------------
// PTX helpers
// ---------------------------------------------------------------------------------------------

__device__ __forceinline__ u32 smem_addr(const void* p) {
    return static_cast<u32>(__cvta_generic_to_shared(p));
}

// cp.async of N bytes (16: L2 only, 8/4: L1 too); src_bytes = 0 zero-fills the destination.
template <int N>
__device__ __forceinline__ void cp_async(u32 dst, const void* src, u32 src_bytes) {
    if constexpr (N == 16) {
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(src_bytes)
                     : "memory");
    } else {
        asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;\n" ::"r"(dst), "l"(src), "n"(N), "r"(src_bytes)
                     : "memory");
    }
}

__device__ __forceinline__ void cp_async_commit() {
    asm volatile("cp.async.commit_group;\n" ::: "memory");
}

// Waits until at most N of this thread's committed cp.async groups are still in flight.
template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

__device__ __forceinline__ void named_barrier_sync(int id, int threads) {
    asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

__device__ __forceinline__ void mbar_init(u32 bar, u32 count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}

// Arrive (release at CTA scope): orders this thread's earlier shared-memory accesses before the
// phase completes.
__device__ __forceinline__ void mbar_arrive(u32 bar) {
    asm volatile(
        "{\n"
        ".reg .b64 state;\n"
        "mbarrier.arrive.shared::cta.b64 state, [%0];\n"
        "}\n" ::"r"(bar)
        : "memory");
}

// Waits (acquire at CTA scope) until the phase of the given parity has completed.
__device__ __forceinline__ void mbar_wait(u32 bar, u32 parity) {
    asm volatile(
        "{\n"
        ".reg .pred done;\n"
        "WAIT_LOOP:\n"
        "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
        "@!done bra WAIT_LOOP;\n"
        "}\n" ::"r"(bar), "r"(parity)
        : "memory");
}

// D (16x8 f32) += A (16x32 e4m3, row) * B (32x8 e4m3, col).
__device__ __forceinline__ void mma_e4m3(float (&d)[4], const u32 (&a)[4], u32 b0, u32 b1) {
    asm("mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 "
        "{ %0, %1, %2, %3 }, { %4, %5, %6, %7 }, { %8, %9 }, { %0, %1, %2, %3 };\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// 2^x; -inf gives +0.
__device__ __forceinline__ float exp2_approx(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
    return y;
}

// Four floats to four e4m3 codes, x0 in the lowest byte. cvt...e4m3x2 puts its FIRST source in
// the HIGH byte, hence the swapped operands.
__device__ __forceinline__ u32 pack_e4m3x4(float x0, float x1, float x2, float x3) {
    u32 r;
    asm("{\n"
        ".reg .b16 lo, hi;\n"
        "cvt.rn.satfinite.e4m3x2.f32 lo, %2, %1;\n"
        "cvt.rn.satfinite.e4m3x2.f32 hi, %4, %3;\n"
        "mov.b32 %0, { lo, hi };\n"
        "}\n"
        : "=r"(r)
        : "f"(x0), "f"(x1), "f"(x2), "f"(x3));
    return r;
}

// Two floats to two fp16 (x0 in the low half; the first cvt source goes to the high half).
__device__ __forceinline__ u32 pack_f16x2(float x0, float x1) {
    u32 r;
    asm("cvt.rn.f16x2.f32 %0, %2, %1;\n" : "=r"(r) : "f"(x0), "f"(x1));
    return r;
}

__device__ __forceinline__ u16 to_f16(float x) {
    u16 r;
    asm("cvt.rn.f16.f32 %0, %1;\n" : "=h"(r) : "f"(x));
    return r;
}

__device__ __forceinline__ float neg_inf() {
    return __int_as_float(0xff800000);
}

// ---------------------------------------------------------------------------------------------
// Loads: global [rows][D] e4m3 -> shared [ROWS][D_PAD] with pitch ROW_BYTES
// ---------------------------------------------------------------------------------------------

// Copies a ROWS x D_PAD tile whose first row is at `src` (row pitch D bytes in global memory).
// Rows >= rows_valid and columns >= D are zero-filled. `t` is the caller's index among NTHREADS
// loading threads. With LOAD_BYTES >= 4 the copies are cp.async (completion via the caller's
// commit/wait); with LOAD_BYTES == 1 they are plain loads and stores, complete on return.
template <int ROWS, int NTHREADS>
__device__ __forceinline__ void load_tile(u8* dst, const u8* __restrict__ src, int rows_valid, int D, int t) {
    using namespace cfg;
    constexpr int CHUNK = LOAD_BYTES >= 4 ? LOAD_BYTES : 4;  // bytes of shared memory per item
    constexpr int CHUNKS_PER_ROW = D_PAD / CHUNK;
    constexpr int CHUNKS = ROWS * CHUNKS_PER_ROW;
    constexpr int ITERS = (CHUNKS + NTHREADS - 1) / NTHREADS;
    // Short loops unrolled; longer ones kept rolled: unrolled copies keep one precomputed address
    // per iteration live across the whole key loop, which costs registers the accumulators need.
    constexpr int UNROLL = ITERS <= 4 ? ITERS : 1;
#pragma unroll UNROLL
    for (int it = 0; it < ITERS; ++it) {
        const int c = t + it * NTHREADS;
        if (CHUNKS % NTHREADS != 0 && c >= CHUNKS) break;
        const int r = c / CHUNKS_PER_ROW;
        const int col = (c % CHUNKS_PER_ROW) * CHUNK;
        u8* d = dst + r * ROW_BYTES + col;
        if constexpr (LOAD_BYTES >= 4) {
            // D % LOAD_BYTES == 0, so a chunk is either wholly inside [0, D) or wholly outside.
            const bool ok = r < rows_valid && col < D;
            const u8* s = ok ? src + (size_t)r * D + col : src;
            cp_async<LOAD_BYTES>(smem_addr(d), s, ok ? LOAD_BYTES : 0);
        } else {
            u32 word = 0;
            if (r < rows_valid) {
                const u8* s = src + (size_t)r * D + col;
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    if (col + j < D) word |= (u32)s[j] << (8 * j);
                }
            }
            *reinterpret_cast<u32*>(d) = word;
        }
    }
}

// Transposes a V tile [BLOCK_N keys][D_PAD] (pitch ROW_BYTES) into V^T [D_PAD][BLOCK_N] (pitch
// VT_ROW_BYTES) in the permuted key order of "KEY ORDER": V^T position 16G + 4q + j holds key
// 16G + 2q + (j & 1) + 8 * (j >> 1). One item moves a 4x4 byte block: 4 keys x 4 columns.
template <int NTHREADS>
__device__ __forceinline__ void transpose_v(const u8* v, u8* vt, int t) {
    using namespace cfg;
    constexpr int PW = BLOCK_N / 4;  // 32-bit position words per V^T row
    constexpr int DW = D_PAD / 4;    // 32-bit words per V row (a multiple of 8)
    constexpr int ITEMS = PW * DW;
    constexpr int ITERS = (ITEMS + NTHREADS - 1) / NTHREADS;
    constexpr int UNROLL = 1;  // rolled, for the same register reason as load_tile
#pragma unroll UNROLL
    for (int it = 0; it < ITERS; ++it) {
        const int item = t + it * NTHREADS;
        if (ITEMS % NTHREADS != 0 && item >= ITEMS) break;
        // Lanes 0..7 take 8 consecutive column words of the same 4 keys (conflict-free reads).
        const int rest = item >> 3;
        const int pw = rest % PW;
        const int w = (rest / PW) * 8 + (item & 7);
        const int key0 = 16 * (pw >> 2) + 2 * (pw & 3);  // keys key0, key0+1, key0+8, key0+9
        const u8* src = v + key0 * ROW_BYTES + 4 * w;
        const u32 r0 = *reinterpret_cast<const u32*>(src);
        const u32 r1 = *reinterpret_cast<const u32*>(src + ROW_BYTES);
        const u32 r2 = *reinterpret_cast<const u32*>(src + 8 * ROW_BYTES);
        const u32 r3 = *reinterpret_cast<const u32*>(src + 9 * ROW_BYTES);
        // rX byte c = V[keyX][4w + c]; out_c byte j = V[key j][4w + c].
        const u32 t01_lo = __byte_perm(r0, r1, 0x5140);  // r0.b0 r1.b0 r0.b1 r1.b1
        const u32 t01_hi = __byte_perm(r0, r1, 0x7362);  // r0.b2 r1.b2 r0.b3 r1.b3
        const u32 t23_lo = __byte_perm(r2, r3, 0x5140);
        const u32 t23_hi = __byte_perm(r2, r3, 0x7362);
        u8* dst = vt + (4 * w) * VT_ROW_BYTES + 4 * pw;
        *reinterpret_cast<u32*>(dst) = __byte_perm(t01_lo, t23_lo, 0x5410);
        *reinterpret_cast<u32*>(dst + VT_ROW_BYTES) = __byte_perm(t01_lo, t23_lo, 0x7632);
        *reinterpret_cast<u32*>(dst + 2 * VT_ROW_BYTES) = __byte_perm(t01_hi, t23_hi, 0x5410);
        *reinterpret_cast<u32*>(dst + 3 * VT_ROW_BYTES) = __byte_perm(t01_hi, t23_hi, 0x7632);
    }
}

// ---------------------------------------------------------------------------------------------
// Compute (one warp, WARP_M query rows)
// ---------------------------------------------------------------------------------------------

// A fragment of Q rows [16*mt, 16*mt + 16) (warp-relative), d columns [32*kk, 32*kk + 32).
__device__ __forceinline__ void load_q_frag(u32 (&a)[4], const u8* q_warp, int mt, int kk, int lane) {
    using namespace cfg;
    const int g = lane >> 2, q = lane & 3;
    const u8* p = q_warp + (16 * mt + g) * ROW_BYTES + 32 * kk + 4 * q;
    a[0] = *reinterpret_cast<const u32*>(p);                       // row g,     k 4q..4q+3
    a[1] = *reinterpret_cast<const u32*>(p + 8 * ROW_BYTES);       // row g + 8, k 4q..4q+3
    a[2] = *reinterpret_cast<const u32*>(p + 16);                  // row g,     k 16+4q..
    a[3] = *reinterpret_cast<const u32*>(p + 8 * ROW_BYTES + 16);  // row g + 8, k 16+4q..
}

struct QFrags {
    u32 a[cfg::Q_IN_REGS ? cfg::M_TILES : 1][cfg::Q_IN_REGS ? cfg::KD_STEPS : 1][4];
};

// s[mt][nt][i] = sum_d Q[row][d] K[8nt + key][d] in code units (descales not applied).
__device__ __forceinline__ void compute_scores(float (&s)[cfg::M_TILES][cfg::N_TILES][4], const QFrags& qf,
                                               const u8* q_warp, const u8* k_tile, int lane) {
    using namespace cfg;
    const int g = lane >> 2, q = lane & 3;
#pragma unroll
    for (int mt = 0; mt < M_TILES; ++mt)
#pragma unroll
        for (int nt = 0; nt < N_TILES; ++nt)
#pragma unroll
            for (int i = 0; i < 4; ++i) s[mt][nt][i] = 0.f;
#pragma unroll
    for (int kk = 0; kk < KD_STEPS; ++kk) {
        u32 a[M_TILES][4];
#pragma unroll
        for (int mt = 0; mt < M_TILES; ++mt) {
            if constexpr (Q_IN_REGS) {
#pragma unroll
                for (int r = 0; r < 4; ++r) a[mt][r] = qf.a[mt][kk][r];
            } else {
                load_q_frag(a[mt], q_warp, mt, kk, lane);
            }
        }
#pragma unroll
        for (int nt = 0; nt < N_TILES; ++nt) {
            // B fragment: key n = 8nt + g, k (= d) = 32kk + 16r + 4q + j.
            const u8* p = k_tile + (8 * nt + g) * ROW_BYTES + 32 * kk + 4 * q;
            const u32 b0 = *reinterpret_cast<const u32*>(p);
            const u32 b1 = *reinterpret_cast<const u32*>(p + 16);
#pragma unroll
            for (int mt = 0; mt < M_TILES; ++mt) mma_e4m3(s[mt][nt], a[mt], b0, b1);
        }
    }
}

// Keys >= S get -inf. c_i of tile nt is key n0 + 8nt + 2q + (i & 1).
__device__ __forceinline__ void mask_keys(float (&s)[cfg::M_TILES][cfg::N_TILES][4], int n0, int S, int lane) {
    using namespace cfg;
    const int q = lane & 3;
#pragma unroll
    for (int nt = 0; nt < N_TILES; ++nt)
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int key = n0 + 8 * nt + 2 * q + (i & 1);
            if (key >= S) {
#pragma unroll
                for (int mt = 0; mt < M_TILES; ++mt) s[mt][nt][i] = neg_inf();
            }
        }
}

// Online softmax over one tile: s becomes p = 2^(x - (m - 8)) in [0, 256], m and l are updated
// and O is rescaled. Row r of tile mt is C row g + 8r: elements s[mt][*][2r], s[mt][*][2r + 1].
// The four lanes of a quad share a row, so the row max is reduced over the quad; l stays a
// per-lane partial sum until the end.
__device__ __forceinline__ void online_softmax(float (&s)[cfg::M_TILES][cfg::N_TILES][4],
                                               float (&o)[cfg::M_TILES][cfg::D_TILES][4],
                                               float (&m)[cfg::M_TILES][2], float (&l)[cfg::M_TILES][2],
                                               float scale_log2) {
    using namespace cfg;
#pragma unroll
    for (int mt = 0; mt < M_TILES; ++mt)
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            float mx = m[mt][r];
#pragma unroll
            for (int nt = 0; nt < N_TILES; ++nt)
#pragma unroll
                for (int c = 0; c < 2; ++c) {
                    const float x = s[mt][nt][2 * r + c] * scale_log2;
                    s[mt][nt][2 * r + c] = x;
                    mx = fmaxf(mx, x);
                }
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
            // Every tile holds at least one key < S, so mx is finite; the guard keeps a row that
            // saw only -inf (never expected) at p = 0 instead of NaN.
            const float m_new = mx == neg_inf() ? 0.f : mx;
            const float alpha = exp2_approx(m[mt][r] - m_new);  // 0 on the first tile (m = -inf)
            m[mt][r] = m_new;
            const float shift = m_new - 8.f;  // p = 2^(x - m + 8) <= 256
            float sum = 0.f;
#pragma unroll
            for (int nt = 0; nt < N_TILES; ++nt)
#pragma unroll
                for (int c = 0; c < 2; ++c) {
                    const float p = exp2_approx(s[mt][nt][2 * r + c] - shift);
                    s[mt][nt][2 * r + c] = p;
                    sum += p;
                }
            l[mt][r] = l[mt][r] * alpha + sum;
#pragma unroll
            for (int dt = 0; dt < D_TILES; ++dt) {
                o[mt][dt][2 * r] *= alpha;
                o[mt][dt][2 * r + 1] *= alpha;
            }
        }
}

// O += P V for one tile. P's A fragments are packed from s (see "KEY ORDER"); B comes from V^T.
__device__ __forceinline__ void accumulate_pv(float (&o)[cfg::M_TILES][cfg::D_TILES][4],
                                              const float (&s)[cfg::M_TILES][cfg::N_TILES][4], const u8* vt,
                                              int lane) {
    using namespace cfg;
    const int g = lane >> 2, q = lane & 3;
#pragma unroll
    for (int ks = 0; ks < KN_STEPS; ++ks) {
        u32 a[M_TILES][4];
#pragma unroll
        for (int mt = 0; mt < M_TILES; ++mt) {
            const float(&t0)[4] = s[mt][4 * ks];
            const float(&t1)[4] = s[mt][4 * ks + 1];
            const float(&t2)[4] = s[mt][4 * ks + 2];
            const float(&t3)[4] = s[mt][4 * ks + 3];
            a[mt][0] = pack_e4m3x4(t0[0], t0[1], t1[0], t1[1]);  // row g,   keys 2q,2q+1,8+2q,9+2q
            a[mt][1] = pack_e4m3x4(t0[2], t0[3], t1[2], t1[3]);  // row g+8, same keys
            a[mt][2] = pack_e4m3x4(t2[0], t2[1], t3[0], t3[1]);  // row g,   16 + the same keys
            a[mt][3] = pack_e4m3x4(t2[2], t2[3], t3[2], t3[3]);  // row g+8, 16 + the same keys
        }
#pragma unroll
        for (int dt = 0; dt < D_TILES; ++dt) {
            // B fragment: column n = d = 8dt + g, k = V^T position 32ks + 16r + 4q + j.
            const u8* p = vt + (8 * dt + g) * VT_ROW_BYTES + 32 * ks + 4 * q;
            const u32 b0 = *reinterpret_cast<const u32*>(p);
            const u32 b1 = *reinterpret_cast<const u32*>(p + 16);
#pragma unroll
            for (int mt = 0; mt < M_TILES; ++mt) mma_e4m3(o[mt][dt], a[mt], b0, b1);
        }
    }
}

// O * v_descale / l to fp16, rows < S and columns < D only. C element i of tile dt is row
// g + 8(i >> 1), column 8dt + 2q + (i & 1).
__device__ __forceinline__ void store_output(u16* __restrict__ o_head, const float (&o)[cfg::M_TILES][cfg::D_TILES][4],
                                             float (&l)[cfg::M_TILES][2], int row0, int S, int D, float v_descale,
                                             int lane) {
    using namespace cfg;
    const int g = lane >> 2, q = lane & 3;
#pragma unroll
    for (int mt = 0; mt < M_TILES; ++mt)
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            float sum = l[mt][r];
            sum += __shfl_xor_sync(0xffffffffu, sum, 1);
            sum += __shfl_xor_sync(0xffffffffu, sum, 2);
            const int row = row0 + 16 * mt + g + 8 * r;
            if (row >= S) continue;
            // sum >= 256 (the row max contributes 2^8), so the division is safe.
            const float inv = v_descale / sum;
            u16* out = o_head + (size_t)row * D;
#pragma unroll
            for (int dt = 0; dt < D_TILES; ++dt) {
                const int col = 8 * dt + 2 * q;
                if (col >= D) continue;
                const float x0 = o[mt][dt][2 * r] * inv;
                const float x1 = o[mt][dt][2 * r + 1] * inv;
                if ((D & 1) == 0) {
                    // D even and col even: col + 1 < D and the 4-byte store is aligned.
                    *reinterpret_cast<u32*>(out + col) = pack_f16x2(x0, x1);
                } else {
                    out[col] = to_f16(x0);
                    if (col + 1 < D) out[col + 1] = to_f16(x1);
                }
            }
        }
}

// ---------------------------------------------------------------------------------------------
// Producer warps (NUM_PRODUCER_WARPS > 0)
// ---------------------------------------------------------------------------------------------

// Ring protocol, stage s = j % STAGES, lap parity p = (j / STAGES) & 1:
//   producers: wait empty[s] (parity p ^ 1; skipped on the first lap), cp.async K_j and V_j into
//     stage s; later wait for their own copies, sync among producers, transpose V_j into V^T[s],
//     arrive on full[s] (count PRODUCER_THREADS).
//   consumers: wait full[s] (parity p), compute, arrive on empty[s] (count CONSUMER_THREADS).
// Copies run STAGES - 1 tiles ahead of the transpose.
__device__ __forceinline__ void producer_loop(u8* smem, const u8* __restrict__ k_head, const u8* __restrict__ v_head,
                                              int S, int D, int n_tiles, int t) {
    using namespace cfg;
    constexpr int LOOKAHEAD = STAGES - 1;
    const u32 full0 = smem_addr(smem + OFF_BAR);
    const u32 empty0 = full0 + 8 * STAGES;
    auto issue = [&](int j) {
        if (j < n_tiles) {
            const int stage = j % STAGES;
            if (j >= STAGES) mbar_wait(empty0 + 8 * stage, ((j / STAGES) & 1) ^ 1);
            const int n0 = j * BLOCK_N;
            load_tile<BLOCK_N, PRODUCER_LOOP_THREADS>(smem + OFF_K + stage * KV_TILE_BYTES, k_head + (size_t)n0 * D,
                                                 S - n0, D, t);
            load_tile<BLOCK_N, PRODUCER_LOOP_THREADS>(smem + OFF_V + stage * KV_TILE_BYTES, v_head + (size_t)n0 * D,
                                                 S - n0, D, t);
        }
        cp_async_commit();  // always, so that group counts stay uniform
    };
    for (int j = 0; j < LOOKAHEAD; ++j) issue(j);
    for (int j = 0; j < n_tiles; ++j) {
        const int stage = j % STAGES;
        cp_async_wait<LOOKAHEAD - 1>();  // this thread's copies of tile j are done
        named_barrier_sync(BAR_PRODUCERS, PRODUCER_LOOP_THREADS);  // ... and every producer's
        transpose_v<PRODUCER_LOOP_THREADS>(smem + OFF_V + stage * KV_TILE_BYTES, smem + OFF_VT + stage * VT_TILE_BYTES, t);
        mbar_arrive(full0 + 8 * stage);
        issue(j + LOOKAHEAD);
    }
    cp_async_wait<0>();
}

// ---------------------------------------------------------------------------------------------
// Kernel
// ---------------------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(256) sdpa_fp8_fwd(
    const unsigned char* __restrict__ q, const unsigned char* __restrict__ k, const unsigned char* __restrict__ v,
    unsigned short* __restrict__ o, float q_descale, float k_descale, float v_descale, float softmax_scale, int S,
    int D) {
    using namespace cfg;
    extern __shared__ __align__(128) u8 smem[];

    const int tid = threadIdx.x;
    const int warp = tid >> 5;
    const int lane = tid & 31;
    const int m0 = blockIdx.x * BLOCK_M;
    const size_t head = (size_t)blockIdx.y * (size_t)S * (size_t)D;
    const u8* q_head = q + head;
    const u8* k_head = k + head;
    const u8* v_head = v + head;
    const int n_tiles = (S + BLOCK_N - 1) / BLOCK_N;
    const float scale_log2 = softmax_scale * q_descale * k_descale * 1.4426950408889634f;

    u8* const q_smem = smem + OFF_Q;
    const u8* const q_warp = q_smem + (warp < NUM_WARPS ? warp : 0) * WARP_M * ROW_BYTES;

    float o_acc[M_TILES][D_TILES][4];
    float m_run[M_TILES][2];
    float l_run[M_TILES][2];
#pragma unroll
    for (int mt = 0; mt < M_TILES; ++mt) {
#pragma unroll
        for (int dt = 0; dt < D_TILES; ++dt)
#pragma unroll
            for (int i = 0; i < 4; ++i) o_acc[mt][dt][i] = 0.f;
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            m_run[mt][r] = neg_inf();
            l_run[mt][r] = 0.f;
        }
    }
    QFrags qf;

    if constexpr (NUM_PRODUCER_WARPS == 0) {
        // ---- every warp loads and computes; stages change hands at __syncthreads ----
        load_tile<BLOCK_M, THREADS>(q_smem, q_head + (size_t)m0 * D, S - m0, D, tid);
        cp_async_commit();
#pragma unroll
        for (int j = 0; j < STAGES - 1; ++j) {
            if (j < n_tiles) {
                const int n0 = j * BLOCK_N;
                load_tile<BLOCK_N, THREADS>(smem + OFF_K + j * KV_TILE_BYTES, k_head + (size_t)n0 * D, S - n0, D, tid);
                load_tile<BLOCK_N, THREADS>(smem + OFF_V + j * KV_TILE_BYTES, v_head + (size_t)n0 * D, S - n0, D, tid);
            }
            cp_async_commit();
        }
        cp_async_wait<STAGES - 1>();  // the Q group is done
        __syncthreads();
        if constexpr (Q_IN_REGS) {
#pragma unroll
            for (int mt = 0; mt < M_TILES; ++mt)
#pragma unroll
                for (int kk = 0; kk < KD_STEPS; ++kk) load_q_frag(qf.a[mt][kk], q_warp, mt, kk, lane);
        }
        u8* const vt = smem + OFF_VT;
        for (int j = 0; j < n_tiles; ++j) {
            const int stage = j % STAGES;
            cp_async_wait<STAGES - 2>();  // this thread's copies of tile j are done
            __syncthreads();              // every thread's; and everyone is done with tile j - 1
            {
                // Refill the stage that tile j - 1 used.
                const int jn = j + STAGES - 1;
                if (jn < n_tiles) {
                    const int sn = jn % STAGES;
                    const int n0 = jn * BLOCK_N;
                    load_tile<BLOCK_N, THREADS>(smem + OFF_K + sn * KV_TILE_BYTES, k_head + (size_t)n0 * D, S - n0, D,
                                                tid);
                    load_tile<BLOCK_N, THREADS>(smem + OFF_V + sn * KV_TILE_BYTES, v_head + (size_t)n0 * D, S - n0, D,
                                                tid);
                }
                cp_async_commit();
            }
            transpose_v<THREADS>(smem + OFF_V + stage * KV_TILE_BYTES, vt, tid);
            float s[M_TILES][N_TILES][4];
            compute_scores(s, qf, q_warp, smem + OFF_K + stage * KV_TILE_BYTES, lane);
            const int n0 = j * BLOCK_N;
            if (n0 + BLOCK_N > S) mask_keys(s, n0, S, lane);
            online_softmax(s, o_acc, m_run, l_run, scale_log2);
            __syncthreads();  // V^T complete
            accumulate_pv(o_acc, s, vt, lane);
        }
        cp_async_wait<0>();
    } else {
        // ---- warps [0, NUM_WARPS) compute, the rest load; stages change hands at mbarriers ----
        const u32 full0 = smem_addr(smem + OFF_BAR);
        const u32 empty0 = full0 + 8 * STAGES;
        if (tid == 0) {
            for (int s = 0; s < STAGES; ++s) {
                mbar_init(full0 + 8 * s, PRODUCER_THREADS);
                mbar_init(empty0 + 8 * s, CONSUMER_THREADS);
            }
        }
        __syncthreads();
        if (warp >= NUM_WARPS) {
            producer_loop(smem, k_head, v_head, S, D, n_tiles, tid - CONSUMER_THREADS);
            return;
        }
        load_tile<BLOCK_M, CONSUMER_THREADS>(q_smem, q_head + (size_t)m0 * D, S - m0, D, tid);
        cp_async_commit();
        cp_async_wait<0>();
        named_barrier_sync(BAR_CONSUMERS, CONSUMER_THREADS);
        if constexpr (Q_IN_REGS) {
#pragma unroll
            for (int mt = 0; mt < M_TILES; ++mt)
#pragma unroll
                for (int kk = 0; kk < KD_STEPS; ++kk) load_q_frag(qf.a[mt][kk], q_warp, mt, kk, lane);
        }
        for (int j = 0; j < n_tiles; ++j) {
            const int stage = j % STAGES;
            mbar_wait(full0 + 8 * stage, (j / STAGES) & 1);
            float s[M_TILES][N_TILES][4];
            compute_scores(s, qf, q_warp, smem + OFF_K + stage * KV_TILE_BYTES, lane);
            const int n0 = j * BLOCK_N;
            if (n0 + BLOCK_N > S) mask_keys(s, n0, S, lane);
            online_softmax(s, o_acc, m_run, l_run, scale_log2);
            accumulate_pv(o_acc, s, smem + OFF_VT + stage * VT_TILE_BYTES, lane);
            mbar_arrive(empty0 + 8 * stage);
        }
    }
    store_output(o + head, o_acc, l_run, m0 + warp * WARP_M, S, D, v_descale, lane);
}
