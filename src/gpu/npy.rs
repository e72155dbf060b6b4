//! A minimal `.npy` writer (format version 1.0, little-endian, C order) for dumped tensors, and
//! a reader of little-endian float32 arrays (what the cuDNN FP8 baseline's script writes).
//!
//! The format: the magic `\x93NUMPY`, version bytes 1 and 0, a little-endian u16 header length,
//! then an ASCII Python dict literal (`descr`, `fortran_order`, `shape`) padded with spaces and
//! ended by `\n` so that the data starts at a multiple of 64 bytes, then the raw data.
//! See numpy's `numpy.lib.format` documentation.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Element types this writer knows, with their numpy `descr`.
pub trait NpyElement: Copy {
    /// numpy's type string, e.g. `|u1` or `<f2`.
    const DESCR: &'static str;
    /// Appends the element's little-endian bytes.
    fn put(self, out: &mut Vec<u8>);
}

impl NpyElement for u8 {
    const DESCR: &'static str = "|u1";
    fn put(self, out: &mut Vec<u8>) {
        out.push(self);
    }
}

/// An fp16 value given by its bit pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct F16Bits(pub u16);

impl NpyElement for F16Bits {
    const DESCR: &'static str = "<f2";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
    }
}

impl NpyElement for f32 {
    const DESCR: &'static str = "<f4";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

/// The header (magic through the padded dict) for `descr` and `shape`.
fn header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let tuple = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple}, }}");
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// The whole `.npy` file for `data` of `shape` (C order).
///
/// # Panics
/// If `data.len()` is not the product of `shape`.
pub fn encode<T: NpyElement>(data: &[T], shape: &[usize]) -> Vec<u8> {
    assert_eq!(
        data.len(),
        shape.iter().product::<usize>(),
        "npy data length does not match shape {shape:?}"
    );
    let mut out = header(T::DESCR, shape);
    out.reserve(std::mem::size_of_val(data));
    for &x in data {
        x.put(&mut out);
    }
    out
}

/// Writes `data` of `shape` to `path` as `.npy`.
pub fn write<T: NpyElement>(path: &Path, data: &[T], shape: &[usize]) -> Result<()> {
    let bytes = encode(data, shape);
    let mut f = std::fs::File::create(path).map_err(|e| Error::io("create", path, e))?;
    f.write_all(&bytes).map_err(|e| Error::io("write", path, e))
}

/// Reads a C-order little-endian float32 `.npy` file (format 1.0 or 2.0): its values and shape.
pub fn read_f32(path: &Path) -> Result<(Vec<f32>, Vec<usize>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    decode_f32(&bytes).map_err(|why| Error::Other(format!("{}: {why}", path.display())))
}

/// The values and shape of a float32 `.npy` file's bytes, or what is wrong with them.
pub fn decode_f32(bytes: &[u8]) -> std::result::Result<(Vec<f32>, Vec<usize>), String> {
    let (dict, data) = split_header(bytes)?;
    if !dict.contains("'descr': '<f4'") {
        return Err(format!("not little-endian float32 (header {dict})"));
    }
    if !dict.contains("'fortran_order': False") {
        return Err(format!("not C order (header {dict})"));
    }
    let shape = shape_of(dict)?;
    let n: usize = shape.iter().product();
    if data.len() != 4 * n {
        return Err(format!(
            "{} data bytes for shape {shape:?} ({} expected)",
            data.len(),
            4 * n
        ));
    }
    let values = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((values, shape))
}

/// The header dict's text and the data after it.
fn split_header(bytes: &[u8]) -> std::result::Result<(&str, &[u8]), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not an .npy file (no \\x93NUMPY magic)".into());
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let dict = bytes
        .get(start..start + len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or("truncated or non-text .npy header")?;
    Ok((dict, &bytes[start + len..]))
}

