//! The gate's words that name commands and flags: why a run lacks the times a check needs and
//! how to get them, the line of a regression check, and what a stored result must be.

use crate::error::Error;
use crate::gate::{Check, Gap, NoTimes, NotStored, Regression, Side};
use crate::report::RunData;

/// The error of a check that found no times under `--protocol`: which side lacks them, why, and
/// how to get them.
pub fn no_times(run: &RunData, n: &NoTimes) -> Error {
    Error::flag(
        "--protocol",
        format!("{n}{}. {}", hint(&n.gap), remedy(run, &n.side)),
    )
}

/// The flags behind a gap, where one is.
fn hint(gap: &Gap) -> &'static str {
    match gap {
        Gap::WarmOnly => " (--flush none)",
        Gap::NotConfirmed => {
            " (warm times come from the confirmation that ends a live tune: --confirm-top 1 or \
             more; a replayed run has none)"
        }
        _ => "",
    }
}

/// The command that records the times `side` lacks.
fn remedy(run: &RunData, side: &Side) -> String {
    match side {
        Side::Baseline(_) => format!(
            "Time the baselines again into the run folder, cold then warm: `evotune baseline \
             {} --out {}`",
            problem_flag(run),
            run.paths.root.display()
        ),
        Side::Best { .. } => format!(
            "Tune the problem again on a GPU to record them (`evotune {} ...`)",
            problem_flag(run)
        ),
    }
}

/// The run's problem with the flag that gives it (`--shape 2,8,512,64`, `--gemm 64,64,64`).
fn problem_flag(run: &RunData) -> String {
    run.topk
        .as_ref()
        .map_or("--shape B,H,S,D".to_string(), |t| t.shape.flag_text())
}

/// The line of a regression check against the stored best from `origin`.
pub fn regression(r: &Regression, origin: &str) -> Check {
    let what = format!(
        "best {:.2} µs vs stored {:.2} µs ({origin}): {:+.1} %",
        r.now_us, r.then_us, r.slower_pct
    );
    let line = if r.passed() {
        format!("{what}, within --max-regression {} %", r.max_pct)
    } else {
        format!(
            "{what}, over --max-regression {} % by {:.1} points",
            r.max_pct,
            r.slower_pct - r.max_pct
        )
    };
    Check {
        passed: r.passed(),
        line,
    }
}

/// Why `--baseline` holds no stored best, naming the flag that writes a gate result.
pub fn not_stored(e: NotStored) -> String {
    match e {
        NotStored::Neither { file, cause } => format!(
            "{file} is neither a gate result (evotune gate --save) nor a tune/topk.json: {cause}"
        ),
        NotStored::Other(why) => why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::TimingProtocol;
    use std::path::Path;

    fn fixture() -> RunData {
        RunData::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run_fixture"))
    }

    #[test]
    fn no_times_names_the_protocol_the_flags_behind_the_gap_and_the_command_to_run() {
        let run = fixture();
        let warm_only = NoTimes {
            protocol: TimingProtocol::Cold,
            side: Side::Baseline("baseline A (math)".into()),
            gap: Gap::WarmOnly,
        };
        let text = no_times(&run, &warm_only).to_string();
        assert!(
            text.starts_with(
                "--protocol cold needs cold kernel-only times on both sides, and baseline A \
                 (math) has none: it was timed warm only (--flush none). Time the baselines \
                 again into the run folder, cold then warm: `evotune baseline --shape \
                 2,8,512,64 --out "
            ),
            "{text}"
        );
        let best = NoTimes {
            protocol: TimingProtocol::Warm,
            side: Side::Best {
                rank: 1,
                label: "K=V".into(),
            },
            gap: Gap::NotConfirmed,
        };
        let text = no_times(&run, &best).to_string();
        assert!(
            text.contains("`K=V` has none: it was not confirmed (warm times"),
            "{text}"
        );
        assert!(text.contains("--confirm-top 1 or more"), "{text}");
        assert!(
            text.ends_with("(`evotune --shape 2,8,512,64 ...`)"),
            "{text}"
        );
    }

    #[test]
    fn a_regression_line_names_the_allowance_and_the_miss() {
        let r = Regression {
            now_us: 13.12,
            then_us: 12.0,
            slower_pct: 9.33,
            max_pct: 5.0,
        };
        let check = regression(&r, "old.json");
        assert!(!check.passed);
        assert!(
            check
                .line
                .ends_with("(old.json): +9.3 %, over --max-regression 5 % by 4.3 points"),
            "{}",
            check.line
        );
    }
}
