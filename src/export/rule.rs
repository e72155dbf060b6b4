//! What an exported kernel can run besides the problem it was tuned at, and the launch grid it
//! needs there.
//!
//! The templates' contracts say what a compiled kernel takes at launch: the sequence lengths,
//! the batch and the heads are arguments (the grid follows S and B·H), while the head dim is
//! compiled in through D_PAD (D rounded up to 32; the mma family also through LOAD_BYTES, its
//! widest load that divides D) and the wgmma family compiles in the causal mask. The mma family
//! runs the plain problem only (no mask, H key/value heads, S keys); the wgmma family needs
//! D % 16 == 0 (TMA strides) and no more key splits than key tiles.
//!
//! [`Accepts`] states that rule and is written into the dispatch table, where the Python package
//! applies the same rule. Before a kernel is offered for other problems, [`Accepts::verify`]
//! checks the rule against the space itself at probe problems around the tuned one: wherever
//! the rule admits a problem, the space must admit it too, launch the grid the rule computes
//! with the same block and shared memory, and render byte-identical source. Where it does not,
//! the kernel serves its own problem only, and the table says why.

use crate::db::Attention as Problem;
use crate::eval::{KernelArgs, Launch};
use crate::kernel::Kernels;
use crate::shape_limits::{MAX_GRID_Y, MAX_SEQ_LEN};
use crate::space::{Config, DeviceLimits, Point, SearchSpace, Value};
use crate::template::Template;
use serde::{Deserialize, Serialize};

/// The problems a kernel can run and the values its grid is computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepts {
    /// The head dim it was compiled for, rounded up to 32: D must round up to the same.
    pub d_pad: u32,
    /// D must be a multiple of this (TMA strides: 16; the mma family: its load width).
    pub d_multiple_of: u32,
    /// The widest of 16, 8, 4 and 1 bytes that divides D must be this (the mma family compiles
    /// its load width in); 0 when any will do.
    pub d_load_bytes: u32,
    /// The causal mask the kernel runs (compiled in).
    pub causal: bool,
    /// Only problems without the mask, with H key/value heads and S keys (the mma family).
    pub plain_only: bool,
    /// Query rows per CTA: the grid's x is ceil(S / BLOCK_M).
    pub block_m: u32,
    /// Keys per tile.
    pub block_n: u32,
    /// CTAs sharing one query tile's keys (the grid's z); at most the key tiles of a problem.
    pub kv_splits: u32,
    /// A persistent grid: min(SMs, query tiles of all heads) CTAs along x, one along y and z.
    pub persistent: bool,
    /// Whether it serves problems other than its own (the rule held at every probe).
    pub reuse: bool,
    /// Why it does not, when it does not; empty otherwise.
    pub note: String,
}

/// The widest load (16, 8, 4 or 1 bytes) that divides `d`: the mma family's LOAD_BYTES.
pub fn widest_load(d: usize) -> u32 {
    [16, 8, 4]
        .into_iter()
        .find(|w| d.is_multiple_of(*w))
        .unwrap_or(1) as u32
}

/// `d` rounded up to a multiple of 32: the templates' D_PAD.
pub fn d_pad(d: usize) -> u32 {
    d.div_ceil(32) as u32 * 32
}