/// The `shape` tuple of a header dict, e.g. `(2, 8, 512, 64)` or `(3,)`.
fn shape_of(dict: &str) -> std::result::Result<Vec<usize>, String> {
    let after = dict
        .split_once("'shape': (")
        .map(|(_, rest)| rest)
        .ok_or_else(|| format!("no shape in header {dict}"))?;
    let inside = after
        .split_once(')')
        .map(|(inside, _)| inside)
        .ok_or_else(|| format!("unterminated shape in header {dict}"))?;
    inside
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse()
                .map_err(|_| format!("bad dimension '{t}' in header {dict}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_by_hand() {
        let bytes = encode(&[1u8, 2, 3, 4, 5, 6], &[2, 3]);
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + len) % 64, 0, "data starts 64-byte aligned");
        let dict = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
        assert!(dict.starts_with("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }"));
        assert!(dict.ends_with('\n'));
        assert_eq!(&bytes[10 + len..], [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn one_dimension_is_a_one_tuple_and_f16_is_little_endian() {
        let bytes = encode(&[F16Bits(0x3C00), F16Bits(0xC000)], &[2]);
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("'descr': '<f2'") && text.contains("'shape': (2,)"),
            "{text}"
        );
        assert_eq!(&bytes[bytes.len() - 4..], [0x00, 0x3C, 0x00, 0xC0]);
    }

    #[test]
    #[should_panic(expected = "does not match shape")]
    fn wrong_length_panics() {
        encode(&[1u8, 2, 3], &[2, 2]);
    }

    #[test]
    fn float32_reads_back_what_was_written() {
        let values = [0.5f32, -3.25, f32::NAN, 448.0, 1e-9, 0.0];
        let (back, shape) = decode_f32(&encode(&values, &[2, 3])).unwrap();
        assert_eq!(shape, [2, 3]);
        assert_eq!(back[..2], [0.5, -3.25]);
        assert!(back[2].is_nan());
        assert_eq!(back[3..], [448.0, 1e-9, 0.0]);
        let (one, shape) = decode_f32(&encode(&[7.0f32], &[1])).unwrap();
        assert_eq!((one, shape), (vec![7.0], vec![1]));
    }

    #[test]
    fn float32_reading_rejects_other_types_and_short_data() {
        let codes = encode(&[1u8, 2], &[2]);
        assert!(decode_f32(&codes)
            .unwrap_err()
            .contains("not little-endian float32"));
        let mut short = encode(&[1.0f32, 2.0], &[2]);
        short.pop();
        assert!(decode_f32(&short)
            .unwrap_err()
            .contains("7 data bytes for shape [2]"));
        assert!(decode_f32(b"PK\x03\x04 zip")
            .unwrap_err()
            .contains("not an .npy file"));
    }

    /// numpy reads what this writes: uint8 [B,H,S,D], float16 and float32 (skipped, loudly,
    /// where python3 has no numpy).
    #[test]
    fn numpy_loads_the_files() {
        let ok = std::process::Command::new("python3")
            .args(["-c", "import numpy"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!(
                "SKIPPED: python3 with numpy is not available; npy files not checked by numpy"
            );
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let codes: Vec<u8> = (0..2 * 3 * 5 * 7).map(|i| (i * 37 % 256) as u8).collect();
        write(&dir.path().join("q.npy"), &codes, &[2, 3, 5, 7]).unwrap();
        let halves = [F16Bits(0x3C00), F16Bits(0xC000), F16Bits(0x7E7F)];
        write(&dir.path().join("o.npy"), &halves, &[3]).unwrap();
        write(&dir.path().join("f.npy"), &[0.5f32, -3.25], &[1, 2]).unwrap();
        let script = "import numpy as np, sys\n\
            d = sys.argv[1]\n\
            q = np.load(d + '/q.npy'); o = np.load(d + '/o.npy'); f = np.load(d + '/f.npy')\n\
            assert q.dtype == np.uint8 and q.shape == (2, 3, 5, 7), (q.dtype, q.shape)\n\
            assert (q.ravel() == (np.arange(210) * 37 % 256)).all()\n\
            assert o.dtype == np.float16 and o[0] == 1.0 and o[1] == -2.0 and np.isnan(o[2])\n\
            assert o.view(np.uint16)[2] == 0x7E7F\n\
            assert f.dtype == np.float32 and f.shape == (1, 2) and f[0, 1] == -3.25\n\
            print('ok')";
        let out = std::process::Command::new("python3")
            .args(["-c", script, dir.path().to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "numpy rejected the files: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
