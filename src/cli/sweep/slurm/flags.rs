//! The `--slurm` flags of `evotune sweep`, and the options they resolve to: checked, kept in
//! the sweep folder, and taken again by a re-submission that does not repeat them.

use crate::error::{Error, Result};
use clap::Args;
use serde::{Deserialize, Serialize};

/// The Slurm flags, as given.
#[derive(Debug, Args, Clone, Default)]
pub struct SlurmFlags {
    /// Submit the sweep to Slurm as a job array, one task per problem without a finished
    /// result, and print the job id (see "On Slurm" below).
    #[arg(long)]
    pub slurm: bool,
    /// Write the sbatch script (and sweep.json) as --slurm would, print where, submit nothing.
    #[arg(long)]
    pub slurm_dry_run: bool,
    /// Slurm partition of the tasks.
    #[arg(long, value_name = "NAME")]
    pub partition: Option<String>,
    /// Time limit of each task, in sbatch's form: MINUTES, HH:MM:SS or D-HH:MM:SS.
    #[arg(long, value_name = "LIMIT")]
    pub time: Option<String>,
    /// GPUs of each task (sbatch --gpus-per-task); evotune sees them as devices 0..N-1.
    #[arg(long, value_name = "N")]
    pub gpus_per_task: Option<u32>,
    /// Account the tasks are charged to.
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// At most N tasks of the array at once (the array's %N).
    #[arg(long, value_name = "N")]
    pub max_parallel: Option<usize>,
    /// Any other sbatch option, written as one #SBATCH line (repeatable), e.g.
    /// --sbatch-opt=--qos=high --sbatch-opt=--constraint=h100.
    #[arg(long, value_name = "OPTION", allow_hyphen_values = true)]
    pub sbatch_opt: Vec<String>,
}

/// The options of a submission, checked (they are written into the script).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlurmOptions {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time`.
    pub time: Option<String>,
    /// `--gpus-per-task`.
    pub gpus_per_task: Option<u32>,
    /// `--account`.
    pub account: Option<String>,
    /// `--max-parallel`.
    pub max_parallel: Option<usize>,
    /// `--sbatch-opt`, in order.
    pub sbatch_opts: Vec<String>,
}

impl SlurmFlags {
    /// Whether the sweep goes to Slurm (`--slurm` or `--slurm-dry-run`).
    pub fn wanted(&self) -> bool {
        self.slurm || self.slurm_dry_run
    }

    /// The flag of a Slurm option given without `--slurm`, if any.
    pub fn stray(&self) -> Option<&'static str> {
        let given = [
            ("--partition", self.partition.is_some()),
            ("--time", self.time.is_some()),
            ("--gpus-per-task", self.gpus_per_task.is_some()),
            ("--account", self.account.is_some()),
            ("--max-parallel", self.max_parallel.is_some()),
            ("--sbatch-opt", !self.sbatch_opt.is_empty()),
        ];
        let first = given.into_iter().find(|(_, g)| *g).map(|(f, _)| f);
        first.filter(|_| !self.wanted())
    }

    /// The options of this submission: each flag given, else what the last submission of
    /// the sweep used (`stored`); checked.
    pub fn options(&self, stored: &SlurmOptions) -> Result<SlurmOptions> {
        let opts = SlurmOptions {
            partition: self.partition.clone().or_else(|| stored.partition.clone()),
            time: self.time.clone().or_else(|| stored.time.clone()),
            gpus_per_task: self.gpus_per_task.or(stored.gpus_per_task),
            account: self.account.clone().or_else(|| stored.account.clone()),
            max_parallel: self.max_parallel.or(stored.max_parallel),
            sbatch_opts: if self.sbatch_opt.is_empty() {
                stored.sbatch_opts.clone()
            } else {
                self.sbatch_opt.clone()
            },
        };
        opts.check()?;
        Ok(opts)
    }
}

impl SlurmOptions {
    /// Checks every value for what an `#SBATCH` line can hold.
    pub fn check(&self) -> Result<()> {
        for (flag, v) in [
            ("--partition", &self.partition),
            ("--account", &self.account),
        ] {
            if let Some(v) = v {
                plain_word(flag, v)?;
            }
        }
        if let Some(t) = &self.time {
            check_time(t)?;
        }
        if self.gpus_per_task == Some(0) {
            return Err(Error::flag("--gpus-per-task", "must be at least 1"));
        }
        if self.max_parallel == Some(0) {
            return Err(Error::flag("--max-parallel", "must be at least 1"));
        }
        self.sbatch_opts
            .iter()
            .try_for_each(|o| check_sbatch_opt(o))
    }
}

