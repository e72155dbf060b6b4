// sdpa_fp8_wgmma.cu.tera: FP8 (e4m3) scaled-dot-product attention forward, TMA + wgmma family
// (the second of the space's two families, after mma.sync; sm_90a only). Rendered by evotune
// from search_spaces/sdpa_fp8.toml when FAMILY = "wgmma". The PTX it uses is specified in NVIDIA's
// PTX ISA (8.0 or later); each section below names the part of it that it relies on.
//
// CONTRACT (the launcher relies on exactly this; the space sets ARGS = "tensor_maps")
//   extern "C" __global__ void KERNEL(const __grid_constant__ CUtensorMap q_map, k_map, v_map,
//                                     o, q_descale, k_descale, v_descale, softmax_scale, S, D,
//                                     heads, S_kv, group, causal)
//   q_map, k_map, v_map : tiled tensor maps over Q [B*H, S, D] and K, V [B*H_kv, S_kv, D], e4m3
//       codes, row-major, D contiguous, not padded (D % 16 == 0: TMA strides are multiples of 16
//       bytes). Encoded as rank 3, dims (D, rows, heads), strides (D, rows*D) bytes, dtype UINT8, no interleave,
//       swizzle = SWIZZLE bytes, OOB fill zeros; box (SWIZZLE, BLOCK_M, 1) for Q and
//       (SWIZZLE, BLOCK_N, 1) for K and V.
//   o   : [B*H, S, D] fp16 (declared unsigned short), every element written, nothing else
//   O = softmax(softmax_scale * Q K^T) V over the dequantized inputs; query head h reads kv head
//   h / group. With CAUSAL (a template variable; the causal argument must agree, or the kernel
//   traps) query row i sees keys 0 .. i + S_kv - S (the mask aligned bottom-right).
//   heads = B*H.
//   grid = (ceil(S / BLOCK_M), B*H, KV_SPLITS), or with PERSISTENT (min(SM_COUNT,
//   ceil(S / BLOCK_M) * B*H), 1, 1); block = (THREADS, 1, 1)
//   = 128 * (1 + KEY_WARPGROUPS * BLOCK_M / 64);
//   with KV_SPLITS > 1 the kernel declares clusters of (1, 1, KV_SPLITS) CTAs (__cluster_dims__,
//   so a plain launch works); dynamic shared memory = SMEM_BYTES (over 48 KB: the launcher opts in).
//   The source depends on the problem only through D_PAD (D rounded up to 32) and CAUSAL.
//
// ALGORITHM
//   Warpgroup 0 is the producer, warpgroups 1..NUM_CONSUMERS the consumers. With one key
//   warpgroup, consumer c owns query rows m0 + 64c .. m0 + 64c + 63 (one m64 wgmma row block) and
//   every key tile; with KEY_WARPGROUPS = 2 (BLOCK_M = 64) both consumers own the 64 rows and
//   consumer c takes the key tiles j with j % 2 == c.
//   Producer: thread 0 loads Q once and K_j, V_j into a STAGES-deep ring with TMA; each stage's
//     "kv_full" mbarrier completes on the bytes. All 128 producer threads transpose V_j (TMA
//     layout, [key][d]) into V^T_j ([d][key], keys contiguous, K-major for wgmma, in the key order
//     below) in a VT_STAGES-deep ring, fence the async proxy and arrive on "vt_full".
//   Consumers, per tile j: S = Q K^T with wgmma m64nBLOCK_Nk32 (both operands from shared memory,
//     K-major, swizzled), release K/V through "kv_empty"; mask keys >= S_kv (and, with CAUSAL, keys
//     past a row's diagonal) with -inf, on the tiles that hold such keys only; online softmax
//     in fp32 with exp2, scale and descales folded into one factor; p = 2^(x - (m - 8)) in [0, 256]
//     keeps P clear of e4m3 underflow (the 2^8 cancels in O / l); P packed to e4m3 in registers;
//     O += P V with wgmma m64nD_PADk32, A = P from registers (RS), B = V^T from shared memory;
//     release V^T through "vt_empty". At the end O * v_descale / l goes to fp16, rows < S and
//     columns < D only.
//   Keys >= S_kv and columns >= D read zeros (TMA fills out-of-bounds boxes with zeros).
//   CAUSAL: a query tile's key tiles stop at the one holding its last row's diagonal, so tiles
//     wholly above the diagonal are never loaded; query tiles are taken longest first (the grid's
//     x reversed, or, PERSISTENT, by descending query tile within groups of heads whose K and V
//     fit in L2 together (a group of query heads sharing one KV head counts its K and V once),
//     odd rounds of the grid taken backwards).
//   Rows that see fewer than FEW_KEYS keys: P's e4m3 rounding does not average out over a few
//     keys, so a warpgroup holding such a row adds (p - e4m3(p)) V, a second P V over the
//     rounding residual, on its key tiles below FEW_KEYS.
//   OVERLAP: Q K^T of tile j + 1 is issued together with P V of tile j, and the softmax of tile
//     j + 1 runs while P V of tile j is on the tensor cores (FA3's intra-warpgroup pipelining);
//     P is packed after P V of tile j has landed (consume_overlapped says what ptxas needs),
//     or, with P_BUFFERS = 2, into a second set of registers as its exponentials come, while
//     P V of tile j still reads the first; then only a rescale of O waits for P V. With one
//     P buffer and exponential turns, PACK = "turn" packs P inside the turn, among the
//     exponentials (the wait for P V opens the turn) instead of after it.
//   PINGPONG (two consumers): named barriers make the consumers take turns, so that one's
//     softmax overlaps the other's other work. TURN says what a turn is: "wgmma", one issue of
//     wgmmas (the softmax overlaps the other's tensor-core work); "exp", one tile's
//     exponentials (at D 128 the MUFU unit needs as many cycles per tile as the tensor cores, so
//     one consumer's exponentials run under the other's row max, packing and wgmma issue).
//     setmaxnreg moves registers from the producer (PRODUCER_REGS) to the consumers
//     (CONSUMER_REGS) when there are two or three.
//   ARRIVE = "warp": mbarrier releases are one arrival per warp (after __syncwarp) instead of one
//     per thread.
//   KEY_WARPGROUPS = 2: after its last tile, consumer 1 writes its unnormalized O, m and l to
//     shared memory (over the K/V rings, free once both consumers are done), in its own
//     accumulator order; consumer 0 reads the same thread's values, merges them with its own
//     (O = 2^(m0 - M) O0 + 2^(m1 - M) O1, l likewise, M = max(m0, m1)) and stores O. A consumer
//     without tiles has m = -inf and contributes nothing.
//   KV_SPLITS > 1 (one consumer): the KV_SPLITS CTAs of a cluster share one query tile; CTA z
//     takes a contiguous share of the key tiles (possibly none), and at the end each writes its
//     unnormalized O, row max m and row sum l to its shared memory (over the K/V rings). After a
//     cluster barrier, CTA z merges rows z * 64 / KV_SPLITS .. of all the CTAs' states, read
//     through distributed shared memory: O = v_descale * sum_k 2^(m_k - M) O_k / sum_k 2^(m_k - M) l_k
//     with M = max_k m_k; a second cluster barrier keeps every CTA's shared memory alive until
//     the others have read it.
//   ROWSUM = "late": the softmax's row sums are added after P is packed (after the wait for P
//     V and the rescale's branch, in a basic block of their own) instead of one FADD after each
//     exponential: ptxas spaces a tile's MUFU.EX2 8 cycles apart and puts each FADD one
//     exponential behind, so with the MUFU unit's latency of about 18 cycles every FADD waits.
//   TRANSPOSE = "ldsm": the producer transposes V with ldmatrix.trans / stmatrix on pairs of bytes
//     and byte permutes (transpose_v_ldsm) instead of 4-byte loads and stores.
//   WAIT = "suspend": mbarrier waits give try_wait a suspend-time hint.
//   RESCALE = "lazy": O is rescaled only on tiles where some row max of the warp grew by more
//     than half a binade (log2 units; a warp vote), the old max standing in otherwise (p < 2^8.5
//     stays inside e4m3; the max cancels in O / l).
//   PERSISTENT (one key warpgroup, no key splits): a grid of at most SM_COUNT CTAs, each taking
//     query tiles (items) blockIdx.x, + gridDim.x, ... of all heads; the K/V and V^T rings and
//     their parities run on across items, Q is reloaded once the consumers release it (q_empty),
//     and a tile's output store overlaps the next tile's loads.
//   Q_RELEASE (PERSISTENT): when a consumer releases its item's Q: "item" once it is done with
//     the item (after its last P V), "scores" as soon as the item's last scores land (the next
//     Q then loads under the last softmax, P V and store; a compare per key tile).
//
// KEY ORDER (P to RS A fragments without shuffles)
//   wgmma accumulator i of a thread (lane = 4g + q, warp w of the warpgroup): row 16w + g +
//   8((i >> 1) & 1), column 8(i >> 2) + 2q + (i & 1). RS A fragment (8-bit), register r, byte j:
//   row 16w + g + 8(r & 1), k = 16(r >> 1) + 4q + j. Inside each 16 keys, A's k index 4q + j
//   stands for key 2q + (j & 1) + 8(j >> 1); then P packs straight from the accumulators and
//   V^T stores position 16G + 4q + j <- key 16G + 2q + (j & 1) + 8(j >> 1).
//
// SHARED MEMORY (offsets from the dynamic base rounded up to 1024 B)
//   [Q: BLOCK_M * D_PAD] [K ring: STAGES * BLOCK_N * D_PAD] [V ring: same]
//   [V^T ring: VT_STAGES * D_PAD * BLOCK_N] [mbarriers: 8 B each]
//   KEY_WARPGROUPS = 2: after the key loop, the region from the K ring on holds consumer 1's
//   state: float [O_REGS + 4][128] (O accumulators, then m[2], l[2]; thread t at column t).
//   KV_SPLITS > 1: after the key loop, the region from the K ring on holds the partial state:
//   [O: BLOCK_M rows of D_PAD + 2 floats] [m: BLOCK_M floats] [l: BLOCK_M floats]; the rings
//   grow to that size if they are smaller.
//   A tile of R rows and C bytes per row is stored as C / W column chunks of R rows x W bytes,
//   each swizzled with the W-byte pattern (W = SWIZZLE for Q/K/V as TMA writes them, VT_SWIZZLE
//   for V^T as the producer writes it); every chunk starts on a multiple of 1024 B.
//
// TEMPLATE VARIABLES
//   KERNEL, BLOCK_M (64 * row groups), BLOCK_N, STAGES, VT_STAGES, SWIZZLE, VT_SWIZZLE, PINGPONG,
//   OVERLAP (issue Q K^T of tile j + 1 with P V of tile j), ARRIVE ("thread" or "warp"),
//   PRODUCER_REGS, CONSUMER_REGS (0: no setmaxnreg), D_PAD, S_REGS = BLOCK_N / 2,
//   O_REGS = D_PAD / 2, THREADS, SMEM_BYTES, KV_SPLITS, KEY_WARPGROUPS (1 when absent),
//   TRANSPOSE ("bytes" or "ldsm"), WAIT ("spin" or "suspend"), RESCALE ("always" or "lazy";
//   "always" when absent), PERSISTENT (false when absent), TURN ("wgmma" or "exp"; "wgmma"
//   when absent), CAUSAL (the problem's mask; false when absent), P_BUFFERS (1 or 2; 1 when
//   absent), ROWSUM ("inline" or "late"; "inline" when absent), PACK ("after" or "turn"; "after"
//   when absent), Q_RELEASE ("item" or "scores"; "item" when absent).

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

