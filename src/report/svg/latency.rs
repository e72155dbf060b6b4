//! The latency distribution: one row per variant, a box from the 25th to the 75th percentile
//! with the median marked, whiskers at the 5th and 95th, and every sample as a faint dot.

use super::{x_axis, Axis, Svg, MARGIN};
use crate::stats::percentile;

/// Row height and the left margin that holds the variant names (px).
const ROW: f64 = 34.0;
const NAMES: f64 = 150.0;
const WIDTH: f64 = 720.0;

/// One variant's samples.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// Its name on the plot.
    pub name: String,
    /// Kernel-only samples, µs.
    pub samples: &'a [f64],
}

/// At most this many samples of a row are drawn as dots (evenly spaced in sample order), so the
/// file stays small; the box and whiskers use every sample.
const MAX_DOTS: usize = 400;

/// The plot of `series` (those without samples are left out).
pub fn latency(series: &[Series]) -> String {
    let rows: Vec<&Series> = series.iter().filter(|s| !s.samples.is_empty()).collect();
    let height = MARGIN.2 + MARGIN.3 + ROW * rows.len().max(1) as f64;
    let mut svg = Svg::new(WIDTH, height, "Kernel-only latency distribution");
    // The axis spans each row's 1st to 99th percentile: a rare slow sample would otherwise
    // squash every box into a corner. Samples beyond it are counted on the axis's title.
    let (lo, hi) = rows.iter().fold((f64::INFINITY, 0.0f64), |(l, h), s| {
        (
            l.min(percentile(s.samples, 1.0)),
            h.max(percentile(s.samples, 99.0)),
        )
    });
    let pad = ((hi - lo) * 0.05).max(0.1);
    let x = Axis::new((lo - pad).max(0.0), hi + pad, NAMES, WIDTH - MARGIN.1);
    let y = Axis::new(0.0, rows.len().max(1) as f64, height - MARGIN.3, MARGIN.2);
    let beyond = rows
        .iter()
        .flat_map(|s| s.samples.iter())
        .filter(|&&v| v < x.lo || v > x.hi)
        .count();
    let title = match beyond {
        0 => "kernel-only time (µs)".to_string(),
        n => format!("kernel-only time (µs); not drawn, beyond the axis: {n} samples"),
    };
    x_axis(&mut svg, &x, height - MARGIN.3, &title);
    for (i, s) in rows.iter().enumerate() {
        let mid = y.px(rows.len() as f64 - i as f64 - 0.5);
        svg.text(NAMES - 8.0, mid + 4.0, &s.name, "end", "");
        row(&mut svg, &x, mid, s.samples);
    }
    svg.finish()
}

fn row(svg: &mut Svg, x: &Axis, mid: f64, samples: &[f64]) {
    let p = |q: f64| x.px(percentile(samples, q));
    let half = ROW * 0.3;
    let stride = samples.len().div_ceil(MAX_DOTS).max(1);
    for (i, v) in samples.iter().enumerate().step_by(stride) {
        if *v < x.lo || *v > x.hi {
            continue;
        }
        let jitter = ((i * 37) % 17) as f64 / 16.0 - 0.5;
        svg.circle(
            x.px(*v),
            mid + jitter * half * 1.6,
            1.2,
            "fill=\"#1f6fb2\" fill-opacity=\"0.25\"",
        );
    }
    let ink = "stroke=\"#222\" stroke-width=\"1.2\"";
    svg.line((p(5.0), mid), (p(25.0), mid), ink);
    svg.line((p(75.0), mid), (p(95.0), mid), ink);
    svg.rect(
        p(25.0),
        mid - half,
        (p(75.0) - p(25.0)).max(1.0),
        2.0 * half,
        "fill=\"none\" stroke=\"#222\"",
    );
    svg.line(
        (p(50.0), mid - half),
        (p(50.0), mid + half),
        "stroke=\"#c0392b\" stroke-width=\"2\"",
    );
}
