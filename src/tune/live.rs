//! The live evaluator: compiles a batch on every core while the GPU workers (one per device)
//! validate and time the candidates already compiled, each answer reported as it arrives; after
//! the search, it confirms the elites in fresh worker processes. With racing on, each request
//! carries the elite cutoff as it stands when a worker takes it (`eval::race`). A steady search
//! streams its candidates instead: each compiles as soon as it is asked (`live_stream.rs`).

use super::confirm::confirmation;
use super::evaluator::{Candidate, Evaluated, Evaluator};
use crate::artifacts::{Confirmation, WallTimes};
use crate::compile::{write_kernel_files, Compiled, Compiler, Job};
use crate::error::{Error, Result};
use crate::eval::{
    self, Cutoff, EvalRequest, EvalResponse, FreshStart, Launch, RaceSettings, TimingPlan,
    Tolerance, Worker, WorkerSpec,
};
use crate::kernel::Kernels;
use crate::op::{Problem, ProblemSpec};
use crate::shape::Shape;
use crate::space::{Config, DeviceLimits, SearchSpace};
use crate::template::Template;
use crate::tunelog::TrialRecord;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How candidates are checked and timed.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    /// Pass/fail bounds.
    pub tolerance: Tolerance,
    /// The timing protocol; `None` validates only.
    pub timing: Option<TimingPlan>,
    /// Racing against the elites so far; `None` times every candidate in full.
    pub race: Option<RaceSettings>,
    /// Seed of the validation inputs, the same for every trial of a run (so each worker
    /// computes the reference once).
    pub input_seed: u64,
    /// Watchdog limit per candidate.
    pub timeout: Duration,
    /// Where sources and cubins go (`<run>/kernels`).
    pub kernels_dir: PathBuf,
}

/// A problem the live evaluator can send to its workers: any operation's (SDPA's [`Shape`] by
/// default).
pub trait LiveProblem: Problem + Copy + Into<ProblemSpec> {}

impl<P: Problem + Copy + Into<ProblemSpec>> LiveProblem for P {}

/// What the live evaluator turns configs into kernels with.
pub struct KernelFactory<P: LiveProblem = Shape> {
    /// The problem.
    pub shape: P,
    /// The device limits.
    pub limits: DeviceLimits,
    /// The space.
    pub space: SearchSpace,
    /// Its template.
    pub template: Template,
    /// NVRTC with the compile cache.
    pub compiler: Compiler,
}

impl<P: LiveProblem> KernelFactory<P> {
    /// The kernels of its space at its problem.
    pub fn kernels(&self) -> Kernels<'_, P> {
        Kernels::new(&self.space, &self.template, &self.shape, &self.limits)
    }
}

/// Evaluates on the GPUs through worker processes.
pub struct LiveEvaluator<P: LiveProblem = Shape> {
    factory: KernelFactory<P>,
    settings: LiveSettings,
    workers: Vec<Worker>,
    /// The devices and how their workers were started (the confirmation starts more alike).
    specs: Vec<(u32, WorkerSpec)>,
    wall: WallTimes,
    steps_s: BTreeMap<String, f64>,
    race: Option<Arc<Race>>,
}

/// The race the workers' requests carry: its settings and the elite cutoff so far.
struct Race {
    settings: RaceSettings,
    cutoff: Mutex<Cutoff>,
}

impl Race {
    fn new(settings: RaceSettings) -> Self {
        Race {
            settings,
            cutoff: Mutex::new(Cutoff::new(settings.elites)),
        }
    }

    /// Hears of a trial's fitness (kernel-only median, µs), when it has one.
    fn heard(&self, fitness: Option<f64>) {
        if let Some(us) = fitness {
            self.cutoff.lock().expect("the cutoff's lock").add(us);
        }
    }

