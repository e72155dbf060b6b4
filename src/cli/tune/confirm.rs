//! The confirmation stage of a live tune: the best elites re-timed in fresh worker processes,
//! recorded in topk.json and summed up in the run's summary.

use super::plan::TunePlan;
use crate::artifacts::{Confirmation, TopK};
use crate::cli::run_dir::write_json;
use crate::cli::target::CliProblem;
use crate::error::Result;
use crate::space::Config;
use crate::tune::{floor_note, LiveEvaluator};
use std::time::Instant;

/// Re-times the plan's top elites in fresh processes (the search's workers stopped first),
/// records each confirmation and the stage's wall time in `topk`, and rewrites topk.json.
/// Elites keep their ranks from the search.
pub fn run<P: CliProblem>(
    plan: &TunePlan<P>,
    live: LiveEvaluator<P>,
    topk: &mut TopK,
) -> Result<()> {
    let c = plan.confirm;
    let n = c.top.min(topk.elites.len());
    if n == 0 {
        return Ok(());
    }
    let warm = if c.timing.warm_too {
        ", cold then warm"
    } else {
        ""
    };
    eprintln!(
        "confirming the best {n} in {} fresh worker processes each, {} s per method{warm}",
        c.processes, c.timing.target_s
    );
    let started = Instant::now();
    let configs: Vec<Config> = topk.elites[..n]
        .iter()
        .map(|e| e.record.config.clone())
        .collect();
    let ranks: Vec<usize> = topk.elites[..n].iter().map(|e| e.rank).collect();
    let confirmed = live.confirm(&configs, c.processes, c.timing, &mut |i, s| {
        eprintln!(
            "confirming #{} on {} (worker pid {}, process {} of {})",
            ranks[i], s.hello.device, s.hello.pid, s.process, s.processes
        )
    })?;
    for (e, c) in topk.elites.iter_mut().zip(confirmed) {
        e.confirmed = Some(c);
    }
    if let Some(w) = topk.wall.as_mut() {
        w.confirm_s = started.elapsed().as_secs_f64();
    }
    write_json(&plan.run.topk(), topk)
}

/// The summary's lines: the best elite's confirmation in full, a short line for each other.
pub fn summary_lines(topk: &TopK) -> Vec<String> {
    topk.elites
        .iter()
        .filter_map(|e| Some((e.rank, e.confirmed.as_ref()?)))
        .map(|(rank, c)| match rank {
            1 => best_line(c),
            _ => other_line(rank, c),
        })
        .collect()
}

/// "confirm  3 fresh processes, 0.3 s per method: 10.31, 10.35, 10.29 µs; a fresh process's
/// p50 is expected in [10.16, 10.47] µs (95% prediction interval)", and where warm times were
/// taken "; warm 8.10, 8.30, 8.20 µs".
fn best_line(c: &Confirmation) -> String {
    let line = cold_line(c);
    if c.warm_process_p50_us.is_empty() {
        return line;
    }
    let warm: Vec<String> = c
        .warm_process_p50_us
        .iter()
        .map(|m| format!("{m:.2}"))
        .collect();
    format!("{line}; warm {} µs", warm.join(", "))
}

fn cold_line(c: &Confirmation) -> String {
    let head = format!(
        "confirm  {} fresh processes, {} s per method: ",
        c.processes, c.timing.target_s
    );
    match c.prediction {
        Some(p) => format!(
            "{head}{} µs; a fresh process's p50 is expected in [{:.2}, {:.2}] µs \
             (95% prediction interval{})",
            medians(c),
            p.lo,
            p.hi,
            floor_note(&p)
        ),
        None => format!("{head}{}", failed(c)),
    }
}

/// "         #2: 10.52, 10.55, 10.50 µs; expected in [10.40, 10.66] µs".
fn other_line(rank: usize, c: &Confirmation) -> String {
    match interval(c) {
        Some((lo, hi)) => format!(
            "         #{rank}: {} µs; expected in [{lo:.2}, {hi:.2}] µs",
            medians(c)
        ),
        None => format!("         #{rank}: {}", failed(c)),
    }
}

