//! The download workload: the article's `threading.Thread` per download and its
//! `asyncio` + `aiohttp` fetch, as data and checks only (no HTTP here: the loopback server
//! and the clients live in the technique crates).
//!
//! A job is `files` files of `size` bytes, each served after `latency` by a real HTTP server
//! on 127.0.0.1, fetched with at most `in_flight` requests at once. File contents are
//! generated from the file index alone, so the server and [`DownloadJob::verify`] agree
//! without sharing state, and every run checks the byte count and an FNV-1a checksum of
//! every file. A technique returns the bodies it received; the checksum is the verifier's
//! work, done after the timed run: FNV-1a goes a byte at a time (and far slower in pure
//! Python), so inside the run it would measure the harness, not the technique.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;

use crate::{Mismatch, Named, Preset, RunError};

/// What one downloaded file was: its length and checksum, computed by
/// [`DownloadJob::verify`] from the body a technique returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileDigest {
    /// Body length in bytes.
    pub bytes: u64,
    /// 64-bit FNV-1a of the body.
    pub checksum: u64,
}

impl FileDigest {
    /// The digest of a body.
    pub fn of(body: &[u8]) -> FileDigest {
        // FNV-1a: tiny, dependency-free and order-sensitive, so a swapped or truncated chunk
        // changes it. Not cryptographic, which a loopback fixture does not need.
        let checksum = body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        FileDigest {
            bytes: body.len() as u64,
            checksum,
        }
    }
}

/// A download workload: which files, how big, how slow, how many at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DownloadJob {
    /// Number of files.
    pub files: usize,
    /// Size of each file in bytes.
    pub size: usize,
    /// Latency the server adds before answering each request.
    pub latency: Duration,
    /// The most requests a concurrent technique keeps in flight.
    pub in_flight: NonZeroUsize,
}

impl DownloadJob {
    /// The article's three downloads: 3 x 64 KiB at 20 ms, all in flight.
    pub const ARTICLE: DownloadJob = DownloadJob {
        files: 3,
        size: 64 * 1024,
        latency: Duration::from_millis(20),
        in_flight: NonZeroUsize::new(3).unwrap(),
    };
    /// Many small files through a bounded window: 100 x 4 KiB at 10 ms, 16 in flight.
    pub const MANY_SMALL: DownloadJob = DownloadJob {
        files: 100,
        size: 4 * 1024,
        latency: Duration::from_millis(10),
        in_flight: NonZeroUsize::new(16).unwrap(),
    };

    /// The jobs of a preset, in the order the suite runs them.
    pub fn for_preset(preset: Preset) -> Vec<DownloadJob> {
        match preset {
            Preset::Quick => vec![
                DownloadJob {
                    latency: Duration::from_millis(2),
                    size: 4 * 1024,
                    ..DownloadJob::ARTICLE
                },
                DownloadJob {
                    files: 20,
                    latency: Duration::from_millis(1),
                    in_flight: NonZeroUsize::new(4).unwrap(),
                    ..DownloadJob::MANY_SMALL
                },
            ],
            Preset::Default => vec![DownloadJob::ARTICLE, DownloadJob::MANY_SMALL],
            Preset::Large => vec![
                DownloadJob::ARTICLE,
                DownloadJob::MANY_SMALL,
                DownloadJob {
                    files: 1_000,
                    in_flight: NonZeroUsize::new(64).unwrap(),
                    ..DownloadJob::MANY_SMALL
                },
            ],
        }
    }

    /// The stable benchmark id, e.g. `download-3x64k`, `download-100x4k`.
    pub fn id(&self) -> String {
        let size = match self.size {
            s if s >= 1024 && s % 1024 == 0 => format!("{}k", s / 1024),
            s => s.to_string(),
        };
        format!("download-{}x{size}", self.files)
    }

    /// The URL path of file `index`, e.g. `/files/007.bin`.
    pub fn path(&self, index: usize) -> String {
        format!("/files/{index:03}.bin")
    }

