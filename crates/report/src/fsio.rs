//! Writing without ever leaving a half-written report: files go to a temporary name in the
//! same folder and are renamed over the old one; a page's charts go to a fresh folder that
//! the new page names, so the old page keeps its own charts until the rename replaces it.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader sees the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = parent(path);
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = temp_name(path);
    let written = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// A page and the charts it shows, written as one: charts into `<stem>-charts-<tag>/` beside
/// the page, then the page renamed into place, then older chart folders of that page removed.
pub fn publish_page(
    html_path: &Path,
    tag: &str,
    html: &str,
    charts: &[(String, String)],
) -> Result<(), Error> {
    let dir = parent(html_path);
    let charts_dir = dir.join(charts_dir_name(html_path, tag));
    let staging = temp_name(&charts_dir);
    fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    let staged = charts.iter().try_for_each(|(name, svg)| {
        let file = staging.join(name);
        fs::write(&file, svg).map_err(|e| Error::io(&file, e))
    });
    let placed = staged.and_then(|()| swap_dir(&staging, &charts_dir));
    if let Err(e) = placed {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    write_atomic(html_path, html.as_bytes())?;
    remove_old_chart_dirs(html_path, &charts_dir);
    Ok(())
}

/// Moves `new` to `target`; a folder already there (the same run rendered again, which the
/// current page shows) is set aside first and put back if the move fails.
fn swap_dir(new: &Path, target: &Path) -> Result<(), Error> {
    let aside = temp_name(target).with_extension("old");
    let had_old = fs::rename(target, &aside).is_ok();
    if let Err(e) = fs::rename(new, target) {
        if had_old {
            let _ = fs::rename(&aside, target);
        }
        return Err(Error::io(target, e));
    }
    if had_old {
        let _ = fs::remove_dir_all(&aside);
    }
    Ok(())
}

/// The chart folder's name for a page and a tag: `index-charts-<tag>`.
pub fn charts_dir_name(html_path: &Path, tag: &str) -> String {
    format!("{}-charts-{tag}", stem(html_path))
}

fn remove_old_chart_dirs(html_path: &Path, keep: &Path) {
    let prefix = format!("{}-charts-", stem(html_path));
    let Ok(entries) = fs::read_dir(parent(html_path)) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && path != keep && path.is_dir() {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(|| "page".to_string(), |s| s.to_string_lossy().into_owned())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A hidden name beside `path`, unique to this process, so two writers never share one.
fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    parent(path).join(format!(".{name}.tmp-{}-{nanos}", std::process::id()))
}

/// The `.json` files of `dir`, sorted by name; `None` when it cannot be read.
pub fn json_files(dir: &Path) -> Option<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Some(files)
}