struct __align__(64) CUtensorMap {
    u64 opaque[16];
};

namespace cfg {
constexpr int BLOCK_M = 128;
constexpr int BLOCK_N = 192;
constexpr int STAGES = 2;
constexpr int VT_STAGES = 2;
constexpr int SW = 128;
constexpr int VT_SW = 32;
constexpr bool PINGPONG = true;
// What a ping-pong turn covers (TURN): the issue of the wgmmas, or the softmax's exponentials.
constexpr bool TURN_EXP = PINGPONG && true;
constexpr bool OVERLAP = true;
// P_BUFFERS (OVERLAP): 1, P of the next tile is packed once P V of this tile has landed; 2, it is
// packed into a second set of registers right after its softmax, while P V still reads the
// first, and only a rescale of O waits for P V.
constexpr int P_BUFFERS = 1;
// PACK (OVERLAP, one P buffer, exponential turns): "after", the next tile's P is packed after its
// turn; "turn", inside it, among its exponentials (the wait for P V opens the turn).
constexpr bool PACK_IN_TURN = OVERLAP && TURN_EXP && P_BUFFERS == 1 &&
                              false;
constexpr bool ARRIVE_PER_WARP = false;
constexpr int PRODUCER_REGS = 40;
constexpr int CONSUMER_REGS = 232;
constexpr int D_PAD = 128;
constexpr int THREADS = 384;
constexpr int SMEM_BYTES = 164944;
constexpr int S_REGS = 96;
constexpr int O_REGS = 64;
constexpr int KV_SPLITS = 1;
constexpr int KEY_WGS = 1;
constexpr bool TRANSPOSE_LDSM = true;
// ROWSUM: the row sums with the exponentials (false) or after P is packed (true).
constexpr bool ROWSUM_LATE = false;
// TAIL_KEYS (OVERLAP, one P buffer, not causal): an item's last key tile runs as a tile of
// TAIL_KEYS keys (Q K^T of m64nTAIL_KEYS, its softmax and packing, P V of TAIL_KEYS / 32 steps)
// when the keys end inside them; 0: every tile has BLOCK_N keys.
constexpr int TAIL_KEYS = 0;
constexpr bool PERSISTENT = true;
// Q_RELEASE "scores": a persistent consumer releases Q once its item's last scores have landed.
constexpr bool Q_EARLY = PERSISTENT && false;
constexpr bool CAUSAL = false;
// PERSISTENT and CAUSAL: the heads of one longest-first group share L2 for their K and V.
constexpr long long LPT_L2_BYTES = 24ll << 20;
// RESCALE: "always" rescales O on every tile; "lazy" keeps the old max while no row of the warp
// grew by more than RESCALE_SLACK (log2 units), so p stays below 2^(8 + slack) < 448, e4m3's
// largest, and O / l is unchanged (the max cancels).
constexpr bool RESCALE_LAZY = true;
constexpr float RESCALE_SLACK = 0.5f;
// Rows that see fewer than FEW_KEYS keys: P's e4m3 rounding (up to 2^-4 of each weight) is not
// averaged away over a few keys, so a warpgroup holding such a row also adds (p - e4m3(p)) V on
// its key tiles below FEW_KEYS (a second P V over the rounding residual). Only the first key
// tiles of the first query tiles of a causal problem, or every tile of a problem with fewer keys,
// pay for it.
constexpr int FEW_KEYS = 128;
constexpr bool WAIT_SUSPEND = true;
// try_wait's suspend-time hint (ns): an upper bound on one sleep, the phase's completion ends it sooner.
constexpr unsigned WAIT_HINT_NS = 0x989680;

// Consumers sharing a K/V tile (one per 64 query rows), and consumers in all: each row group
// has KEY_WGS consumers taking alternate key tiles.
constexpr int ROW_GROUPS = BLOCK_M / 64;
constexpr int NUM_CONSUMERS = ROW_GROUPS * KEY_WGS;
constexpr int CONSUMER_THREADS = 128 * NUM_CONSUMERS;
constexpr int KD_STEPS = D_PAD / 32;  // k32 steps of Q K^T
constexpr int KN_STEPS = BLOCK_N / 32;  // k32 steps of P V
constexpr int D_TILES = D_PAD / 8;      // 8-column groups of O

constexpr int Q_BYTES = BLOCK_M * D_PAD;
constexpr int KV_BYTES = BLOCK_N * D_PAD;
constexpr int OFF_Q = 0;
constexpr int OFF_K = OFF_Q + Q_BYTES;
constexpr int OFF_V = OFF_K + STAGES * KV_BYTES;
constexpr int OFF_VT = OFF_V + STAGES * KV_BYTES;
constexpr int RING_BYTES = (2 * STAGES + VT_STAGES) * KV_BYTES;
// Partial state of a split: O rows padded by 2 floats (fewer bank conflicts), then m and l.
constexpr int PART_PITCH = D_PAD + 2;
constexpr int OFF_PART_O = OFF_K;
constexpr int OFF_PART_M = OFF_PART_O + 4 * BLOCK_M * PART_PITCH;
constexpr int OFF_PART_L = OFF_PART_M + 4 * BLOCK_M;
// A key warpgroup's state: O_REGS accumulators and m[2], l[2] per consumer thread.
constexpr int KEY_PART_FLOATS = O_REGS + 4;
constexpr int PART_BYTES = KV_SPLITS > 1 ? 4 * BLOCK_M * (PART_PITCH + 2)
                           : (KEY_WGS > 1 ? 4 * 128 * KEY_PART_FLOATS * (KEY_WGS - 1) : 0);
constexpr int OFF_BAR = OFF_K + (RING_BYTES > PART_BYTES ? RING_BYTES : PART_BYTES);
// mbarriers: q_full, q_empty, kv_full[STAGES], kv_empty[STAGES], vt_full[VT_STAGES],
// vt_empty[VT_STAGES].
constexpr int BAR_Q = 0;
constexpr int BAR_Q_EMPTY = 1;
constexpr int BAR_KV_FULL = 2;
constexpr int BAR_KV_EMPTY = BAR_KV_FULL + STAGES;
constexpr int BAR_VT_FULL = BAR_KV_EMPTY + STAGES;
constexpr int BAR_VT_EMPTY = BAR_VT_FULL + VT_STAGES;
constexpr int NUM_BARS = BAR_VT_EMPTY + VT_STAGES;
constexpr int SMEM_TOTAL = 1024 + OFF_BAR + 8 * NUM_BARS;
// Arrivals per phase from 128 threads: each thread, or lane 0 of each warp after __syncwarp.
constexpr int ARRIVALS_128 = ARRIVE_PER_WARP ? 4 : 128;
// Named barriers (0 is __syncthreads): ping-pong, consumer c waits on PP_BAR + c; the key
// warpgroups' merge uses MERGE_BAR and MERGE_BAR + 1.
constexpr int PP_BAR = 1;
constexpr int MERGE_BAR = 3;

static_assert(SMEM_TOTAL == SMEM_BYTES, "SMEM_BYTES in the space disagrees with the kernel's layout");
static_assert(THREADS == 128 + CONSUMER_THREADS, "THREADS disagrees with BLOCK_M and KEY_WARPGROUPS");
static_assert(BLOCK_M == 64 || BLOCK_M == 128 || BLOCK_M == 192, "one to three consumer warpgroups of 64 rows");
static_assert(BLOCK_N % 32 == 0 && BLOCK_N <= 256, "BLOCK_N: k32 steps, TMA box <= 256 rows");
static_assert(D_PAD % 32 == 0 && D_PAD <= 256, "D_PAD");
static_assert(D_PAD % SW == 0 && BLOCK_N % VT_SW == 0, "tiles are whole swizzle chunks");
static_assert(SW == 32 || SW == 64 || SW == 128, "swizzle");
static_assert(VT_SW == 32 || VT_SW == 64 || VT_SW == 128, "V^T swizzle");
static_assert(S_REGS == BLOCK_N / 2 && O_REGS == D_PAD / 2, "accumulator counts");
static_assert(STAGES >= 1 && VT_STAGES >= 1, "ring depths");
// (With CAUSAL, where each item's last tile would be narrowed or not at run time, ptxas serializes
// every wgmma of the kernel for want of registers: its C7511.)
static_assert(TAIL_KEYS == 0 || (OVERLAP && P_BUFFERS == 1 && KEY_WGS == 1 && KV_SPLITS == 1 && !CAUSAL &&
                                 TAIL_KEYS % 32 == 0 && TAIL_KEYS < BLOCK_N),
              "a narrow last tile: whole k32 steps, narrower than BLOCK_N, in the one-buffer overlapped loop, not causal");
// A tile's V^T buffer is released one step late with two P buffers: the next tile needs another.
static_assert(P_BUFFERS == 1 || (P_BUFFERS == 2 && OVERLAP && KEY_WGS == 1 && VT_STAGES >= 2),
              "two P buffers: OVERLAP, one key warpgroup, two V^T buffers");
static_assert(!PINGPONG || (ROW_GROUPS == 2 && KEY_WGS == 1), "ping-pong needs two row groups");
static_assert(KEY_WGS == 1 || (KEY_WGS == 2 && ROW_GROUPS == 1 && KV_SPLITS == 1 && CONSUMER_REGS == 0),
              "key warpgroups: two, sharing one 64-row tile, without key splits or setmaxnreg");
// A parity wait tells only two phases apart: a consumer that waits for a stage's next phase
// while the current one is still open would pass at once. So every stage of both rings must be
// waited on by one consumer only (stage s by consumer s % KEY_WGS): ring depths are multiples of
// KEY_WGS.
static_assert(STAGES % KEY_WGS == 0 && VT_STAGES % KEY_WGS == 0,
              "key warpgroups: each ring stage belongs to one consumer");
static_assert(KV_SPLITS == 1 || (NUM_CONSUMERS == 1 && CONSUMER_REGS == 0 && KV_SPLITS <= 8),
              "key splits: one consumer, no setmaxnreg, a portable cluster size");
static_assert(!PERSISTENT || (KV_SPLITS == 1 && KEY_WGS == 1),
              "persistent: the rings carry on from one query tile to the next, so no state is merged over them");
static_assert(CONSUMER_REGS == 0 || (PRODUCER_REGS + NUM_CONSUMERS * CONSUMER_REGS) * 128 <= 65536,
              "setmaxnreg: the warpgroups' registers fit the register file");
}  // namespace cfg

// ---------------------------------------------------------------------------------------------
// Shared memory addressing and swizzles (PTX ISA: wgmma "Shared Memory Matrix Layout", swizzling modes)
// ---------------------------------------------------------------------------------------------

__device__ __forceinline__ u32 smem_addr(const void* p) {
    return static_cast<u32>(__cvta_generic_to_shared(p));
}

