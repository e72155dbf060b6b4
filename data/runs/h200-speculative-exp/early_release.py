"""EXPERIMENT (timing only; applies to run 3's template, the repair inside the per-tile loop, not to
rescale_check.patch, which is run 8's): RESCALE "check" with each K stage released as soon as its scores
have landed, as the other kernels release it, instead of held until the tile's P is checked. The
repair then reads a K stage the producer may have refilled, so outputs are valid only where no
tile saturates. Usage: early_release.py TEMPLATE [norepair] (norepair: the repair's code taken out too)"""
import sys
p = sys.argv[1]
s = open(p).read()


def sub(old, new, count=1):
    global s
    assert s.count(old) == count, (s.count(old), old)
    s = s.replace(old, new)


sub("    if (!saturated) release(c.bars + 8 * (cfg::BAR_KV_EMPTY + g % cfg::STAGES));\n", "")
sub("    if constexpr (!RESCALE_CHECK) release(bar(c, BAR_KV_EMPTY + stage));\n", "    release(bar(c, BAR_KV_EMPTY + stage));\n")
sub("        if constexpr (!RESCALE_CHECK) release(bar(c, BAR_KV_EMPTY + stage));  // else after its check\n",
    "        release(bar(c, BAR_KV_EMPTY + stage));\n")
sub("            release(bar(c, BAR_KV_EMPTY + g % STAGES));\n", "", 2)
if len(sys.argv) > 2 and sys.argv[2] == "norepair":
    sub("""            repair_saturated(c, g - c.g0, p);
            warp_scores(c, c.base + OFF_K + stage * KV_BYTES);  // the scores of gn again
""", "")
    sub("            repair_saturated(c, j, p);\n", "")
open(p, "w").write(s)