    /// Hears of a worker's answer: its kernel-only median, when it passed and was timed.
    fn answered(&self, resp: &EvalResponse) {
        let ok = matches!(resp.outcome, eval::Outcome::Ok);
        self.heard(resp.kernel_time.as_ref().filter(|_| ok).map(|t| t.p50_us));
    }

    /// Sets `req` to race against the cutoff as it stands now (none until the elites are full).
    fn enter(&self, req: &mut EvalRequest) {
        req.race = self
            .settings
            .bound(&self.cutoff.lock().expect("the cutoff's lock"));
    }
}

/// Messages from the compile and worker threads to the batch's coordinator.
enum Event {
    Compiled(usize, Result<Compiled>),
    Answered(usize, Box<EvalResponse>),
}

impl<P: LiveProblem> LiveEvaluator<P> {
    /// Starts one worker per device (each says hello or why it cannot serve).
    pub fn start(
        factory: KernelFactory<P>,
        settings: LiveSettings,
        devices: &[u32],
    ) -> Result<Self> {
        let specs = devices
            .iter()
            .map(|&d| Ok((d, WorkerSpec::this_exe(d)?)))
            .collect::<Result<Vec<_>>>()?;
        Self::with_workers(factory, settings, &specs)
    }

    /// Starts the given workers, one per (device, how to start it).
    pub fn with_workers(
        factory: KernelFactory<P>,
        settings: LiveSettings,
        specs: &[(u32, WorkerSpec)],
    ) -> Result<Self> {
        let workers = specs
            .iter()
            .map(|(_, spec)| Worker::start(spec))
            .collect::<Result<Vec<_>>>()?;
        std::fs::create_dir_all(&settings.kernels_dir)
            .map_err(|e| Error::io("create", &settings.kernels_dir, e))?;
        let race = settings.race.map(|r| Arc::new(Race::new(r)));
        Ok(LiveEvaluator {
            factory,
            settings,
            workers,
            specs: specs.to_vec(),
            wall: WallTimes::default(),
            steps_s: BTreeMap::new(),
            race,
        })
    }

    /// Where time went so far (`total_s` is the caller's to fill).
    pub fn wall(&self) -> WallTimes {
        self.wall
    }

    /// The workers' time by step ("load", "upload", "check", ...) summed so far, seconds.
    pub fn steps(&self) -> &BTreeMap<String, f64> {
        &self.steps_s
    }

    /// Each config's compile job and launch geometry.
    fn jobs<'a>(
        &self,
        configs: impl Iterator<Item = &'a Config>,
    ) -> Result<(Vec<Job>, Vec<Launch>)> {
        let f = &self.factory;
        let kernels = f.kernels();
        configs
            .map(|config| {
                let point = f.space.evaluate(config, &f.shape, &f.limits)?;
                let kernel = kernels.kernel(&point)?;
                Ok((kernel.job, kernel.launch))
            })
            .collect::<Result<Vec<_>>>()
            .map(|pairs| pairs.into_iter().unzip())
    }

    /// The request for a compiled candidate; writes its source and cubin to the kernels folder.
    fn request(
        &self,
        id: u64,
        job: &Job,
        launch: &Launch,
        compiled: &Compiled,
        cubin: &[u8],
    ) -> Result<EvalRequest> {
        let hash = &compiled.record.key[..16];
        let cubin_path = write_kernel_files(&self.settings.kernels_dir, hash, &job.source, cubin)?;
        Ok(EvalRequest {
            id,
            label: job.label.clone(),
            kernel: job.kernel.clone(),
            cubin: cubin_path,
            launch: *launch,
            problem: self.factory.shape.into(),
            seed: self.settings.input_seed,
            tolerance: self.settings.tolerance,
            timing: self.settings.timing,
            race: None,
            dump: None,
        })
    }

    fn account(&mut self, compiled: &Compiled, resp: &EvalResponse) {
        if compiled.cached {
            self.wall.compile_cached += 1;
        } else {
            self.wall.compile_s += compiled.record.compile_ms / 1e3;
        }
        if let Some(p) = &resp.phases {
            self.wall.validation_s += p.validation_ms / 1e3;
            self.wall.timing_s += p.timing_ms / 1e3;
            for (step, ms) in &p.steps_ms {
                *self.steps_s.entry(step.clone()).or_default() += ms / 1e3;
            }
        }
    }
}

