//! The run report: reads a run folder (no GPU needed), renders `reports/<run_id>.md` from the
//! tera template `report_templates/report.md.tera`, draws its SVG plots beside it, and copies
//! it to `reports/latest.md`. [`multi`] is the report over many problems.

pub mod compare;
mod diagnose;
mod format;
mod load;
mod log;
pub mod multi;
mod roofline;
mod svg;
mod view;

pub use compare::{Baselines, BelowFloor, Speedup, Times, Verdict};
pub use diagnose::{diagnose, Bottleneck};
pub use format::{apart, decimals_apart};
pub use load::{Loaded, RunData};
pub use log::{best_so_far, read_points, LogPoint};
pub use roofline::{ceilings_for, Ceilings, Position};
pub use view::{Context, ReportOptions};

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The report template, compiled into the binary so that a report renders anywhere.
const TEMPLATE: &str = include_str!("../../report_templates/report.md.tera");
/// Its name in error messages.
const TEMPLATE_NAME: &str = "report_templates/report.md.tera";

/// A rendered report: the markdown and the files beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The run id, or the multi-shape report's file stem (the plots' folder).
    pub run_id: String,
    /// The markdown.
    pub markdown: String,
    /// Plot files, by path relative to the reports folder (`<run_id>/<name>.svg`).
    pub files: Vec<(PathBuf, String)>,
}

/// Renders the report of `run`.
pub fn render(run: &RunData, opts: &ReportOptions) -> Result<Rendered> {
    let (plots, files) = plots(run);
    let context = view::build(run, opts, plots);
    let markdown = render_template(TEMPLATE, TEMPLATE_NAME, &context)?;
    Ok(Rendered {
        run_id: context.run_id,
        markdown,
        files,
    })
}

/// `template` (named `name` in errors) rendered with `context`, tera's error chain on failure.
fn render_template(template: &str, name: &str, context: &impl serde::Serialize) -> Result<String> {
    let error = |message: String| Error::Template {
        path: name.into(),
        message,
    };
    let ctx = tera::Context::from_serialize(context).map_err(|e| error(format!("context: {e}")))?;
    tera::Tera::one_off(template, &ctx, false).map_err(|e| {
        let chain = std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join(": ");
        error(chain)
    })
}

/// The plot entries and their SVG files.
fn plots(run: &RunData) -> (Vec<view::Plot>, Vec<(PathBuf, String)>) {
    let id = run.paths.run_id();
    let mut files = Vec::new();
    let mut entries = Vec::new();
    let baselines = Baselines::of(run);
    let lines: Vec<(String, f64)> = run
        .registry
        .roles
        .iter()
        .filter_map(|c| {
            let r = baselines.get(c).ok()?;
            Some((
                format!("{} ({})", c.label, r.baseline),
                Times::of_baseline(r)?.p50_us,
            ))
        })
        .collect();
    let convergence = run
        .log
        .as_ref()
        .map(|pts| svg::convergence(pts, &lines))
        .map_err(Clone::clone);
    entries.push(plot_entry(&id, "convergence", "Convergence (best-so-far vs trial)", convergence, &mut files,
        "kernel-only p50 of each timed trial (dots), best so far (line), failed trials (red marks), baselines (dashed)"));
    let latency = latency_series(run, &baselines);
    entries.push(plot_entry(
        &id,
        "latency",
        "Latency distribution",
        latency,
        &mut files,
        "kernel-only samples (dots: at most 400 per row, evenly spaced): box 25–75th percentile, whiskers 5–95th, median in red",
    ));
    (entries, files)
}

fn plot_entry(
    id: &str,
    name: &str,
    title: &str,
    svg: std::result::Result<String, String>,
    files: &mut Vec<(PathBuf, String)>,
    note: &str,
) -> view::Plot {
    match svg {
        Ok(text) => {
            let rel = format!("{id}/{name}.svg");
            files.push((PathBuf::from(&rel), text));
            view::Plot {
                title: title.into(),
                link: Some(rel),
                note: note.into(),
            }
        }
        Err(why) => view::Plot {
            title: title.into(),
            link: None,
            note: format!("not drawn: {why}"),
        },
    }
}

fn latency_series(run: &RunData, b: &Baselines) -> std::result::Result<String, String> {
    let mut series = Vec::new();
    for (tag, r) in [(" (A)", &b.a), (" (B)", &b.b), ("", &b.vendor)] {
        if let Some(t) = r
            .as_ref()
            .ok()
            .and_then(|r| r.kernel_time.as_ref().map(|t| (r, t)))
        {
            series.push(svg::Series {
                name: format!("{}{tag}", t.0.baseline),
                samples: &t.1.samples_us,
            });
        }
    }
    let topk = run.topk.as_ref().map_err(Clone::clone)?;
    for e in &topk.elites {
        let samples = e
            .kernel_time
            .as_ref()
            .map_or(&[][..], |t| &t.samples_us[..]);
        series.push(svg::Series {
            name: format!("#{}", e.rank),
            samples,
        });
    }
    if series.iter().all(|s| s.samples.is_empty()) {
        return Err("no timing samples in tune/topk.json or the baselines".into());
    }
    Ok(svg::latency(&series))
}

/// Writes `reports_dir/<run_id>.md`, its plots under `reports_dir/<run_id>/`, and a copy as
/// `reports_dir/latest.md` (a copy, not a symlink: it survives zips, Windows and web viewers,
/// and its relative plot links resolve the same way). Returns the report's path.
pub fn write(r: &Rendered, reports_dir: &Path) -> Result<PathBuf> {
    write_files(r, reports_dir)?;
    let path = reports_dir.join(format!("{}.md", r.run_id));
    crate::compile::write_atomic(&path, r.markdown.as_bytes())?;
    crate::compile::write_atomic(&reports_dir.join("latest.md"), r.markdown.as_bytes())?;
    Ok(path)
}

/// Writes the plot files of `r` under `dir`, each whole (a temporary file, then renamed).
fn write_files(r: &Rendered, dir: &Path) -> Result<()> {
    for (rel, text) in &r.files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        crate::compile::write_atomic(&path, text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
