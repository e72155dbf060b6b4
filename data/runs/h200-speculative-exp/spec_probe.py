"""EXPERIMENT (a probe: timing and random-data validation only). Speculative exponentials: once
every row of a warp has a max, a tile's exponentials run under the running max with no row max
(p = 2^(x - (m - OFFSET)), OFFSET 5 instead of 8, so p may grow 2^3.8 past the max before e4m3
saturates), and the packed P is checked for e4m3's saturation code (0x7E) after the next wgmma
issue instead of before it. The probe has no repair: a warp that finds the code poisons its row
sums with NaN ("nan"; otherwise it doubles them, for timing with the tolerance lifted), so an
output that passes validation ran no saturated tile. It measures what the
structure costs beside the ablation (no row max, no check) and the committed kernel.
Usage: spec_probe.py TEMPLATE nocheck|check|check2 [nan]"""
import sys
p, mode = sys.argv[1], sys.argv[2]
# "nan": a warp that finds the code poisons its row sums with NaN (validation runs); otherwise it
# doubles them (timing runs with the tolerance lifted: the vote and its branch stay, no NaN)
poison = "__int_as_float(0x7fc00000)" if len(sys.argv) > 3 and sys.argv[3] == "nan" else "2.f * c.l[0]"
s = open(p).read()


def sub(old, new):
    global s
    assert s.count(old) == 1, old
    s = s.replace(old, new)


sub("""                                            float scale_log2) {
    using namespace cfg;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        float mx = neg_inf();""", """                                            float scale_log2) {
    using namespace cfg;
    if (__all_sync(0xffffffffu, m[0] != neg_inf() && m[1] != neg_inf())) {  // EXPERIMENT
        m_new[0] = m[0];
        m_new[1] = m[1];
        return false;
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        float mx = neg_inf();""")
sub("const float neg_shift = 8.f - shift;", "const float neg_shift = 5.f - shift;  // EXPERIMENT")
sub("    float m[2], l[2];\n};", "    float m[2], l[2];\n    u32 sat;  // EXPERIMENT\n};")
sub("    Consumer c;\n    c.base = base;", "    Consumer c;\n    c.sat = 0u;\n    c.base = base;")
if mode in ("check", "check2"):
    # the vote after the issue of Q K^T and P V, before the wait for the scores
    sub("""    issue_qk_pv(c, stage, p, vbuf);
    turn_end<Turn::Wgmma>(c.cw, false);
    wgmma_wait<1>();""", """    issue_qk_pv(c, stage, p, vbuf);
    turn_end<Turn::Wgmma>(c.cw, false);
    if (__any_sync(0xffffffffu, (c.sat & 0x80808080u) != 0u)) c.l[0] = POISON;  // EXPERIMENT
    wgmma_wait<1>();""".replace("POISON", poison))
if mode == "check2":
    # the sums of the check taken just before the issue, from the p the wgmma will read
    sub("""    turn_begin<Turn::Wgmma>(c.cw);
    issue_qk_pv(c, stage, p, vbuf);""", """    u32 acc = 0u;  // EXPERIMENT: bit 7 of a byte set where P holds e4m3's saturation code
#pragma unroll
    for (int ks = 0; ks < KN_STEPS; ++ks)
#pragma unroll
        for (int r = 0; r < 4; ++r) acc |= p[ks][r] + 0x02020202u;
    c.sat = acc;
    turn_begin<Turn::Wgmma>(c.cw);
    issue_qk_pv(c, stage, p, vbuf);""")
if mode == "check":
    sub("""    if constexpr (!PACK_IN_TURN) pack_tile(c, p);
    late_row_sums(c.s, c.l, alpha);""", """    if constexpr (!PACK_IN_TURN) {
        pack_tile(c, p);
        u32 acc = 0u;  // EXPERIMENT: bit 7 of a byte set where P holds e4m3's saturation code
#pragma unroll
        for (int ks = 0; ks < KN_STEPS; ++ks)
#pragma unroll
            for (int r = 0; r < 4; ++r) acc |= p[ks][r] + 0x02020202u;
        c.sat = acc;
    }
    late_row_sums(c.s, c.l, alpha);""")
open(p, "w").write(s)
