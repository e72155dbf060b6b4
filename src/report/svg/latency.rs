//! The latency distribution: one row per variant, a box from the 25th to the 75th percentile
//! with the median marked, whiskers at the 5th and 95th, and every sample as a faint dot.

use super::{tick_label, x_axis_with, Axis, Svg, MARGIN};
use crate::stats::percentile;

/// Row height (px).
const ROW: f64 = 34.0;
const WIDTH: f64 = 720.0;
/// Width of one character of a row name, px (11 px sans-serif; wide glyphs rounded up).
const CHAR: f64 = 7.0;
/// The longest row name drawn in full, in characters; a longer one is cut to this length,
/// ending in an ellipsis.
const MAX_NAME: usize = 28;
/// The axis turns logarithmic where the slowest row's median is more than this many times the
/// fastest one's: a linear axis would squash the fast rows into a few pixels.
const LOG_SPAN: f64 = 10.0;

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
    let left = names_width(&rows);
    let x = Scale::of(&rows, left, WIDTH - MARGIN.1);
    let y = Axis::new(0.0, rows.len().max(1) as f64, height - MARGIN.3, MARGIN.2);
    let beyond = rows
        .iter()
        .flat_map(|s| s.samples.iter())
        .filter(|&&v| !x.holds(v))
        .count();
    x_axis_with(
        &mut svg,
        &x.axis,
        height - MARGIN.3,
        &x.title(beyond),
        &x.ticks(),
    );
    for (i, s) in rows.iter().enumerate() {
        let mid = y.px(rows.len() as f64 - i as f64 - 0.5);
        svg.text(left - 8.0, mid + 4.0, &shown_name(&s.name), "end", "");
        row(&mut svg, &x, mid, s.samples);
    }
    svg.finish()
}

/// The left edge of the plot area: right of the longest row name as drawn, and no less than
/// the usual margin.
fn names_width(rows: &[&Series]) -> f64 {
    let chars = rows
        .iter()
        .map(|s| shown_name(&s.name).chars().count())
        .max()
        .unwrap_or(0);
    (chars as f64 * CHAR + 16.0).max(MARGIN.0)
}

/// `name` as drawn: whole up to [`MAX_NAME`] characters, else cut to that with an ellipsis.
fn shown_name(name: &str) -> String {
    if name.chars().count() <= MAX_NAME {
        return name.to_string();
    }
    let head: String = name.chars().take(MAX_NAME - 1).collect();
    format!("{head}…")
}

/// The x axis: the rows' 1st to 99th percentiles (a rare slow sample would otherwise squash
/// every box into a corner; samples beyond are counted on the axis's title), linear, or
/// logarithmic where the rows' medians span more than [`LOG_SPAN`]. `axis` maps the scaled
/// value: the value itself, or its log10.
struct Scale {
    axis: Axis,
    log: bool,
}

impl Scale {
    /// The axis of `rows` (each with samples) onto pixels `from..to`.
    fn of(rows: &[&Series], from: f64, to: f64) -> Scale {
        let (lo, hi) = rows.iter().fold((f64::INFINITY, 0.0f64), |(l, h), s| {
            (
                l.min(percentile(s.samples, 1.0)),
                h.max(percentile(s.samples, 99.0)),
            )
        });
        if medians_far_apart(rows) && lo > 0.0 {
            let (lo, hi) = (lo.log10(), hi.log10());
            let pad = ((hi - lo) * 0.05).max(0.01);
            let axis = Axis::new(lo - pad, hi + pad, from, to);
            return Scale { axis, log: true };
        }
        let pad = ((hi - lo) * 0.05).max(0.1);
        let axis = Axis::new((lo - pad).max(0.0), hi + pad, from, to);
        Scale { axis, log: false }
    }

    /// `v` (µs) in the axis's units.
    fn scaled(&self, v: f64) -> f64 {
        if self.log {
            v.max(f64::MIN_POSITIVE).log10()
        } else {
            v
        }
    }

    /// The pixel of `v` (µs).
    fn px(&self, v: f64) -> f64 {
        self.axis.px(self.scaled(v))
    }

    /// Whether `v` (µs) lies on the axis.
    fn holds(&self, v: f64) -> bool {
        (self.axis.lo..=self.axis.hi).contains(&self.scaled(v))
    }

    /// The ticks, (axis units, label in µs): about five round values on a linear axis; 1, 2
    /// and 5 × 10ᵏ on a logarithmic one (only 1 × 10ᵏ where it spans more than three decades).
    fn ticks(&self) -> Vec<(f64, String)> {
        if !self.log {
            let ticks = self.axis.ticks().into_iter();
            return ticks.map(|t| (t, tick_label(t))).collect();
        }
        let (lo, hi) = (self.axis.lo, self.axis.hi);
        let steps: &[f64] = if hi - lo > 3.0 {
            &[1.0]
        } else {
            &[1.0, 2.0, 5.0]
        };
        (lo.floor() as i32..=hi.ceil() as i32)
            .flat_map(|k| steps.iter().map(move |m| m * 10f64.powi(k)))
            .filter(|v| (lo..=hi).contains(&v.log10()))
            .map(|v| (v.log10(), log_tick_label(v)))
            .collect()
    }

    /// The axis's title: what it shows, whether it is logarithmic, and the samples beyond it.
    fn title(&self, beyond: usize) -> String {
        let scale = if self.log { ", logarithmic axis" } else { "" };
        match beyond {
            0 => format!("kernel-only time (µs){scale}"),
            n => format!("kernel-only time (µs){scale}; not drawn, beyond the axis: {n} samples"),
        }
    }
}

/// Whether the rows' medians are more than [`LOG_SPAN`] apart.
fn medians_far_apart(rows: &[&Series]) -> bool {
    let medians = rows.iter().map(|s| percentile(s.samples, 50.0));
    let (lo, hi) = medians.fold((f64::INFINITY, 0.0f64), |(l, h), m| (l.min(m), h.max(m)));
    lo > 0.0 && hi > LOG_SPAN * lo
}

/// A tick of a logarithmic axis: a whole number from 1 up, else the decimals its one
/// significant digit needs (0.5, 0.02).
fn log_tick_label(v: f64) -> String {
    if v >= 1.0 {
        return format!("{v:.0}");
    }
    let decimals = (-v.log10().floor()) as usize;
    format!("{v:.decimals$}")
}

fn row(svg: &mut Svg, x: &Scale, mid: f64, samples: &[f64]) {
    let p = |q: f64| x.px(percentile(samples, q));
    let half = ROW * 0.3;
    let stride = samples.len().div_ceil(MAX_DOTS).max(1);
    for (i, v) in samples.iter().enumerate().step_by(stride) {
        if !x.holds(*v) {
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