impl Accepts {
    /// The rule of `point` (of `space`, launched as `launch`), before it is verified: a kernel
    /// taking device pointers follows the mma contract, one taking tensor maps the wgmma one.
    pub fn of(point: &Point, launch: &Launch, problem: &Problem) -> Result<Accepts, String> {
        let int = |name: &str| -> Result<u32, String> {
            let v = point.config.int(name).or_else(|| {
                point
                    .derived
                    .get(name)
                    .and_then(crate::space::Value::as_int)
            });
            v.and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| format!("the space gives no integer {name}"))
        };
        let pointers = launch.args == KernelArgs::Pointers;
        let load_bytes = if pointers { int("LOAD_BYTES")? } else { 0 };
        Ok(Accepts {
            d_pad: int("D_PAD")?,
            d_multiple_of: if pointers { load_bytes } else { 16 },
            d_load_bytes: load_bytes,
            causal: problem.causal,
            plain_only: pointers,
            block_m: int("BLOCK_M")?,
            block_n: int("BLOCK_N")?,
            kv_splits: launch.grid[2],
            persistent: point.config.get("PERSISTENT") == Some(&Value::Bool(true)),
            reuse: false,
            note: "not verified".into(),
        })
    }

    /// Whether the kernel can run `p`; the reason when it cannot.
    pub fn check(&self, p: &Problem) -> Result<(), String> {
        let fail = |why: String| Err(why);
        if d_pad(p.head_dim) != self.d_pad {
            return fail(format!(
                "D = {} pads to {}, the kernel to {}",
                p.head_dim,
                d_pad(p.head_dim),
                self.d_pad
            ));
        }
        if !p.head_dim.is_multiple_of(self.d_multiple_of as usize) {
            return fail(format!(
                "D = {} is not a multiple of {}",
                p.head_dim, self.d_multiple_of
            ));
        }
        if self.d_load_bytes != 0 && widest_load(p.head_dim) != self.d_load_bytes {
            return fail(format!(
                "D = {} loads {} bytes at a time, the kernel {}",
                p.head_dim,
                widest_load(p.head_dim),
                self.d_load_bytes
            ));
        }
        self.check_layout(p)?;
        self.check_limits(p)
    }

    /// The mask, the key/value heads and keys, and the key splits.
    fn check_layout(&self, p: &Problem) -> Result<(), String> {
        let plain = !p.causal && p.kv_heads == p.heads && p.kv_len == p.seq_len;
        if self.plain_only && !plain {
            return Err(
                "the kernel runs plain problems only (no mask, H key/value heads, \
                        S keys)"
                    .into(),
            );
        }
        if p.causal != self.causal {
            let mask = |c: bool| if c { "causal" } else { "non-causal" };
            return Err(format!(
                "the problem is {}, the kernel {}",
                mask(p.causal),
                mask(self.causal)
            ));
        }
        if p.kv_heads == 0 || !p.heads.is_multiple_of(p.kv_heads) {
            return Err(format!(
                "{} key/value heads do not divide {} heads",
                p.kv_heads, p.heads
            ));
        }
        if p.causal && p.kv_len < p.seq_len {
            return Err("a causal problem needs at least S keys".into());
        }
        let tiles = p.kv_len.div_ceil(self.block_n as usize);
        if self.kv_splits > 1 && self.kv_splits as usize > tiles {
            return Err(format!(
                "{} key splits over {tiles} key tiles",
                self.kv_splits
            ));
        }
        Ok(())
    }

    /// What a launch can express: positive sizes, 32-bit lengths, the grid's y dimension.
    fn check_limits(&self, p: &Problem) -> Result<(), String> {
        if [p.batch, p.heads, p.seq_len, p.kv_len].contains(&0) {
            return Err("every size must be positive".into());
        }
        if p.seq_len as u128 > MAX_SEQ_LEN || p.kv_len as u128 > MAX_SEQ_LEN {
            return Err(format!("the lengths must be at most {MAX_SEQ_LEN}"));
        }
        if !self.persistent && (p.batch * p.heads) as u128 > MAX_GRID_Y {
            return Err(format!("B·H must be at most {MAX_GRID_Y} (the grid's y)"));
        }
        Ok(())
    }

    /// The grid for `p` on a device of `sm_count` SMs.
    pub fn grid(&self, p: &Problem, sm_count: u32) -> [u32; 3] {
        let tiles = p.seq_len.div_ceil(self.block_m as usize) as u64;
        let heads = (p.batch * p.heads) as u64;
        if self.persistent {
            let ctas = (tiles * heads).min(u64::from(sm_count));
            return [ctas as u32, 1, 1];
        }
        [tiles as u32, heads as u32, self.kv_splits]
    }

    /// Checks the rule against the space at the tuned problem and at probe problems around it,
    /// and sets `reuse` and `note` from what it finds.
    pub fn verify(&mut self, tuned: &Tuned) {
        let outcome = self.verify_at(tuned, &tuned.problem).and_then(|()| {
            probes(&tuned.problem, self.d_pad)
                .iter()
                .filter(|p| self.check(p).is_ok())
                .try_for_each(|p| self.verify_at(tuned, p))
        });
        (self.reuse, self.note) = match outcome {
            Ok(()) => (true, String::new()),
            Err(why) => (false, why),
        };
    }

    /// At `p`: the space admits the config, launches it as the rule says and renders the same
    /// source as at the tuned problem.
    fn verify_at(&self, t: &Tuned, p: &Problem) -> Result<(), String> {
        let at = |why: String| format!("at {}: {why}", p.label());
        let shape = p.shape();
        let point = t
            .space
            .evaluate(t.config, &shape, t.limits)
            .map_err(|e| at(e.to_string()))?;
        if !point.is_valid() {
            return Err(at(format!(
                "the space rejects it ({})",
                point.violated.join("; ")
            )));
        }
        let kernel = Kernels::new(t.space, t.template, &shape, t.limits)
            .kernel(&point)
            .map_err(|e| at(e.to_string()))?;
        let launch = kernel.launch;
        let expected = Launch {
            grid: self.grid(p, t.limits.sm_count as u32),
            ..*t.launch
        };
        if launch != expected {
            return Err(at(format!(
                "the space launches {launch:?}, the rule {expected:?}"
            )));
        }
        if kernel.job.source != t.source {
            return Err(at("the template renders other source".into()));
        }
        Ok(())
    }
}

