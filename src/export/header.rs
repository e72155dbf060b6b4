//! `dispatch.h`: the dispatch table as a C header (a static array of structs for the attention
//! kernels and one for the GEMM kernels), rendered from `export_templates/dispatch.h.tera`.

use super::gemm::{GemmEntry, GemmTable};
use super::table::{DispatchTable, Entry};
use crate::error::{Error, Result};
use serde::Serialize;

const TEMPLATE: &str = include_str!("../../export_templates/dispatch.h.tera");
const TEMPLATE_NAME: &str = "export_templates/dispatch.h.tera";

/// One entry as the header's initializer spells it: strings quoted and escaped for C, numbers
/// written out.
#[derive(Serialize)]
struct Row {
    id: String,
    cubin: String,
    entry_point: String,
    family: String,
    args: &'static str,
    problem: String,
    grid: String,
    block: String,
    smem_bytes: u32,
    tma: String,
    accepts: String,
    kernel_p50_us: String,
    label: String,
}

/// One GEMM entry as the header's initializer spells it.
#[derive(Serialize)]
struct GemmRow {
    id: String,
    cubin: String,
    entry_point: String,
    problem: String,
    grid: String,
    block: String,
    smem_bytes: u32,
    cluster: String,
    tma: String,
    workspace_floats: String,
    counters: String,
    rule: String,
    kernel_p50_us: String,
    label: String,
}

/// The header's text.
pub fn render(table: &DispatchTable) -> Result<String> {
    let rows: Vec<Row> = table.entries.iter().map(row).collect();
    let gemm_rows: Vec<GemmRow> = table.gemm_entries().iter().map(gemm_row).collect();
    let gemm = table
        .gemm
        .clone()
        .unwrap_or_else(|| GemmTable::of(Vec::new()));
    let mut ctx = tera::Context::new();
    ctx.insert("device", &comment(&table.device));
    ctx.insert("arch", &comment(&table.arch));
    ctx.insert("database", &comment(&table.database));
    ctx.insert("commit", &comment(&table.evotune_commit));
    ctx.insert("atol", &table.tolerance.atol);
    ctx.insert("rtol", &table.tolerance.rtol);
    ctx.insert("sm_count", &table.sm_count);
    ctx.insert("arguments", &table.arguments.join(", "));
    ctx.insert("sdpa_count", &count("evotune_sdpa_kernels", rows.len()));
    ctx.insert(
        "gemm_count",
        &count("evotune_gemm_kernels", gemm_rows.len()),
    );
    ctx.insert("rows", &or_placeholder(rows, Row::placeholder));
    ctx.insert(
        "gemm_rows",
        &or_placeholder(gemm_rows, GemmRow::placeholder),
    );
    ctx.insert("gemm_arguments", &gemm.arguments.join(", "));
    ctx.insert("gemm_atol", &gemm.tolerance.atol);
    ctx.insert("gemm_rtol", &gemm.tolerance.rtol);
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![]);
    tera.add_raw_template(TEMPLATE_NAME, TEMPLATE)
        .and_then(|()| tera.render(TEMPLATE_NAME, &ctx))
        .map_err(|e| crate::template::template_error(std::path::Path::new(TEMPLATE_NAME), &e))
        .map_err(|e| Error::Other(e.to_string()))
}

fn row(e: &Entry) -> Row {
    let p = &e.problem;
    let a = &e.accepts;
    let tma = e.tma.map_or([0; 3], |t| [t.swizzle, t.q_rows, t.kv_rows]);
    Row {
        id: c_string(&e.id),
        cubin: c_string(&e.cubin),
        entry_point: c_string(&e.entry_point),
        family: c_string(&e.family),
        args: if e.tma.is_some() {
            "EVOTUNE_ARGS_TENSOR_MAPS"
        } else {
            "EVOTUNE_ARGS_POINTERS"
        },
        problem: format!(
            "{}, {}, {}, {}, {}, {}, {}",
            p.b,
            p.h,
            p.s,
            p.d,
            u8::from(p.causal),
            p.kv_heads,
            p.kv_len
        ),
        grid: braces(&e.grid),
        block: braces(&e.block),
        smem_bytes: e.smem_bytes,
        tma: braces(&tma),
        accepts: format!(
            "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}",
            a.d_pad,
            a.d_multiple_of,
            a.d_load_bytes,
            u8::from(a.causal),
            u8::from(a.plain_only),
            a.block_m,
            a.block_n,
            a.kv_splits,
            u8::from(a.persistent),
            u8::from(a.reuse)
        ),
        kernel_p50_us: format!("{:.3}", e.tuned.kernel_p50_us),
        label: comment(&e.label),
    }
}

