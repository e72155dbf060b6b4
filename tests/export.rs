//! Integration tests of `evotune export` through the binary, on a database of replayed tunes
//! (no GPU): two plain problems of the mma family (the recorded landscape), one causal
//! grouped-query problem of the wgmma family (a log written here over the current space), and
//! a row made stale by a template edit. The export's files are checked: a source and a cubin per
//! problem, dispatch.json against the space's own evaluation, dispatch.h through a C compiler,
//! and the Python package, imported and asked for kernels with python3 (no torch, no GPU).

mod common;

use common::{db_cmd, evotune, own_space, root, stand_in_log, tune, tune_with, SPACE, TEMPLATE};
use evotune::db::{Attention, Problem};
use evotune::export::{Accepts, DispatchTable, Entry};
use evotune::shape::Shape;
use evotune::space::{self, DeviceLimits};
use evotune::template::Template;
use evotune::tunelog::{TrialRecord, TuneLog};
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The causal grouped-query problem tuned in the wgmma family.
const GQA: &str = "1,8,1024,128,causal,kv_heads=2,kv_len=2048";
/// The restriction its tune runs under: eight wgmma points (ping-pong, the transpose and the
/// persistent grid open), all of which the log answers.
const GQA_SETS: [&str; 14] = [
    "FAMILY=wgmma",
    "BLOCK_M=128",
    "BLOCK_N=128",
    "STAGES=2",
    "SWIZZLE=64",
    "VT_SWIZZLE=128",
    "VT_STAGES=2",
    "OVERLAP=false",
    "ARRIVE=thread",
    "PRODUCER_REGS=40",
    "WAIT=spin",
    "PINGPONG=false,true",
    "TRANSPOSE=bytes,ldsm",
    "PERSISTENT=false,true",
];

/// A tune log over the full sdpa_fp8 space answering every valid point of its restriction by
/// `sets` at `shape`, with made-up times (20 µs, 21 µs, ...).
fn wgmma_log(path: &Path, shape: &str, sets: &[&str]) {
    let space = space::load(&root().join("search_spaces/sdpa_fp8.toml")).unwrap();
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let restricted = space
        .restrict(&space.overrides_from_sets(&sets).unwrap())
        .unwrap();
    let shape = Shape::parse(shape).unwrap();
    let points = restricted
        .valid_points(&shape, &DeviceLimits::hopper())
        .unwrap();
    assert!(points.len() >= 4, "{} points", points.len());
    let mut log = TuneLog::create(path, &space).unwrap();
    for (i, p) in points.iter().enumerate() {
        let mut r = TrialRecord::unmeasured(&p.config, "ok", String::new());
        r.trial = i;
        (r.p50_us, r.ci_lo_us, r.ci_hi_us) = (Some(20.0 + i as f64), Some(19.9), Some(20.1));
        (r.max_abs, r.rel_l2) = (Some(0.01), Some(0.02));
        log.append(&r).unwrap();
    }
    let problem = evotune::artifacts::LogProblem {
        shape,
        device: None,
    };
    problem.write(path).unwrap();
}

/// A database of three fresh problems (two mma, one wgmma) and one stale row.
fn database(dir: &Path) -> PathBuf {
    let db = dir.join("t.db");
    let mma = Path::new(SPACE);
    tune(mma, &dir.join("r1"), &db, "2,8,512,64", 16);
    let stand_in = stand_in_log(dir, "1,8,512,64");
    tune_with(
        mma,
        stand_in.to_str().unwrap(),
        &[],
        &dir.join("r2"),
        &db,
        "1,8,512,64",
        16,
    );
    let log = dir.join("gqa.csv");
    wgmma_log(&log, GQA, &GQA_SETS);
    let sets: Vec<String> = GQA_SETS.iter().map(|s| format!("--set={s}")).collect();
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    let space = root().join("search_spaces/sdpa_fp8.toml");
    tune_with(
        &space,
        log.to_str().unwrap(),
        &sets,
        &dir.join("r3"),
        &db,
        GQA,
        6,
    );
    let own = own_space(dir);
    let stand_in = stand_in_log(dir, "2,4,256,64");
    tune_with(
        &own,
        stand_in.to_str().unwrap(),
        &[],
        &dir.join("r4"),
        &db,
        "2,4,256,64",
        8,
    );
    let template = dir.join(TEMPLATE);
    let text = std::fs::read_to_string(&template).unwrap();
    std::fs::write(&template, format!("{text}\n// edited\n")).unwrap();
    add_gemm_row(&db);
    db
}

