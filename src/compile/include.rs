//! Finding the CUDA headers NVRTC needs (cuda_fp16.h, cuda_fp8.h, ...).

use std::path::{Path, PathBuf};

/// The first folder holding `cuda_fp16.h` among, in order: `$CUDA_HOME/include`,
/// `$CUDA_PATH/include`, `/usr/local/cuda/include`, and a pip-installed `nvidia/cu13/include`
/// (found under the site-packages of `python3` and `$EVOTUNE_PIP_PREFIX`).
pub fn find_cuda_include() -> Option<PathBuf> {
    candidates().into_iter().find(|dir| has_headers(dir))
}

fn has_headers(dir: &Path) -> bool {
    dir.join("cuda_fp16.h").is_file()
}

fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for var in ["CUDA_HOME", "CUDA_PATH"] {
        if let Some(root) = std::env::var_os(var) {
            out.push(PathBuf::from(root).join("include"));
        }
    }
    out.push(PathBuf::from("/usr/local/cuda/include"));
    out.extend(pip_include_dirs());
    out
}

/// `nvidia/cu13/include` under the prefixes where pip may have put the CUDA wheels.
fn pip_include_dirs() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(prefix) = std::env::var_os("EVOTUNE_PIP_PREFIX") {
        roots.push(PathBuf::from(prefix));
    }
    // The folders of LD_LIBRARY_PATH that end in nvidia/cu13/lib point at the wheel's root.
    if let Some(paths) = std::env::var_os("LD_LIBRARY_PATH") {
        for p in std::env::split_paths(&paths) {
            if let Some(root) = p.parent().filter(|_| p.ends_with("cu13/lib")) {
                roots.push(
                    root.parent()
                        .unwrap_or(root)
                        .parent()
                        .unwrap_or(root)
                        .into(),
                );
            }
        }
    }
    roots.extend(python_site_packages());
    roots
        .into_iter()
        .map(|r| r.join("nvidia").join("cu13").join("include"))
        .collect()
}

fn python_site_packages() -> Vec<PathBuf> {
    let out = std::process::Command::new("python3")
        .args(["-c", "import site,sys; print('\\n'.join(site.getsitepackages()+[site.getusersitepackages()]))"])
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(PathBuf::from)
            .collect(),
        _ => Vec::new(),
    }
}
