//! Hand-written SVG plots of a run (no plotting or font libraries): a small element writer and
//! a linear axis with round ticks; one file per plot.

mod convergence;
mod latency;
mod lines;

pub use convergence::convergence;
pub use latency::{latency, Series};
pub use lines::{lines, Line, LinePlot, Mark};

use std::fmt::Write;

/// Plot area margins: left, right, top, bottom (px).
const MARGIN: (f64, f64, f64, f64) = (64.0, 24.0, 36.0, 48.0);

/// An SVG document being written.
pub struct Svg {
    width: f64,
    height: f64,
    body: String,
}

impl Svg {
    /// An empty `width` × `height` canvas with a white background and a title.
    pub fn new(width: f64, height: f64, title: &str) -> Self {
        let mut s = Svg {
            width,
            height,
            body: String::new(),
        };
        s.rect(0.0, 0.0, width, height, "fill=\"white\"");
        s.text(width / 2.0, 20.0, title, "middle", "font-size=\"14\"");
        s
    }

    /// A line.
    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), style: &str) {
        let _ = writeln!(
            self.body,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" {style}/>"
        );
    }

    /// A rectangle.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, style: &str) {
        let _ = writeln!(
            self.body,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" {style}/>"
        );
    }

    /// A circle.
    pub fn circle(&mut self, x: f64, y: f64, r: f64, style: &str) {
        let _ = writeln!(
            self.body,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" {style}/>"
        );
    }

    /// A polyline through `points`.
    pub fn polyline(&mut self, points: &[(f64, f64)], style: &str) {
        let pts: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            self.body,
            "<polyline points=\"{}\" fill=\"none\" {style}/>",
            pts.join(" ")
        );
    }

    /// Text anchored at `anchor` ("start", "middle", "end"), escaped.
    pub fn text(&mut self, x: f64, y: f64, text: &str, anchor: &str, style: &str) {
        let _ = writeln!(
            self.body,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" {style}>{}</text>",
            escape(text)
        );
    }

    /// The finished document.
    pub fn finish(self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
             width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" \
             font-size=\"11\">\n{}</svg>\n",
            self.body,
            w = self.width,
            h = self.height
        )
    }
}

/// `text` with XML's special characters escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A linear map from data `lo..hi` onto pixels `from..to`, with round tick values.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Axis {
    /// `lo..hi` (widened when empty) onto `from..to`.
    pub fn new(lo: f64, hi: f64, from: f64, to: f64) -> Self {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 1.0, lo + 1.0)
        };
        Axis { lo, hi, from, to }
    }

    /// The pixel of `v`.
    pub fn px(&self, v: f64) -> f64 {
        self.from + (v - self.lo) / (self.hi - self.lo) * (self.to - self.from)
    }

    /// About five round values within the range (steps of 1, 2 or 5 × 10ⁿ).
    pub fn ticks(&self) -> Vec<f64> {
        let raw = (self.hi - self.lo) / 5.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        let first = (self.lo / step).ceil() as i64;
        let last = (self.hi / step).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    }
}

/// A tick label: no decimals for whole numbers, else up to two.
fn tick_label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// Draws the x axis (at the bottom of the plot area) and the y axis with ticks and labels.
fn axes(svg: &mut Svg, x: &Axis, y: &Axis, labels: (&str, &str)) {
    x_axis(svg, x, y.from, labels.0);
    y_axis(svg, x, y, labels.1);
}

/// Draws the y axis at the left of the plot area, with ticks, grid lines across to the right
/// end of `x`, and a label.
fn y_axis(svg: &mut Svg, x: &Axis, y: &Axis, label: &str) {
    let (left, grey) = (x.from, "stroke=\"#444\" stroke-width=\"1\"");
    svg.line((left, y.from), (left, y.to), grey);
    for t in y.ticks() {
        svg.line((left - 4.0, y.px(t)), (left, y.px(t)), grey);
        svg.line(
            (left, y.px(t)),
            (x.to, y.px(t)),
            "stroke=\"#ddd\" stroke-width=\"1\"",
        );
        svg.text(left - 6.0, y.px(t) + 4.0, &tick_label(t), "end", "");
    }
    let (cx, cy) = (14.0, (y.from + y.to) / 2.0);
    let rotate = format!("transform=\"rotate(-90 {cx:.1} {cy:.1})\"");
    svg.text(cx, cy, label, "middle", &rotate);
}

/// Draws the x axis at pixel row `bottom`, with round ticks and a label.
fn x_axis(svg: &mut Svg, x: &Axis, bottom: f64, label: &str) {
    let ticks: Vec<(f64, String)> = x.ticks().into_iter().map(|t| (t, tick_label(t))).collect();
    x_axis_with(svg, x, bottom, label, &ticks);
}

/// Draws the x axis at pixel row `bottom`, with the ticks given (value, label) and a label.
fn x_axis_with(svg: &mut Svg, x: &Axis, bottom: f64, label: &str, ticks: &[(f64, String)]) {
    let grey = "stroke=\"#444\" stroke-width=\"1\"";
    svg.line((x.from, bottom), (x.to, bottom), grey);
    for (t, text) in ticks {
        svg.line((x.px(*t), bottom), (x.px(*t), bottom + 4.0), grey);
        svg.text(x.px(*t), bottom + 16.0, text, "middle", "");
    }
    svg.text((x.from + x.to) / 2.0, bottom + 34.0, label, "middle", "");
}

#[cfg(test)]
pub(crate) mod tests;