/// A name such as a partition or account: letters, digits and `_-.,:+@`, nothing else.
fn plain_word(flag: &'static str, v: &str) -> Result<()> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "_-.,:+@".contains(c);
    if v.is_empty() || !v.chars().all(ok) {
        return Err(Error::flag(
            flag,
            format!("expects a Slurm name (letters, digits, _-.,:+@), got '{v}'"),
        ));
    }
    Ok(())
}

/// sbatch's time forms: MINUTES, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
fn check_time(t: &str) -> Result<()> {
    let (days, clock) = match t.split_once('-') {
        Some((d, c)) => (Some(d), c),
        None => (None, t),
    };
    let fields: Vec<&str> = clock.split(':').collect();
    let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let fits = days.is_none_or(numeric) && fields.len() <= 3 && fields.iter().all(|f| numeric(f));
    if !fits || t == "0" {
        return Err(Error::flag(
            "--time",
            format!("expects MINUTES, HH:MM:SS or D-HH:MM:SS (sbatch's forms), got '{t}'"),
        ));
    }
    Ok(())
}

/// One sbatch option, `--name=value` or `--name`: a single line, no quotes to unbalance.
fn check_sbatch_opt(o: &str) -> Result<()> {
    let bad = |why: &str| Error::flag("--sbatch-opt", format!("'{o}': {why}"));
    if !o.starts_with('-') {
        return Err(bad("expects an sbatch option, e.g. --qos=high"));
    }
    if o.contains(['\n', '\r', '"', '\'', '\\']) {
        return Err(bad("cannot hold line breaks, quotes or backslashes"));
    }
    let name = o
        .trim_start_matches('-')
        .split(['=', ' '])
        .next()
        .unwrap_or("");
    if [
        "array", "output", "error", "chdir", "job-name", "J", "D", "o", "e", "a",
    ]
    .contains(&name)
    {
        return Err(bad(
            "evotune sets this one itself (the array, its logs and folder)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags() -> SlurmFlags {
        SlurmFlags {
            slurm: true,
            ..SlurmFlags::default()
        }
    }

    #[test]
    fn flags_given_win_and_the_rest_come_from_the_last_submission() {
        let stored = SlurmOptions {
            partition: Some("gpu".into()),
            time: Some("30".into()),
            max_parallel: Some(4),
            sbatch_opts: vec!["--qos=low".into()],
            ..SlurmOptions::default()
        };
        let mut f = flags();
        f.time = Some("1-00:00:00".into());
        let o = f.options(&stored).unwrap();
        assert_eq!(o.partition.as_deref(), Some("gpu"));
        assert_eq!(o.time.as_deref(), Some("1-00:00:00"));
        assert_eq!(o.max_parallel, Some(4));
        assert_eq!(o.sbatch_opts, ["--qos=low"]);
        f.sbatch_opt = vec!["--qos=high".into()];
        assert_eq!(f.options(&stored).unwrap().sbatch_opts, ["--qos=high"]);
    }

    #[test]
    fn bad_values_name_their_flag() {
        let err = |f: SlurmFlags| f.options(&SlurmOptions::default()).unwrap_err().to_string();
        for (time, ok) in [
            ("90", true),
            ("2:00:00", true),
            ("1-12", true),
            ("1-2:3:4", true),
        ] {
            let mut f = flags();
            f.time = Some(time.into());
            assert_eq!(f.options(&SlurmOptions::default()).is_ok(), ok, "{time}");
        }
        for time in ["1h", "1:2:3:4", "-5", "0", ""] {
            let mut f = flags();
            f.time = Some(time.into());
            assert!(err(f).starts_with("--time expects MINUTES"), "{time}");
        }
        let mut f = flags();
        f.partition = Some("gpu\n#SBATCH --x".into());
        assert!(err(f).starts_with("--partition expects a Slurm name"));
        let mut f = flags();
        f.max_parallel = Some(0);
        assert_eq!(err(f), "--max-parallel must be at least 1");
        for (opt, says) in [
            ("qos=high", "expects an sbatch option"),
            ("--array=0-9", "evotune sets this one"),
            ("--comment='x'", "cannot hold"),
        ] {
            let mut f = flags();
            f.sbatch_opt = vec![opt.into()];
            assert!(err(f).contains(says), "{opt}");
        }
    }

    #[test]
    fn an_option_without_slurm_is_stray() {
        let mut f = SlurmFlags {
            partition: Some("gpu".into()),
            ..SlurmFlags::default()
        };
        assert_eq!(f.stray(), Some("--partition"));
        f.slurm_dry_run = true;
        assert_eq!(f.stray(), None);
    }
}