fn interval(c: &Confirmation) -> Option<(f64, f64)> {
    c.prediction.map(|p| (p.lo, p.hi))
}

fn medians(c: &Confirmation) -> String {
    let list: Vec<String> = c.process_p50_us.iter().map(|m| format!("{m:.2}")).collect();
    list.join(", ")
}

fn failed(c: &Confirmation) -> String {
    format!(
        "failed: {}",
        c.failure.as_deref().unwrap_or("no interval recorded")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::Elite;
    use crate::eval::{EvalResponse, FlushMode, Outcome, TimingPlan, DEFAULT_TARGET_S};
    use crate::gpu::timing::summarize_samples;
    use crate::op::Problem;
    use crate::shape::Shape;
    use crate::tune::confirmation;
    use crate::tunelog::TrialRecord;

    fn timed(us: f64) -> EvalResponse {
        let mut r = EvalResponse::failed(1, Outcome::Ok);
        r.kernel_time = Some(summarize_samples("kernel-only".into(), vec![us; 10]));
        r
    }

    fn elite(rank: usize, confirmed: Option<Confirmation>) -> Elite {
        let record = TrialRecord::measured(rank, 0, &Config::default(), None, &timed(10.0));
        Elite {
            rank,
            label: "BLOCK_M=64".into(),
            record,
            kernel_time: None,
            call_time: None,
            kernel_tflops: None,
            source: None,
            confirmed,
        }
    }

    fn topk(elites: Vec<Elite>) -> TopK {
        let shape = Shape::parse("2,8,512,64").unwrap();
        TopK {
            shape: shape.into(),
            flops: shape.flops(),
            space: "s.toml".into(),
            kernel: "k".into(),
            trials: 8,
            failures: 0,
            wall: None,
            elites,
        }
    }

    #[test]
    fn the_best_gets_the_full_line_and_the_others_a_short_one() {
        let plan = TimingPlan::new(100, FlushMode::Memset, DEFAULT_TARGET_S);
        let ok = confirmation(3, plan, &[timed(10.31), timed(10.35), timed(10.29)]);
        let wrong = EvalResponse::failed(
            1,
            Outcome::Invalid {
                reason: "max abs error 3.2 > tolerance".into(),
            },
        );
        let bad = confirmation(3, plan, &[timed(10.5), wrong]);
        let lines = summary_lines(&topk(vec![
            elite(1, Some(ok.clone())),
            elite(2, Some(ok)),
            elite(3, Some(bad)),
            elite(4, None),
        ]));
        assert_eq!(
            lines,
            [
                "confirm  3 fresh processes, 0.3 s per method: 10.31, 10.35, 10.29 µs; a fresh \
                 process's p50 is expected in [9.80, 10.83] µs (95% prediction interval; spread \
                 taken as 1.0 % of the mean, the least assumed between processes; theirs was \
                 0.30 %)",
                "         #2: 10.31, 10.35, 10.29 µs; expected in [9.80, 10.83] µs",
                "         #3: failed: process 2 of 3: invalid: max abs error 3.2 > tolerance",
            ]
        );
        assert!(summary_lines(&topk(vec![elite(1, None)])).is_empty());
    }

    #[test]
    fn the_best_line_shows_the_warm_medians_when_there_are_some() {
        let plan = TimingPlan::new(100, FlushMode::Memset, DEFAULT_TARGET_S).and_warm();
        let warm = |us: f64, warm_us: f64| EvalResponse {
            warm_kernel_time: Some(summarize_samples("warm".into(), vec![warm_us; 10])),
            ..timed(us)
        };
        let c = confirmation(2, plan, &[warm(10.0, 8.1), warm(10.1, 8.25)]);
        let lines = summary_lines(&topk(vec![elite(1, Some(c))]));
        assert!(lines[0].ends_with("; warm 8.10, 8.25 µs"), "{}", lines[0]);
    }
}
