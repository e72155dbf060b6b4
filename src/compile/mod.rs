//! Compilation: CUDA source to cubin with NVRTC, a ptxas resource report, a disk cache, batches.

mod batch;
mod cache;
mod include;
mod nvrtc;
mod ptxas;
pub use ptxas::serializes_wgmma;
pub mod sass;

pub use batch::{compile_all, BatchSummary, Job};
pub use cache::{write_atomic, write_kernel_files, Cache};
pub use include::find_cuda_include;
pub use nvrtc::{ensure_available, version as nvrtc_version};
pub use ptxas::Resources;

use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// What compiling one source produced; cached on disk and carried into the tune log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompileRecord {
    /// Cache key: SHA-256 of source, options and NVRTC version.
    pub key: String,
    /// The kernel entry point.
    pub kernel: String,
    /// Target, e.g. `sm_90a`.
    pub arch: String,
    /// NVRTC version, `major.minor`.
    pub nvrtc_version: String,
    /// Whether a cubin was produced.
    pub ok: bool,
    /// NVRTC's log: errors for a failed compile, the ptxas report otherwise.
    pub log: String,
    /// Registers, spills and shared memory from the ptxas report.
    pub resources: Option<Resources>,
    /// Wall time of the NVRTC call, milliseconds (as first compiled, also for cache hits).
    pub compile_ms: f64,
}

/// A compile result: the record, the cubin when it succeeded, and whether it came from cache.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The record.
    pub record: CompileRecord,
    /// The machine code.
    pub cubin: Option<Arc<Vec<u8>>>,
    /// True when NVRTC did not run for this source in this process.
    pub cached: bool,
}

/// NVRTC with fixed options for one target, and an optional cache.
#[derive(Debug, Clone)]
pub struct Compiler {
    arch: String,
    include: Option<PathBuf>,
    version: String,
    cache: Option<Cache>,
}

impl Compiler {
    /// A compiler for `arch` (e.g. `sm_90a`); fails when NVRTC cannot be loaded.
    pub fn new(arch: &str, cache: Option<Cache>) -> Result<Self> {
        Ok(Compiler {
            arch: arch.to_string(),
            include: find_cuda_include(),
            version: nvrtc_version()?,
            cache,
        })
    }

    /// The options that decide the output (the include folder is added at call time, since
    /// the same headers may live in different folders on different machines).
    pub fn options(&self) -> Vec<String> {
        vec![
            format!("--gpu-architecture={}", self.arch),
            "--std=c++17".into(),
            "--ptxas-options=-v".into(),
            "-lineinfo".into(),
        ]
    }

    /// The CUDA include folder in use, if one was found.
    pub fn include_dir(&self) -> Option<&PathBuf> {
        self.include.as_ref()
    }

    /// NVRTC's version.
    pub fn nvrtc_version(&self) -> &str {
        &self.version
    }

    /// The cache key of `source` under these options.
    pub fn key(&self, source: &str) -> String {
        cache::key(source, &self.options(), &self.version)
    }

    /// Compiles `source`, whose entry point is `kernel`, or takes it from the cache.
    pub fn compile(&self, kernel: &str, source: &str) -> Result<Compiled> {
        let key = self.key(source);
        if let Some((record, cubin)) = self.cache.as_ref().and_then(|c| c.load(&key)) {
            let cubin = cubin.map(Arc::new);
            return Ok(Compiled {
                record,
                cubin,
                cached: true,
            });
        }
        let compiled = self.compile_fresh(&key, kernel, source)?;
        if let Some(cache) = &self.cache {
            cache.store(
                &compiled.record,
                compiled.cubin.as_deref().map(Vec::as_slice),
            )?;
        }
        Ok(compiled)
    }

    fn compile_fresh(&self, key: &str, kernel: &str, source: &str) -> Result<Compiled> {
        let mut options = self.options();
        if let Some(inc) = &self.include {
            options.push(format!("--include-path={}", inc.display()));
        }
        let start = Instant::now();
        let out = nvrtc::compile(&format!("{kernel}.cu"), source, &options)?;
        let record = CompileRecord {
            key: key.to_string(),
            kernel: kernel.to_string(),
            arch: self.arch.clone(),
            nvrtc_version: self.version.clone(),
            ok: out.cubin.is_some(),
            resources: ptxas::parse(&out.log, kernel),
            log: out.log,
            compile_ms: start.elapsed().as_secs_f64() * 1e3,
        };
        Ok(Compiled {
            record,
            cubin: out.cubin.map(Arc::new),
            cached: false,
        })
    }
}