// The W-byte swizzle on an offset from a 1024-aligned base: the 16-byte chunk index (bits 4..)
// is XORed with the row inside the pattern (bits 7..).
template <int W>
__device__ __forceinline__ u32 swizzle(u32 off) {
    if constexpr (W == 128) return off ^ ((off >> 3) & 0x70);
    else if constexpr (W == 64) return off ^ ((off >> 3) & 0x30);
    else return off ^ ((off >> 3) & 0x10);
}

// Byte offset of (row, col) in a tile of ROWS rows stored as W-byte column chunks.
template <int W, int ROWS>
__device__ __forceinline__ u32 tile_offset(int row, int col) {
    return (col / W) * (ROWS * W) + swizzle<W>(row * W + col % W);
}

// wgmma shared-memory descriptor of a K-major W-swizzled operand starting at `addr`
// (PTX ISA: wgmma "Matrix Descriptor Format"): LBO unused (1), SBO = 8 rows of W bytes, layout
// 1/2/3 = 128/64/32 B.
// Shared-window addresses are below 2^18, so addr >> 4 fits the 14-bit start field as it is, and
// a step's descriptor is the tile's plus the step's offset >> 4 (one add).
template <int W>
__device__ __forceinline__ u64 make_desc(u32 addr) {
    constexpr u64 layout = W == 128 ? 1 : (W == 64 ? 2 : 3);
    constexpr u64 high = ((u64)1 << 16) | ((u64)((8 * W) >> 4) << 32) | (layout << 62);
    return (u64)(addr >> 4) | high;
}

// Descriptor of k32 step `kk` of a K-major tile of ROWS rows (chunks of W bytes).
template <int W, int ROWS>
__device__ __forceinline__ u64 step_desc(u64 tile_desc, int kk) {
    return tile_desc + (u64)(((32 * kk / W) * (ROWS * W) + (32 * kk) % W) >> 4);
}

// ---------------------------------------------------------------------------------------------
// mbarriers and named barriers (PTX ISA: "mbarrier", "bar")
// ---------------------------------------------------------------------------------------------

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

// Waits (acquire at CTA scope) until the phase with `parity` has completed, re-issuing try_wait
// (the hardware suspends each try for its own limit).
__device__ __forceinline__ void mbar_wait_spin(u32 bar, u32 parity) {
    asm volatile(
        "{\n"
        ".reg .pred done;\n"
        "WAIT_LOOP:\n"
        "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
        "@!done bra WAIT_LOOP;\n"
        "}\n" ::"r"(bar), "r"(parity)
        : "memory");
}

// The same with a suspend-time hint (ns): a waiting warp sleeps until the phase completes or the
// hint runs out, instead of re-issuing the test.
__device__ __forceinline__ void mbar_wait_hinted(u32 bar, u32 parity, u32 hint_ns) {
    asm volatile(
        "{\n"
        ".reg .pred done;\n"
        "WAIT_LOOP:\n"
        "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1, %2;\n"
        "@!done bra WAIT_LOOP;\n"
        "}\n" ::"r"(bar), "r"(parity), "r"(hint_ns)
        : "memory");
}

