//! The tune log as the report needs it: trial, outcome and kernel-only p50 of each row.
//!
//! Read by column name, without the search space: a report renders from the run folder alone,
//! and the space file may have gained parameters since the run (`tunelog::read` checks the
//! parameter columns against the space, which the tuner needs and the report does not).

use std::path::Path;

/// One trial of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPoint {
    /// Trial number.
    pub trial: usize,
    /// Outcome's short name ("ok", "invalid", ...).
    pub outcome: String,
    /// Kernel-only p50, µs, for a timed ok trial.
    pub p50_us: Option<f64>,
}

impl LogPoint {
    /// Whether the trial is a usable, timed result.
    pub fn is_ok(&self) -> bool {
        self.outcome == "ok" && self.p50_us.is_some_and(f64::is_finite)
    }
}

/// Reads the log at `path`, in trial order; a torn last line is ignored, as `tunelog::read`
/// does. A GPU run logs trials as they complete, which is not their order when several are in
/// flight; the best-so-far line runs along the trial axis, so the points are sorted by trial.
pub fn read_points(path: &Path) -> Result<Vec<LogPoint>, String> {
    let bytes = crate::tunelog::read_bytes(path).map_err(|e| e.to_string())?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut reader = csv::Reader::from_reader(&bytes[..complete]);
    let header = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{}: no '{name}' column", path.display()))
    };
    let (trial, outcome, p50) = (col("trial")?, col("outcome")?, col("p50_us")?);
    let mut points = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("{}: row {}: {e}", path.display(), i + 1))?;
        let field = |c: usize| row.get(c).unwrap_or("");
        points.push(LogPoint {
            trial: field(trial).parse().unwrap_or(i),
            outcome: field(outcome).to_string(),
            p50_us: field(p50).parse().ok(),
        });
    }
    points.sort_by_key(|p| p.trial);
    Ok(points)
}

/// The best (lowest) ok p50 after each trial, in trial order; `None` before the first ok one.
pub fn best_so_far(points: &[LogPoint]) -> Vec<Option<f64>> {
    let mut best: Option<f64> = None;
    points
        .iter()
        .map(|p| {
            if p.is_ok() {
                let v = p.p50_us.unwrap_or(f64::INFINITY);
                best = Some(best.map_or(v, |b| b.min(v)));
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_read_in_trial_order_whatever_the_completion_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tune_log.csv");
        std::fs::write(
            &path,
            "trial,outcome,p50_us\n2,ok,9.0\n0,ok,20.0\n1,invalid,\n3,ok,30.0\n",
        )
        .unwrap();
        let points = read_points(&path).unwrap();
        let trials: Vec<usize> = points.iter().map(|p| p.trial).collect();
        assert_eq!(trials, [0, 1, 2, 3]);
        assert_eq!(
            best_so_far(&points),
            vec![Some(20.0), Some(20.0), Some(9.0), Some(9.0)]
        );
    }

    #[test]
    fn best_so_far_skips_failures_and_only_falls() {
        let p = |t, o: &str, v| LogPoint {
            trial: t,
            outcome: o.into(),
            p50_us: v,
        };
        let pts = [
            p(0, "invalid", None),
            p(1, "ok", Some(20.0)),
            p(2, "ok", Some(25.0)),
            p(3, "timeout", None),
            p(4, "ok", Some(13.0)),
        ];
        assert_eq!(
            best_so_far(&pts),
            vec![None, Some(20.0), Some(20.0), Some(20.0), Some(13.0)]
        );
    }
}
