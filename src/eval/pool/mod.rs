//! Worker processes with a watchdog: a fault or hang costs one trial, never the run.
//!
//! Each GPU is driven by a child process speaking JSON lines (see `protocol`). A response that
//! does not come within the time limit gets the worker killed (`Timeout`); a worker that dies
//! (signal, abort) gets its trial recorded as `WorkerCrashed`; either way a fresh worker is
//! started for the next trial, so a poisoned CUDA context never touches later measurements.

use super::outcome::Outcome;
use super::protocol::{EvalRequest, EvalResponse, WorkerHello};
use crate::error::{Error, Result};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to start a worker: a program and its arguments.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    /// The program (the evotune binary itself in the product).
    pub program: std::path::PathBuf,
    /// Its arguments (e.g. `worker --device 0`).
    pub args: Vec<String>,
    /// How long a worker may take to say hello.
    pub start_timeout: Duration,
}

impl WorkerSpec {
    /// This executable as a worker for GPU `device`.
    pub fn this_exe(device: u32) -> Result<Self> {
        let program = std::env::current_exe().map_err(|e| Error::io("locate", "evotune", e))?;
        Ok(WorkerSpec {
            program,
            args: vec!["worker".into(), "--device".into(), device.to_string()],
            start_timeout: Duration::from_secs(60),
        })
    }
}

/// A running worker process.
pub struct Worker {
    spec: WorkerSpec,
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    stderr_tail: Arc<Mutex<Vec<String>>>,
    stderr_thread: Option<std::thread::JoinHandle<()>>,
    /// What the worker said when it started.
    pub hello: WorkerHello,
    /// How many times a fresh process was started after a fault.
    pub restarts: u32,
}

const STDERR_LINES_KEPT: usize = 20;

impl Worker {
    /// Starts a worker and waits for its hello; a worker that cannot start is an error.
    pub fn start(spec: &WorkerSpec) -> Result<Worker> {
        let mut child = Command::new(&spec.program)
            .args(&spec.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::io("start worker", &spec.program, e))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let lines = spawn_line_reader(child.stdout.take().expect("piped stdout"));
        let (stderr_tail, stderr_thread) =
            spawn_tail_keeper(child.stderr.take().expect("piped stderr"));
        let mut worker = Worker {
            spec: spec.clone(),
            child,
            stdin,
            lines,
            stderr_tail,
            stderr_thread: Some(stderr_thread),
            hello: WorkerHello::default(),
            restarts: 0,
        };
        worker.hello = worker.read_hello()?;
        Ok(worker)
    }

    fn read_hello(&mut self) -> Result<WorkerHello> {
        let line = self
            .lines
            .recv_timeout(self.spec.start_timeout)
            .map_err(|_| {
                let _ = self.child.kill();
                let status = self.child.wait().ok();
                self.drain_stderr();
                Error::Gpu(format!(
                    "worker did not start ({}): {}",
                    describe_exit(status),
                    self.stderr_tail()
                ))
            })?;
        let hello: WorkerHello = serde_json::from_str(&line)
            .map_err(|e| Error::Gpu(format!("worker said '{line}' instead of hello: {e}")))?;
        match &hello.fatal {
            Some(why) => Err(Error::Gpu(why.clone())),
            None => Ok(hello),
        }
    }

    /// Evaluates `req`, waiting at most `limit`; never fails: faults become outcomes and the
    /// worker is replaced by a fresh one before this returns.
    pub fn evaluate(&mut self, req: &EvalRequest, limit: Duration) -> EvalResponse {
        let sent = serde_json::to_string(req).expect("a request serializes");
        if writeln!(self.stdin, "{sent}")
            .and_then(|_| self.stdin.flush())
            .is_err()
        {
            return self.crashed(req.id);
        }
        match self.lines.recv_timeout(limit) {
            Ok(line) => self.parse_response(req.id, &line),
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                self.restart();
                EvalResponse::failed(
                    req.id,
                    Outcome::Timeout {
                        after_s: limit.as_secs_f64(),
                    },
                )
            }
            Err(RecvTimeoutError::Disconnected) => self.crashed(req.id),
        }
    }

    fn parse_response(&mut self, id: u64, line: &str) -> EvalResponse {
        match serde_json::from_str::<EvalResponse>(line) {
            Ok(resp) if resp.id == id => {
                if needs_restart(&resp.outcome) {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    self.restart();
                }
                resp
            }
            _ => {
                let reason = format!("worker answered '{line}'");
                let _ = self.child.kill();
                let _ = self.child.wait();
                self.restart();
                EvalResponse::failed(id, Outcome::WorkerCrashed { reason })
            }
        }
    }

    fn crashed(&mut self, id: u64) -> EvalResponse {
        let status = self.child.wait().ok();
        self.drain_stderr();
        let reason = format!("{}; stderr: {}", describe_exit(status), self.stderr_tail());
        self.restart();
        EvalResponse::failed(id, Outcome::WorkerCrashed { reason })
    }

    /// Replaces the process with a fresh one (the old one is already dead or killed).
    fn restart(&mut self) {
        let restarts = self.restarts + 1;
        match Worker::start(&self.spec) {
            Ok(fresh) => {
                *self = fresh;
                self.restarts = restarts;
            }
            Err(e) => {
                // The next request will find the pipe closed and report a crash with this text.
                self.stderr_tail
                    .lock()
                    .unwrap()
                    .push(format!("restart failed: {e}"));
            }
        }
    }

    /// Waits for the stderr reader to see the end of a dead process's output.
    fn drain_stderr(&mut self) {
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
    }

    fn stderr_tail(&self) -> String {
        let tail = self.stderr_tail.lock().unwrap();
        tail.iter()
            .rev()
            .take(3)
            .rev()
            .cloned()
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// After these outcomes the worker's CUDA context cannot be trusted: start a fresh one.
fn needs_restart(outcome: &Outcome) -> bool {
    matches!(
        outcome,
        Outcome::LaunchFailed { .. } | Outcome::Timeout { .. } | Outcome::WorkerCrashed { .. }
    )
}

fn spawn_line_reader(out: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

type TailKeeper = (Arc<Mutex<Vec<String>>>, std::thread::JoinHandle<()>);

fn spawn_tail_keeper(err: impl std::io::Read + Send + 'static) -> TailKeeper {
    let tail = Arc::new(Mutex::new(Vec::new()));
    let keeper = Arc::clone(&tail);
    let thread = std::thread::spawn(move || {
        for line in BufReader::new(err)
            .lines()
            .map_while(std::result::Result::ok)
        {
            let mut t = keeper.lock().unwrap();
            t.push(line);
            if t.len() > STDERR_LINES_KEPT {
                t.remove(0);
            }
        }
    });
    (tail, thread)
}

/// "killed by signal 11 (SIGSEGV)", "exited with code 3", ...
pub fn describe_exit(status: Option<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        None => "exit status unknown".into(),
        Some(s) => match (s.code(), s.signal()) {
            (Some(code), _) => format!("worker exited with code {code}"),
            (None, Some(sig)) => format!("worker killed by signal {sig} ({})", signal_name(sig)),
            _ => "worker ended".into(),
        },
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => "signal",
    }
}

#[cfg(test)]
pub(crate) mod tests;