__device__ __forceinline__ void named_barrier_sync(int id, int threads) {
    asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

__device__ __forceinline__ void named_barrier_arrive(int id, int threads) {
    asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

// ---------------------------------------------------------------------------------------------
// Releases, waits, TMA, fences (PTX ISA: "mbarrier", "cp.async.bulk.tensor", "fence")
// ---------------------------------------------------------------------------------------------

// This thread's part of a release: its own arrival, or (ARRIVE_PER_WARP) one per warp after the
// warp's earlier accesses are ordered before lane 0's arrival.
__device__ __forceinline__ void release(u32 bar) {
    if constexpr (cfg::ARRIVE_PER_WARP) {
        __syncwarp();
        if ((threadIdx.x & 31) == 0) mbar_arrive(bar);
    } else {
        mbar_arrive(bar);
    }
}

__device__ __forceinline__ void mbar_expect_tx(u32 bar, u32 bytes) {
    asm volatile(
        "{\n"
        ".reg .b64 state;\n"
        "mbarrier.arrive.expect_tx.shared::cta.b64 state, [%0], %1;\n"
        "}\n" ::"r"(bar), "r"(bytes)
        : "memory");
}

// Waits until the phase with `parity` has completed. WAIT = "suspend" passes try_wait a time
// hint, so a waiting warp sleeps until the phase completes (or the hint runs out) instead of
// re-issuing the test; "spin" leaves the suspension to the hardware's own limit.
__device__ __forceinline__ void mbar_wait(u32 bar, u32 parity) {
    if constexpr (cfg::WAIT_SUSPEND) {
        mbar_wait_hinted(bar, parity, cfg::WAIT_HINT_NS);
    } else {
        mbar_wait_spin(bar, parity);
    }
}

// One TMA box of a rank-3 map into shared memory, completing on `bar`.
__device__ __forceinline__ void tma_load(u32 dst, const CUtensorMap* map, u32 bar, int c0, int c1, int c2) {
    asm volatile(
        "cp.async.bulk.tensor.3d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, { %3, %4, %5 }], [%2];\n"
        ::"r"(dst), "l"(reinterpret_cast<u64>(map)), "r"(bar), "r"(c0), "r"(c1), "r"(c2)
        : "memory");
}

__device__ __forceinline__ void prefetch_map(const CUtensorMap* map) {
    asm volatile("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<u64>(map)) : "memory");
}

// Generic-proxy shared-memory writes become visible to the async proxy (wgmma operand reads).
__device__ __forceinline__ void fence_proxy_async() {
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}

// ---------------------------------------------------------------------------------------------
// wgmma (PTX ISA: "Asynchronous Warpgroup Level Matrix Multiply-Accumulate Instructions")
// ---------------------------------------------------------------------------------------------

__device__ __forceinline__ void wgmma_fence() {
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}

__device__ __forceinline__ void wgmma_commit() {
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}

template <int N>
__device__ __forceinline__ void wgmma_wait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

// Keeps the compiler from moving accumulator accesses across wgmma issue and wait.
template <int N>
__device__ __forceinline__ void fence_regs(float (&r)[N]) {
#pragma unroll
    for (int i = 0; i < N; ++i) asm volatile("" : "+f"(r[i])::"memory");
}

// Keeps P's registers (an RS wgmma's A operand, read while the wgmma runs) live until the wait
// after it, so that the compiler does not give them to the next tile's P in the meantime.
template <int N>
__device__ __forceinline__ void fence_frags(u32 (&a)[N][4]) {
#pragma unroll
    for (int i = 0; i < N; ++i)
#pragma unroll
        for (int r = 0; r < 4; ++r) asm volatile("" : "+r"(a[i][r])::"memory");
}

// S (64 x BLOCK_N, f32) (+)= Q (64 x 32, smem) K^T (32 x BLOCK_N, smem); scale_d = 0 overwrites.
__device__ __forceinline__ void wgmma_qk(float (&d)[cfg::S_REGS], u64 desc_a, u64 desc_b, int scale_d) {
    asm volatile(
        "{\n"
        ".reg .pred p;\n"
        "setp.ne.b32 p, %98, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n192k32.f32.e4m3.e4m3 "
        "{ %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, %64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95 }, "
        "%96, %97, p, 1, 1;\n"
        "}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]), "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95])
        : "l"(desc_a), "l"(desc_b), "r"(scale_d));
}

// O (64 x D_PAD, f32) += P (64 x 32, registers) V (32 x D_PAD, from V^T in smem).
__device__ __forceinline__ void wgmma_pv(float (&d)[cfg::O_REGS], const u32 (&a)[4], u64 desc_b) {
    asm volatile(
        "{\n"
        ".reg .pred p;\n"
        "setp.ne.b32 p, %69, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3 "
        "{ %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63 }, "
        "{ %64, %65, %66, %67 }, "
        "%68, p, 1, 1;\n"
        "}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc_b), "r"(1));
}

// ---------------------------------------------------------------------------------------------
// Numerics
// ---------------------------------------------------------------------------------------------

__device__ __forceinline__ float neg_inf() {
    return __int_as_float(0xff800000);
}

__device__ __forceinline__ float exp2_approx(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
    return y;
}

// An e4m3 pair (x0 in the low byte, as pack_e4m3x4 writes it) back to two floats.
__device__ __forceinline__ float2 unpack_e4m3x2(u16 pair) {
    float2 out;
    asm("{\n"
        ".reg .b32 h2;\n"
        ".reg .f16 lo, hi;\n"
        "cvt.rn.f16x2.e4m3x2 h2, %2;\n"
        "mov.b32 { lo, hi }, h2;\n"
        "cvt.f32.f16 %0, lo;\n"
        "cvt.f32.f16 %1, hi;\n"
        "}\n"
        : "=f"(out.x), "=f"(out.y)
        : "h"(pair));
    return out;
}

// Four floats to e4m3 (saturating), x0 in the lowest byte. cvt puts its first source in the
// high byte of the pair.
__device__ __forceinline__ u32 pack_e4m3x4(float x0, float x1, float x2, float x3) {
    u32 out;
    asm("{\n"
        ".reg .b16 lo, hi;\n"
        "cvt.rn.satfinite.e4m3x2.f32 lo, %2, %1;\n"
        "cvt.rn.satfinite.e4m3x2.f32 hi, %4, %3;\n"
        "mov.b32 %0, { lo, hi };\n"
        "}\n"
        : "=r"(out)
        : "f"(x0), "f"(x1), "f"(x2), "f"(x3));
    return out;
}

__device__ __forceinline__ u16 to_f16(float x) {
    u16 h;
    asm("cvt.rn.f16.f32 %0, %1;\n" : "=h"(h) : "f"(x));
    return h;
}

__device__ __forceinline__ u32 pack_f16x2(float lo, float hi) {
    return (u32)to_f16(lo) | ((u32)to_f16(hi) << 16);
}

// ---------------------------------------------------------------------------------------------
// Producer warpgroup
// ---------------------------------------------------------------------------------------------

struct Maps {
    const CUtensorMap* q;
    const CUtensorMap* k;
    const CUtensorMap* v;
};

// This CTA's work: items i = 0 .. count - 1, each a query tile of one head with the key tiles
// j0 .. j0 + n_tiles(i) - 1. Without PERSISTENT one item, from blockIdx (z: the key split); with
// it, the items blockIdx.x, blockIdx.x + gridDim.x, ... of all heads: in head-major order (the
// CTAs running at once share a head's K and V through L2), every key tile each; with CAUSAL
// longest first (see item_of).
struct Work {
    int count, m_blocks, heads, j0, split_tiles;
    int offset, tiles, group, lpt_heads;

    // PERSISTENT: the CTA's item i is position blockIdx.x of round i of the grid's items; with
    // CAUSAL odd rounds run backwards (a snake), so that the CTA that took the longest item of one
    // round takes the shortest of the next and the longest-first order does not pile the long
    // items onto the first CTAs.
    __device__ __forceinline__ int tile(int i) const {
        const int pos = cfg::CAUSAL && (i & 1) ? (int)gridDim.x - 1 - (int)blockIdx.x : (int)blockIdx.x;
        return pos + i * gridDim.x;
    }
    // CAUSAL and PERSISTENT: item t of the grid in groups of lpt_heads heads (the last group may
    // be smaller); inside a group, query tiles from the last (the longest) down, heads fastest.
    __device__ __forceinline__ int2 lpt_item(int t) const {
        const int span = lpt_heads * m_blocks;
        const int h0 = t / span * lpt_heads, r = t % span;
        const int n = min(lpt_heads, heads - h0);
        return make_int2(m_blocks - 1 - r / n, h0 + r % n);
    }
    // (query tile, head) of item i.
    __device__ __forceinline__ int2 item_of(int i) const {
        using namespace cfg;
        if constexpr (PERSISTENT && CAUSAL) return lpt_item(tile(i));
        else if constexpr (PERSISTENT) return make_int2(tile(i) % m_blocks, tile(i) / m_blocks);
        else if constexpr (CAUSAL) return make_int2(m_blocks - 1 - (int)blockIdx.x, blockIdx.y);
        else return make_int2(blockIdx.x, blockIdx.y);
    }
    __device__ __forceinline__ int m0(int i) const { return item_of(i).x * cfg::BLOCK_M; }
    __device__ __forceinline__ int head(int i) const { return item_of(i).y; }
    __device__ __forceinline__ int kv_head(int i) const { return head(i) / group; }
    // Key tiles of item i: all of them, or with CAUSAL up to the tile holding the diagonal of the
    // query tile's last row; with KV_SPLITS this CTA's share.
    __device__ __forceinline__ int n_tiles(int i) const {
        using namespace cfg;
        if constexpr (KV_SPLITS > 1) return split_tiles;
        if constexpr (CAUSAL) return min(tiles, (m0(i) + BLOCK_M + offset + BLOCK_N - 1) / BLOCK_N);
        return tiles;
    }
};

__device__ __forceinline__ Work make_work(int S, int S_kv, int heads, int group) {
    using namespace cfg;
    Work w;
    w.offset = S_kv - S;
    w.group = group;
    w.heads = heads;
    w.m_blocks = (S + BLOCK_M - 1) / BLOCK_M;
    w.tiles = (S_kv + BLOCK_N - 1) / BLOCK_N;
    // K and V of one KV head; the `group` query heads that share them count them once.
    const long long kv_head_bytes = 2ll * S_kv * D_PAD;
    w.lpt_heads = (int)max(1ll, min((long long)heads, LPT_L2_BYTES * group / kv_head_bytes));
    w.j0 = 0;
    w.split_tiles = 0;
    if constexpr (PERSISTENT) {
        const int total = w.m_blocks * heads;
        if constexpr (CAUSAL) {
            // Whole rounds, and one more where this CTA's position in the (snake's) last round
            // is an item.
            const int rounds = total / (int)gridDim.x;
            const int last_pos = rounds & 1 ? (int)gridDim.x - 1 - (int)blockIdx.x : (int)blockIdx.x;
            w.count = rounds + (last_pos < total % (int)gridDim.x ? 1 : 0);
        } else {
            w.count = (int)blockIdx.x < total ? (total - (int)blockIdx.x + (int)gridDim.x - 1) / (int)gridDim.x : 0;
        }
    } else {
        w.count = 1;
        if constexpr (KV_SPLITS > 1) {
            // A contiguous share of the query tile's key tiles for key split blockIdx.z (possibly empty).
            const int tiles = CAUSAL ? min(w.tiles, (w.m0(0) + BLOCK_M + w.offset + BLOCK_N - 1) / BLOCK_N) : w.tiles;
            const int share = (tiles + KV_SPLITS - 1) / KV_SPLITS;
            w.j0 = min(tiles, (int)blockIdx.z * share);
            w.split_tiles = min(tiles, w.j0 + share) - w.j0;
        }
    }
    return w;
}

// A position in the producer's sequence of key tiles: tile j of item i, which has n tiles and
// reads kv head kv (both worked out once per item, not per tile); g counts them all (it picks
// the ring stage and the lap parity). Only a persistent CTA has more than one item, and each of
// its items has tiles; a CTA's one item may have none (a key split without a share): then there
// is nothing to do.
struct Cursor {
    int g, i, j, n, kv;

    __device__ __forceinline__ static Cursor start(const Work& w) {
        const int n = w.count > 0 ? w.n_tiles(0) : 0;
        return Cursor{0, n > 0 ? 0 : w.count, 0, n, w.kv_head(0)};
    }
    // Without PERSISTENT the count is 1, said so to the compiler.
    __device__ __forceinline__ bool done(const Work& w) const { return i >= (cfg::PERSISTENT ? w.count : 1); }
    __device__ __forceinline__ void advance(const Work& w) {
        ++g;
        if (++j == n) {
            j = 0;
            ++i;
            if constexpr (cfg::PERSISTENT) {
                if (i < w.count) {
                    n = w.n_tiles(i);
                    kv = w.kv_head(i);
                }
            }
        }
    }
};

// Thread 0: item i's query tile into Q, completing on q_full.
__device__ __forceinline__ void issue_q(const Maps& maps, u32 base, u32 bars, const Work& work, int i) {
    using namespace cfg;
    const u32 qbar = bars + 8 * BAR_Q;
    mbar_expect_tx(qbar, Q_BYTES);
#pragma unroll
    for (int c = 0; c < D_PAD / SW; ++c)
        tma_load(base + OFF_Q + c * BLOCK_M * SW, maps.q, qbar, c * SW, work.m0(i), work.head(i));
}

// Thread 0: K and V tile `at` into stage at.g % STAGES, completing on kv_full of that stage.
__device__ __forceinline__ void issue_kv(const Maps& maps, u32 base, u32 bars, const Work& work, Cursor at) {
    using namespace cfg;
    const int stage = at.g % STAGES;
    const u32 full = bars + 8 * (BAR_KV_FULL + stage);
    const int key = (work.j0 + at.j) * BLOCK_N;
    const int head = at.kv;
    mbar_expect_tx(full, 2 * KV_BYTES);
#pragma unroll
    for (int c = 0; c < D_PAD / SW; ++c) {
        const u32 off = c * BLOCK_N * SW;
        tma_load(base + OFF_K + stage * KV_BYTES + off, maps.k, full, c * SW, key, head);
        tma_load(base + OFF_V + stage * KV_BYTES + off, maps.v, full, c * SW, key, head);
    }
}

// V ([key][d], TMA layout) to V^T ([d][position], K-major) in the key order of the header. One
// item: keys 16G + 2q + {0, 1, 8, 9} at columns 4e..4e+3 -> rows 4e..4e+3 at positions
// 16G + 4q .. 16G + 4q + 3; four 4-byte loads, eight byte permutes, four 4-byte stores.
__device__ __forceinline__ void transpose_v(const u8* v, u8* vt, int t) {
    using namespace cfg;
    constexpr int GROUPS = BLOCK_N / 4;  // (G, q) pairs
    constexpr int ITEMS = GROUPS * (D_PAD / 4);
#pragma unroll 4
    for (int item = t; item < ITEMS; item += 128) {
        const int gq = item % GROUPS;
        const int e = item / GROUPS;
        const int key = 16 * (gq >> 2) + 2 * (gq & 3);
        const int col = 4 * e;
        const u32 a = *reinterpret_cast<const u32*>(v + tile_offset<SW, BLOCK_N>(key, col));
        const u32 b = *reinterpret_cast<const u32*>(v + tile_offset<SW, BLOCK_N>(key + 1, col));
        const u32 c = *reinterpret_cast<const u32*>(v + tile_offset<SW, BLOCK_N>(key + 8, col));
        const u32 d = *reinterpret_cast<const u32*>(v + tile_offset<SW, BLOCK_N>(key + 9, col));
        const u32 ab_lo = __byte_perm(a, b, 0x5140);  // a0 b0 a1 b1
        const u32 ab_hi = __byte_perm(a, b, 0x7362);  // a2 b2 a3 b3
        const u32 cd_lo = __byte_perm(c, d, 0x5140);
        const u32 cd_hi = __byte_perm(c, d, 0x7362);
        const int pos = 4 * gq;
        *reinterpret_cast<u32*>(vt + tile_offset<VT_SW, D_PAD>(col, pos)) = __byte_perm(ab_lo, cd_lo, 0x5410);
        *reinterpret_cast<u32*>(vt + tile_offset<VT_SW, D_PAD>(col + 1, pos)) = __byte_perm(ab_lo, cd_lo, 0x7632);
        *reinterpret_cast<u32*>(vt + tile_offset<VT_SW, D_PAD>(col + 2, pos)) = __byte_perm(ab_hi, cd_hi, 0x5410);
        *reinterpret_cast<u32*>(vt + tile_offset<VT_SW, D_PAD>(col + 3, pos)) = __byte_perm(ab_hi, cd_hi, 0x7632);
    }
}

__device__ __forceinline__ void ldsm_x4_trans(u32 addr, u32 (&r)[4]) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 { %0, %1, %2, %3 }, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr)
                 : "memory");
}

__device__ __forceinline__ void stsm_x4(u32 addr, const u32 (&r)[4]) {
    asm volatile("stmatrix.sync.aligned.m8n8.x4.shared.b16 [%0], { %1, %2, %3, %4 };\n" ::"r"(addr), "r"(r[0]),
                 "r"(r[1]), "r"(r[2]), "r"(r[3])
                 : "memory");
}

// TRANSPOSE = "ldsm": the same V -> V^T with 8x8 matrices of 16-bit elements (pairs of d bytes).
// One unit, keys 16G .. 16G + 15 by d bytes 32p .. 32p + 31, is one ldmatrix.x4.trans, four byte
// permutes and one stmatrix.x4. Lane l addresses row l & 7 of matrix l >> 3:
//   loads:  matrix i holds keys 16G + 8(i & 1) .. + 7, d bytes 32p + 16(i >> 1) .. + 15; after
//           .trans, lane 4g + q has keys 2q, 2q + 1 of the half at d bytes 2g, 2g + 1 of the chunk;
//   stores: matrix i holds V^T rows d = 32p + 16(i >> 1) + 2r + (i & 1), r = 0..7, positions
//           16G .. 16G + 15; lane 4g + q gives row r = g its positions 4q .. 4q + 3, which are keys
//           2q, 2q + 1, 2q + 8, 2q + 9 (KEY ORDER): bytes 0 and 2 (even d) or 1 and 3 (odd d) of
//           the low half's word, then the high half's.
// A lane's swizzle XOR depends only on its row modulo 8 (keys and d rows step by 8 per unit), so
// the per-unit address arithmetic is adds of constants. Warp w takes key groups w, w + 4, ...;
// the d chunks of a group go two units at a time, loads before stores, for ILP.
__device__ __forceinline__ void transpose_v_ldsm(u32 v, u32 vt, int t) {
    using namespace cfg;
    constexpr int GROUPS = BLOCK_N / 16;
    constexpr int PAIRS = D_PAD / 32;
    constexpr int BATCH = PAIRS % 2 == 0 ? 2 : 1;
    const int warp = t >> 5, lane = t & 31;
    const int load_key = 8 * ((lane >> 3) & 1) + (lane & 7);
    const int load_col = 16 * (lane >> 4);
    const int store_row = 16 * (lane >> 4) + 2 * (lane & 7) + ((lane >> 3) & 1);
    for (int G = warp; G < GROUPS; G += 4) {
#pragma unroll
        for (int p0 = 0; p0 < PAIRS; p0 += BATCH) {
            u32 r[BATCH][4];
#pragma unroll
            for (int b = 0; b < BATCH; ++b)
                ldsm_x4_trans(v + tile_offset<SW, BLOCK_N>(16 * G + load_key, 32 * (p0 + b) + load_col), r[b]);
#pragma unroll
            for (int b = 0; b < BATCH; ++b) {
                const u32 out[4] = {__byte_perm(r[b][0], r[b][1], 0x6420), __byte_perm(r[b][0], r[b][1], 0x7531),
                                    __byte_perm(r[b][2], r[b][3], 0x6420), __byte_perm(r[b][2], r[b][3], 0x7531)};
                stsm_x4(vt + tile_offset<VT_SW, D_PAD>(32 * (p0 + b) + store_row, 16 * G), out);
            }
        }
    }
}

