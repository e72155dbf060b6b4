//! A single-node Slurm cluster for the test: munged, slurmctld and slurmd started as child
//! processes, with their key, sockets, state, spool and logs in a temporary folder and a
//! slurm.conf written for this machine. Dropping it cancels the cluster's jobs and stops the
//! daemons, on success and on failure alike.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The programs the cluster needs, with the Debian package of each.
const PROGRAMS: [(&str, &str); 7] = [
    ("munged", "munge"),
    ("slurmctld", "slurmctld"),
    ("slurmd", "slurmd"),
    ("sbatch", "slurm-client"),
    ("squeue", "slurm-client"),
    ("scancel", "slurm-client"),
    ("sinfo", "slurm-client"),
];

/// The running cluster.
pub struct Cluster {
    dir: tempfile::TempDir,
    conf: PathBuf,
    node: String,
    daemons: Vec<(&'static str, Child)>,
}

impl Cluster {
    /// Starts the daemons and waits for the node to be idle; panics with the reason (and the
    /// daemons' logs) when Slurm cannot be started.
    pub fn start() -> Cluster {
        require_programs_and_root();
        let dir = tempfile::Builder::new()
            .prefix("evotune-slurm")
            .tempdir_in("/tmp")
            .expect("a temporary folder in /tmp");
        set_mode(dir.path(), 0o755); // munged wants its socket's folder searchable by all
        let node = short_hostname();
        let mut c = Cluster {
            conf: dir.path().join("slurm.conf"),
            dir,
            node,
            daemons: Vec::new(),
        };
        c.start_munge();
        c.write_conf();
        c.spawn("slurmctld", &["-D", "-f", &c.conf.display().to_string()]);
        let conf = c.conf.display().to_string();
        let node = c.node.clone();
        c.spawn("slurmd", &["-D", "-f", &conf, "-N", &node]);
        c.wait_idle();
        c
    }

    /// A Slurm client command talking to this cluster.
    pub fn client(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("SLURM_CONF", &self.conf);
        cmd
    }

    /// The slurm.conf that clients (and evotune's sbatch and squeue calls) must be given.
    pub fn conf(&self) -> &Path {
        &self.conf
    }

