//! The plots are well-formed SVG (parsed as XML) with the expected marks.

use super::*;
use crate::report::log::LogPoint;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Parses `svg` as XML to the end; panics at the first error. Returns (root name, element count).
pub(crate) fn check_well_formed(svg: &str) -> (String, usize) {
    let mut reader = Reader::from_str(svg);
    reader.config_mut().check_end_names = true;
    let (mut root, mut count, mut depth) = (String::new(), 0, 0i32);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    root = e.name().into_inner().to_string();
                }
                depth += 1;
                count += 1;
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Empty(_)) => count += 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
    (root, count)
}

fn points() -> Vec<LogPoint> {
    let p = |t, o: &str, v| LogPoint {
        trial: t,
        outcome: o.into(),
        p50_us: v,
    };
    vec![
        p(0, "ok", Some(20.0)),
        p(1, "invalid", None),
        p(2, "ok", Some(15.0)),
        p(3, "ok", Some(17.0)),
    ]
}

#[test]
fn the_convergence_plot_is_svg_with_a_dot_per_timed_trial() {
    let svg = convergence(&points(), &[("A <math>".into(), 33.9)]);
    let (root, _) = check_well_formed(&svg);
    assert_eq!(root, "svg");
    assert_eq!(svg.matches("<circle").count(), 3);
    assert!(svg.contains("A &lt;math&gt;"), "labels are escaped");
    assert_eq!(svg.matches("<polyline").count(), 1);
}

#[test]
fn the_latency_plot_has_a_row_per_variant_with_samples() {
    let a = [12.9, 13.0, 13.1, 12.95];
    let svg = latency(&[
        Series {
            name: "cudnn".into(),
            samples: &a,
        },
        Series {
            name: "no samples".into(),
            samples: &[],
        },
        Series {
            name: "elite 1".into(),
            samples: &[13.1, 13.2],
        },
    ]);
    check_well_formed(&svg);
    assert!(svg.contains(">cudnn</text>") && svg.contains(">elite 1</text>"));
    assert!(!svg.contains("no samples"));
    assert_eq!(svg.matches("<circle").count(), 6);
}

/// One slow sample among hundreds does not stretch the axis: it spans the rows' 1st to 99th
/// percentiles, and the samples beyond are counted, not drawn.
#[test]
fn the_latency_axis_is_not_stretched_by_a_rare_outlier() {
    let mut a: Vec<f64> = (0..300).map(|i| 10.0 + (i % 10) as f64 * 0.01).collect();
    a.push(1900.0);
    let svg = latency(&[Series {
        name: "elite 1".into(),
        samples: &a,
    }]);
    check_well_formed(&svg);
    assert!(
        svg.contains("not drawn, beyond the axis: 1 samples"),
        "{svg}"
    );
    assert!(!svg.contains(">1900<") && !svg.contains(">1000<"));
    assert_eq!(svg.matches("<circle").count(), 300);
}

/// `attr="..."` of an SVG element line, as a number.
fn attr(line: &str, name: &str) -> f64 {
    let start = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    let len = line[start..].find('"').unwrap();
    line[start..start + len].parse().unwrap()
}

/// The width of each row's box (25th to 75th percentile) in a latency plot, px, in row order.
fn box_widths(svg: &str) -> Vec<f64> {
    svg.lines()
        .filter(|l| l.starts_with("<rect") && l.contains("fill=\"none\" stroke=\"#222\""))
        .map(|l| attr(l, "width"))
        .collect()
}