// Ring protocol (g counts this CTA's key tiles over all its items; stage s = g % R, lap parity
// p = (g / R) & 1, R = STAGES or VT_STAGES):
//   q_full      : thread 0's expect_tx + TMA bytes of item i's Q; consumers wait parity i & 1.
//   q_empty     : one release per consumer warpgroup when it is done with item i's Q; thread 0
//                 waits (parity i & 1) before loading item i + 1's Q (PERSISTENT only).
//   kv_full[s]  : thread 0's expect_tx + TMA bytes; waited by everyone with parity p.
//   kv_empty[s] : 128 producer arrivals (V transposed) + the arrivals of the consumers that take
//                 tile g, one per row group (Q K^T done); thread 0 waits on it (parity p)
//                 before loading tile g + STAGES into stage s.
//   vt_full[t]  : 128 producer arrivals after the transpose and the proxy fence.
//   vt_empty[t] : consumer arrivals after P V; the producer waits (parity p ^ 1, from lap 1 on)
//                 before writing V^T_g into buffer t.
// K/V loads run STAGES tiles ahead, into the next item's tiles too; an item's Q is loaded when
// the producer reaches its first tile, after the consumers have released the last item's.
__device__ __forceinline__ void producer(const Maps& maps, u8* smem, u32 base, u32 bars, const Work& work, int t) {
    using namespace cfg;
    Cursor ahead = Cursor::start(work);
    if (t == 0) {
        prefetch_map(maps.q);
        prefetch_map(maps.k);
        prefetch_map(maps.v);
        if (work.count > 0) issue_q(maps, base, bars, work, 0);
        for (; ahead.g < STAGES && !ahead.done(work); ahead.advance(work)) issue_kv(maps, base, bars, work, ahead);
    }
    for (Cursor at = Cursor::start(work); !at.done(work); at.advance(work)) {
        const int g = at.g;
        const int stage = g % STAGES;
        const int vbuf = g % VT_STAGES;
        if (PERSISTENT && t == 0 && at.j == 0 && at.i > 0) {
            mbar_wait(bars + 8 * BAR_Q_EMPTY, (at.i - 1) & 1);
            issue_q(maps, base, bars, work, at.i);
        }
        mbar_wait(bars + 8 * (BAR_KV_FULL + stage), (g / STAGES) & 1);
        if (g >= VT_STAGES) mbar_wait(bars + 8 * (BAR_VT_EMPTY + vbuf), ((g / VT_STAGES) & 1) ^ 1);
        if constexpr (TRANSPOSE_LDSM)
            transpose_v_ldsm(base + OFF_V + stage * KV_BYTES, base + OFF_VT + vbuf * KV_BYTES, t);
        else
            transpose_v(smem + OFF_V + stage * KV_BYTES, smem + OFF_VT + vbuf * KV_BYTES, t);
        fence_proxy_async();
        release(bars + 8 * (BAR_VT_FULL + vbuf));
        release(bars + 8 * (BAR_KV_EMPTY + stage));
        if (t == 0 && !ahead.done(work)) {
            mbar_wait(bars + 8 * (BAR_KV_EMPTY + stage), (g / STAGES) & 1);
            issue_kv(maps, base, bars, work, ahead);
            ahead.advance(work);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Consumer warpgroups
// ---------------------------------------------------------------------------------------------

// Keys past a row's last key get -inf: accumulator 4nt + i is key n0 + 8nt + 2q + (i & 1) of
// row half (i >> 1) & 1, whose last key is last[that half].
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ void mask_keys(float (&s)[cfg::S_REGS], int n0, const int (&last)[2], int q) {
#pragma unroll
    for (int nt = 0; nt < NT / 8; ++nt)
#pragma unroll
        for (int i = 0; i < 4; ++i)
            if (n0 + 8 * nt + 2 * q + (i & 1) > last[(i >> 1) & 1]) s[4 * nt + i] = neg_inf();
}

// Ping-pong turns (two consumers, PINGPONG). A turn covers what TURN says: one issue of wgmmas
// (Turn::Wgmma) or one tile's exponentials (Turn::Exp); the call sites of the other kind do
// nothing. Consumer 0 goes first (consumer 1 arrives on its barrier at the start). The arrivals
// on each named barrier match its waits: consumer 1 skips its hand-over after its last wgmma
// turn, and consumer 0 takes up consumer 1's last exponential turn at the end (turns_close).
enum class Turn { Wgmma, Exp };

template <Turn T>
__device__ __forceinline__ constexpr bool takes_turns() {
    return cfg::PINGPONG && cfg::TURN_EXP == (T == Turn::Exp);
}

template <Turn T>
__device__ __forceinline__ void turn_begin(int cw) {
    if constexpr (takes_turns<T>()) named_barrier_sync(cfg::PP_BAR + cw, 256);
}

template <Turn T>
__device__ __forceinline__ void turn_end(int cw, bool last) {
    if constexpr (takes_turns<T>())
        if (cw == 0 || !last) named_barrier_arrive(cfg::PP_BAR + (1 - cw), 256);
}

__device__ __forceinline__ void turns_close(int cw) {
    if constexpr (takes_turns<Turn::Exp>())
        if (cw == 0) named_barrier_sync(cfg::PP_BAR, 256);
}

// Online softmax over one tile: s (raw Q K^T scores) becomes p = 2^(x - (m - 8)) with
// x = s * scale_log2, and m (in x units) and l are updated; alpha is the factor O must be
// scaled by (0 on the first tile, where m was -inf). The scale is positive, so the row max is
// taken over the raw scores and x - (m - 8) is one fma per score. Two halves: the row max
// (softmax_max) and the exponentials (softmax_exp), which are one ping-pong turn with TURN "exp".
// Row half r (rows g and g + 8) is accumulators 4nt + 2r + c; a quad shares a row.

// The tile's new row maxima (x units) into m_new; returns whether O must be scaled at all (see
// RESCALE; the vote is warp-wide, so the caller's branch is uniform; if not, m_new = m).
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ bool softmax_max(const float (&s)[cfg::S_REGS], const float (&m)[2], float (&m_new)[2],
                                            float scale_log2) {
    using namespace cfg;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        float mx = neg_inf();
#pragma unroll
        for (int nt = 0; nt < NT / 8; ++nt)
#pragma unroll
            for (int c = 0; c < 2; ++c) mx = fmaxf(mx, s[4 * nt + 2 * r + c]);
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        m_new[r] = fmaxf(m[r], mx * scale_log2);
    }
    if constexpr (RESCALE_LAZY) {
        const bool keep = m[0] != neg_inf() && m[1] != neg_inf() && m_new[0] - m[0] <= RESCALE_SLACK &&
                          m_new[1] - m[1] <= RESCALE_SLACK;
        if (__all_sync(0xffffffffu, keep)) {
            m_new[0] = m[0];
            m_new[1] = m[1];
            return false;
        }
    }
    return true;
}

// The exponentials of the tile under the row maxima m_new (m becomes m_new), the row sums
// (unless ROWSUM_LATE) and alpha.
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ void softmax_exp(float (&s)[cfg::S_REGS], float (&m)[2], float (&l)[2], float (&alpha)[2],
                                            const float (&m_new)[2], bool scale_o, float scale_log2) {
    using namespace cfg;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        // A row that has seen only masked keys (a key warpgroup's or a causal tile's) keeps
        // m = -inf, and its p are 0: the shift is then taken as 0, so no -inf - -inf arises.
        const float shift = m_new[r] == neg_inf() ? 0.f : m_new[r];
        alpha[r] = scale_o ? exp2_approx(m[r] - shift) : 1.f;
        m[r] = m_new[r];
        const float neg_shift = 8.f - shift;
        float sum = 0.f;
#pragma unroll
        for (int nt = 0; nt < NT / 8; ++nt)
#pragma unroll
            for (int c = 0; c < 2; ++c) {
                const float p = exp2_approx(fmaf(s[4 * nt + 2 * r + c], scale_log2, neg_shift));
                s[4 * nt + 2 * r + c] = p;
                if constexpr (!ROWSUM_LATE) sum += p;
            }
        if constexpr (!ROWSUM_LATE) l[r] = l[r] * alpha[r] + sum;
    }
}

// The whole online softmax of a tile, its exponentials one turn; returns whether O must be
// scaled by alpha. Inside the turn, open(scale_o) runs before the exponentials and close() after
// them (PACK "turn" puts the wait for P V and the packing there; the plain softmax, nothing).
template <int NT = cfg::BLOCK_N, typename Open, typename Close>
__device__ __forceinline__ bool online_softmax(float (&s)[cfg::S_REGS], float (&m)[2], float (&l)[2],
                                               float (&alpha)[2], float scale_log2, int cw, const Open& open,
                                               const Close& close) {
    float m_new[2];
    const bool scale_o = softmax_max<NT>(s, m, m_new, scale_log2);
    turn_begin<Turn::Exp>(cw);
    open(scale_o);
    softmax_exp<NT>(s, m, l, alpha, m_new, scale_o, scale_log2);
    close();
    turn_end<Turn::Exp>(cw, false);
    return scale_o;
}

__device__ __forceinline__ void rescale(float (&o)[cfg::O_REGS], const float (&alpha)[2]) {
#pragma unroll
    for (int dt = 0; dt < cfg::D_TILES; ++dt)
#pragma unroll
        for (int i = 0; i < 4; ++i) o[4 * dt + i] *= alpha[(i >> 1) & 1];
}

// ROWSUM_LATE: l = l * alpha + the tile's row sums of p (s after the softmax), once P is packed.
// online_softmax keeps its own sum, interleaved with the exponentials in program order: summing
// after them (with this loop) gives ptxas another schedule for the measured "inline" kernels.
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ void late_row_sums(const float (&s)[cfg::S_REGS], float (&l)[2], const float (&alpha)[2]) {
    using namespace cfg;
    if constexpr (ROWSUM_LATE)
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            float sum = 0.f;
#pragma unroll
            for (int nt = 0; nt < NT / 8; ++nt)
#pragma unroll
                for (int c = 0; c < 2; ++c) sum += s[4 * nt + 2 * r + c];
            l[r] = l[r] * alpha[r] + sum;
        }
}