/// Adds a GEMM row to `db`: its first row with the problem changed to a GEMM (fresh, of the
/// same device), which export must leave out.
fn add_gemm_row(db: &Path) {
    let mut d = evotune::db::Db::open(db).unwrap();
    let mut gemm = d.all().unwrap().remove(0);
    gemm.problem = Problem::Gemm(evotune::op::Gemm {
        m: 4096,
        n: 4096,
        k: 128,
    });
    d.insert(&gemm).unwrap().expect("a new row");
}

fn export(db: &Path, out: &Path, cache: &Path) -> (String, String) {
    let assert = evotune()
        .args(["export", "--db", db.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .args(["--cache-dir", cache.to_str().unwrap()])
        .assert()
        .success();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (
        text(&assert.get_output().stdout),
        text(&assert.get_output().stderr),
    )
}

#[test]
fn export_writes_each_problems_kernel_with_the_table_the_header_and_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let out = dir.path().join("exported");
    let cache = dir.path().join("cache");
    let (stdout, stderr) = export(&db, &out, &cache);
    assert!(
        stdout.contains(&format!(
            "exported 3 kernels of replay (sm_90a) to {}",
            out.display()
        )),
        "{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("skipped row 4 (2,4,256,64): stale: template")
            && stderr.contains("sdpa_fp8_mma.cu.tera changed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n1 GEMM row not exported: export writes attention kernels\n")
            || stderr.starts_with("1 GEMM row not exported: export writes attention kernels\n"),
        "{stderr}"
    );
    let table = DispatchTable::read(&out.join("dispatch.json")).unwrap();
    let ids: Vec<&str> = table.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "b1_h8_s512_d64",
            "b1_h8_s1024_d128_causal_kvh2_kvl2048",
            "b2_h8_s512_d64"
        ]
    );
    assert_eq!(
        (table.device.as_str(), table.arch.as_str()),
        ("replay", "sm_90a")
    );
    for e in &table.entries {
        check_entry(&out, e, &db);
    }
    check_header(&out);
    check_python(&out, &table);
    let (again, _) = export(&db, &out, &cache);
    assert!(again.contains("exported 3 kernels"), "{again}");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".exported"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// The entry's files, its problem and time against the database's best row, and its geometry,
