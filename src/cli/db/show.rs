//! What `evotune db list` and `db show` print: one line per row, or one row in full.

use super::args::ShowArgs;
use crate::cli::inputs::flagged;
use crate::db::{best_fresh, Freshness, FreshnessCheck, Problem, TuningRow};
use crate::error::Error;
use crate::matmul::Gemm;
use crate::shape::Shape;
use std::path::Path;

/// The widths of `db list`'s problem and GPU columns: their titles' defaults, or the longest
/// entry of the rows listed (a causal GQA or GEMM label is longer than an SDPA shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    problem: usize,
    gpu: usize,
}

impl Columns {
    /// Wide enough for every row of `rows`.
    pub fn fitting(rows: &[TuningRow]) -> Columns {
        let widest = |min: usize, len: &dyn Fn(&TuningRow) -> usize| {
            rows.iter().map(len).fold(min, usize::max)
        };
        Columns {
            problem: widest(16, &|r| r.problem.label().chars().count()),
            gpu: widest(24, &|r| r.gpu.chars().count()),
        }
    }
}

/// The column titles of `list_line`.
pub fn list_header(c: Columns) -> String {
    format!(
        "{:>4}  {:<15}  {:<pw$}  {:<gw$}  {:>10}  {:<22}  status",
        "id",
        "recorded (UTC)",
        "problem",
        "gpu",
        "p50 µs",
        "95% CI µs",
        pw = c.problem,
        gw = c.gpu
    )
}

/// One row: id, time, problem, GPU, p50 with its CI, fresh or stale.
pub fn list_line(r: &TuningRow, f: &Freshness, c: Columns) -> String {
    format!(
        "{:>4}  {:<15}  {:<pw$}  {:<gw$}  {:>10.3}  {:<22}  {}",
        r.id.unwrap_or(0),
        r.created_utc,
        r.problem.label(),
        r.gpu,
        r.kernel_p50_us,
        interval(r.ci_lo_us, r.ci_hi_us),
        f.label(),
        pw = c.problem,
        gw = c.gpu
    )
}

fn interval(lo: Option<f64>, hi: Option<f64>) -> String {
    match (lo, hi) {
        (Some(lo), Some(hi)) => format!("[{lo:.3}, {hi:.3}]"),
        _ => "-".into(),
    }
}