/// The COUNT macro's value: the array's length, or 0 for the placeholder of an empty list.
fn count(array: &str, n: usize) -> String {
    if n == 0 {
        return "0".into();
    }
    format!("(sizeof({array}) / sizeof({array}[0]))")
}

/// `rows`, or one zeroed placeholder when there are none (C has no empty arrays).
fn or_placeholder<R>(rows: Vec<R>, placeholder: fn() -> R) -> Vec<R> {
    if rows.is_empty() {
        return vec![placeholder()];
    }
    rows
}

impl Row {
    /// Every field zero, the strings null.
    fn placeholder() -> Row {
        Row {
            id: "0".into(),
            cubin: "0".into(),
            entry_point: "0".into(),
            family: "0".into(),
            args: "0",
            problem: zeros(7),
            grid: braces(&[0; 3]),
            block: braces(&[0; 3]),
            smem_bytes: 0,
            tma: braces(&[0; 3]),
            accepts: zeros(10),
            kernel_p50_us: "0.0".into(),
            label: "no attention kernels".into(),
        }
    }
}

fn gemm_row(e: &GemmEntry) -> GemmRow {
    let (p, r, t) = (&e.problem, &e.rule, &e.tma);
    GemmRow {
        id: c_string(&e.id),
        cubin: c_string(&e.cubin),
        entry_point: c_string(&e.entry_point),
        problem: format!("{}, {}, {}", p.m, p.n, p.k),
        grid: braces(&e.grid),
        block: braces(&e.block),
        smem_bytes: e.smem_bytes,
        cluster: braces(&e.cluster),
        tma: braces(&[t.swizzle, t.a_rows, t.b_rows]),
        workspace_floats: format!("{}ull", e.workspace_floats),
        counters: format!("{}ull", e.counters),
        rule: format!(
            "{}, {}, {}, {}, {}, {}, {}, {}",
            r.block_m,
            r.block_n,
            r.cluster_m,
            r.cluster_n,
            r.split_k,
            u8::from(r.persistent),
            r.consumers,
            u8::from(r.reuse)
        ),
        kernel_p50_us: format!("{:.3}", e.tuned.kernel_p50_us),
        label: comment(&e.label),
    }
}

impl GemmRow {
    /// Every field zero, the strings null.
    fn placeholder() -> GemmRow {
        GemmRow {
            id: "0".into(),
            cubin: "0".into(),
            entry_point: "0".into(),
            problem: zeros(3),
            grid: braces(&[0; 3]),
            block: braces(&[0; 3]),
            smem_bytes: 0,
            cluster: braces(&[0; 3]),
            tma: braces(&[0; 3]),
            workspace_floats: "0ull".into(),
            counters: "0ull".into(),
            rule: zeros(8),
            kernel_p50_us: "0.0".into(),
            label: "no GEMM kernels".into(),
        }
    }
}

/// `0, 0, ...`, `n` of them.
fn zeros(n: usize) -> String {
    vec!["0"; n].join(", ")
}

fn braces(v: &[u32; 3]) -> String {
    format!("{{{}, {}, {}}}", v[0], v[1], v[2])
}

/// `s` as a C string literal.
fn c_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// `s` safe inside a C block comment (neither ending it nor opening another), on one line.
fn comment(s: &str) -> String {
    s.replace("*/", "* /")
        .replace("/*", "/ *")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_c() {
        assert_eq!(c_string("b2_h8"), "\"b2_h8\"");
        assert_eq!(c_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(c_string("µ"), "\"\\302\\265\"");
        assert_eq!(comment("x */ y\nz /*"), "x * / y z / *");
    }
}