    /// Waits until Slurm lists no live task of `job` (every one over); panics past `limit`.
    pub fn wait_job(&self, job: &str, limit: Duration) {
        let start = Instant::now();
        loop {
            let live = output(
                self.client("squeue")
                    .args(["--noheader", "--array", "--jobs", job]),
            );
            if live.trim().is_empty() {
                return;
            }
            if start.elapsed() > limit {
                panic!(
                    "job {job} still live after {limit:?}:\n{live}\n{}",
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn start_munge(&mut self) {
        let d = self.dir.path().to_path_buf();
        let key = d.join("munge.key");
        let bytes: Vec<u8> = (0..1024).map(|_| rand::random::<u8>()).collect();
        std::fs::write(&key, bytes).unwrap();
        set_mode(&key, 0o400);
        let arg = |flag: &str, name: &str| format!("--{flag}={}", d.join(name).display());
        let args = [
            "-F".to_string(),
            arg("key-file", "munge.key"),
            arg("socket", "munge.sock"),
            arg("pid-file", "munged.pid"),
            arg("log-file", "munged.log"),
            arg("seed-file", "munged.seed"),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.spawn("munged", &args);
        let socket = d.join("munge.sock");
        self.wait_for("munged's socket", || socket.exists());
    }

    fn write_conf(&self) {
        let d = self.dir.path().display();
        let node_line = node_line(&self.node);
        let conf = format!(
            "# A single-node cluster for evotune's test, everything under {d}.
ClusterName=evotunetest
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={d}/munge.sock
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
KillWait=5
MailProg=/bin/true
{node_line} NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP
",
            node = self.node,
            ctld_port = free_port(),
            slurmd_port = free_port(),
        );
        for sub in ["state", "spool"] {
            std::fs::create_dir_all(self.dir.path().join(sub)).unwrap();
        }
        std::fs::write(&self.conf, conf).unwrap();
    }

    fn spawn(&mut self, program: &'static str, args: &[&str]) {
        let log = std::fs::File::create(self.dir.path().join(format!("{program}.out"))).unwrap();
        let child = Command::new(program)
            .args(args)
            .env("SLURM_CONF", &self.conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        self.daemons.push((program, child));
    }

    fn wait_idle(&mut self) {
        let node = self.node.clone();
        let conf = self.conf.clone();
        self.wait_for("the node to be idle", || {
            let out = Command::new("sinfo")
                .env("SLURM_CONF", &conf)
                .args(["--noheader", "--format=%T", "--nodes", &node])
                .output();
            out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "idle")
        });
    }

    /// Polls `ready` for up to 30 s; panics with the daemons' logs when a daemon has exited
    /// or time runs out.
    fn wait_for(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        let start = Instant::now();
        while !ready() {
            let exited = self
                .daemons
                .iter_mut()
                .find_map(|(name, child)| child.try_wait().ok().flatten().map(|s| (*name, s)));
            if let Some((name, status)) = exited {
                panic!(
                    "Slurm could not be started: {name} exited ({status}) while waiting for \
                     {what}\n{}",
                    self.logs()
                );
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!(
                    "Slurm could not be started: no {what} after 30 s\n{}",
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The tails of the daemons' logs, for a failure message.
    pub fn logs(&self) -> String {
        let names = [
            "munged.out",
            "munged.log",
            "slurmctld.out",
            "slurmctld.log",
            "slurmd.out",
            "slurmd.log",
        ];
        let mut out = String::new();
        for name in names {
            let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            out.push_str(&format!("--- {name}\n{}\n", tail.join("\n")));
        }
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let user = output(Command::new("id").arg("-un")).trim().to_string();
        let _ = self.client("scancel").args(["--user", &user]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            let live = self.client("squeue").arg("--noheader").output();
            if live.map_or(true, |o| o.stdout.is_empty()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        self.wait_steps_gone();
        for (_, child) in self.daemons.iter_mut().rev() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let start = Instant::now();
            while matches!(child.try_wait(), Ok(None)) && start.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Cluster {
    /// Waits (5 s at most) for the job steps' daemons to go: each keeps a socket named
    /// `<node>_<job>.<step>` in the spool folder while it lives.
    fn wait_steps_gone(&self) {
        let spool = self.dir.path().join("spool");
        let prefix = format!("{}_", self.node);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            let Ok(entries) = std::fs::read_dir(&spool) else {
                return;
            };
            let names = entries.filter_map(|e| e.ok()).map(|e| e.file_name());
            if !names
                .into_iter()
                .any(|n| n.to_string_lossy().starts_with(&prefix))
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Panics (never skips) when a program is missing or the test is not root.
fn require_programs_and_root() {
    let missing: Vec<String> = PROGRAMS
        .iter()
        .filter(|(p, _)| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {p}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(|(p, pkg)| format!("{p} (package {pkg})"))
        .collect();
    assert!(
        missing.is_empty(),
        "Slurm could not be started: missing {}; scripts/test.sh installs them \
         (apt-get install slurmctld slurmd slurm-client munge)",
        missing.join(", ")
    );
    let uid = output(Command::new("id").arg("-u"));
    assert_eq!(
        uid.trim(),
        "0",
        "Slurm could not be started: slurmd must run as root (this test runs as uid {})",
        uid.trim()
    );
}

/// This machine's line of slurm.conf as `slurmd -C` reports it (CPUs, sockets, cores,
/// threads), its memory given as a small figure that the node surely has.
fn node_line(node: &str) -> String {
    let text = output(Command::new("slurmd").arg("-C"));
    let line = text
        .lines()
        .find(|l| l.starts_with("NodeName="))
        .unwrap_or_else(|| {
            panic!("Slurm could not be started: `slurmd -C` printed no NodeName line:\n{text}")
        });
    let fields: Vec<String> = line
        .split_whitespace()
        .filter(|f| !f.starts_with("NodeName=") && !f.starts_with("RealMemory="))
        .map(String::from)
        .collect();
    format!("NodeName={node} {} RealMemory=1000", fields.join(" "))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A command's stdout (panics when it cannot run).
pub fn output(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The machine's name up to its first dot, as `hostname -s` gives it.
fn short_hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("the hostname");
    name.trim()
        .split('.')
        .next()
        .unwrap_or_default()
        .to_string()
}