/// argument style and source against the space's own evaluation at its problem.
fn check_entry(out: &Path, e: &Entry, db: &Path) {
    let cubin = std::fs::read(out.join(&e.cubin)).unwrap();
    assert_eq!(&cubin[..4], b"\x7fELF", "{}", e.cubin);
    let source = std::fs::read_to_string(out.join(&e.source)).unwrap();
    let p = e.problem;
    let problem = Attention {
        batch: p.b,
        heads: p.h,
        seq_len: p.s,
        head_dim: p.d,
        causal: p.causal,
        kv_heads: p.kv_heads,
        kv_len: p.kv_len,
    };
    let shape = problem.shape();
    let show: Value = serde_json::from_str(&db_cmd(
        db,
        &["show", "--shape", &shape.to_string(), "--json"],
    ))
    .unwrap();
    let best = &show["best"];
    assert_eq!(best["config"], e.config.as_str(), "{}", e.id);
    assert_eq!(best["kernel_p50_us"].as_f64(), Some(e.kernel_p50_us));
    let space_file = best["space_path"].as_str().unwrap();
    let space = space::load(&root().join(space_file)).unwrap();
    let limits = DeviceLimits::for_arch("sm_90a").unwrap();
    let point = space
        .evaluate(&space.parse_config(&e.config).unwrap(), &shape, &limits)
        .unwrap();
    let launch = evotune::eval::launch_for(&space, &point).unwrap();
    assert_eq!(
        (e.grid, e.block, e.smem_bytes),
        (launch.grid, launch.block, launch.smem_bytes)
    );
    let tma = e.tma.map(|t| (t.swizzle, t.q_rows, t.kv_rows));
    let expected = match launch.args {
        evotune::eval::KernelArgs::Pointers => ("pointers", None),
        evotune::eval::KernelArgs::TensorMaps {
            swizzle,
            q_rows,
            kv_rows,
        } => ("tensor_maps", Some((swizzle, q_rows, kv_rows))),
        other => panic!("{}: an SDPA space gave {other:?}", e.id),
    };
    assert_eq!((e.args.as_str(), tma), expected, "{}", e.id);
    let rendered = Template::for_space(&space)
        .unwrap()
        .render(&space, &point, &shape, &limits)
        .unwrap();
    assert_eq!(source, rendered, "{}", e.id);
    assert!(e.accepts.reuse, "{}: {}", e.id, e.accepts.note);
    assert_eq!(e.accepts.causal, p.causal);
}

/// dispatch.h compiles as C (and as C++ where g++ is there) in a file that uses the table.
fn check_header(out: &Path) {
    let Some(cc) = ["cc", "gcc", "clang"].into_iter().find(|c| runs(c)) else {
        eprintln!("SKIPPED: no C compiler (cc, gcc, clang) found: dispatch.h was not compiled");
        return;
    };
    let user = out.join("use_dispatch.c");
    std::fs::write(
        &user,
        "#include \"dispatch.h\"\n#include <stdio.h>\nint main(void) {\n\
         evotune_sdpa_problem p = {2, 8, 512, 64, 0, 8, 512};\n\
         const evotune_sdpa_kernel *k = evotune_sdpa_find(p);\n\
         printf(\"%u %s %u\\n\", (unsigned)EVOTUNE_SDPA_KERNEL_COUNT, k ? k->id : \"none\", \
         k ? k->grid[0] : 0u);\n\
         return k && k->args == EVOTUNE_ARGS_POINTERS ? 0 : 1;\n}\n",
    )
    .unwrap();
    let c = Command::new(cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
        .arg(&user)
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    if runs("g++") {
        let cpp = Command::new("g++")
            .args([
                "-x",
                "c++",
                "-std=c++11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-fsyntax-only",
            ])
            .arg(&user)
            .output()
            .unwrap();
        assert!(
            cpp.status.success(),
            "{}",
            String::from_utf8_lossy(&cpp.stderr)
        );
    }
    std::fs::remove_file(&user).unwrap();
}

fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `code` with python3 and the export's python/ folder on sys.path; its standard output.
fn python(out: &Path, code: &str) -> Option<String> {
    if !runs("python3") {
        eprintln!("SKIPPED: python3 not found: the Python package was not imported");
        return None;
    }
    let o = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sys\nsys.path.insert(0, {:?})\n{code}",
            out.join("python").display().to_string()
        ))
        .env_remove("EVOTUNE_KERNELS_DIR")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "python3 failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(String::from_utf8_lossy(&o.stdout).to_string())
}