impl<P: LiveProblem> Evaluator for LiveEvaluator<P> {
    fn evaluate(
        &mut self,
        batch: &[Candidate],
        done: &mut dyn FnMut(Evaluated) -> Result<()>,
    ) -> Result<()> {
        let (jobs, launches) = self.jobs(batch.iter().map(|c| &c.config))?;
        let (events_tx, events) = channel::<Event>();
        let (work_tx, work_rx) = channel::<(usize, EvalRequest)>();
        let work_rx = Arc::new(Mutex::new(work_rx));
        let timeout = self.settings.timeout;
        let mut workers = std::mem::take(&mut self.workers);
        let compiler = self.factory.compiler.clone();
        let result = std::thread::scope(|scope| {
            let compiler = &compiler;
            let tx = events_tx.clone();
            let jobs_ref = &jobs;
            scope.spawn(move || compile_all(compiler, jobs_ref, tx));
            for w in workers.iter_mut() {
                let (rx, tx, race) = (work_rx.clone(), events_tx.clone(), self.race.clone());
                scope.spawn(move || serve(w, &rx, &tx, timeout, race.as_deref()));
            }
            drop(events_tx);
            self.coordinate(batch, (&jobs, &launches), &events, work_tx, done)
        });
        self.workers = workers;
        result
    }

    fn evaluate_stream(
        &mut self,
        start: Vec<Candidate>,
        next: &mut dyn FnMut(Evaluated) -> Result<Vec<Candidate>>,
    ) -> Result<()> {
        self.stream(start, next)
    }

    fn known(&mut self, answer: &Evaluated) {
        if let Some(race) = &self.race {
            race.heard(answer.record.fitness());
        }
    }

    fn describe(&self) -> String {
        let names: Vec<String> = self
            .workers
            .iter()
            .zip(&self.specs)
            .map(|(w, (d, _))| format!("gpu {d} ({})", w.hello.device))
            .collect();
        names.join(", ")
    }
}

impl<P: LiveProblem> LiveEvaluator<P> {
    /// Hands compiled candidates to the workers and reports every answer; returns when all are in.
    fn coordinate(
        &mut self,
        batch: &[Candidate],
        (jobs, launches): (&[Job], &[Launch]),
        events: &Receiver<Event>,
        work: Sender<(usize, EvalRequest)>,
        done: &mut dyn FnMut(Evaluated) -> Result<()>,
    ) -> Result<()> {
        let mut compiled: Vec<Option<Compiled>> = vec![None; batch.len()];
        let mut left = batch.len();
        while left > 0 {
            let event = events
                .recv()
                .map_err(|_| Error::Other("the evaluation threads stopped early".into()))?;
            match event {
                Event::Compiled(i, c) => {
                    let c = c?;
                    match &c.cubin {
                        Some(cubin) => {
                            let id = batch[i].trial as u64;
                            let req = self.request(id, &jobs[i], &launches[i], &c, cubin)?;
                            work.send((i, req))
                                .map_err(|_| Error::Other("no GPU worker is left".into()))?;
                        }
                        None => {
                            let resp = EvalResponse::compile_failed(i as u64, &c.record.log);
                            self.account(&c, &resp);
                            done(answer(&batch[i], &c, resp))?;
                            left -= 1;
                        }
                    }
                    compiled[i] = Some(c);
                }
                Event::Answered(i, resp) => {
                    let c = compiled[i].as_ref().expect("answered after compiled");
                    self.account(c, &resp);
                    done(answer(&batch[i], c, *resp))?;
                    left -= 1;
                }
            }
        }
        Ok(())
    }
}

