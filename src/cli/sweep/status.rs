//! `evotune sweep --status DIR`: where each problem of a sweep stands — done, running, failed
//! or pending — from its run folders and, for a sweep on Slurm, from squeue and sacct.

use super::index::{SweepIndex, INDEX_FILE};
use super::slurm::standing::{self, Standing, SweepStanding};
use crate::error::{Error, Result};
use std::path::Path;

/// Prints the status table of the sweep in `dir`.
pub fn run(dir: &Path) -> Result<()> {
    if !dir.join(INDEX_FILE).is_file() {
        return Err(Error::flag(
            "--status",
            format!(
                "{} is not a sweep folder (it has no {INDEX_FILE})",
                dir.display()
            ),
        ));
    }
    let index = SweepIndex::read(dir)?;
    let s = standing::gather(dir, &index)?;
    print!("{}", table(dir, &s));
    Ok(())
}

/// The table: a count line, then one line per problem.
pub fn table(dir: &Path, s: &SweepStanding) -> String {
    let count = |w: Standing| s.problems.iter().filter(|p| p.standing == w).count();
    let mut out = format!(
        "sweep {}: {} problems: {} done, {} running, {} failed, {} pending\n",
        dir.display(),
        s.problems.len(),
        count(Standing::Done),
        count(Standing::Running),
        count(Standing::Failed),
        count(Standing::Pending)
    );
    let width = s.problems.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in &s.problems {
        let label = p.standing.label();
        out.push_str(&format!("  {:<width$}  {label:<7}  {}\n", p.name, p.detail));
    }
    if !s.slurm_answered {
        out.push_str("(squeue did not answer: these come from the run folders alone)\n");
    }
    out
}