/// The package imports without torch, cuda-python or a GPU, and chooses the kernels the table's
/// rules choose: the exact problem, else the nearest kernel that can run it, else a NoKernel
/// that names the problem and what the table holds.
fn check_python(out: &Path, table: &DispatchTable) {
    let Some(imported) = python(
        out,
        "import evotune_kernels\nprint(sorted(m for m in ('torch', 'cuda', 'cuda.bindings') \
         if m in sys.modules))\nprint(len(evotune_kernels.load().table.entries))",
    ) else {
        return;
    };
    assert_eq!(
        imported, "[]\n3\n",
        "the import needs neither torch nor cuda-python"
    );
    let asked = [
        "2,8,512,64",
        "1,8,512,64",
        "3,8,700,64",
        "2,8,512,48",
        GQA,
        "2,16,333,112,causal,kv_heads=4,kv_len=900",
        "2,8,512,128",
        "2,8,512,64,causal",
        "2,8,512,80",
    ];
    let problems: Vec<Attention> = asked
        .iter()
        .map(|s| Attention::of_shape(&Shape::parse(s).unwrap()))
        .collect();
    let spec: Vec<Value> = problems
        .iter()
        .map(|p| {
            serde_json::json!([
                p.batch, p.heads, p.seq_len, p.head_dim, p.causal, p.kv_heads, p.kv_len
            ])
        })
        .collect();
    let code = format!(
        "import json, evotune_kernels as ek\nk = ek.load()\nout = []\n\
         for b, h, s, d, c, hk, kl in json.loads({:?}):\n\
         \x20   p = ek.Problem(b, h, s, d, c, hk, kl)\n\
         \x20   try:\n\
         \x20       ch = k.choose(p)\n\
         \x20       out.append([ch.entry['id'], ch.exact, list(k.table.grid_for(ch, p, 132))])\n\
         \x20   except ek.NoKernel as e:\n\
         \x20       out.append(['none', str(e)])\n\
         print(json.dumps(out))",
        Value::Array(spec).to_string()
    );
    let Some(text) = python(out, &code) else {
        return;
    };
    let answers: Vec<Value> = serde_json::from_str(&text).unwrap();
    for (p, got) in problems.iter().zip(&answers) {
        let got = match got[0].as_str() {
            Some("none") => serde_json::json!(["none"]),
            _ => got.clone(),
        };
        assert_eq!(got, expected_choice(table, p), "{}", p.label());
    }
    let none = answers[8][1].as_str().unwrap();
    assert!(
        none.starts_with("no exported kernel can run 2,8,512,80")
            && none
                .contains("b2_h8_s512_d64 (tuned at 2,8,512,64, sdpa_fp8_mma): D = 80 pads to 96"),
        "{none}"
    );
    check_script_refuses_without_a_gpu(out);
}