/// The confirmation stage, after the search.
impl<P: LiveProblem> LiveEvaluator<P> {
    /// Stops the search's workers, so that nothing else holds the GPU, then re-times each of
    /// `configs` in `processes` fresh workers started like the first device's, one after the
    /// other, with `timing`. Each config is compiled again (from the cache) and validated again
    /// in every process. `started` hears of each fresh worker with the config's index.
    pub fn confirm(
        mut self,
        configs: &[Config],
        processes: u32,
        timing: TimingPlan,
        started: &mut dyn FnMut(usize, FreshStart),
    ) -> Result<Vec<Confirmation>> {
        self.workers.clear();
        let (jobs, launches) = self.jobs(configs.iter())?;
        let mut confirmed = Vec::new();
        for (i, (job, launch)) in jobs.iter().zip(&launches).enumerate() {
            let mut started = |s: FreshStart| started(i, s);
            let responses =
                self.retime(i as u64 + 1, job, launch, processes, timing, &mut started)?;
            confirmed.push(confirmation(processes, timing, &responses));
        }
        Ok(confirmed)
    }

    /// One config's responses from `processes` fresh workers (a compile failure is the only one).
    fn retime(
        &self,
        id: u64,
        job: &Job,
        launch: &Launch,
        processes: u32,
        timing: TimingPlan,
        started: &mut dyn FnMut(FreshStart),
    ) -> Result<Vec<EvalResponse>> {
        let compiled = self.factory.compiler.compile(&job.kernel, &job.source)?;
        let Some(cubin) = &compiled.cubin else {
            return Ok(vec![EvalResponse::compile_failed(id, &compiled.record.log)]);
        };
        let req = EvalRequest {
            timing: Some(timing),
            ..self.request(id, job, launch, &compiled, cubin)?
        };
        let spec = &self.specs[0].1;
        eval::evaluate_in_fresh_workers(spec, &req, processes, self.settings.timeout, started)
    }
}

fn answer(c: &Candidate, compiled: &Compiled, resp: EvalResponse) -> Evaluated {
    let record = TrialRecord::measured(
        c.trial,
        c.generation,
        &c.config,
        Some(&compiled.record),
        &resp,
    );
    Evaluated {
        record,
        kernel_time: resp.kernel_time,
        call_time: resp.call_time,
        source_hash: Some(compiled.record.key[..16].to_string()),
    }
}

/// Compiles every job on the rayon pool, reporting each as it finishes.
fn compile_all(compiler: &Compiler, jobs: &[Job], tx: Sender<Event>) {
    jobs.par_iter()
        .enumerate()
        .for_each_with(tx, |tx, (i, job)| {
            let _ = tx.send(Event::Compiled(
                i,
                compiler.compile(&job.kernel, &job.source),
            ));
        });
}

/// One worker's loop: take the next compiled candidate, enter it in the race (if any), evaluate
/// it, report.
fn serve(
    w: &mut Worker,
    work: &Mutex<Receiver<(usize, EvalRequest)>>,
    tx: &Sender<Event>,
    timeout: Duration,
    race: Option<&Race>,
) {
    loop {
        let next = work.lock().expect("the work queue's lock").recv();
        let Ok((i, mut req)) = next else { return };
        if let Some(race) = race {
            race.enter(&mut req);
        }
        let started = Instant::now();
        let mut resp = w.evaluate(&req, timeout);
        // Before the next request is taken, so that it races against this answer too.
        if let Some(race) = race {
            race.answered(&resp);
        }
        if resp.phases.is_none() {
            resp.phases = Some(eval::Phases {
                validation_ms: started.elapsed().as_secs_f64() * 1e3,
                ..Default::default()
            });
        }
        if tx.send(Event::Answered(i, Box::new(resp))).is_err() {
            return;
        }
    }
}

#[path = "live_stream.rs"]
mod stream;

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
