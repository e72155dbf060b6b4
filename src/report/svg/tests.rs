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
