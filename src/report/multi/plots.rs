//! The plots of TFLOP/s against head dim and against sequence length, one per group of problems
//! that differ only in that dimension, one line per method; cliffs circled on the head-dim ones.

use super::cliffs::Cliff;
use super::groups::{Group, Varying};
use super::model::Method;
use super::sections::fall_text;
use crate::op::REGISTRY;
use crate::report::plot_entry;
use crate::report::svg::{lines, Line, LinePlot, Mark};
use crate::report::view::Plot;
use std::path::PathBuf;

/// The plot entries of `groups` and their SVG files (under `stem/`).
pub fn plots(
    groups: &[Group],
    methods: &[Method],
    cliffs: &[Cliff],
    stem: &str,
) -> (Vec<Plot>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let entries = groups
        .iter()
        .map(|g| {
            let (name, title, note) = names(g);
            plot_entry(
                stem,
                &name,
                &title,
                svg(g, methods, cliffs),
                &mut files,
                &note,
            )
        })
        .collect();
    (entries, files)
}

/// File name, title and caption of a group's plot.
fn names(g: &Group) -> (String, String, String) {
    let slug: String = g
        .label
        .chars()
        .filter(|c| *c != '=')
        .map(|c| if c == ',' { '-' } else { c })
        .collect();
    let (what, letter) = match g.varying {
        Varying::HeadDim => ("head dim", "d"),
        Varying::SeqLen => ("sequence length", "s"),
        Varying::M => ("M", "m"),
        Varying::N => ("N", "n"),
        Varying::K => ("K", "k"),
    };
    let mut note = format!("kernel-only TFLOP/s of each method at {}", g.label);
    if g.varying == Varying::HeadDim {
        note.push_str("; falls of more than 10 % circled in red");
    }
    let floor = REGISTRY.floor();
    if g.members
        .iter()
        .any(|p| floor.is_some_and(|f| p.baseline(f).is_some()))
    {
        note.push_str("; the floor (not attention) dashed");
    }
    (
        format!("tflops-vs-{letter}-{slug}"),
        format!("TFLOP/s against {what}: {}", g.label),
        note,
    )
}

fn svg(g: &Group, methods: &[Method], cliffs: &[Cliff]) -> Result<String, String> {
    let series: Vec<Line> = methods
        .iter()
        .map(|m| Line {
            name: m.name().to_string(),
            points: g
                .points(m)
                .into_iter()
                .map(|(x, y)| (x as f64, y))
                .collect(),
            dashed: !m.is_attention(),
        })
        .filter(|l| !l.points.is_empty())
        .collect();
    if series.is_empty() {
        return Err(format!("no method measured any problem of {}", g.label));
    }
    let marks: Vec<Mark> = cliffs
        .iter()
        .filter(|c| g.varying == Varying::HeadDim && c.group == g.label)
        .map(|c| Mark {
            x: c.to_d as f64,
            y: c.to_tflops,
            note: format!("{} {}", c.method.name(), fall_text(c.drop())),
        })
        .collect();
    let x_label = match g.varying {
        Varying::HeadDim => "head dim D",
        Varying::SeqLen => "sequence length S (log scale)",
        Varying::M => "M",
        Varying::N => "N",
        Varying::K => "K",
    };
    Ok(lines(&LinePlot {
        title: &format!("TFLOP/s at {}", g.label),
        x_label,
        y_label: "TFLOP/s (kernel-only)",
        log2_x: g.varying == Varying::SeqLen,
        lines: &series,
        marks: &marks,
    }))
}