// P's RS A fragments for k32 step ks (see KEY ORDER): column groups 4ks .. 4ks + 3. Register r
// packs accumulators 16ks + p_acc(r, 0..3): rows g, g + 8, g, g + 8 with keys 2q, 2q+1, 8+2q,
// 9+2q (registers 2 and 3: 16 + the same keys).
__device__ __forceinline__ constexpr int p_acc(int r, int j) {
    return 8 * (r >> 1) + 2 * (r & 1) + (j & 1) + 4 * (j >> 1);
}

__device__ __forceinline__ void pack_p(u32 (&a)[4], const float (&s)[cfg::S_REGS], int ks) {
    const float* x = s + 16 * ks;
#pragma unroll
    for (int r = 0; r < 4; ++r)
        a[r] = pack_e4m3x4(x[p_acc(r, 0)], x[p_acc(r, 1)], x[p_acc(r, 2)], x[p_acc(r, 3)]);
}

// The rounding residual of pack_p's fragments a: p - e4m3(p), packed the same way.
__device__ __forceinline__ void pack_residual(u32 (&res)[4], const u32 (&a)[4], const float (&s)[cfg::S_REGS], int ks) {
    const float* x = s + 16 * ks;
#pragma unroll
    for (int r = 0; r < 4; ++r) {
        const float2 lo = unpack_e4m3x2((u16)(a[r] & 0xffffu)), hi = unpack_e4m3x2((u16)(a[r] >> 16));
        res[r] = pack_e4m3x4(x[p_acc(r, 0)] - lo.x, x[p_acc(r, 1)] - lo.y, x[p_acc(r, 2)] - hi.x,
                             x[p_acc(r, 3)] - hi.y);
    }
}

// O * v_descale / l to fp16: accumulator 4dt + i is row g + 8((i >> 1) & 1), column 8dt + 2q + (i & 1).
__device__ __forceinline__ void store_output(u16* __restrict__ o_head, const float (&o)[cfg::O_REGS], float (&l)[2],
                                             int row0, int S, int D, float v_descale, int g, int q) {
    using namespace cfg;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        float sum = l[r];
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        sum += __shfl_xor_sync(0xffffffffu, sum, 2);
        const int row = row0 + g + 8 * r;
        if (row >= S) continue;
        const float inv = v_descale / sum;  // sum >= 256: the row max contributes 2^8
        u16* out = o_head + (size_t)row * D;
#pragma unroll
        for (int dt = 0; dt < D_TILES; ++dt) {
            const int col = 8 * dt + 2 * q;
            if (col < D)  // D % 16 == 0, so col + 1 < D and the 4-byte store is aligned
                *reinterpret_cast<u32*>(out + col) = pack_f16x2(o[4 * dt + 2 * r] * inv, o[4 * dt + 2 * r + 1] * inv);
        }
    }
}

// The state of one consumer warpgroup; of each item it takes the key tiles first, first + step,
// ... below n_tiles (step = KEY_WGS). g0 counts the CTA's key tiles before this item (ring
// stages and parities go by g0 + j); final: this is the CTA's last item. last[r] is the last key
// the thread's row half r sees; mask_from the smallest over the warpgroup's 64 rows (a tile
// ending past it is masked).
struct Consumer {
    u32 base, bars, q_tile;
    int key0, n_tiles, first, step, cw, q, g0, mask_from;
    int tail_keys;  // TAIL_KEYS: the keys of the item's last tile
    int last[2];
    bool final;
    float scale_log2;
    float o[cfg::O_REGS];
    float s[cfg::S_REGS];
    float m[2], l[2];
};

// Shared-memory descriptors of the Q tile with the K tile in `stage`, and of the V^T tile in
// buffer `vbuf`.
__device__ __forceinline__ u64 k_desc_of(const Consumer& c, int stage) {
    return make_desc<cfg::SW>(c.base + cfg::OFF_K + stage * cfg::KV_BYTES);
}

__device__ __forceinline__ u64 vt_desc_of(const Consumer& c, int vbuf) {
    return make_desc<cfg::VT_SW>(c.base + cfg::OFF_VT + vbuf * cfg::KV_BYTES);
}

// S = Q K^T as one commit group (after a wgmma fence); NT < BLOCK_N: of the tile's first NT keys.
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ void wgmmas_qk(Consumer& c, u64 q_desc, u64 k_desc) {
    using namespace cfg;
#pragma unroll
    for (int kk = 0; kk < KD_STEPS; ++kk) {
        const u64 a = step_desc<SW, BLOCK_M>(q_desc, kk), b = step_desc<SW, BLOCK_N>(k_desc, kk);
        wgmma_qk(c.s, a, b, kk > 0);
    }
    wgmma_commit();
}

// O += P V as one commit group (after a wgmma fence), over the tile's first NT keys.
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ void wgmmas_pv(Consumer& c, const u32 (&p)[cfg::KN_STEPS][4], u64 vt_desc) {
    using namespace cfg;
#pragma unroll
    for (int ks = 0; ks < NT / 32; ++ks) wgmma_pv(c.o, p[ks], step_desc<VT_SW, D_PAD>(vt_desc, ks));
    wgmma_commit();
}

// Issues S = Q K^T for the K tile in `stage` (one commit group).
__device__ __forceinline__ void issue_qk(Consumer& c, int stage) {
    const u64 q_desc = make_desc<cfg::SW>(c.q_tile), k_desc = k_desc_of(c, stage);
    wgmma_fence();
    wgmmas_qk(c, q_desc, k_desc);
}

// Issues O += P V for the V^T tile in buffer `vbuf` (one commit group), its first NT keys.
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ void issue_pv(Consumer& c, const u32 (&p)[cfg::KN_STEPS][4], int vbuf) {
    const u64 vt_desc = vt_desc_of(c, vbuf);
    wgmma_fence();
    wgmmas_pv<NT>(c, p, vt_desc);
}

// Issues Q K^T for the K tile in `stage` (its first QK_NT keys), then P V for the V^T tile in
// `vbuf` (two commit groups) behind one wgmma fence.
template <int QK_NT = cfg::BLOCK_N>
__device__ __forceinline__ void issue_qk_pv(Consumer& c, int stage, const u32 (&p)[cfg::KN_STEPS][4], int vbuf) {
    const u64 q_desc = make_desc<cfg::SW>(c.q_tile), k_desc = k_desc_of(c, stage), vt_desc = vt_desc_of(c, vbuf);
    wgmma_fence();
    wgmmas_qk<QK_NT>(c, q_desc, k_desc);
    wgmmas_pv(c, p, vt_desc);
}

// The scores of tile j (its first NT keys) masked where a key is out of range or above the
// diagonal.
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ void mask_tile(Consumer& c, int j) {
    using namespace cfg;
    const int n0 = c.key0 + j * BLOCK_N;
    if (n0 + NT - 1 > c.mask_from) mask_keys<NT>(c.s, n0, c.last, c.q);
}

// After S of tile j has landed: mask and softmax in place (c.s becomes p); alpha is O's factor,
// and the result says whether O must be scaled by it.
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ bool softmax_tile(Consumer& c, int j, float (&alpha)[2]) {
    mask_tile<NT>(c, j);
    return online_softmax<NT>(c.s, c.m, c.l, alpha, c.scale_log2, c.cw, [](bool) {}, [] {});
}

// P (c.s after the softmax, its first NT keys) packed into the P V wgmma's register A fragments.
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ void pack_tile(const Consumer& c, u32 (&p)[cfg::KN_STEPS][4]) {
#pragma unroll
    for (int ks = 0; ks < NT / 32; ++ks) pack_p(p[ks], c.s, ks);
}

// After S of tile j has landed: mask, softmax, pack P; alpha is O's factor, and the result says
// whether O must be scaled by it.
__device__ __forceinline__ bool scores_to_p(Consumer& c, int j, u32 (&p)[cfg::KN_STEPS][4], float (&alpha)[2]) {
    const bool scale_o = softmax_tile(c, j, alpha);
    pack_tile(c, p);
    return scale_o;
}

__device__ __forceinline__ u32 bar(const Consumer& c, int index) {
    return c.bars + 8 * index;
}

// The first tile index past the tiles that hold keys of a row seeing fewer than FEW_KEYS keys
// (mask_from + 1 keys is the fewest any row of the warpgroup sees); 0 when there is no such row.
// The consumers run those tiles in a loop of their own, so the per-tile loop stays lean.
__device__ __forceinline__ int few_keys_end(const Consumer& c) {
    using namespace cfg;
    return c.mask_from + 1 < FEW_KEYS ? max(0, (FEW_KEYS - c.key0 + BLOCK_N - 1) / BLOCK_N) : 0;
}

// Q_EARLY: once the scores of tile j, the item's last for this consumer, have landed, Q is read
// no more: the producer may load the next item's tile under this one's last softmax, P V and
// store.
__device__ __forceinline__ void release_q_after(const Consumer& c, int j) {
    if constexpr (cfg::Q_EARLY)
        if (j + c.step >= c.n_tiles) release(bar(c, cfg::BAR_Q_EMPTY));
}

// O += (p - e4m3(p)) V for tile ring position g: its own commit group, waited for, after P of the
// tile has been packed into p (c.s still holds p in fp32).
__device__ __forceinline__ void add_residual(Consumer& c, const u32 (&p)[cfg::KN_STEPS][4], int g) {
    using namespace cfg;
    u32 res[KN_STEPS][4];
#pragma unroll
    for (int ks = 0; ks < KN_STEPS; ++ks) pack_residual(res[ks], p[ks], c.s, ks);
    const int vbuf = g % VT_STAGES;
    mbar_wait(bar(c, BAR_VT_FULL + vbuf), (g / VT_STAGES) & 1);
    issue_pv(c, res, vbuf);
    wgmma_wait<0>();
    fence_regs(c.o);
}

// Tile j alone: Q K^T, wait, softmax, (the residual's P V,) P V, wait.
template <bool RESIDUAL>
__device__ __forceinline__ void serial_tile(Consumer& c, int j) {
    using namespace cfg;
    const int g = c.g0 + j;
    const int stage = g % STAGES, vbuf = g % VT_STAGES;
    mbar_wait(bar(c, BAR_KV_FULL + stage), (g / STAGES) & 1);
    turn_begin<Turn::Wgmma>(c.cw);
    issue_qk(c, stage);
    turn_end<Turn::Wgmma>(c.cw, c.final && j + c.step >= c.n_tiles);
    wgmma_wait<0>();
    fence_regs(c.s);
    release(bar(c, BAR_KV_EMPTY + stage));
    release_q_after(c, j);
    u32 p[KN_STEPS][4];
    float alpha[2];
    if (scores_to_p(c, j, p, alpha)) rescale(c.o, alpha);
    late_row_sums(c.s, c.l, alpha);
    if constexpr (RESIDUAL) add_residual(c, p, g);
    mbar_wait(bar(c, BAR_VT_FULL + vbuf), (g / VT_STAGES) & 1);
    issue_pv(c, p, vbuf);
    wgmma_wait<0>();
    fence_regs(c.o);
    release(bar(c, BAR_VT_EMPTY + vbuf));
}

