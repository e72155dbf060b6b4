//! The confirmation stage's numbers: an elite's re-timings in fresh worker processes summed up
//! as the interval one more process's median should fall in.

use crate::artifacts::Confirmation;
use crate::eval::{EvalResponse, TimingPlan};
use crate::stats::Prediction;

/// The least spread the interval assumes between fresh processes' medians, as a fraction of
/// their mean. Three processes can agree by chance far more closely than processes do: on the
/// H100 of BENCHMARKS.md eleven groups of three fresh processes timing one kernel had relative
/// standard deviations of 0.17 % to 1.94 %, 1.4 % pooled; the 0.17 % group gave an interval that
/// two of three later processes fell outside. 1 % stays under the pooled figure.
pub const PROCESS_SD_FLOOR: f64 = 0.01;

/// "; spread taken as 1.0 % of the mean, the least assumed between processes; theirs was 0.17 %"
/// when the floor set the interval's width, else nothing.
pub fn floor_note(p: &Prediction) -> String {
    if p.floored() {
        format!(
            "; spread taken as {:.1} % of the mean, the least assumed between processes; \
             theirs was {:.2} %",
            100.0 * p.sd_floor / p.mean.abs(),
            100.0 * p.sd / p.mean.abs()
        )
    } else {
        String::new()
    }
}

/// Sums up `responses`, one per fresh process in the order they ran (a failure ends them), of
/// an elite re-timed in `processes` processes with `timing`. Any process that did not answer ok
/// with a kernel-only time makes the confirmation a failure, without an interval. Warm
/// kernel-only times, where the plan asked for them, are kept beside: each process's median,
/// and the first process's timing when the confirmation succeeded.
pub fn confirmation(
    processes: u32,
    timing: TimingPlan,
    responses: &[EvalResponse],
) -> Confirmation {
    let failure = failure(processes, responses);
    let kernel: Vec<f64> = responses
        .iter()
        .filter_map(|r| r.kernel_time.as_ref().map(|t| t.p50_us))
        .collect();
    let call = responses
        .iter()
        .filter_map(|r| r.call_time.as_ref().map(|t| t.p50_us))
        .collect();
    let warm_kernel_time = responses
        .first()
        .filter(|_| failure.is_none())
        .and_then(|r| r.warm_kernel_time.clone());
    let prediction = failure
        .is_none()
        .then(|| Prediction::with_relative_sd_floor(&kernel, PROCESS_SD_FLOOR))
        .flatten();
    Confirmation {
        processes,
        timing,
        process_p50_us: kernel,
        call_p50_us: call,
        prediction,
        method: responses
            .first()
            .and_then(|r| r.kernel_time.as_ref().map(|t| t.method.clone())),
        warm_process_p50_us: responses
            .iter()
            .filter_map(|r| r.warm_kernel_time.as_ref().map(|t| t.p50_us))
            .collect(),
        warm_kernel_time,
        failure,
    }
}

