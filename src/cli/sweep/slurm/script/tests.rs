//! The rendered sbatch script: a snapshot of one with every option, what drops out without
//! them, the array spec and the quoting.

use super::*;
use crate::cli::sweep::index::{ProblemEntry, Status, SweepSettings};

fn entry(name: &str, shape: &str, budget: usize, set: &[&str]) -> ProblemEntry {
    ProblemEntry {
        name: name.into(),
        operation: crate::op::Operation::Sdpa,
        shape: shape.into(),
        budget,
        set: set.iter().map(|s| s.to_string()).collect(),
        status: Status::Pending,
        run: PathBuf::from(name),
        best_p50_us: None,
        best_config: None,
        trials: None,
        failures: None,
        reason: None,
        finished_utc: None,
        answers_recorded_on: None,
    }
}

fn index() -> SweepIndex {
    SweepIndex {
        started_utc: "20250101-000000".into(),
        command: vec!["evotune".into(), "sweep".into()],
        settings: SweepSettings {
            space: "search_spaces/sdpa_fp8.toml".into(),
            seed: 0,
            population: 16,
            elites: 6,
            devices: vec![],
            arch: None,
            replay: None,
            replay_recorded_on: None,
            replay_dir: None,
            reps: 100,
            atol: None,
            rtol: None,
            timing_seconds: 0.1,
            no_race: false,
            confirm_top: 1,
            confirm_processes: 3,
            timeout: 60,
            warm_start: false,
            search: crate::cli::args::SearchKind::Steady,
            window: crate::evolve::DEFAULT_WINDOW,
            database: None,
        },
        problems: vec![
            entry("2-8-512-64", "2,8,512,64", 64, &[]),
            entry(
                "4-32-2048-128",
                "4,32,2048,128",
                128,
                &["FAMILY=wgmma", "BLOCK_N=128,192"],
            ),
            entry("1-8-512-64", "1,8,512,64", 64, &[]),
        ],
    }
}

fn spec<'a>(
    index: &'a SweepIndex,
    tasks: &'a [usize],
    options: &'a SlurmOptions,
) -> ScriptSpec<'a> {
    ScriptSpec {
        sweep_dir: Path::new("/shared/sweeps/h200"),
        script: Path::new("/shared/sweeps/h200/slurm/sweep.sbatch"),
        binary: Path::new("/shared/bin/evotune"),
        workdir: Path::new("/shared/evotune"),
        index,
        tasks,
        options,
        shards: true,
        cache_dir: None,
        replay_delay_ms: 0,
        written_utc: "20250102-030405",
    }
}

fn every_option() -> SlurmOptions {
    SlurmOptions {
        partition: Some("gpu".into()),
        time: Some("2:00:00".into()),
        gpus_per_task: Some(1),
        account: Some("kernels".into()),
        max_parallel: Some(8),
        sbatch_opts: vec!["--qos=high".into(), "--constraint=h200".into()],
    }
}

#[test]
fn a_script_with_every_option() {
    let ix = index();
    let opts = every_option();
    let mut s = spec(&ix, &[0, 1, 2], &opts);
    let cache = PathBuf::from("/shared/cache/evotune kernels");
    s.cache_dir = Some(&cache);
    let text = render(&s).unwrap();
    for line in [
        "#SBATCH --array=0-2%8\n",
        "#SBATCH --partition=gpu\n",
        "#SBATCH --gpus-per-task=1\n",
        "#SBATCH --qos=high\n",
        "#   1  4-32-2048-128  budget 128  --set FAMILY=wgmma BLOCK_N=128,192\n",
        "problems=(2-8-512-64 4-32-2048-128 1-8-512-64)\n",
        "--cache-dir '/shared/cache/evotune kernels'",
    ] {
        assert!(text.contains(line), "{line}");
    }
    insta::assert_snapshot!("every_option", text);
}

#[test]
fn without_options_only_the_array_lines_remain_and_no_db_records_nothing() {
    let ix = index();
    let opts = SlurmOptions::default();
    let mut s = spec(&ix, &[1], &opts);
    s.shards = false;
    s.replay_delay_ms = 250;
    let text = render(&s).unwrap();
    let directives: Vec<&str> = text.lines().filter(|l| l.starts_with("#SBATCH")).collect();
    assert_eq!(
        directives,
        [
            "#SBATCH --job-name=evotune-h200",
            "#SBATCH --array=1",
            "#SBATCH --ntasks=1",
            "#SBATCH --chdir=/shared/evotune",
            "#SBATCH --output=/shared/sweeps/h200/slurm/logs/%A_%a.out",
        ]
    );
    assert!(
        text.contains(r#"--task "$task" --no-db --replay-delay-ms 250 &"#),
        "{text}"
    );
    assert!(!text.contains("shards"), "{text}");
}

#[test]
fn every_sbatch_line_comes_before_the_first_command() {
    let ix = index();
    let opts = every_option();
    let text = render(&spec(&ix, &[0, 2], &opts)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let first_command = lines
        .iter()
        .position(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .unwrap();
    let last_directive = lines
        .iter()
        .rposition(|l| l.starts_with("#SBATCH"))
        .unwrap();
    assert!(
        last_directive < first_command,
        "sbatch stops reading at the first command"
    );
}

#[test]
fn a_folder_an_sbatch_line_cannot_name_is_refused() {
    let ix = index();
    let opts = SlurmOptions::default();
    let mut s = spec(&ix, &[0], &opts);
    s.sweep_dir = Path::new("/shared/my sweep");
    let err = render(&s).unwrap_err().to_string();
    assert!(
        err.starts_with("--slurm the sweep folder /shared/my sweep holds a blank"),
        "{err}"
    );
}

#[test]
fn array_specs_join_runs_of_indices() {
    assert_eq!(array_spec(&[0, 1, 2], None), "0-2");
    assert_eq!(array_spec(&[3], Some(2)), "3%2");
    assert_eq!(array_spec(&[0, 1, 2, 5, 7, 8], Some(4)), "0-2,5,7-8%4");
}

#[test]
fn words_are_quoted_for_bash_only_when_needed() {
    assert_eq!(quote("/a/b-c_d.e"), "/a/b-c_d.e");
    assert_eq!(quote("/a b"), "'/a b'");
    assert_eq!(quote("it's"), r"'it'\''s'");
    assert_eq!(quote("$HOME"), "'$HOME'");
}
