//! The elites' confirmation in fresh worker processes, as notes under the top-line table.

use crate::artifacts::{Confirmation, Elite};
use crate::report::load::RunData;

/// One note per confirmed elite, best first; none when the run confirmed nothing.
pub fn notes(run: &RunData) -> Vec<String> {
    let Ok(topk) = &run.topk else {
        return Vec::new();
    };
    topk.elites
        .iter()
        .filter_map(|e| Some(note(e, e.confirmed.as_ref()?)))
        .collect()
}

/// "#1 `K=V,...`: kernel-only p50 10.31 µs, the median of 3 fresh processes (10.31, 10.35,
/// 10.29 µs; 0.3 s per method); a fresh process's p50 is expected in [10.16, 10.47] µs (95%
/// prediction interval)."
fn note(e: &Elite, c: &Confirmation) -> String {
    let head = format!("#{} `{}`", e.rank, e.label);
    let interval = c.predict_lo_us.zip(c.predict_hi_us);
    match (&c.failure, c.p50_us, interval) {
        (None, Some(p50), Some((lo, hi))) => {
            let list: Vec<String> = c.process_p50_us.iter().map(|m| format!("{m:.2}")).collect();
            format!(
                "{head}: kernel-only p50 {p50:.2} µs, the median of {} fresh processes ({} µs; \
                 {} s per method); a fresh process's p50 is expected in [{lo:.2}, {hi:.2}] µs \
                 (95% prediction interval).",
                c.process_p50_us.len(),
                list.join(", "),
                c.timing.target_s
            )
        }
        (failure, _, _) => format!(
            "{head}: not confirmed: {}.",
            failure.as_deref().unwrap_or("no interval recorded")
        ),
    }
}
