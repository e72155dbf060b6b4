//! The two timing protocols (cold: L2 flushed before each repetition; warm: not flushed, a graph
//! of back-to-back launches) and the ways the cold one can flush L2.

use serde::{Deserialize, Serialize};

/// Launches per captured graph when L2 is not flushed: back to back, so that one launch's
/// latency hides behind the previous kernel, as in an application's graph (the help texts and
/// the docs of [`FlushMode::None`] and [`TimingProtocol::Warm`] say 20).
pub const GRAPH_LAUNCHES: usize = 20;

/// How L2 is emptied before each timed repetition, outside the timed region (`--flush`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum FlushMode {
    /// A memset of a buffer twice the size of L2: L2 is left holding dirty lines of that buffer.
    #[default]
    Memset,
    /// A kernel that reads the buffer once and writes nothing: L2 is left holding clean lines.
    Read,
    /// The memset, then the read: the memset's dirty lines are written back during the read,
    /// before the timed kernel starts, and L2 is left holding clean lines.
    WriteRead,
    /// No flush: warm L2, and kernel-only times a CUDA graph of 20 back-to-back launches ÷ 20
    /// (the warm protocol; `--no-flush` says the same).
    None,
}

impl FlushMode {
    /// Its name on the command line and in records: "memset", "read", "write-read", "none".
    pub fn name(self) -> &'static str {
        match self {
            FlushMode::Memset => "memset",
            FlushMode::Read => "read",
            FlushMode::WriteRead => "write-read",
            FlushMode::None => "none",
        }
    }

    /// Whether L2 is flushed at all.
    pub fn flushes(self) -> bool {
        self != FlushMode::None
    }

    /// Whether it is the memset (the default, left out of serialized timing plans).
    pub fn is_memset(&self) -> bool {
        *self == FlushMode::Memset
    }

    /// The protocol its kernel-only times belong to.
    pub fn protocol(self) -> TimingProtocol {
        if self.flushes() {
            TimingProtocol::Cold
        } else {
            TimingProtocol::Warm
        }
    }

    /// How `bytes` of flush buffer are passed over, for a method's text: "memset", "read by a
    /// kernel" or "memset then read by a kernel" (nothing for none).
    pub fn pass(self) -> &'static str {
        match self {
            FlushMode::Memset => "memset",
            FlushMode::Read => "read by a kernel that writes nothing",
            FlushMode::WriteRead => "memset then read by a kernel",
            FlushMode::None => "",
        }
    }
}

/// Which of the two timing protocols a kernel-only time was taken under (`gate --protocol`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum TimingProtocol {
    /// L2 flushed before each repetition, one launch per graph replay: the kernel reads its
    /// inputs from DRAM, as a kernel does when other work ran between its calls.
    #[default]
    Cold,
    /// L2 not flushed, a CUDA graph of 20 back-to-back launches ÷ 20: the inputs stay in L2
    /// where they fit and launch latency hides, as many published benchmarks measure.
    Warm,
}

impl TimingProtocol {
    /// "cold" or "warm".
    pub fn name(self) -> &'static str {
        match self {
            TimingProtocol::Cold => "cold",
            TimingProtocol::Warm => "warm",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn flush_modes_parse_by_their_names_and_none_is_the_warm_protocol() {
        for mode in FlushMode::value_variants() {
            assert_eq!(FlushMode::from_str(mode.name(), false), Ok(*mode));
            let json = serde_json::to_string(mode).unwrap();
            assert_eq!(json, format!("\"{}\"", mode.name()));
        }
        assert_eq!(FlushMode::default(), FlushMode::Memset);
        assert_eq!(FlushMode::None.protocol(), TimingProtocol::Warm);
        for mode in [FlushMode::Memset, FlushMode::Read, FlushMode::WriteRead] {
            assert_eq!(mode.protocol(), TimingProtocol::Cold, "{mode:?}");
        }
    }

    #[test]
    fn the_warm_graph_holds_the_20_launches_the_help_texts_name() {
        assert_eq!(GRAPH_LAUNCHES, 20);
    }

    #[test]
    fn protocols_parse_by_their_names() {
        for p in TimingProtocol::value_variants() {
            assert_eq!(TimingProtocol::from_str(p.name(), false), Ok(*p));
        }
        assert_eq!(TimingProtocol::default(), TimingProtocol::Cold);
    }
}
