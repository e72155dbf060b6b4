//! Tests of the plan's racing setting: on unless --no-race, kept by --resume from the manifest.

use super::*;
use crate::cli::command::Cli;
use clap::Parser;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn tune_args(extra: &[&str]) -> TuneArgs {
    let argv = ["evotune"].iter().chain(extra).copied();
    Cli::try_parse_from(argv).unwrap().tune
}

/// A fresh replayed run at `out`, with `extra` flags.
fn fresh(out: &Path, extra: &[&str]) -> TunePlan {
    let log = format!("{ROOT}/data/landscapes/h100_sdpa_fp8_2-8-512-64.csv");
    let space = format!("{ROOT}/data/landscapes/sdpa_fp8_mma.toml");
    let out = out.display().to_string();
    let mut flags = vec!["--shape", "2,8,512,64", "--budget", "2", "--replay", &log];
    flags.extend(["--space", &space, "--out", &out]);
    flags.extend(extra);
    TunePlan::<Shape>::resolve(&tune_args(&flags)).unwrap()
}

#[test]
fn a_fresh_run_races_against_its_elites_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    let plan = fresh(&dir.path().join("a"), &["--elites", "4"]);
    assert_eq!(plan.race, Some(RaceSettings::new(4)));
    assert_eq!(
        plan.search_settings().race,
        None,
        "a replayed run times nothing"
    );
    let plan = fresh(&dir.path().join("b"), &["--no-race"]);
    assert_eq!(plan.race, None);
}

#[test]
fn a_resumed_run_keeps_its_manifests_race_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    super::super::run_plan(&fresh(&run, &[])).unwrap();
    let manifest = run.join("manifest.json");
    let mut m: Manifest = read_json(&manifest).unwrap();
    assert_eq!(m.search.race, None);
    let resume = |extra: &[&str]| {
        let run = run.display().to_string();
        let flags = [&["--resume", run.as_str()], extra].concat();
        TunePlan::<Shape>::resolve(&tune_args(&flags)).unwrap().race
    };
    assert_eq!(
        resume(&[]),
        None,
        "a run recorded without racing resumes without"
    );
    m.search.race = Some(RaceSettings::new(6));
    crate::cli::run_dir::write_json(&manifest, &m).unwrap();
    assert_eq!(resume(&[]), Some(RaceSettings::new(6)));
    assert_eq!(resume(&["--no-race"]), None);
}