/// `n` samples evenly spread over `lo..hi`, µs.
fn spread(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

/// Regression: with one baseline at 1900 µs beside candidates near 10 µs, the linear axis
/// squashed each candidate's box into about a pixel. Medians more than ten times apart now get
/// a logarithmic axis, said so on its title, with ticks at 1, 2, 5 × 10ᵏ µs.
#[test]
fn the_latency_axis_is_logarithmic_when_the_medians_span_more_than_ten_times() {
    let (slow, one, two) = (
        spread(1850.0, 1950.0, 200),
        spread(7.0, 13.0, 200),
        spread(8.4, 15.6, 200),
    );
    let series = |name: &str, samples| Series {
        name: name.into(),
        samples,
    };
    let svg = latency(&[
        series("math (A)", &slow),
        series("#1", &one),
        series("#2", &two),
    ]);
    check_well_formed(&svg);
    assert!(
        svg.contains("kernel-only time (µs), logarithmic axis"),
        "{svg}"
    );
    for tick in [">10<", ">20<", ">50<", ">100<", ">1000<"] {
        assert!(svg.contains(tick), "no tick {tick}: {svg}");
    }
    assert!(!svg.contains(">1500<"), "a linear tick: {svg}");
    let widths = box_widths(&svg);
    assert_eq!(widths.len(), 3);
    for w in &widths[1..] {
        assert!(*w >= 20.0, "a candidate's box is {w} px wide: {widths:?}");
    }
}

/// Rows within ten times of each other keep the linear axis.
#[test]
fn the_latency_axis_stays_linear_when_the_medians_are_within_ten_times() {
    let (a, b) = (spread(9.0, 11.0, 100), spread(45.0, 55.0, 100));
    let svg = latency(&[
        Series {
            name: "flash (B)".into(),
            samples: &b,
        },
        Series {
            name: "#1".into(),
            samples: &a,
        },
    ]);
    check_well_formed(&svg);
    assert!(!svg.contains("logarithmic"), "{svg}");
    assert!(
        svg.contains(">20<") && svg.contains(">40<"),
        "linear ticks: {svg}"
    );
}

/// Row names are drawn left of the plot area, which starts right of the longest one; a name
/// longer than the room kept for it is cut with an ellipsis.
#[test]
fn latency_row_names_stay_clear_of_the_data() {
    let samples = spread(9.0, 11.0, 50);
    let long = "a baseline with a name much longer than any row name should be";
    let medium = "flash_attention_3 (B)";
    let svg = latency(&[
        Series {
            name: long.into(),
            samples: &samples,
        },
        Series {
            name: medium.into(),
            samples: &samples,
        },
    ]);
    check_well_formed(&svg);
    assert!(
        !svg.contains(long) && svg.contains("a baseline with a name much…"),
        "{svg}"
    );
    let names: Vec<&str> = svg
        .lines()
        .filter(|l| l.contains("text-anchor=\"end\""))
        .collect();
    let medium_line = names.iter().find(|l| l.contains(medium)).unwrap();
    let name_end = attr(medium_line, "x");
    assert!(name_end - 7.0 * medium.len() as f64 >= 0.0, "{medium_line}");
    let data_start = svg
        .lines()
        .filter(|l| l.starts_with("<rect") && l.contains("fill=\"none\""))
        .chain(svg.lines().filter(|l| l.starts_with("<circle")))
        .map(|l| attr(l, if l.starts_with("<rect") { "x" } else { "cx" }))
        .fold(f64::INFINITY, f64::min);
    assert!(
        data_start > name_end,
        "data at {data_start} px, names end at {name_end} px"
    );
}

#[test]
fn empty_inputs_still_give_a_valid_document() {
    check_well_formed(&convergence(&[], &[]));
    check_well_formed(&latency(&[]));
}

#[test]
fn ticks_are_round_and_inside_the_range() {
    let a = Axis::new(0.0, 36.6, 0.0, 100.0);
    assert_eq!(a.ticks(), vec![0.0, 10.0, 20.0, 30.0]);
    let a = Axis::new(12.7, 13.3, 0.0, 100.0);
    let t = a.ticks();
    assert!(
        t.len() >= 3 && t.iter().all(|v| (12.7..=13.3).contains(v)),
        "{t:?}"
    );
}

fn line(name: &str, points: &[(f64, f64)]) -> Line {
    Line {
        name: name.into(),
        points: points.to_vec(),
        dashed: name == "floor",
    }
}

#[test]
fn the_line_plot_spaces_doublings_evenly_on_a_log_axis_and_circles_its_marks() {
    let drawn = [
        line("evotune", &[(512.0, 50.0), (1024.0, 80.0), (2048.0, 120.0)]),
        line("cudnn <fp16>", &[(512.0, 60.0), (4096.0, 130.0)]),
        line("floor", &[(512.0, 200.0)]),
    ];
    let marks = [Mark {
        x: 1024.0,
        y: 80.0,
        note: "−12.0 %".into(),
    }];
    let plot = LinePlot {
        title: "TFLOP/s at 2,8,S,64",
        x_label: "S",
        y_label: "TFLOP/s",
        log2_x: true,
        lines: &drawn,
        marks: &marks,
    };
    let frame = lines::Frame::of(&plot);
    assert_eq!(
        frame.xs,
        [512.0, 1024.0, 2048.0, 4096.0],
        "one tick per measured value"
    );
    let px = |x| frame.at((x, 0.0)).0;
    let (a, b, c) = (px(512.0), px(1024.0), px(2048.0));
    assert!(((b - a) - (c - b)).abs() < 1e-9, "doublings equally apart");
    assert!(
        (frame.y.hi - 220.0).abs() < 1e-9,
        "y reaches a tenth above the highest point"
    );
    assert_eq!(frame.y.lo, 0.0);
    let svg = lines(&plot);
    check_well_formed(&svg);
    assert_eq!(
        svg.matches("<polyline").count(),
        2,
        "a single point draws no line"
    );
    assert_eq!(svg.matches("r=\"3.0\"").count(), 6, "a dot per point");
    assert_eq!(
        svg.matches("stroke-dasharray").count(),
        1,
        "the floor's legend"
    );
    assert_eq!(svg.matches("r=\"7.0\"").count(), 1, "the mark's ring");
    assert!(svg.contains("cudnn &lt;fp16&gt;") && svg.contains(">−12.0 %</text>"));
}

#[test]
fn a_line_plot_of_nothing_is_still_a_document() {
    let plot = LinePlot {
        title: "empty",
        x_label: "D",
        y_label: "TFLOP/s",
        log2_x: false,
        lines: &[],
        marks: &[],
    };
    check_well_formed(&lines(&plot));
}
