# Static issue cycles of a wgmma kernel's main loop from the control codes of `nvdisasm -hex -c`:
# the stall count (bits 41..44 of the high word) of each instruction on the hot path (masking,
# the never-taken trap and the rescale skipped), summed. Usage: static_cycles.py kernel.hex.sass [v]
import re,sys,collections
L=open(sys.argv[1]).read().splitlines()
ins=[]; labels={}
i=0
while i < len(L)-1:
    lm=re.match(r'^(\.L_x_\d+):',L[i])
    if lm: labels[lm.group(1)]=len(ins); i+=1; continue
    m=re.match(r'\s*/\*([0-9a-f]+)\*/\s+(.*?);\s*/\* 0x([0-9a-f]{16}) \*/',L[i])
    if m:
        hi=int(re.search(r'/\* 0x([0-9a-f]{16}) \*/',L[i+1]).group(1),16)
        ins.append((int(m.group(1),16),m.group(2).strip(),(hi>>41)&0xf)); i+=2
    else: i+=1
deps=[k for k,x in enumerate(ins) if 'WARPGROUP.DEPBAR.LE gsb0, 0x1' in x[1]]
k0=deps[-1]
# back branch: first unconditional-or-conditional BRA after k0 whose target is before k0
def tgt(t):
    m=re.search(r'`\((\.L_x_\d+)\)',t); return labels.get(m.group(1)) if m else None
path=[]; k=k0; taken_mask=False; seen=0
while k < len(ins) and seen < 3000:
    seen+=1
    a,t,s=ins[k]; path.append(ins[k])
    if 'BRA' in t.split()[0] or ' BRA ' in ' '+t+' ':
        tg=tgt(t)
        if tg is not None and tg < k:  # loop back edge: walk the loop head up to the wait
            for kk in range(tg, k0):
                if kk in range(tg,k0): path.append(ins[kk])
            break
        nxt=ins[k+1][1] if k+1<len(ins) else ''
        if t.startswith('@') and tg is not None:
            if not taken_mask: taken_mask=True; k=tg; continue   # skip masking
            if 'BPT.TRAP' in nxt: k=tg; continue                # never-taken trap
            if 'FMUL' in nxt: k=tg; continue                    # skip rescale
        elif tg is not None: k=tg; continue
    k+=1
c=collections.Counter(); n=collections.Counter()
for a,t,s in path:
    op=[o for o in t.split() if not o.startswith('@')][0].split('.')[0]; c[op]+=s; n[op]+=1
print(f"hot loop: {len(path)} instr, {sum(c.values())} cycles, MUFU {n['MUFU']}")
if len(sys.argv)>2:
    for kk,v in c.most_common(12): print(f"  {kk:10} {n[kk]:4} {v:5}")