/// `db show ID`, `db show --shape B,H,S,D [--gpu TEXT]` or `db show --gemm M,N,K [--gpu
/// TEXT]`: the problem is checked before the database at `path` is opened, read-only.
pub fn run(path: &Path, a: &ShowArgs) -> anyhow::Result<()> {
    let problem = asked_problem(a)?;
    let d = &super::open_to_read(path)?;
    let mut check = FreshnessCheck::new();
    if let Some(id) = a.id {
        let row = d.get(id).map_err(super::failed(d.path()))?.ok_or_else(|| {
            Error::flag(
                "db show",
                format!("{id}: no such row in {}", d.path().display()),
            )
        })?;
        let f = check.of(&row);
        return print_row(&row, &f, a.json);
    }
    let problem = problem.expect("clap requires an id, --shape or --gemm");
    let mut rows = d.history(&problem, None).map_err(super::failed(d.path()))?;
    if let Some(gpu) = &a.gpu {
        rows.retain(|r| r.gpu.contains(gpu.as_str()));
    }
    let best = best_fresh(&rows, &mut check).cloned();
    if a.json {
        let json = serde_json::json!({"best": best, "history": rows});
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    match &best {
        Some(b) => print_row(b, &Freshness::Fresh, false)?,
        None => println!("no fresh row for {}", problem.spec()),
    }
    let columns = Columns::fitting(&rows);
    println!("\nhistory ({} rows):\n{}", rows.len(), list_header(columns));
    for r in &rows {
        println!("{}", list_line(r, &check.of(r), columns));
    }
    Ok(())
}

/// The problem of `--shape` or `--gemm`, checked (an error names the flag).
fn asked_problem(a: &ShowArgs) -> crate::Result<Option<Problem>> {
    if let Some(text) = &a.gemm {
        let gemm: Gemm = text.parse().map_err(flagged)?;
        return Ok(Some(Problem::Gemm(gemm)));
    }
    let shape = a.shape.as_deref().map(Shape::parse).transpose()?;
    Ok(shape.as_ref().map(Problem::of_shape))
}

fn print_row(r: &TuningRow, f: &Freshness, json: bool) -> anyhow::Result<()> {
    if json {
        let v = serde_json::json!({"row": r, "fresh": f.is_fresh(), "status": f.label()});
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let num = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:.4}"));
    println!(
        "row {} ({}), recorded {}",
        r.id.unwrap_or(0),
        f.label(),
        r.created_utc
    );
    println!("problem     {}", r.problem.label());
    println!(
        "device      {} (compute {}, {}), driver {}, CUDA {}, NVRTC {}, host {}",
        r.gpu,
        r.compute_capability,
        r.arch,
        opt(&r.driver),
        opt(&r.cuda),
        opt(&r.nvrtc),
        opt(&r.host)
    );
    println!("best        {}", r.config);
    println!(
        "kernel p50  {:.3} µs, CI {}, confirmed {} (mean {}), per call {}",
        r.kernel_p50_us,
        interval(r.ci_lo_us, r.ci_hi_us),
        interval(r.confirmed_lo_us, r.confirmed_hi_us),
        num(r.confirmed_mean_us),
        num(r.call_p50_us)
    );
    println!(
        "validation  max_abs {}, rel_l2 {}, rel_l2 vs full precision {}",
        num(r.max_abs),
        num(r.rel_l2),
        num(r.rel_l2_vs_full)
    );
    for b in &r.baselines {
        println!(
            "baseline    {:<12} {:<12} kernel {} µs, per call {} µs",
            b.name,
            b.status,
            num(b.kernel_p50_us),
            num(b.call_p50_us)
        );
    }
    println!(
        "search      {} trials, {} failed, overrides {}, {}",
        r.trials, r.failures, r.overrides, r.evaluator
    );
    println!("space       {} (sha256 {})", r.space_path, r.space_hash);
    println!(
        "template    {} (sha256 {})",
        r.template_path, r.template_hash
    );
    println!("build       {}", opt(&r.build_commit));
    println!("run         {}", r.run_dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::tests::row;

    #[test]
    fn db_list_widens_its_columns_to_the_longest_problem_and_gpu() {
        let dir = tempfile::tempdir().unwrap();
        let short = row(dir.path(), (2, 8, 512, 64), 10.0, "20261205-010000");
        let mut gemm = row(dir.path(), (2, 8, 512, 64), 800.0, "20261205-020000");
        gemm.problem = Problem::Gemm("16384,16384,16384".parse().unwrap());
        gemm.gpu = "NVIDIA H200 NVL with a long board name".into();
        let rows = [short, gemm];
        let c = Columns::fitting(&rows);
        let fresh = FreshnessCheck::new().of(&rows[0]);
        let lines: Vec<String> = std::iter::once(list_header(c))
            .chain(rows.iter().map(|r| list_line(r, &fresh, c)))
            .collect();
        // The p50 column starts at the same place on every line, however long the problem.
        let at = |line: &str, what: &str| line.find(what).unwrap();
        let ends: Vec<usize> = [
            ("p50 µs", &lines[0]),
            ("10.000", &lines[1]),
            ("800.000", &lines[2]),
        ]
        .iter()
        .map(|(what, line)| line[..at(line, what) + what.len()].chars().count())
        .collect();
        assert!(ends.iter().all(|&e| e == ends[0]), "{lines:#?}");
        assert!(lines[2].contains(&rows[1].problem.label()), "{}", lines[2]);
        assert_eq!(
            Columns::fitting(&rows[..1]),
            Columns {
                problem: 16,
                gpu: 24
            }
        );
    }
}
