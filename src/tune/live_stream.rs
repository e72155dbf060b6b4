//! The live evaluator's stream: each candidate submitted starts compiling at once on the rayon
//! pool, the GPU workers take the compiled ones in the order they finish compiling, and each
//! answer is reported as it arrives, which may submit more, until none is in flight.

use super::{answer, serve, Event, LiveEvaluator, LiveProblem};
use crate::compile::{Compiled, Job};
use crate::error::{Error, Result};
use crate::eval::{EvalRequest, EvalResponse, Launch};
use crate::tune::evaluator::{Candidate, Evaluated};
use std::collections::HashMap;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

/// A candidate in flight: what it is, its kernel, and its compile once done.
struct Flight {
    candidate: Candidate,
    job: Job,
    launch: Launch,
    compiled: Option<Compiled>,
}

/// What the stream's coordinator holds: the candidates in flight and where to send work.
struct Stream {
    flights: HashMap<usize, Flight>,
    compiled_tx: Sender<Event>,
    work: Sender<(usize, EvalRequest)>,
}

impl<P: LiveProblem> LiveEvaluator<P> {
    /// Evaluates `start` and every candidate `next` returns, compiling each as soon as it comes.
    pub(super) fn stream(
        &mut self,
        start: Vec<Candidate>,
        next: &mut dyn FnMut(Evaluated) -> Result<Vec<Candidate>>,
    ) -> Result<()> {
        let (events_tx, events) = channel::<Event>();
        let (work_tx, work_rx) = channel::<(usize, EvalRequest)>();
        let work_rx = Arc::new(Mutex::new(work_rx));
        let timeout = self.settings.timeout;
        let mut workers = std::mem::take(&mut self.workers);
        let result = std::thread::scope(|scope| {
            for w in workers.iter_mut() {
                let (rx, tx, race) = (work_rx.clone(), events_tx.clone(), self.race.clone());
                scope.spawn(move || serve(w, &rx, &tx, timeout, race.as_deref()));
            }
            let mut stream = Stream {
                flights: HashMap::new(),
                compiled_tx: events_tx,
                work: work_tx,
            };
            self.run_stream(&mut stream, start, &events, next)
        });
        self.workers = workers;
        result
    }

    fn run_stream(
        &mut self,
        stream: &mut Stream,
        start: Vec<Candidate>,
        events: &Receiver<Event>,
        next: &mut dyn FnMut(Evaluated) -> Result<Vec<Candidate>>,
    ) -> Result<()> {
        for c in start {
            self.submit(stream, c)?;
        }
        while !stream.flights.is_empty() {
            let event = events
                .recv()
                .map_err(|_| Error::Other("the evaluation threads stopped early".into()))?;
            if let Some(e) = self.on_event(stream, event)? {
                for c in next(e)? {
                    self.submit(stream, c)?;
                }
            }
        }
        Ok(())
    }

    /// Starts compiling `c` on the rayon pool.
    fn submit(&self, stream: &mut Stream, c: Candidate) -> Result<()> {
        let (mut jobs, mut launches) = self.jobs(std::iter::once(&c.config))?;
        let (job, launch) = (jobs.remove(0), launches.remove(0));
        let (compiler, tx, trial) = (
            self.factory.compiler.clone(),
            stream.compiled_tx.clone(),
            c.trial,
        );
        let source = (job.kernel.clone(), job.source.clone());
        rayon::spawn(move || {
            let _ = tx.send(Event::Compiled(
                trial,
                compiler.compile(&source.0, &source.1),
            ));
        });
        let flight = Flight {
            candidate: c,
            job,
            launch,
            compiled: None,
        };
        stream.flights.insert(trial, flight);
        Ok(())
    }

    /// Hands a compiled candidate to the workers, or returns the answer an event completes.
    fn on_event(&mut self, stream: &mut Stream, event: Event) -> Result<Option<Evaluated>> {
        match event {
            Event::Compiled(trial, c) => {
                let c = c?;
                let Some(cubin) = c.cubin.clone() else {
                    let resp = EvalResponse::compile_failed(trial as u64, &c.record.log);
                    return Ok(Some(self.finish(stream, trial, c, resp)));
                };
                let f = &stream.flights[&trial];
                let req = self.request(trial as u64, &f.job, &f.launch, &c, &cubin)?;
                stream
                    .work
                    .send((trial, req))
                    .map_err(|_| Error::Other("no GPU worker is left".into()))?;
                stream.flights.get_mut(&trial).expect("in flight").compiled = Some(c);
                Ok(None)
            }
            Event::Answered(trial, resp) => {
                let f = stream.flights.get_mut(&trial).expect("answered in flight");
                let c = f.compiled.take().expect("answered after compiled");
                Ok(Some(self.finish(stream, trial, c, *resp)))
            }
        }
    }

    /// Takes `trial` out of flight and makes its answer.
    fn finish(
        &mut self,
        stream: &mut Stream,
        trial: usize,
        compiled: Compiled,
        resp: EvalResponse,
    ) -> Evaluated {
        let f = stream.flights.remove(&trial).expect("in flight");
        self.account(&compiled, &resp);
        answer(&f.candidate, &compiled, resp)
    }
}