// One tile at a time; the tiles of rows with few keys first, with their residual.
__device__ __forceinline__ void consume_serial(Consumer& c) {
    const int few_end = min(c.n_tiles, few_keys_end(c));
    int j = c.first;
    for (; j < few_end; j += c.step) serial_tile<true>(c, j);
    for (; j < c.n_tiles; j += c.step) serial_tile<false>(c, j);
}

// The head of an overlapped step: Q K^T of the next tile (ring position gn) with P V of tile
// g (P in p), issued in one turn, then the wait for the scores; their K stage is released.
// Groups complete in order, so P V of the tiles before g has landed too.
template <int QK_NT = cfg::BLOCK_N>
__device__ __forceinline__ void issue_step_wait_scores(Consumer& c, int g, int gn, const u32 (&p)[cfg::KN_STEPS][4]) {
    using namespace cfg;
    const int stage = gn % STAGES, vbuf = g % VT_STAGES;
    mbar_wait(bar(c, BAR_KV_FULL + stage), (gn / STAGES) & 1);
    mbar_wait(bar(c, BAR_VT_FULL + vbuf), (g / VT_STAGES) & 1);
    turn_begin<Turn::Wgmma>(c.cw);
    issue_qk_pv<QK_NT>(c, stage, p, vbuf);
    turn_end<Turn::Wgmma>(c.cw, false);
    wgmma_wait<1>();
    fence_regs(c.s);
    release(bar(c, BAR_KV_EMPTY + stage));
}

// Waits for every wgmma issued (P V the last): O and P's registers p are the thread's again.
__device__ __forceinline__ void pv_landed(Consumer& c, u32 (&p)[cfg::KN_STEPS][4]) {
    wgmma_wait<0>();
    fence_regs(c.o);
    fence_frags(p);
}

// PACK_IN_TURN: the softmax of tile j with P packed into p inside the exponential turn. The turn
// opens with the wait for P V of the tile before (issued with Q K^T of j, long done by then), so
// that ptxas may put the packing among the exponentials, where the MUFU unit leaves issue slots
// free; a never-taken branch on the row max's vote keeps that wait below the row max. Returns
// whether O must be scaled by alpha.
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ bool pack_in_turn(Consumer& c, int j, u32 (&p)[cfg::KN_STEPS][4], float (&alpha)[2]) {
    mask_tile<NT>(c, j);
    const auto open = [&](bool scale_o) {
        if (scale_o && c.l[0] < 0.f) asm volatile("brkpt;");
        pv_landed(c, p);
    };
    return online_softmax<NT>(c.s, c.m, c.l, alpha, c.scale_log2, c.cw, open, [&] { pack_tile<NT>(c, p); });
}

// One step of consume_overlapped: Q K^T of the next tile jn with P V of tile j, the softmax of jn
// under P V, then O rescaled and P of jn packed (and, RESIDUAL, its residual's P V). NT < BLOCK_N:
// jn is a narrow last tile, its first NT keys only.
template <bool RESIDUAL, int NT = cfg::BLOCK_N>
__device__ __forceinline__ void overlapped_step(Consumer& c, int j, u32 (&p)[cfg::KN_STEPS][4], float (&alpha)[2]) {
    using namespace cfg;
    const int jn = j + c.step;
    const int g = c.g0 + j, gn = c.g0 + jn;
    const int vbuf = g % VT_STAGES;
    issue_step_wait_scores<NT>(c, g, gn, p);
    release_q_after(c, jn);
    bool scale_o;
    if constexpr (PACK_IN_TURN) {
        scale_o = pack_in_turn<NT>(c, jn, p, alpha);
    } else {
        scale_o = softmax_tile<NT>(c, jn, alpha);
        // Never taken: a block boundary that keeps the wait below it (on the row sum, or the last p).
        if ((ROWSUM_LATE ? c.s[NT / 2 - 1] : c.l[0]) < 0.f) asm volatile("brkpt;");
        pv_landed(c, p);
    }
    if (scale_o) rescale(c.o, alpha);
    if constexpr (!PACK_IN_TURN) pack_tile<NT>(c, p);
    late_row_sums<NT>(c.s, c.l, alpha);
    release(bar(c, BAR_VT_EMPTY + vbuf));
    if constexpr (RESIDUAL) add_residual(c, p, gn);
}

// The last tile j's P V (P in p, of its first NT keys); `owed`: the V^T buffer of the tile before
// j is still held.
template <int NT = cfg::BLOCK_N>
__device__ __forceinline__ void last_pv(Consumer& c, int j, u32 (&p)[cfg::KN_STEPS][4], bool owed) {
    using namespace cfg;
    const int g = c.g0 + j, vbuf = g % VT_STAGES;
    mbar_wait(bar(c, BAR_VT_FULL + vbuf), (g / VT_STAGES) & 1);
    turn_begin<Turn::Wgmma>(c.cw);
    issue_pv<NT>(c, p, vbuf);
    turn_end<Turn::Wgmma>(c.cw, c.final);
    pv_landed(c, p);
    if (owed) release(bar(c, BAR_VT_EMPTY + (g - c.step) % VT_STAGES));
    release(bar(c, BAR_VT_EMPTY + vbuf));
}

// One step with two P buffers: Q K^T of the next tile jn with P V of tile j (P in p), the
// softmax of jn, and its P packed into p_next while P V still reads p. The first wait shows
// S of jn landed and, groups completing in order, P V of the tile before j: so p_next (that
// tile's P) is free again and, if `owed`, its V^T buffer is released. O waits for P V of tile j
// only when it must be rescaled.
__device__ __forceinline__ void overlapped_step_2(Consumer& c, int j, u32 (&p)[cfg::KN_STEPS][4],
                                                  u32 (&p_next)[cfg::KN_STEPS][4], float (&alpha)[2], bool owed) {
    using namespace cfg;
    const int jn = j + c.step;
    const int g = c.g0 + j, gn = c.g0 + jn;
    issue_step_wait_scores(c, g, gn, p);
    release_q_after(c, jn);
    fence_frags(p_next);
    if (owed) release(bar(c, BAR_VT_EMPTY + (g - c.step) % VT_STAGES));
    const bool scale_o = softmax_tile(c, jn, alpha);
    pack_tile(c, p_next);
    if (scale_o) {
        wgmma_wait<0>();
        fence_regs(c.o);
        rescale(c.o, alpha);
    }
    late_row_sums(c.s, c.l, alpha);
}

// The overlapped loop from tile j on with two P buffers (P of tile j in pa), two steps per
// iteration so that the buffers trade places without a copy; then the last tile's P V.
__device__ __forceinline__ void consume_two_buffers(Consumer& c, int j, u32 (&pa)[cfg::KN_STEPS][4], float (&alpha)[2]) {
    using namespace cfg;
    u32 pb[KN_STEPS][4];
    bool owed = false;
    for (; j + 2 * c.step < c.n_tiles; j += 2 * c.step) {
        overlapped_step_2(c, j, pa, pb, alpha, owed);
        overlapped_step_2(c, j + c.step, pb, pa, alpha, true);
        owed = true;
    }
    if (j + c.step < c.n_tiles) {
        overlapped_step_2(c, j, pa, pb, alpha, owed);
        last_pv(c, j + c.step, pb, true);
    } else {
        last_pv(c, j, pa, owed);
    }
}

// Overlapped (FA3's intra-warpgroup pipelining): Q K^T of this consumer's next tile and P V of
// tile j are issued together; the next softmax runs while P V of tile j is on the tensor cores,
// and O is rescaled and the next P packed once P V has landed. ptxas serializes every wgmma of
// the kernel (its warnings C7513/C7514) if a register a wgmma reads or writes is touched while
// wgmmas run: so P is packed only after the wait for P V (and kept live until it), the loop body
// issues no wgmma conditionally (the last tile's P V is peeled off), and no fence touches O's
// registers while Q K^T runs. ptxas also schedules a wait as early as its basic block allows, which would
// put the wait for P V before the softmax: a never-taken branch on the softmax's row sum ends the
// block first. Its target is a breakpoint, not a trap: behind a trap, ptxas held the pipelined
// region to the launch bound's register cap (168 at 384 threads) instead of setmaxnreg's, and
// serialized every wgmma past it (its C7512) from BLOCK_N 128 at D 128 on.
__device__ __forceinline__ void consume_overlapped(Consumer& c) {
    using namespace cfg;
    u32 p[KN_STEPS][4];
    float alpha[2];
    if (c.first >= c.n_tiles) return;  // a key split or key warpgroup with no tiles
    {
        const int g = c.g0 + c.first;
        const int stage = g % STAGES;
        mbar_wait(bar(c, BAR_KV_FULL + stage), (g / STAGES) & 1);
        turn_begin<Turn::Wgmma>(c.cw);
        issue_qk(c, stage);
        turn_end<Turn::Wgmma>(c.cw, false);
        wgmma_wait<0>();
        fence_regs(c.s);
        release(bar(c, BAR_KV_EMPTY + stage));
        release_q_after(c, c.first);
    }
    scores_to_p(c, c.first, p, alpha);  // O is still zero: no rescale
    late_row_sums(c.s, c.l, alpha);
    const int few_end = few_keys_end(c);
    if (c.first < few_end) add_residual(c, p, c.g0 + c.first);
    int j = c.first;
    for (; j + c.step < c.n_tiles && j + c.step < few_end; j += c.step) overlapped_step<true>(c, j, p, alpha);
    if constexpr (P_BUFFERS == 2) {
        consume_two_buffers(c, j, p, alpha);
    } else {
        // TAIL_KEYS: a last tile whose keys all lie in its first TAIL_KEYS is peeled off narrow
        // (never one of the few-key tiles, which the loop above has taken).
        const bool narrow = TAIL_KEYS > 0 && c.tail_keys <= TAIL_KEYS && j + c.step < c.n_tiles;
        const int end = c.n_tiles - (narrow ? c.step : 0);
        for (; j + c.step < end; j += c.step) overlapped_step<false>(c, j, p, alpha);
        if constexpr (TAIL_KEYS > 0) {
            if (narrow) {
                overlapped_step<false, TAIL_KEYS>(c, j, p, alpha);
                last_pv<TAIL_KEYS>(c, j + c.step, p, false);
                return;
            }
        }
        last_pv(c, j, p, false);
    }
}

// KV_SPLITS > 1: this consumer's unnormalized O, m and quad-summed l into the partial state.
__device__ __forceinline__ void write_partial(u8* smem, const float (&o)[cfg::O_REGS], const float (&m)[2],
                                              const float (&l)[2], int row0, int g, int q) {
    using namespace cfg;
    float* part_o = reinterpret_cast<float*>(smem + OFF_PART_O);
    float* part_m = reinterpret_cast<float*>(smem + OFF_PART_M);
    float* part_l = reinterpret_cast<float*>(smem + OFF_PART_L);
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        float sum = l[r];
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        sum += __shfl_xor_sync(0xffffffffu, sum, 2);
        const int row = row0 + g + 8 * r;
        float* out = part_o + row * PART_PITCH;
#pragma unroll
        for (int dt = 0; dt < D_TILES; ++dt)
            *reinterpret_cast<float2*>(out + 8 * dt + 2 * q) = make_float2(o[4 * dt + 2 * r], o[4 * dt + 2 * r + 1]);
        if (q == 0) {
            part_m[row] = m[r];
            part_l[row] = sum;
        }
    }
}