/// A kernel as tuned at a problem of type `Q` (an attention [`Problem`] by default, a GEMM's
/// for `TunedGemm`): what the rules' `verify` compares the probes with.
pub struct Tuned<'a, Q = Problem> {
    /// Its space.
    pub space: &'a SearchSpace,
    /// The space's templates.
    pub template: &'a Template,
    /// The limits it is evaluated with.
    pub limits: &'a DeviceLimits,
    /// Its config.
    pub config: &'a Config,
    /// The problem it was tuned at.
    pub problem: Q,
    /// Its source there.
    pub source: &'a str,
    /// Its launch there.
    pub launch: &'a Launch,
}

/// Problems around `p` that a kernel compiled for `d_pad` may be asked to run: other sequence
/// and key lengths (ragged ones included), batches, key/value heads, query heads per key/value
/// head, every head dim that pads to `d_pad`, and one problem that changes all of them.
pub fn probes(p: &Problem, d_pad: u32) -> Vec<Problem> {
    let mut out = Vec::new();
    let extra_keys = p.kv_len.saturating_sub(p.seq_len);
    for s in [1, 63, 64, 65, 200, 2 * p.seq_len + 7] {
        let kv_len = if p.kv_len >= p.seq_len {
            s + extra_keys
        } else {
            p.kv_len
        };
        out.push(Problem {
            seq_len: s,
            kv_len,
            ..*p
        });
    }
    for kv_len in [1, 100, 2 * p.kv_len + 3] {
        out.push(Problem { kv_len, ..*p });
    }
    for batch in [1, p.batch + 2] {
        out.push(Problem { batch, ..*p });
    }
    let group = p.heads / p.kv_heads.max(1);
    for (kv_heads, group) in [(1, group), (p.kv_heads + 1, group), (p.kv_heads, 1), (2, 4)] {
        let heads = kv_heads * group;
        out.push(Problem {
            heads,
            kv_heads,
            ..*p
        });
    }
    let low = d_pad.saturating_sub(31).max(1) as usize;
    for head_dim in low..=d_pad as usize {
        out.push(Problem { head_dim, ..*p });
    }
    out.push(Problem {
        batch: 3,
        heads: 6,
        kv_heads: if p.kv_heads == p.heads { 6 } else { 2 },
        seq_len: 77,
        kv_len: if p.kv_len == p.seq_len { 77 } else { 301 },
        ..*p
    });
    out
}
