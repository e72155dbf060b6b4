//! Reading (never setting) the SM clock and the active throttle reasons through nvidia-smi,
//! in the background while a measurement runs.

use std::process::Command;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::thread::JoinHandle;

/// What nvidia-smi said about the clocks once during a measurement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClockReading {
    /// SM clock, MHz.
    pub sm_mhz: Option<u32>,
    /// Active clock throttle (event) reasons, a bit mask as printed, e.g. "0x0000000000000000".
    pub throttle_reasons: Option<String>,
}

/// The query fields to try in order: newer drivers call the reasons "clocks_event_reasons",
/// older ones "clocks_throttle_reasons"; the last falls back to the clock alone.
const QUERIES: [&str; 3] = [
    "clocks.sm,clocks_event_reasons.active",
    "clocks.sm,clocks_throttle_reasons.active",
    "clocks.sm",
];

/// How long a measurement runs before nvidia-smi looks at the GPU.
const PROBE_DELAY: std::time::Duration = std::time::Duration::from_millis(50);

/// A reading taken on a background thread, so it sees the GPU busy with the measurement. A
/// measurement that ends before `PROBE_DELAY` (50 ms; a candidate raced out early) gets no reading
/// and does not wait for one.
pub struct ClockProbe {
    thread: JoinHandle<ClockReading>,
    ended: Sender<()>,
}

impl ClockProbe {
    /// Starts reading the GPU with PCI bus id `pci_bus_id` (as nvidia-smi's `-i` takes it).
    pub fn start(pci_bus_id: &str) -> Self {
        let id = pci_bus_id.to_string();
        let (ended, wait) = channel::<()>();
        let thread = std::thread::spawn(move || {
            // Let the measurement get going before looking; if it ends first, do not look.
            match wait.recv_timeout(PROBE_DELAY) {
                Err(RecvTimeoutError::Timeout) => read(&id),
                _ => ClockReading::default(),
            }
        });
        ClockProbe { thread, ended }
    }

    /// The reading; empty when nvidia-smi is absent, said nothing usable, or the measurement
    /// ended before it looked.
    pub fn finish(self) -> ClockReading {
        let _ = self.ended.send(());
        self.thread.join().unwrap_or_default()
    }
}

/// Runs nvidia-smi for `pci_bus_id` with each query in turn until one answers.
pub fn read(pci_bus_id: &str) -> ClockReading {
    for query in QUERIES {
        let out = Command::new("nvidia-smi")
            .args([
                &format!("--query-gpu={query}"),
                "--format=csv,noheader,nounits",
                "-i",
                pci_bus_id,
            ])
            .output();
        match out {
            Ok(o) if o.status.success() => return parse(&String::from_utf8_lossy(&o.stdout)),
            Ok(_) => continue,
            Err(_) => break, // not installed
        }
    }
    ClockReading::default()
}

/// Parses one line "1980, 0x0000000000000000" (or "1980"); "[N/A]" and garbage give `None`.
pub fn parse(text: &str) -> ClockReading {
    let line = text.lines().next().unwrap_or("");
    let mut fields = line.split(',').map(str::trim);
    let sm_mhz = fields.next().and_then(|f| f.parse().ok());
    let throttle_reasons = fields
        .next()
        .filter(|f| f.starts_with("0x"))
        .map(str::to_string);
    ClockReading {
        sm_mhz,
        throttle_reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_clock_and_reasons() {
        assert_eq!(
            parse("1980, 0x0000000000000000\n"),
            ClockReading {
                sm_mhz: Some(1980),
                throttle_reasons: Some("0x0000000000000000".into()),
            }
        );
        assert_eq!(parse("1755").sm_mhz, Some(1755));
        assert_eq!(parse("1755").throttle_reasons, None);
    }

    #[test]
    fn not_available_and_garbage_give_nothing() {
        assert_eq!(parse("[N/A], [N/A]"), ClockReading::default());
        assert_eq!(parse(""), ClockReading::default());
        assert_eq!(parse("No devices were found"), ClockReading::default());
    }

    #[test]
    fn a_missing_or_failing_nvidia_smi_gives_an_empty_reading() {
        // No GPU with this bus id exists anywhere, so nvidia-smi (if installed) fails every query.
        let probe = ClockProbe::start("FFFFFFFF:FF:FF.0");
        std::thread::sleep(PROBE_DELAY * 2);
        assert_eq!(probe.finish(), ClockReading::default());
    }

    #[test]
    fn a_measurement_shorter_than_the_delay_neither_reads_nor_waits() {
        let started = std::time::Instant::now();
        let r = ClockProbe::start("FFFFFFFF:FF:FF.0").finish();
        assert_eq!(r, ClockReading::default());
        assert!(
            started.elapsed() < PROBE_DELAY,
            "waited {:?}",
            started.elapsed()
        );
    }
}