// KEY_WGS > 1: consumer 1 hands its state to consumer 0 through shared memory (returns false:
// it is done); consumer 0 merges it into its own (returns true: it stores O). Thread t of both
// holds the same rows and columns, so the merge is per thread; l stays a per-thread partial sum.
__device__ __forceinline__ bool merge_key_warpgroups(u8* smem, Consumer& c, int t) {
    using namespace cfg;
    float* part = reinterpret_cast<float*>(smem + OFF_K);
    named_barrier_sync(MERGE_BAR, CONSUMER_THREADS);  // both are done with the rings
    if (c.cw == 1) {
#pragma unroll
        for (int i = 0; i < O_REGS; ++i) part[128 * i + t] = c.o[i];
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            part[128 * (O_REGS + r) + t] = c.m[r];
            part[128 * (O_REGS + 2 + r) + t] = c.l[r];
        }
        named_barrier_arrive(MERGE_BAR + 1, CONSUMER_THREADS);
        return false;
    }
    named_barrier_sync(MERGE_BAR + 1, CONSUMER_THREADS);
    float w_own[2], w_other[2];
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        const float m_other = part[128 * (O_REGS + r) + t];
        const float m_max = fmaxf(c.m[r], m_other);  // finite: tile 0 is consumer 0's
        w_own[r] = exp2_approx(c.m[r] - m_max);
        w_other[r] = exp2_approx(m_other - m_max);  // 0 when consumer 1 had no tiles
        c.l[r] = c.l[r] * w_own[r] + part[128 * (O_REGS + 2 + r) + t] * w_other[r];
    }
#pragma unroll
    for (int i = 0; i < O_REGS; ++i) {
        const int r = (i >> 1) & 1;
        c.o[i] = c.o[i] * w_own[r] + part[128 * i + t] * w_other[r];
    }
    return true;
}

__device__ __forceinline__ void consumer(u32 base, u32 bars, u8* smem, u16* __restrict__ o, const Work& work, int S,
                                         int S_kv, int D, float scale_log2, float v_descale, int cw, int t) {
    using namespace cfg;
    const int warp = t >> 5, lane = t & 31, g = lane >> 2, q = lane & 3;
    Consumer c;
    c.base = base;
    c.bars = bars;
    const int row_group = cw % ROW_GROUPS;
    c.q_tile = base + OFF_Q + row_group * 64 * SW;  // this consumer's 64 rows in every chunk
    c.key0 = work.j0 * BLOCK_N;
    c.first = cw / ROW_GROUPS;
    c.step = KEY_WGS;
    c.cw = cw;
    c.g0 = 0;
    c.q = q;
    c.scale_log2 = scale_log2;
    if (PINGPONG && cw == 1) named_barrier_arrive(PP_BAR, 256);  // consumer 0 goes first
    for (int i = 0; i < work.count; c.g0 += c.n_tiles, ++i) {
        c.n_tiles = work.n_tiles(i);
        c.final = i + 1 == work.count;
        const int row_base = work.m0(i) + 64 * row_group;
        const int last_key = S_kv - 1;
        c.mask_from = CAUSAL ? min(last_key, row_base + work.offset) : last_key;
#pragma unroll
        for (int r = 0; r < 2; ++r)
            c.last[r] = CAUSAL ? min(last_key, row_base + 16 * warp + g + 8 * r + work.offset) : last_key;
        if constexpr (TAIL_KEYS > 0) c.tail_keys = S_kv - (c.key0 + (c.n_tiles - 1) * BLOCK_N);
#pragma unroll
        for (int k = 0; k < O_REGS; ++k) c.o[k] = 0.f;
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            c.m[r] = neg_inf();
            c.l[r] = 0.f;
        }
        mbar_wait(bars + 8 * BAR_Q, i & 1);
        if constexpr (OVERLAP) consume_overlapped(c);
        else consume_serial(c);
        // Q may take the next item's tile (Q_EARLY released it with the item's last scores,
        // unless the item had no tiles and so no scores).
        if constexpr (PERSISTENT)
            if (!Q_EARLY || c.first >= c.n_tiles) release(bars + 8 * BAR_Q_EMPTY);
        if constexpr (KEY_WGS > 1) {
            if (!merge_key_warpgroups(smem, c, t)) continue;
        }
        if constexpr (KV_SPLITS > 1) {
            write_partial(smem, c.o, c.m, c.l, 16 * warp, g, q);
        } else {
            u16* o_head = o + (size_t)work.head(i) * (size_t)S * (size_t)D;
            store_output(o_head, c.o, c.l, work.m0(i) + 64 * row_group + 16 * warp, S, D, v_descale, g, q);
        }
    }
    turns_close(cw);
}

// ---------------------------------------------------------------------------------------------
// Merging key splits across the cluster (KV_SPLITS > 1)
// ---------------------------------------------------------------------------------------------

// Every thread of every CTA of the cluster; release/acquire orders shared-memory writes before
// the other CTAs' reads.
__device__ __forceinline__ void cluster_sync() {
    asm volatile(
        "barrier.cluster.arrive.release.aligned;\n"
        "barrier.cluster.wait.acquire.aligned;\n" ::: "memory");
}

__device__ __forceinline__ u32 cluster_rank() {
    u32 rank;
    asm volatile("mov.u32 %0, %%cluster_ctarank;\n" : "=r"(rank));
    return rank;
}

// The address of this CTA's shared `addr` in CTA `rank` of the cluster.
__device__ __forceinline__ u32 map_to_rank(u32 addr, u32 rank) {
    u32 out;
    asm volatile("mapa.shared::cluster.u32 %0, %1, %2;\n" : "=r"(out) : "r"(addr), "r"(rank));
    return out;
}

__device__ __forceinline__ float ld_cluster(u32 addr) {
    float x;
    asm volatile("ld.shared::cluster.f32 %0, [%1];\n" : "=f"(x) : "r"(addr) : "memory");
    return x;
}

__device__ __forceinline__ float2 ld_cluster2(u32 addr) {
    float2 x;
    asm volatile("ld.shared::cluster.v2.f32 { %0, %1 }, [%2];\n" : "=f"(x.x), "=f"(x.y) : "r"(addr) : "memory");
    return x;
}

// CTA `rank` merges rows rank * ROWS .. + ROWS - 1 of the query tile from every CTA's partial
// state and writes them to O as fp16 (rows < S, columns < D).
__device__ __forceinline__ void merge_splits(u32 base, u16* __restrict__ o_head, int m0, int S, int D,
                                             float v_descale, int t) {
    using namespace cfg;
    constexpr int ROWS = BLOCK_M / KV_SPLITS;
    constexpr int PAIRS = D_PAD / 2;
    cluster_sync();
    const u32 rank = cluster_rank();
    u32 remote[KV_SPLITS];
#pragma unroll
    for (int k = 0; k < KV_SPLITS; ++k) remote[k] = map_to_rank(base, k);
    for (int item = t; item < ROWS * PAIRS; item += THREADS) {
        const int row = rank * ROWS + item / PAIRS;
        const int col = 2 * (item % PAIRS);
        if (m0 + row >= S || col >= D) continue;
        float m[KV_SPLITS];
        float m_max = neg_inf();
#pragma unroll
        for (int k = 0; k < KV_SPLITS; ++k) {
            m[k] = ld_cluster(remote[k] + OFF_PART_M + 4 * row);
            m_max = fmaxf(m_max, m[k]);
        }
        float sum = 0.f, o0 = 0.f, o1 = 0.f;
#pragma unroll
        for (int k = 0; k < KV_SPLITS; ++k) {
            const float w = exp2_approx(m[k] - m_max);  // 0 for a split without keys (m = -inf)
            const float2 part = ld_cluster2(remote[k] + OFF_PART_O + 4 * (row * PART_PITCH + col));
            sum += w * ld_cluster(remote[k] + OFF_PART_L + 4 * row);
            o0 += w * part.x;
            o1 += w * part.y;
        }
        const float inv = v_descale / sum;  // the split holding the row max contributes >= 256
        *reinterpret_cast<u32*>(o_head + (size_t)(m0 + row) * D + col) = pack_f16x2(o0 * inv, o1 * inv);
    }
    cluster_sync();  // the other CTAs are done reading this CTA's shared memory
}

// ---------------------------------------------------------------------------------------------
// Kernel
// ---------------------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(384, 1) sdpa_fp8_fwd(
    const __grid_constant__ CUtensorMap q_map, const __grid_constant__ CUtensorMap k_map,
    const __grid_constant__ CUtensorMap v_map, unsigned short* __restrict__ o, float q_descale, float k_descale,
    float v_descale, float softmax_scale, int S, int D, int heads, int S_kv, int group, int causal) {
    using namespace cfg;
    extern __shared__ __align__(1024) u8 smem_raw[];
    const u32 raw = smem_addr(smem_raw);
    const u32 base = (raw + 1023) & ~1023u;
    u8* const smem = smem_raw + (base - raw);
    const u32 bars = base + OFF_BAR;

    const int tid = threadIdx.x;
    const int wg = tid >> 7;
    if (causal != (int)CAUSAL) __trap();  // compiled for the other mask
    const Work work = make_work(S, S_kv, heads, group);
    const float scale_log2 = softmax_scale * q_descale * k_descale * 1.4426950408889634f;

    if (tid == 0) {
        mbar_init(bars + 8 * BAR_Q, 1);
        mbar_init(bars + 8 * BAR_Q_EMPTY, ARRIVALS_128 * NUM_CONSUMERS);
        for (int s = 0; s < STAGES; ++s) {
            mbar_init(bars + 8 * (BAR_KV_FULL + s), 1);
            mbar_init(bars + 8 * (BAR_KV_EMPTY + s), ARRIVALS_128 * (1 + ROW_GROUPS));
        }
        for (int s = 0; s < VT_STAGES; ++s) {
            mbar_init(bars + 8 * (BAR_VT_FULL + s), ARRIVALS_128);
            mbar_init(bars + 8 * (BAR_VT_EMPTY + s), ARRIVALS_128 * ROW_GROUPS);
        }
        asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    }
    __syncthreads();

    if (wg == 0) {
        if constexpr (CONSUMER_REGS > 0) asm volatile("setmaxnreg.dec.sync.aligned.u32 40;\n");
        const Maps maps{&q_map, &k_map, &v_map};
        producer(maps, smem, base, bars, work, tid);
    } else {
        if constexpr (CONSUMER_REGS > 0) asm volatile("setmaxnreg.inc.sync.aligned.u32 232;\n");
        consumer(base, bars, smem, o, work, S, S_kv, D, scale_log2, v_descale, wg - 1, tid & 127);
    }
    if constexpr (KV_SPLITS > 1) {
        u16* o_head = o + (size_t)work.head(0) * (size_t)S * (size_t)D;
        merge_splits(base, o_head, work.m0(0), S, D, v_descale, tid);
    }
}