    /// The content of file `index`: `size` bytes from a xorshift generator seeded by the
    /// index, so every file differs and nothing but the index is needed to rebuild it.
    pub fn content(&self, index: usize) -> Vec<u8> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ (index as u64 + 1).wrapping_mul(0x2545_f491);
        let mut bytes = Vec::with_capacity(self.size + 8);
        while bytes.len() < self.size {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.extend_from_slice(&state.to_le_bytes());
        }
        bytes.truncate(self.size);
        bytes
    }

    /// Every file as the server serves it: `(path, content)` in index order.
    pub fn file_set(&self) -> Vec<(String, Vec<u8>)> {
        (0..self.files)
            .map(|i| (self.path(i), self.content(i)))
            .collect()
    }

    /// The digest every technique must report for file `index`.
    pub fn expected(&self, index: usize) -> FileDigest {
        FileDigest::of(&self.content(index))
    }

    /// Bytes downloaded by one run, for criterion's `Throughput::Bytes`.
    pub fn total_bytes(&self) -> u64 {
        (self.files * self.size) as u64
    }

    /// The shortest possible run: [`Self::chain`] rounds of `latency`.
    pub fn floor(&self) -> Duration {
        self.latency * self.chain()
    }

    /// The rounds of answers in a row: `ceil(files / in_flight)`.
    pub fn chain(&self) -> u32 {
        u32::try_from(self.files.div_ceil(self.in_flight.get())).unwrap_or(u32::MAX)
    }

    /// Checks the bodies a technique returned: one per file, in index order, each with the
    /// expected byte count and checksum. A mismatch names the file.
    pub fn verify(&self, got: &[Vec<u8>]) -> Result<(), Mismatch> {
        let digests: Vec<FileDigest> = got.iter().map(|body| FileDigest::of(body)).collect();
        self.verify_digests(&digests)
    }

    /// [`verify`](Self::verify) for digests already taken.
    fn verify_digests(&self, got: &[FileDigest]) -> Result<(), Mismatch> {
        Mismatch::unless_equal(self.id(), "number of files", self.files, got.len())?;
        for (index, digest) in got.iter().enumerate() {
            let expected = self.expected(index);
            if digest.bytes != expected.bytes {
                let what = format!("byte count of {}", self.path(index));
                return Err(Mismatch::new(self.id(), what, expected.bytes, digest.bytes));
            }
            if digest.checksum != expected.checksum {
                let what = format!("checksum of {}", self.path(index));
                return Err(Mismatch::new(
                    self.id(),
                    what,
                    format_args!("{:#018x}", expected.checksum),
                    format_args!("{:#018x}", digest.checksum),
                ));
            }
        }
        Ok(())
    }
}

/// A way to download a job's files: sequentially, a thread per download, a pool, async.
pub trait DownloadTechnique: Named + Send + Sync {
    /// How many downloads this technique keeps in flight for `job`: criterion's parameter.
    fn concurrency(&self, job: &DownloadJob) -> NonZeroUsize;

    /// The wake-ups each round of answers pays (see [`DownloadJob::chain`]): the server's
    /// sleep to its answer's deadline, then the client's thread woken by the answer.
    fn wake_ups(&self) -> crate::WakeUps {
        crate::WakeUps::TIMER_AND_HANDOFF
    }

    /// Builds what the technique needs (client, threads, runtime) for `job`. Never timed.
    fn start(&self, job: &DownloadJob) -> Result<Box<dyn DownloadRunner>, RunError>;
}

/// A started download technique. `run` is the timed part.
pub trait DownloadRunner {
    /// Downloads every file of `job` from the server at `server` and returns the body of
    /// each, in index order ([`DownloadJob::verify`] checks them, outside the timed part). A
    /// non-2xx status or a socket error is an error naming the file.
    fn run(&mut self, server: SocketAddr, job: &DownloadJob) -> Result<Vec<Vec<u8>>, RunError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sizes_and_floors_are_the_articles() {
        assert_eq!(DownloadJob::ARTICLE.id(), "download-3x64k");
        assert_eq!(DownloadJob::MANY_SMALL.id(), "download-100x4k");
        assert_eq!(DownloadJob::MANY_SMALL.floor(), Duration::from_millis(70));
        assert_eq!(DownloadJob::ARTICLE.floor(), Duration::from_millis(20));
        assert_eq!(DownloadJob::ARTICLE.total_bytes(), 3 * 65_536);
        for preset in [Preset::Quick, Preset::Default, Preset::Large] {
            assert!(!DownloadJob::for_preset(preset).is_empty());
        }
    }

    #[test]
    fn content_is_deterministic_distinct_and_sized() {
        let job = DownloadJob::ARTICLE;
        assert_eq!(job.content(1), job.content(1));
        assert_ne!(job.content(0), job.content(1));
        assert_eq!(job.content(2).len(), 65_536);
        // A known answer, so a change of the generator or the hash shows here.
        assert_eq!(FileDigest::of(b"a").checksum, 0xaf63_dc4c_8601_ec8c);
        assert_eq!(job.file_set()[2].0, "/files/002.bin");
    }

    #[test]
    fn verify_accepts_the_content_and_names_a_bad_file() {
        let job = DownloadJob::MANY_SMALL;
        let mut got: Vec<Vec<u8>> = (0..job.files).map(|i| job.content(i)).collect();
        job.verify(&got).unwrap();
        got[7][100] ^= 1;
        let err = job.verify(&got).unwrap_err();
        assert!(err.what.contains("checksum of /files/007.bin"), "{err}");
        got[7] = job.content(7)[..100].to_vec();
        let err = job.verify(&got).unwrap_err();
        assert_eq!((err.expected.as_str(), err.got.as_str()), ("4096", "100"));
        got.pop();
        assert!(
            job.verify(&got)
                .unwrap_err()
                .what
                .contains("number of files")
        );
    }
}