/// Which process failed and how, or why there are too few medians for an interval.
fn failure(processes: u32, responses: &[EvalResponse]) -> Option<String> {
    let bad = responses
        .iter()
        .position(|r| !r.outcome.is_ok() || r.kernel_time.is_none());
    match bad {
        Some(i) if responses[i].outcome.is_ok() => Some(format!(
            "process {} of {processes}: no kernel-only time",
            i + 1
        )),
        Some(i) => Some(format!(
            "process {} of {processes}: {}",
            i + 1,
            responses[i].outcome
        )),
        None if responses.len() < 2 || responses.len() < processes as usize => Some(format!(
            "{} of {processes} processes answered; an interval needs at least 2",
            responses.len()
        )),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{FlushMode, Outcome, DEFAULT_TARGET_S};
    use crate::gpu::timing::summarize_samples;

    fn timed(kernel_us: f64) -> EvalResponse {
        let mut r = EvalResponse::failed(1, Outcome::Ok);
        r.kernel_time = Some(summarize_samples(
            "kernel-only: graph".into(),
            vec![kernel_us; 100],
        ));
        r.call_time = Some(summarize_samples(
            "per call: host".into(),
            vec![kernel_us + 6.0; 100],
        ));
        r
    }

    fn plan() -> TimingPlan {
        TimingPlan::new(100, FlushMode::Memset, DEFAULT_TARGET_S)
    }

    #[test]
    fn three_ok_processes_give_their_medians_and_an_interval_around_them() {
        let got = [timed(10.31), timed(10.35), timed(10.29)];
        let c = confirmation(3, plan(), &got);
        assert_eq!(c.process_p50_us, [10.31, 10.35, 10.29]);
        assert_eq!(c.call_p50_us.len(), 3);
        let p = c.prediction.unwrap();
        assert_eq!(p.median, 10.31);
        assert_eq!(c.method.as_deref(), Some("kernel-only: graph"));
        assert_eq!(c.failure, None);
        let (lo, hi) = (p.lo, p.hi);
        assert!(lo < 10.29 && hi > 10.35, "[{lo}, {hi}]");
        // Their own sd (0.0306 µs, 0.30 %) is under the 1 % floor (0.1032 µs), which sets the
        // width: 2 · 4.303 · 0.103167 · √(4/3).
        assert!(p.floored(), "{p:?}");
        assert!((hi - lo - 2.0 * 0.512_602).abs() < 1e-5, "[{lo}, {hi}]");
        assert_eq!(c.timing.target_s, 0.3);
    }

    #[test]
    fn warm_times_are_kept_beside_with_the_first_process_timing_as_the_elites() {
        let warm = |r: EvalResponse, us: f64| EvalResponse {
            warm_kernel_time: Some(summarize_samples(
                "kernel-only: 20 back-to-back launches; L2 not flushed".into(),
                vec![us; 100],
            )),
            ..r
        };
        let got = [
            warm(timed(10.31), 8.1),
            warm(timed(10.35), 8.3),
            warm(timed(10.29), 8.2),
        ];
        let c = confirmation(3, plan().and_warm(), &got);
        assert_eq!(c.warm_process_p50_us, [8.1, 8.3, 8.2]);
        assert_eq!(c.warm_kernel_time.as_ref().map(|t| t.p50_us), Some(8.1));
        assert!(c.timing.warm_too);
        // A failed confirmation keeps the medians but gives the elite no warm time.
        let wrong = EvalResponse::failed(1, Outcome::Timeout { after_s: 1.0 });
        let c = confirmation(3, plan().and_warm(), &[got[0].clone(), wrong]);
        assert_eq!(c.warm_process_p50_us, [8.1]);
        assert_eq!(c.warm_kernel_time, None);
        // Without warm timings (older plans) both are empty.
        let c = confirmation(3, plan(), &[timed(10.0), timed(10.1), timed(10.2)]);
        assert!(c.warm_process_p50_us.is_empty() && c.warm_kernel_time.is_none());
    }

    #[test]
    fn a_failed_process_is_recorded_instead_of_an_interval() {
        let wrong = EvalResponse::failed(
            1,
            Outcome::Invalid {
                reason: "max abs error 3.2 > tolerance".into(),
            },
        );
        let c = confirmation(3, plan(), &[timed(10.0), wrong]);
        assert_eq!(
            c.failure.as_deref(),
            Some("process 2 of 3: invalid: max abs error 3.2 > tolerance")
        );
        assert_eq!(c.process_p50_us, [10.0]);
        assert_eq!(c.prediction, None);
    }

    #[test]
    fn an_ok_answer_without_a_time_or_too_few_answers_is_a_failure() {
        let mut untimed = timed(10.0);
        untimed.kernel_time = None;
        let c = confirmation(2, plan(), &[timed(10.0), untimed]);
        assert_eq!(
            c.failure.as_deref(),
            Some("process 2 of 2: no kernel-only time")
        );
        let c = confirmation(3, plan(), &[timed(10.0), timed(10.1)]);
        assert!(c.failure.unwrap().starts_with("2 of 3 processes answered"));
    }
}
