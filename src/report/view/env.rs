//! The run in one paragraph, the environment it ran in, and the commands to reproduce it.

use crate::artifacts::Manifest;
use crate::eval::FlushMode;
use crate::report::format::{shell_join, DASH};
use crate::report::load::RunData;
use serde::Serialize;

/// A labelled value.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// The label.
    pub key: String,
    /// The value.
    pub value: String,
}

fn pair(key: &str, value: Option<String>) -> Pair {
    Pair {
        key: key.into(),
        value: value.unwrap_or_else(|| DASH.into()),
    }
}

/// Lines about the run: shape, space, search, trials.
pub fn summary(run: &RunData) -> Vec<String> {
    let mut out = Vec::new();
    match &run.manifest {
        Ok(m) => {
            out.push(format!(
                "{}, space `{}`, arch {}, started {} UTC; measurements from {}.",
                capitalized(&m.shape.labelled()),
                m.space.display(),
                m.arch,
                m.started_utc,
                m.evaluator
            ));
            if let Some(s) = &m.stand_in {
                out.push(format!("Stand-in: {}.", s.note));
            }
            out.push(format!(
                "Search: budget {}, seed {}, population {}, elites {}. Tolerance: |out − ref| ≤ {} + {}·|ref|.",
                m.search.budget, m.search.seed, m.search.ga.population, m.search.ga.elites,
                m.tolerance.atol, m.tolerance.rtol
            ));
        }
        Err(e) => out.push(format!("No manifest: {e}.")),
    }
    if let Ok(t) = &run.topk {
        out.push(format!(
            "{} trials, {} failed; kernel `{}`; {:.3} GFLOP {}.",
            t.trials,
            t.failures,
            t.kernel,
            t.flops / 1e9,
            run.registry.flops_per
        ));
    }
    out
}

/// Every distinct timing method of the run's baselines and elites, e.g. "kernel-only: CUDA
/// graph replay, L2 flushed ...", in the order first seen. Methods that differ only in their
/// repetition count are one line with the range ("157–574 reps after 10 warm-up replays").
pub fn timing_methods(run: &RunData) -> Vec<String> {
    let mut methods = super::methods::MethodList::default();
    for r in run.baselines.iter().filter_map(|(_, r)| r.as_ref().ok()) {
        methods.add(r.kernel_time.as_ref());
        methods.add(r.call_time.as_ref());
        methods.add(r.warm_kernel_time.as_ref());
    }
    if let Ok(t) = &run.topk {
        for e in &t.elites {
            methods.add(e.kernel_time.as_ref());
            methods.add(e.call_time.as_ref());
        }
        for c in t.elites.iter().filter_map(|e| e.confirmed.as_ref()) {
            methods.add(c.warm_kernel_time.as_ref());
        }
    }
    methods.lines()
}

/// GPU, driver, CUDA, NVRTC, clocks, host and versions from manifest.json.
pub fn environment(run: &RunData) -> Vec<Pair> {
    let Ok(m) = &run.manifest else {
        return vec![pair("manifest.json", run.manifest.as_ref().err().cloned())];
    };
    let e = &m.environment;
    let mhz = |v: Option<u32>| v.map(|x| format!("{x} MHz (at the start of the run)"));
    let timing = m.timing.map(|t| {
        format!(
            "warm-up {}, ≥{} reps, L2 {}",
            t.warmup,
            t.reps,
            match t.flush_mode() {
                FlushMode::None => "not flushed".to_string(),
                FlushMode::Memset => "flushed before each rep".to_string(),
                mode => format!("flushed before each rep ({})", mode.name()),
            }
        )
    });
    vec![
        pair("GPU", e.gpu.clone()),
        pair("Driver", e.driver.clone()),
        pair("CUDA (driver)", e.cuda.clone()),
        pair("NVRTC", e.nvrtc.clone()),
        pair("SM clock", mhz(e.sm_clock_mhz)),
        pair("Memory clock", mhz(e.mem_clock_mhz)),
        pair("Host", e.host.clone()),
        pair("evotune", Some(version_line(m))),
        pair("Git commit", m.git_commit.clone()),
        pair("Timing", timing),
    ]
}

/// "0.1.0", and the commit it was built from where the manifest says.
fn version_line(m: &Manifest) -> String {
    match &m.build_commit {
        Some(c) => format!("{} (built from {c})", m.evotune_version),
        None => m.evotune_version.clone(),
    }
}

/// The run's command line with the program named `evotune`, as the other commands are: the
/// path it was started by (e.g. `./target/release/evotune`) says nothing about the run.
fn as_evotune(command: &[String]) -> Vec<String> {
    let mut out = command.to_vec();
    if let Some(program) = out.first_mut() {
        *program = "evotune".into();
    }
    out
}

/// The exact commands: baselines into the run's own folder (its `--out`), the run's own
/// command line, then profile and report of that folder.
pub fn reproduce(run: &RunData, run_arg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dir = run_arg.to_string();
    if let Ok(m) = &run.manifest {
        let given = m
            .command
            .windows(2)
            .find(|w| w[0] == "--out")
            .map(|w| w[1].clone());
        dir = given.unwrap_or(dir);
        out.push(format!(
            "evotune baseline {} --out {dir}",
            m.shape.flag_text()
        ));
        out.push(shell_join(&as_evotune(&m.command)));
    }
    out.push(format!("evotune ncu --run {dir}"));
    out.push(format!("evotune report --run {dir}"));
    if let Some((m, shape)) = run
        .manifest
        .as_ref()
        .ok()
        .and_then(|m| Some((m, m.shape.sdpa()?)))
    {
        out.push(format!(
            "# or all of it: SHAPE={shape} BUDGET={} ./repro.sh",
            m.search.budget
        ));
    }
    out
}

/// `text` with its first letter in upper case ("shape …" → "Shape …").
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}
