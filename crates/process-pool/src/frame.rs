//! Length-prefixed frames: a little-endian `u32` length, then that many bytes of bincode.
//!
//! Why bincode 2 (serde mode, `standard()` config: varint integers): it is already the
//! workspace's serde format, it writes a `Square` task in 3 bytes and an output in 2, and
//! decoding never trusts a length it has not got the bytes for. postcard would be as compact;
//! bincode saves a dependency. Every way a frame can be wrong (too long, cut short, bytes that
//! do not decode, bytes left over) is a [`FrameError`], never a panic.

use std::fmt;
use std::io::{self, Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest frame either side accepts: a corrupt length must not make us allocate 4 GiB.
pub const MAX_FRAME: usize = 64 << 20;

const HEADER: usize = 4;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_FRAME>()
}

/// Why a frame could not be written or read.
#[derive(Debug)]
pub enum FrameError {
    /// The pipe failed.
    Io(io::Error),
    /// The stream ended inside a frame: `got` of `expected` bytes arrived.
    Truncated {
        /// What was being read: `header` or `payload`.
        part: &'static str,
        /// Bytes the frame promised.
        expected: usize,
        /// Bytes that arrived before the end of the stream.
        got: usize,
    },
    /// The length prefix is over [`MAX_FRAME`]: a corrupt or foreign stream.
    TooLarge {
        /// The length the prefix claims.
        len: usize,
    },
    /// The payload is not a valid message.
    Decode(String),
    /// A message could not be encoded (only if it exceeds [`MAX_FRAME`]).
    Encode(String),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Io(e) => write!(f, "pipe error: {e}"),
            FrameError::Truncated {
                part,
                expected,
                got,
            } => write!(
                f,
                "truncated frame: the stream ended after {got} of {expected} {part} bytes"
            ),
            FrameError::TooLarge { len } => write!(
                f,
                "corrupt frame: length prefix {len} exceeds the {MAX_FRAME}-byte limit"
            ),
            FrameError::Decode(e) => write!(f, "corrupt frame: {e}"),
            FrameError::Encode(e) => write!(f, "could not encode a frame: {e}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Encodes `message` into `buf` (reused between calls) and writes it as one frame with one
/// `write` where the pipe allows, then flushes.
pub fn write_frame<W: Write, T: Serialize>(
    w: &mut W,
    message: &T,
    buf: &mut Vec<u8>,
) -> Result<(), FrameError> {
    encode_frame(message, buf)?;
    w.write_all(buf).map_err(FrameError::Io)?;
    w.flush().map_err(FrameError::Io)
}

/// Encodes `message` as one whole frame (header included) into `buf`, replacing its contents.
pub fn encode_frame<T: Serialize>(message: &T, buf: &mut Vec<u8>) -> Result<(), FrameError> {
    buf.clear();
    buf.extend_from_slice(&[0; HEADER]);
    bincode::serde::encode_into_std_write(message, buf, config())
        .map_err(|e| FrameError::Encode(e.to_string()))?;
    let len = buf.len() - HEADER;
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge { len });
    }
    // `len <= MAX_FRAME < u32::MAX`, so the cast is exact.
    buf[..HEADER].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(())
}

/// Reads one frame. `Ok(None)` is a clean end of stream (between frames); an end inside a
/// frame is [`FrameError::Truncated`].
pub fn read_frame<R: Read, T: DeserializeOwned>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> Result<Option<T>, FrameError> {
    let mut header = [0; HEADER];
    match fill(r, &mut header).map_err(FrameError::Io)? {
        0 => return Ok(None),
        HEADER => {}
        got => {
            return Err(FrameError::Truncated {
                part: "header",
                expected: HEADER,
                got,
            });
        }
    }
    let len = u32::from_le_bytes(header) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge { len });
    }
    buf.resize(len, 0);
    let got = fill(r, buf).map_err(FrameError::Io)?;
    if got < len {
        return Err(FrameError::Truncated {
            part: "payload",
            expected: len,
            got,
        });
    }
    let (message, used) = bincode::serde::decode_from_slice(buf, config())
        .map_err(|e| FrameError::Decode(e.to_string()))?;
    if used != len {
        return Err(FrameError::Decode(format!(
            "{} bytes left over after the message",
            len - used
        )));
    }
    Ok(Some(message))
}

/// Reads until `buf` is full or the stream ends; returns how many bytes arrived.
fn fill<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;
    use workloads::map::{chunk_mean, squares};
    use workloads::{Task, TaskOutput};

    fn framed<T: Serialize>(message: &T) -> Vec<u8> {
        let mut out = Vec::new();
        write_frame(&mut out, message, &mut Vec::new()).unwrap();
        out
    }

    fn read<T: DeserializeOwned>(bytes: &[u8]) -> Result<Option<T>, FrameError> {
        read_frame(&mut &bytes[..], &mut Vec::new())
    }

    #[test]
    fn frames_round_trip_and_are_compact() {
        let bytes = framed(&vec![Task::Square(squares::Task { x: 7 })]);
        assert!(bytes.len() <= HEADER + 3, "{} bytes", bytes.len());
        assert_eq!(
            read::<Vec<Task>>(&bytes).unwrap(),
            Some(vec![Task::Square(squares::Task { x: 7 })])
        );
        assert_eq!(read::<Vec<Task>>(&[]).unwrap(), None, "clean end of stream");
    }

    #[test]
    fn two_frames_in_a_row() {
        let mut bytes = framed(&TaskOutput::Square(4));
        bytes.extend(framed(&TaskOutput::Count(9)));
        let mut r = &bytes[..];
        let mut buf = Vec::new();
        let a: Option<TaskOutput> = read_frame(&mut r, &mut buf).unwrap();
        let b: Option<TaskOutput> = read_frame(&mut r, &mut buf).unwrap();
        assert_eq!(
            (a, b),
            (Some(TaskOutput::Square(4)), Some(TaskOutput::Count(9)))
        );
    }

    #[test]
    fn truncated_frames_are_errors() {
        let bytes = framed(&Task::ChunkMean(chunk_mean::Task { rows: vec![1; 100] }));
        for cut in [2, HEADER, bytes.len() - 1] {
            let err = read::<Task>(&bytes[..cut]).unwrap_err();
            assert!(
                matches!(err, FrameError::Truncated { .. }),
                "cut {cut}: {err}"
            );
            assert!(err.to_string().contains("truncated"), "{err}");
        }
    }

    #[test]
    fn corrupt_frames_are_errors_not_panics() {
        let huge = u32::MAX.to_le_bytes();
        let err = read::<Task>(&huge).unwrap_err();
        assert!(err.to_string().contains("exceeds"), "{err}");

        let mut garbage = 16u32.to_le_bytes().to_vec();
        garbage.extend([0xFF; 16]);
        assert!(matches!(read::<Task>(&garbage), Err(FrameError::Decode(_))));

        // A vector that claims 2^60 elements must not allocate them.
        let mut liar = vec![0, 0, 0, 0, 255];
        liar.extend(0x1000_0000_0000_0000u64.to_le_bytes());
        let len = (liar.len() - HEADER) as u32;
        liar[..HEADER].copy_from_slice(&len.to_le_bytes());
        assert!(read::<Vec<TaskOutput>>(&liar).is_err());

        let mut extra = framed(&TaskOutput::Square(1));
        extra.push(0);
        let len = (extra.len() - HEADER) as u32;
        extra[..HEADER].copy_from_slice(&len.to_le_bytes());
        let err = read::<TaskOutput>(&extra).unwrap_err();
        assert!(err.to_string().contains("left over"), "{err}");
    }
}
