//! The multi-shape report: many tuned problems (a sweep folder's, or the tuning database's) in
//! one markdown file rendered from `report_templates/multi.md.tera`, with SVG plots of TFLOP/s
//! against head dim and sequence length beside it; cliffs, the crossover between evotune and
//! the baselines, and what padding D = 107 to 112 or 128 would give. GEMMs get their own
//! vendor kernel's ratio and their cliffs along M, N or K ([`GEMM_CLIFF_FALL`]).

mod cliffs;
mod crossover;
mod gemm_cliffs;
mod groups;
mod model;
mod padding;
mod plots;
mod sections;
mod source;
mod table;
mod view;

pub use cliffs::{falls, Cliff, CLIFF_DROP};
pub use crossover::{winner, Win};
pub use gemm_cliffs::{gemm_cliffs, GemmCliff, GEMM_CLIFF_FALL};
pub use groups::{groups, pattern, Group, Varying};
pub use model::{methods, vendors, BaselineResult, Best, Method, ProblemResult, Time, Tuned};
pub use padding::{effective_tflops, trios, PadRow, Trio, PADDED_D, UNPADDED_D};
pub use source::family;
pub use view::{MultiContext, MultiOptions};

use super::{render_template, write_files, Rendered};
use crate::error::Result;
use std::path::{Path, PathBuf};

/// The report template, compiled into the binary so that a report renders anywhere.
const TEMPLATE: &str = include_str!("../../../report_templates/multi.md.tera");
/// Its name in error messages.
const TEMPLATE_NAME: &str = "report_templates/multi.md.tera";

/// Renders the report of `problems` (the markdown and its plots, nothing written).
pub fn render(problems: &[ProblemResult], opts: &MultiOptions) -> Result<Rendered> {
    let (context, files) = view::build(problems, opts);
    let markdown = render_template(TEMPLATE, TEMPLATE_NAME, &context)?;
    Ok(Rendered {
        run_id: opts.stem.clone(),
        markdown,
        files,
    })
}

/// Writes the plots beside `path` (under `<its folder>/<stem>/`), then the markdown at `path`
/// (each file written whole, so a reader never sees a half-written one). Returns `path`.
pub fn write(r: &Rendered, path: &Path) -> Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new(""));
    write_files(r, dir)?;
    crate::compile::write_atomic(path, r.markdown.as_bytes())?;
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod gemm_tests;
#[cfg(test)]
mod tests;
