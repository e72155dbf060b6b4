//! A line plot of several methods over one problem dimension (TFLOP/s against head dim or
//! sequence length): a coloured line with dots per method, a legend at the right, ticks at the
//! measured values, and marked points (cliffs) circled in red with a note.

use super::{x_axis_with, y_axis, Axis, Svg, MARGIN};

const SIZE: (f64, f64) = (760.0, 420.0);
/// Width kept at the right for the legend (px).
const LEGEND: f64 = 170.0;
/// Line colours in order (red is kept for the marks).
const PALETTE: [&str; 8] = [
    "#1f6fb2", "#e67e22", "#27ae60", "#8e44ad", "#7f8c8d", "#16a085", "#b7950b", "#2c3e50",
];
const MARK: &str = "#c0392b";

/// One method's points, (x, y) in data units.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The legend's name.
    pub name: String,
    /// Points in x order.
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed (a reference that is not a competitor, e.g. the floor).
    pub dashed: bool,
}

/// A point to circle, with a note written above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// x, data units.
    pub x: f64,
    /// y, data units.
    pub y: f64,
    /// The note, e.g. "−16 %".
    pub note: String,
}

/// What to draw.
#[derive(Debug, Clone, Copy)]
pub struct LinePlot<'a> {
    /// The title.
    pub title: &'a str,
    /// The x axis's label.
    pub x_label: &'a str,
    /// The y axis's label.
    pub y_label: &'a str,
    /// Whether x is drawn on a log2 scale (sequence lengths).
    pub log2_x: bool,
    /// The lines.
    pub lines: &'a [Line],
    /// The marks.
    pub marks: &'a [Mark],
}

/// The plot as an SVG document.
pub fn lines(plot: &LinePlot) -> String {
    let mut svg = Svg::new(SIZE.0, SIZE.1, plot.title);
    let frame = Frame::of(plot);
    let ticks: Vec<(f64, String)> = frame
        .xs
        .iter()
        .map(|&v| (frame.fx(v), format!("{v}")))
        .collect();
    y_axis(&mut svg, &frame.x, &frame.y, plot.y_label);
    x_axis_with(&mut svg, &frame.x, frame.y.from, plot.x_label, &ticks);
    for (i, line) in plot.lines.iter().enumerate() {
        let style = line_style(PALETTE[i % PALETTE.len()], line.dashed);
        draw_line(&mut svg, &frame, line, &style);
        legend(&mut svg, i, &line.name, &style);
    }
    for m in plot.marks {
        let (px, py) = frame.at((m.x, m.y));
        let ring = format!("fill=\"none\" stroke=\"{MARK}\" stroke-width=\"2\"");
        svg.circle(px, py, 7.0, &ring);
        svg.text(
            px,
            py - 11.0,
            &m.note,
            "middle",
            &format!("fill=\"{MARK}\""),
        );
    }
    svg.finish()
}

/// The axes of a plot: x over the distinct measured values (on a log2 scale when asked), y
/// from 0 to a tenth above the highest point.
pub(crate) struct Frame {
    /// The distinct x values, ascending (the ticks).
    pub xs: Vec<f64>,
    log2: bool,
    /// x axis, in scaled units.
    pub x: Axis,
    /// y axis.
    pub y: Axis,
}

impl Frame {
    pub(crate) fn of(plot: &LinePlot) -> Frame {
        let points = || plot.lines.iter().flat_map(|l| l.points.iter());
        let mut xs: Vec<f64> = points().map(|p| p.0).filter(|v| v.is_finite()).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let scale = |v: f64| if plot.log2_x { v.log2() } else { v };
        let (lo, hi) = match (xs.first(), xs.last()) {
            (Some(&a), Some(&b)) => (scale(a), scale(b)),
            _ => (0.0, 1.0),
        };
        let pad = (hi - lo).max(1.0) * 0.05;
        let right = SIZE.0 - MARGIN.1 - LEGEND;
        let top = points().map(|p| p.1).fold(1.0, f64::max) * 1.1;
        Frame {
            xs,
            log2: plot.log2_x,
            x: Axis::new(lo - pad, hi + pad, MARGIN.0, right),
            y: Axis::new(0.0, top, SIZE.1 - MARGIN.3, MARGIN.2),
        }
    }

    /// `v` in the x axis's units.
    fn fx(&self, v: f64) -> f64 {
        if self.log2 {
            v.log2()
        } else {
            v
        }
    }

    /// The pixel of a data point.
    pub(crate) fn at(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (self.x.px(self.fx(x)), self.y.px(y))
    }
}

/// A line's colour and dashes, as SVG attributes.
struct LineStyle {
    colour: &'static str,
    dash: &'static str,
}

fn line_style(colour: &'static str, dashed: bool) -> LineStyle {
    let dash = if dashed {
        " stroke-dasharray=\"6 4\""
    } else {
        ""
    };
    LineStyle { colour, dash }
}

fn draw_line(svg: &mut Svg, frame: &Frame, line: &Line, style: &LineStyle) {
    let px: Vec<(f64, f64)> = line.points.iter().map(|&p| frame.at(p)).collect();
    let (colour, dash) = (style.colour, style.dash);
    if px.len() > 1 {
        svg.polyline(
            &px,
            &format!("stroke=\"{colour}\" stroke-width=\"2\"{dash}"),
        );
    }
    for (x, y) in px {
        svg.circle(x, y, 3.0, &format!("fill=\"{colour}\""));
    }
}

fn legend(svg: &mut Svg, i: usize, name: &str, style: &LineStyle) {
    let left = SIZE.0 - LEGEND + 4.0;
    let y = MARGIN.2 + 8.0 + 16.0 * i as f64;
    let (colour, dash) = (style.colour, style.dash);
    let stroke = format!("stroke=\"{colour}\" stroke-width=\"3\"{dash}");
    svg.line((left, y), (left + 22.0, y), &stroke);
    svg.text(left + 28.0, y + 4.0, name, "start", "");
}
