//! Tests of the tune log: the header, flushed rows, the round trip, and a torn last line.

use super::*;
use crate::eval::{EvalResponse, Outcome, Timing};
use crate::space::parse;
use std::io::Write;

fn space() -> SearchSpace {
    parse(
        Path::new("t.toml"),
        "name='t'\ntemplate='t'\nkernel='k'\n[params.A]\nvalues=[1,2]\n[params.F]\nvalues=['x','y']\n[default]\nA=1\nF='x'\n",
    )
    .unwrap()
}

fn timed(p50: f64) -> EvalResponse {
    let mut r = EvalResponse::failed(0, Outcome::Ok);
    r.kernel_time = Some(Timing {
        method: "test".into(),
        p50_us: p50,
        p10_us: p50,
        p90_us: p50,
        ci_lo_us: p50 * 0.99,
        ci_hi_us: p50 * 1.01,
        samples_us: vec![p50],
    });
    r
}

/// A new log `log.csv` in `dir` over the test space.
fn new_log(dir: &Path) -> (SearchSpace, std::path::PathBuf, TuneLog) {
    let space = space();
    let path = dir.join("log.csv");
    let log = TuneLog::create(&path, &space).unwrap();
    (space, path, log)
}

#[test]
fn writes_a_header_and_a_flushed_row_per_trial() {
    let space = space();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tune/tune_log.csv");
    let mut log = TuneLog::create(&path, &space).unwrap();
    let response = EvalResponse::failed(
        0,
        Outcome::Invalid {
            reason: "max abs 3\nbig".into(),
        },
    );
    log.append(&TrialRecord::measured(
        0,
        0,
        &space.default,
        None,
        &response,
    ))
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!("trial,generation,A,F,{}", COLUMNS.join(","))
    );
    assert_eq!(lines[1], "0,0,1,x,invalid,,,,,,,,,,,,,,,max abs 3 big");
}

#[test]
fn rows_read_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let (space, path, mut log) = new_log(dir.path());
    let mut other = space.default.clone();
    other.set("F", crate::space::Value::Choice("y".into()));
    let rows = vec![
        TrialRecord::measured(0, 0, &space.default, None, &timed(12.345678901234)),
        TrialRecord::measured(
            1,
            1,
            &other,
            None,
            &EvalResponse::failed(1, Outcome::Timeout { after_s: 5.0 }),
        ),
    ];
    for r in &rows {
        log.append(r).unwrap();
    }
    let back = read(&path, &space).unwrap();
    assert_eq!(back.records, rows);
    assert!(!back.torn_tail);
    assert_eq!(back.records[0].fitness(), Some(12.345678901234));
    assert_eq!(back.records[1].fitness(), None);
}

#[test]
fn a_torn_last_line_is_ignored_and_cut_off_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (space, path, mut log) = new_log(dir.path());
    log.append(&TrialRecord::measured(
        0,
        0,
        &space.default,
        None,
        &timed(10.0),
    ))
    .unwrap();
    drop(log);
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(b"1,1,2,y,ok,9.").unwrap();
    drop(f);
    let back = read(&path, &space).unwrap();
    assert_eq!(back.records.len(), 1);
    assert!(back.torn_tail);
    let mut log = TuneLog::reopen(&path, &space, back.complete_len, &back.columns).unwrap();
    let mut other = space.default.clone();
    other.set("A", crate::space::Value::Int(2));
    log.append(&TrialRecord::measured(1, 1, &other, None, &timed(9.5)))
        .unwrap();
    let again = read(&path, &space).unwrap();
    assert!(!again.torn_tail);
    assert_eq!(again.records.len(), 2);
    assert_eq!(again.records[1].p50_us, Some(9.5));
}

#[test]
fn samples_and_the_race_are_logged_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let (space, path, mut log) = new_log(dir.path());
    let mut raced = timed(14.0);
    raced.raced_out = true;
    raced.kernel_time.as_mut().unwrap().samples_us = vec![14.0; 64];
    for (trial, r) in [(0, timed(10.0)), (1, raced)] {
        log.append(&TrialRecord::measured(trial, 0, &space.default, None, &r))
            .unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.lines().nth(2).unwrap().contains(",14.14,64,true,"),
        "{text}"
    );
    let back = read(&path, &space).unwrap().records;
    let got: Vec<_> = back.iter().map(|r| (r.samples, r.raced_out)).collect();
    assert_eq!(got, [(Some(1), Some(false)), (Some(64), Some(true))]);
    assert_eq!(
        back[1].fitness(),
        Some(14.0),
        "a raced-out trial keeps its median"
    );
}

