//! The elites' confirmation in fresh worker processes, as notes under the top-line table.

use crate::artifacts::{Confirmation, Elite};
use crate::report::load::RunData;
use crate::tune::floor_note;

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
/// prediction interval)." and, where warm times were taken, " Warm: 8.10, 8.30, 8.20 µs."
fn note(e: &Elite, c: &Confirmation) -> String {
    let note = cold_note(e, c);
    if c.warm_process_p50_us.is_empty() {
        return note;
    }
    format!(
        "{note} Warm (L2 not flushed, 20 back-to-back launches): {} µs.",
        list(&c.warm_process_p50_us)
    )
}

/// "10.31, 10.35, 10.29".
fn list(p50s: &[f64]) -> String {
    let list: Vec<String> = p50s.iter().map(|m| format!("{m:.2}")).collect();
    list.join(", ")
}

fn cold_note(e: &Elite, c: &Confirmation) -> String {
    let head = format!("#{} `{}`", e.rank, e.label);
    match c.prediction {
        Some(p) => {
            format!(
                "{head}: kernel-only p50 {:.2} µs, the median of {} fresh processes ({} µs; \
                 {} s per method); a fresh process's p50 is expected in [{:.2}, {:.2}] µs \
                 (95% prediction interval{}).",
                p.median,
                c.process_p50_us.len(),
                list(&c.process_p50_us),
                c.timing.target_s,
                p.lo,
                p.hi,
                floor_note(&p)
            )
        }
        None => format!(
            "{head}: not confirmed: {}.",
            c.failure.as_deref().unwrap_or("no interval recorded")
        ),
    }
}
