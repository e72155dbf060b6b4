//! The convergence plot: every timed trial as a dot, the best-so-far as a step line, failed
//! trials as red marks on the axis, and the baselines as dashed lines.

use super::{axes, Axis, Svg, MARGIN};
use crate::report::log::{best_so_far, LogPoint};

const SIZE: (f64, f64) = (720.0, 400.0);

/// The plot of `points`, with `baselines` (label, kernel-only p50 µs) drawn across it.
pub fn convergence(points: &[LogPoint], baselines: &[(String, f64)]) -> String {
    let mut svg = Svg::new(SIZE.0, SIZE.1, "Convergence: kernel-only p50 per trial");
    let ok: Vec<(usize, f64)> = points
        .iter()
        .filter(|p| p.is_ok())
        .map(|p| (p.trial, p.p50_us.unwrap_or(0.0)))
        .collect();
    let top = ok
        .iter()
        .map(|p| p.1)
        .chain(baselines.iter().map(|b| b.1))
        .fold(1.0, f64::max);
    let last = points.iter().map(|p| p.trial).max().unwrap_or(1).max(1);
    let x = Axis::new(0.0, last as f64, MARGIN.0, SIZE.0 - MARGIN.1);
    let y = Axis::new(0.0, top * 1.08, SIZE.1 - MARGIN.3, MARGIN.2);
    axes(&mut svg, &x, &y, ("trial", "kernel-only p50 (µs)"));
    for (label, us) in baselines {
        let dash = "stroke=\"#888\" stroke-dasharray=\"6 4\"";
        svg.line((x.px(0.0), y.px(*us)), (x.px(last as f64), y.px(*us)), dash);
        svg.text(
            x.px(last as f64) - 4.0,
            y.px(*us) - 4.0,
            label,
            "end",
            "fill=\"#555\"",
        );
    }
    for p in points.iter().filter(|p| !p.is_ok()) {
        let red = "stroke=\"#c0392b\" stroke-width=\"2\"";
        let (px, py) = (x.px(p.trial as f64), y.px(0.0));
        svg.line((px, py - 6.0), (px, py), red);
    }
    for (t, us) in &ok {
        svg.circle(x.px(*t as f64), y.px(*us), 2.5, "fill=\"#95a5a6\"");
    }
    svg.polyline(
        &steps(points, &x, &y),
        "stroke=\"#1f6fb2\" stroke-width=\"2\"",
    );
    svg.finish()
}

/// The best-so-far as a step line, from the first ok trial on.
fn steps(points: &[LogPoint], x: &Axis, y: &Axis) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (p, best) in points.iter().zip(best_so_far(points)) {
        let Some(b) = best else { continue };
        if let Some(&(_, prev)) = out.last() {
            out.push((x.px(p.trial as f64), prev));
        }
        out.push((x.px(p.trial as f64), y.px(b)));
    }
    out
}