/// Logs written before racing (the recorded landscapes) have neither column and still read.
#[test]
fn a_log_written_before_racing_reads_with_the_race_unknown() {
    let space = space();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.csv");
    let header = format!("trial,generation,A,F,{}", columns_before_racing().join(","));
    let row = "0,0,2,y,ok,9.5,9.4,9.6,15.0,0.01,0.02,0.05,96,0,0,700.5,1980,";
    std::fs::write(&path, format!("{header}\n{row}\n")).unwrap();
    let back = read(&path, &space).unwrap();
    let r = &back.records[0];
    assert_eq!((r.p50_us, r.call_p50_us), (Some(9.5), Some(15.0)));
    assert_eq!(
        (r.samples, r.raced_out, r.sm_clock_mhz),
        (None, None, Some(1980))
    );
    // A resumed run appends rows of the same columns.
    let mut log = TuneLog::reopen(&path, &space, back.complete_len, &back.columns).unwrap();
    log.append(&TrialRecord::measured(
        1,
        0,
        &space.default,
        None,
        &timed(8.0),
    ))
    .unwrap();
    let again = read(&path, &space).unwrap().records;
    assert_eq!(again.len(), 2);
    assert_eq!((again[1].p50_us, again[1].samples), (Some(8.0), None));
}

#[test]
fn a_log_of_another_space_is_refused_by_name() {
    let space = space();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.csv");
    std::fs::write(&path, format!("trial,generation,A,{}\n", COLUMNS.join(","))).unwrap();
    let err = read(&path, &space).unwrap_err().to_string();
    assert!(err.contains("are not those of the space"), "{err}");
    std::fs::write(&path, "a,b,c\n").unwrap();
    let err = read(&path, &space).unwrap_err().to_string();
    assert!(err.contains("not a tune log"), "{err}");
}

/// A gzip-compressed log reads back as the plain one does, and is never written to.
#[test]
fn a_compressed_log_reads_like_the_plain_one_and_is_read_only() {
    let space = space();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("land.csv");
    let mut log = TuneLog::create(&plain, &space).unwrap();
    for (trial, p50) in [(0, 12.5), (1, 9.75)] {
        log.append(&TrialRecord::measured(
            trial,
            0,
            &space.default,
            None,
            &timed(p50),
        ))
        .unwrap();
    }
    drop(log);
    let packed = dir.path().join("land.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&packed).unwrap(),
        flate2::Compression::best(),
    );
    gz.write_all(&std::fs::read(&plain).unwrap()).unwrap();
    gz.finish().unwrap();
    let (a, b) = (
        read(&plain, &space).unwrap(),
        read(&packed, &space).unwrap(),
    );
    assert_eq!(a.records, b.records);
    assert_eq!(b.records.len(), 2);
    assert_eq!(b.records[1].p50_us, Some(9.75));
    let err = TuneLog::reopen(&packed, &space, b.complete_len, &b.columns)
        .err()
        .unwrap();
    assert!(err.to_string().contains("read-only"), "{err}");
    assert!(TuneLog::create(&dir.path().join("new.csv.gz"), &space).is_err());
}

/// Regression: a row written twice (the same trial) was counted as two trials.
#[test]
fn a_repeated_row_counts_once_and_a_conflicting_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (space, path, mut log) = new_log(dir.path());
    log.append(&TrialRecord::measured(
        0,
        0,
        &space.default,
        None,
        &timed(10.0),
    ))
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let row = text.lines().nth(1).unwrap().to_string();
    std::fs::write(&path, format!("{text}{row}\n")).unwrap();
    let back = read(&path, &space).unwrap();
    assert_eq!(back.records.len(), 1);
    let other = row.replacen(",1,x,", ",2,x,", 1);
    assert_ne!(other, row);
    std::fs::write(&path, format!("{text}{other}\n")).unwrap();
    let err = read(&path, &space).unwrap_err().to_string();
    assert!(err.contains("row 2: trial 0 appears twice"), "{err}");
}
