//! The mapping between a row and the columns of `tunings`: the order they are read and written
//! in, and a problem as its operation's columns (the other operation's left NULL).

use super::result::{err, DbResult};
use super::row::{Attention, Problem, TuningRow};
use crate::matmul::Gemm;
use rusqlite::{params, Row, Transaction};

/// The columns of `tunings` after `id`, in the order `read_row` and `insert_row` use.
pub(super) const COLUMNS: &str =
    "id, created_utc, batch, heads, seq_len, head_dim, causal, kv_heads, \
    kv_len, gpu, compute_capability, arch, driver, cuda, nvrtc, host, space_path, space_hash, \
    template_path, template_hash, overrides, build_commit, evaluator, config, kernel_p50_us, \
    ci_lo_us, ci_hi_us, call_p50_us, confirmed_lo_us, confirmed_hi_us, confirmed_mean_us, \
    max_abs, rel_l2, rel_l2_vs_full, trials, failures, run_dir, operation, m, n, k";

/// The columns of `COLUMNS` that version 1 lacked.
pub(super) const PROBLEM_COLUMNS: &str = "operation, m, n, k";

/// Adds `row` and its baselines; `None` when a row of the same content is there already.
pub(super) fn insert_row(tx: &Transaction, row: &TuningRow) -> DbResult<Option<i64>> {
    let p = ProblemColumns::of(&row.problem);
    let sql = format!(
        "INSERT OR IGNORE INTO tunings (fingerprint, {}) VALUES (?1, {})",
        &COLUMNS[4..],
        (2..=41)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let added = tx
        .execute(
            &sql,
            rusqlite::params_from_iter([
                &row.fingerprint() as &dyn rusqlite::ToSql,
                &row.created_utc,
                &p.attention[0],
                &p.attention[1],
                &p.attention[2],
                &p.attention[3],
                &p.causal,
                &p.attention[4],
                &p.attention[5],
                &row.gpu,
                &row.compute_capability,
                &row.arch,
                &row.driver,
                &row.cuda,
                &row.nvrtc,
                &row.host,
                &row.space_path,
                &row.space_hash,
                &row.template_path,
                &row.template_hash,
                &row.overrides,
                &row.build_commit,
                &row.evaluator,
                &row.config,
                &row.kernel_p50_us,
                &row.ci_lo_us,
                &row.ci_hi_us,
                &row.call_p50_us,
                &row.confirmed_lo_us,
                &row.confirmed_hi_us,
                &row.confirmed_mean_us,
                &row.max_abs,
                &row.rel_l2,
                &row.rel_l2_vs_full,
                &(row.trials as i64),
                &(row.failures as i64),
                &row.run_dir,
                &p.operation,
                &p.gemm[0],
                &p.gemm[1],
                &p.gemm[2],
            ]),
        )
        .map_err(err)?;
    if added == 0 {
        return Ok(None);
    }
    let id = tx.last_insert_rowid();
    for b in &row.baselines {
        tx.execute(
            "INSERT INTO tuning_baselines (tuning_id, name, status, kernel_p50_us, call_p50_us) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, b.name, b.status, b.kernel_p50_us, b.call_p50_us],
        )
        .map_err(err)?;
    }
    Ok(Some(id))
}

/// The row at the cursor, read with [`COLUMNS`] (its baselines left empty).
pub(super) fn read_row(r: &Row) -> rusqlite::Result<TuningRow> {
    let n = |i: usize| -> rusqlite::Result<usize> { Ok(r.get::<_, i64>(i)? as usize) };
    Ok(TuningRow {
        id: Some(r.get(0)?),
        created_utc: r.get(1)?,
        problem: read_problem(r)?,
        gpu: r.get(9)?,
        compute_capability: r.get(10)?,
        arch: r.get(11)?,
        driver: r.get(12)?,
        cuda: r.get(13)?,
        nvrtc: r.get(14)?,
        host: r.get(15)?,
        space_path: r.get(16)?,
        space_hash: r.get(17)?,
        template_path: r.get(18)?,
        template_hash: r.get(19)?,
        overrides: r.get(20)?,
        build_commit: r.get(21)?,
        evaluator: r.get(22)?,
        config: r.get(23)?,
        kernel_p50_us: r.get(24)?,
        ci_lo_us: r.get(25)?,
        ci_hi_us: r.get(26)?,
        call_p50_us: r.get(27)?,
        confirmed_lo_us: r.get(28)?,
        confirmed_hi_us: r.get(29)?,
        confirmed_mean_us: r.get(30)?,
        max_abs: r.get(31)?,
        rel_l2: r.get(32)?,
        rel_l2_vs_full: r.get(33)?,
        trials: n(34)?,
        failures: n(35)?,
        run_dir: r.get(36)?,
        baselines: Vec::new(),
    })
}

/// A row's problem as the columns hold it: the operation's name, the attention sizes (B, H, S,
/// D, KV heads, KV length) and causal flag, the GEMM's M, N, K; NULL where not its operation's.
struct ProblemColumns {
    operation: &'static str,
    attention: [Option<i64>; 6],
    causal: Option<bool>,
    gemm: [Option<i64>; 3],
}

impl ProblemColumns {
    fn of(problem: &Problem) -> Self {
        let int = |v: usize| Some(v as i64);
        match problem {
            Problem::Sdpa(p) => ProblemColumns {
                operation: "sdpa",
                attention: [
                    p.batch, p.heads, p.seq_len, p.head_dim, p.kv_heads, p.kv_len,
                ]
                .map(int),
                causal: Some(p.causal),
                gemm: [None; 3],
            },
            Problem::Gemm(g) => ProblemColumns {
                operation: "gemm",
                attention: [None; 6],
                causal: None,
                gemm: [g.m, g.n, g.k].map(int),
            },
        }
    }
}

/// The problem of a row read with [`COLUMNS`] (the operation at 37, M, N, K after it).
fn read_problem(r: &Row) -> rusqlite::Result<Problem> {
    let n = |i: usize| -> rusqlite::Result<usize> { Ok(r.get::<_, i64>(i)? as usize) };
    let operation: String = r.get(37)?;
    Ok(match operation.as_str() {
        "gemm" => Problem::Gemm(Gemm {
            m: n(38)?,
            n: n(39)?,
            k: n(40)?,
        }),
        _ => Problem::Sdpa(Attention {
            batch: n(2)?,
            heads: n(3)?,
            seq_len: n(4)?,
            head_dim: n(5)?,
            causal: r.get(6)?,
            kv_heads: n(7)?,
            kv_len: n(8)?,
        }),
    })
}
