//! The wgmma configurations and ragged problems of the GPU validation test (tests/gpu.rs), in a
//! module of their own so that a CPU test (tests/space_render.rs) checks that every one of them
//! still names the space's parameters: a configuration that stops parsing fails there, on every
//! commit, not first on a GPU machine.
#![allow(dead_code)]

/// Problems with ragged lengths, causal masks, grouped KV heads and a decode step.
/// The last has several query tiles per SM, so persistent CTAs take more than one item each.
pub const PROBLEMS: [&str; 9] = [
    "1,1,1000,64",
    "3,5,777,96",
    "2,4,4097,128",
    "1,3,333,256",
    "1,3,50,64",
    "2,8,63,80,causal,kv_heads=4",
    "1,8,100,128,causal,kv_heads=1",
    "1,4,1,64,causal,kv_heads=1,kv_len=300",
    "2,24,1531,128,causal,kv_heads=8",
];

/// wgmma configurations, each naming every parameter that applies to it.
pub fn configs() -> Vec<String> {
    let reference = "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=128,BLOCK_N=128,STAGES=2,NUM_WARPS=1,\
NUM_PRODUCER_WARPS=0,Q_IN_REGS=true,SWIZZLE=64,VT_SWIZZLE=128,VT_STAGES=2,OVERLAP=false,\
ARRIVE=thread,PINGPONG=false,PRODUCER_REGS=40,KV_SPLITS=1,KEY_WARPGROUPS=1,TRANSPOSE=bytes,\
WAIT=spin,PERSISTENT=false,RESCALE=always";
    let small = "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=64,BLOCK_N=64,STAGES=3,NUM_WARPS=1,NUM_PRODUCER_WARPS=0,\
Q_IN_REGS=true,SWIZZLE=32,VT_SWIZZLE=64,VT_STAGES=1,OVERLAP=true,P_BUFFERS=1,ARRIVE=warp,\
PINGPONG=false,PRODUCER_REGS=40,KV_SPLITS=1,KEY_WARPGROUPS=1,TRANSPOSE=bytes,WAIT=spin,PERSISTENT=false,\
RESCALE=always,TAIL_KEYS=0";
    // The ldmatrix transpose with a persistent grid and suspending waits; the same with three
    // consumer warpgroups (BLOCK_M 192), and overlapped with one consumer.
    // Q_RELEASE "scores" (Q freed once an item's last scores land) on the serial and the
    // overlapped loop.
    let persistent = with(
        &adding(reference, "Q_RELEASE", "item"),
        &[
            ("TRANSPOSE", "ldsm"),
            ("WAIT", "suspend"),
            ("PERSISTENT", "true"),
        ],
    );
    let persistent_early = with(&persistent, &[("Q_RELEASE", "scores")]);
    let three = with(&persistent, &[("BLOCK_M", "192")]);
    let persistent_small = with(
        &adding(small, "Q_RELEASE", "scores"),
        &[("TRANSPOSE", "ldsm"), ("PERSISTENT", "true")],
    );
    // Key splits over a cluster: serial with two splits, and overlapped with four (at S = 333
    // and 64-key tiles the fourth split has no keys).
    let split2 = with(reference, &[("BLOCK_M", "64"), ("KV_SPLITS", "2")]);
    let split4 = with(small, &[("KV_SPLITS", "4")]);
    // Two key warpgroups taking alternate key tiles: serial, and overlapped with four stages.
    let keys2 = with(&split2, &[("KV_SPLITS", "1"), ("KEY_WARPGROUPS", "2")]);
    let keys2_overlapped = with(
        small,
        &[("STAGES", "4"), ("VT_STAGES", "2"), ("KEY_WARPGROUPS", "2")],
    );
    // O rescaled only where a row max grew by more than the slack, with two key warpgroups
    // (their merge reads the lazily kept maxima) and with the key splits' cluster merge.
    let lazy = with(&three, &[("RESCALE", "lazy")]);
    let keys2_lazy = with(&keys2, &[("RESCALE", "lazy")]);
    let split2_lazy = with(&split2, &[("RESCALE", "lazy")]);
    // Ping-pong with exponential turns over the overlapped loop, persistent: P packed after
    // the turn and inside it (PACK), and the long problems' 192-key tile with late row sums
    // (of these problems, valid at D 128 only).
    let exp_turns = "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=128,BLOCK_N=160,STAGES=2,NUM_WARPS=1,\
NUM_PRODUCER_WARPS=0,Q_IN_REGS=true,SWIZZLE=32,VT_SWIZZLE=32,VT_STAGES=2,OVERLAP=true,\
ARRIVE=thread,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,PRODUCER_REGS=40,KV_SPLITS=1,\
KEY_WARPGROUPS=1,TRANSPOSE=ldsm,WAIT=suspend,PERSISTENT=true,Q_RELEASE=item,RESCALE=lazy,TAIL_KEYS=0";
    let packed_in_turn = with(exp_turns, &[("PACK", "turn")]);
    let packed_192_late = with(
        &packed_in_turn,
        &[("BLOCK_N", "192"), ("SWIZZLE", "128"), ("ROWSUM", "late")],
    );
    let early_192 = with(
        exp_turns,
        &[
            ("BLOCK_N", "192"),
            ("SWIZZLE", "128"),
            ("Q_RELEASE", "scores"),
        ],
    );
    // An item's last key tile narrowed to its first TAIL_KEYS keys where no row sees past them
    // (1000 = 6 x 160 + 40, 4097 = 21 x 192 + 65; the causal problems narrow some items' last
    // tiles and not others): 64 keys with PACK "after", 128 with PACK "turn" and late row sums.
    let tail_64 = with(exp_turns, &[("TAIL_KEYS", "64")]);
    let tail_128 = with(&packed_192_late, &[("TAIL_KEYS", "128")]);
    [
        reference.to_string(),
        small.to_string(),
        split2,
        split4,
        keys2,
        keys2_overlapped,
        persistent,
        persistent_early,
        three,
        persistent_small,
        lazy,
        keys2_lazy,
        split2_lazy,
        exp_turns.to_string(),
        packed_in_turn,
        packed_192_late,
        early_192,
        tail_64,
        tail_128,
    ]
    .into()
}

/// `config` (`K=V,...`) with parameter `key` added as `value`.
fn adding(config: &str, key: &str, value: &str) -> String {
    assert!(
        !config
            .split(',')
            .any(|kv| kv.split('=').next() == Some(key)),
        "{config} has {key} already"
    );
    format!("{config},{key}={value}")
}

/// `config` (`K=V,...`) with each named parameter set to its new value, matched by whole name
/// (a name the config lacks panics: the configuration would silently test something else).
fn with(config: &str, changes: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = config
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("K=V");
            (k.to_string(), v.to_string())
        })
        .collect();
    for (key, value) in changes {
        let pair = pairs
            .iter_mut()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("{config} has no {key}"));
        pair.1 = value.to_string();
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}
