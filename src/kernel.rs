//! A kernel of a search space at one problem: the CUDA source its template renders, the compile
//! job that builds it and the geometry it is launched with. The tuner, `bench`, `render`, the
//! compile test and the export all build their kernels here.

use crate::compile::Job;
use crate::error::Result;
use crate::eval::{launch_for, Launch};
use crate::shape::Shape;
use crate::space::{DeviceLimits, Point, SearchSpace};
use crate::template::Template;

/// What a space's kernels are built from at one problem on one device.
#[derive(Clone, Copy)]
pub struct Kernels<'a> {
    space: &'a SearchSpace,
    template: &'a Template,
    shape: &'a Shape,
    limits: &'a DeviceLimits,
}

/// One kernel: the job that compiles it and how it is launched.
#[derive(Debug, Clone)]
pub struct Kernel {
    /// Its compile job, labelled by its config.
    pub job: Job,
    /// Its grid, block and arguments.
    pub launch: Launch,
}

impl<'a> Kernels<'a> {
    /// The kernels of `space` (rendered by `template`) at `shape` on a device with `limits`.
    pub fn new(
        space: &'a SearchSpace,
        template: &'a Template,
        shape: &'a Shape,
        limits: &'a DeviceLimits,
    ) -> Self {
        Kernels {
            space,
            template,
            shape,
            limits,
        }
    }

    /// The CUDA source of `point`.
    pub fn source(&self, point: &Point) -> Result<String> {
        self.template
            .render(self.space, point, self.shape, self.limits)
    }

    /// The compile job of `point`.
    pub fn job(&self, point: &Point) -> Result<Job> {
        Ok(Job {
            label: point.config.to_string(),
            kernel: self.space.kernel.clone(),
            source: self.source(point)?,
        })
    }

    /// The compile job and the launch of `point`.
    pub fn kernel(&self, point: &Point) -> Result<Kernel> {
        Ok(Kernel {
            launch: launch_for(self.space, point)?,
            job: self.job(point)?,
        })
    }
}