/// The GPU check says clearly why it cannot run: no export folder, or (here) no torch with a
/// CUDA GPU; it exits 2 either way.
fn check_script_refuses_without_a_gpu(out: &Path) {
    let script = out.join("python/check.py");
    let run = |args: &[&str]| {
        Command::new("python3")
            .arg(&script)
            .args(args)
            .output()
            .unwrap()
    };
    let missing = run(&["/no/such/export"]);
    assert_eq!(missing.status.code(), Some(2));
    let text = String::from_utf8_lossy(&missing.stderr).to_string();
    assert!(
        text.contains("check: /no/such/export holds no dispatch.json"),
        "{text}"
    );
    let gpu = Command::new("python3")
        .args([
            "-c",
            "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if gpu {
        eprintln!("SKIPPED: torch sees a GPU here: check.py's refusal without one was not run");
        return;
    }
    let refused = run(&[]);
    let text = String::from_utf8_lossy(&refused.stderr).to_string();
    assert_eq!(refused.status.code(), Some(2), "{text}");
    assert!(
        text.starts_with("check: needs PyTorch") || text.starts_with("check: no CUDA GPU"),
        "{text}"
    );
}

/// The choice the table's rules make, computed here: the exact problem, else the nearest
/// (evotune's warm-start distance; ties to the faster) among the kernels whose rule admits it.
fn expected_choice(table: &DispatchTable, p: &Attention) -> Value {
    let tuned = |e: &Entry| {
        let s = e.problem;
        Attention {
            batch: s.b,
            heads: s.h,
            seq_len: s.s,
            head_dim: s.d,
            causal: s.causal,
            kv_heads: s.kv_heads,
            kv_len: s.kv_len,
        }
    };
    let grid = |a: &Accepts| serde_json::json!(a.grid(p, 132));
    if let Some(e) = table.entries.iter().find(|e| tuned(e) == *p) {
        return serde_json::json!([e.id, true, e.grid]);
    }
    let best = table
        .entries
        .iter()
        .filter(|e| e.accepts.reuse && e.accepts.check(p).is_ok())
        .min_by(|a, b| {
            let d =
                |e: &Entry| evotune::warm::distance(&Problem::Sdpa(*p), &Problem::Sdpa(tuned(e)));
            d(a).total_cmp(&d(b))
                .then(a.kernel_p50_us.total_cmp(&b.kernel_p50_us))
        });
    match best {
        Some(e) => serde_json::json!([e.id, false, grid(&e.accepts)]),
        None => serde_json::json!(["none"]),
    }
}

#[test]
fn bad_input_exits_2_naming_the_flag_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let out = dir.path().join("exported");
    let fails = |args: &[&str], message: &str| {
        evotune()
            .arg("export")
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    };
    let (db_s, out_s) = (db.to_str().unwrap(), out.to_str().unwrap());
    fails(
        &["--db", db_s, "--out", out_s],
        &format!("--db {db_s}: no such file"),
    );
    evotune::db::Db::open(&db).unwrap(); // an empty database, schema only
    fails(
        &["--db", db_s, "--out", out_s],
        "has no fresh rows to export: it holds no rows",
    );
    let gemm_only = dir.path().join("gemm.db");
    tune(
        Path::new(SPACE),
        &dir.path().join("r0"),
        &gemm_only,
        "2,8,512,64",
        8,
    );
    add_gemm_row(&gemm_only);
    let first = evotune::db::Db::open(&gemm_only).unwrap().all().unwrap()[0]
        .id
        .unwrap();
    evotune::db::Db::open(&gemm_only)
        .unwrap()
        .delete(&[first])
        .unwrap();
    fails(
        &["--db", gemm_only.to_str().unwrap(), "--out", out_s],
        "has no fresh attention rows to export: 1 GEMM row not exported: export writes \
         attention kernels",
    );
    tune(
        Path::new(SPACE),
        &dir.path().join("r1"),
        &db,
        "2,8,512,64",
        8,
    );
    let mut other = evotune::db::Db::open(&db).unwrap().all().unwrap().remove(0);
    other.gpu = "NVIDIA H100 80GB HBM3".into();
    evotune::db::Db::open(&db).unwrap().insert(&other).unwrap();
    fails(&["--db", db_s, "--out", out_s], "--device is needed: ");
    fails(
        &["--db", db_s, "--out", out_s, "--device", "A100"],
        "(its fresh rows are of: NVIDIA H100 80GB HBM3, replay)",
    );
    let blocked = dir.path().join("a-file");
    std::fs::write(&blocked, "x").unwrap();
    let under_file = blocked.join("exported");
    fails(
        &[
            "--db",
            db_s,
            "--device",
            "replay",
            "--out",
            under_file.to_str().unwrap(),
        ],
        &format!("--out {}: cannot create", under_file.display()),
    );
    let busy = dir.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    fails(
        &[
            "--db",
            db_s,
            "--device",
            "replay",
            "--out",
            busy.to_str().unwrap(),
        ],
        "holds files and is not an evotune export (no dispatch.json)",
    );
    fails(
        &[
            "--db", db_s, "--device", "replay", "--out", out_s, "--arch", "sm_77",
        ],
        "--arch expects a target like sm_90a or sm_89, got 'sm_77'",
    );
    assert_eq!(
        std::fs::read_to_string(busy.join("notes.txt")).unwrap(),
        "mine"
    );
    let entries: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!out.exists(), "{entries:?}");
    assert!(
        entries.iter().all(|n| !n.starts_with('.')),
        "a temporary folder was left: {entries:?}"
    );
}
