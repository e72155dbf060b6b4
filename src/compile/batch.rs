//! Compiling many variants in parallel (rayon), each distinct source once.

use super::{Compiled, Compiler};
use crate::error::Result;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// One variant to compile.
#[derive(Debug, Clone)]
pub struct Job {
    /// How the variant is named to the user (its config).
    pub label: String,
    /// Its entry point.
    pub kernel: String,
    /// Its CUDA source.
    pub source: String,
}

/// Counts over a batch, as printed by `evotune compile --json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    /// Variants in the batch.
    pub variants: usize,
    /// Variants NVRTC compiled in this run.
    pub compiled: usize,
    /// Variants taken from the cache (or sharing the source of another variant).
    pub cached: usize,
    /// Variants that did not compile.
    pub failed: usize,
}

impl BatchSummary {
    /// Counts the outcome of one variant.
    pub fn add(&mut self, c: &Compiled) {
        self.variants += 1;
        match (c.record.ok, c.cached) {
            (false, _) => self.failed += 1,
            (true, true) => self.cached += 1,
            (true, false) => self.compiled += 1,
        }
    }
}

/// Compiles every job in parallel, each distinct source once; results are in job order.
/// `on_done` is called as each distinct source finishes (for progress display).
pub fn compile_all(
    compiler: &Compiler,
    jobs: &[Job],
    on_done: impl Fn(&Compiled) + Sync,
) -> Result<Vec<Compiled>> {
    let keys: Vec<String> = jobs.iter().map(|j| compiler.key(&j.source)).collect();
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        first.entry(k.as_str()).or_insert(i);
    }
    let mut unique: Vec<usize> = first.values().copied().collect();
    unique.sort_unstable();
    let done: Vec<(usize, Compiled)> = unique
        .par_iter()
        .map(|&i| {
            let c = compiler.compile(&jobs[i].kernel, &jobs[i].source)?;
            on_done(&c);
            Ok((i, c))
        })
        .collect::<Result<_>>()?;
    let by_index: HashMap<usize, Compiled> = done.into_iter().collect();
    Ok(keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let owner = first[k.as_str()];
            let mut c = by_index[&owner].clone();
            c.cached |= owner != i;
            c
        })
        .collect())
}
