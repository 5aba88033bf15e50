//! HTML pieces both pages share: the page shell with its inline style, tables, figures.
//!
//! Pages are maud templates: every value is escaped when it is spliced in (`(value)`), and
//! markup is a [`Markup`] value, never a string, so text from a results file (a machine label,
//! a technique id) cannot become markup by mistake. Only this file's own constants (the style
//! and the status script) go in unescaped.
//!
//! Pages are self-contained and work offline: inline CSS, no fonts, no scripts from a CDN;
//! charts are SVG files in a folder beside the page, or, for a single-file page, inside it
//! ([`Layout`]). One small inline script watches for charts that fail to load or script
//! errors and writes them into the page (`#cb-status`), so a reader sees a broken chart
//! named, and `scripts/check-report.sh` can read the verdict from the DOM.

use maud::{DOCTYPE, Markup, PreEscaped, Render, html};

use crate::output::chart::Chart;

/// A page: `title`, then `body` inside the shared shell (inline style, the status watcher).
pub fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE) "\n"
        html lang="en" {
            "\n"
            head {
                "\n"
                meta charset="utf-8";
                "\n"
                meta name="viewport" content="width=device-width, initial-scale=1";
                "\n"
                title { (title) } "\n"
                // Constants of this file, not data: neither holds text from a results file.
                style { (PreEscaped(STYLE)) } "\n"
                script { (PreEscaped(WATCH)) } "\n"
            }
            "\n"
            body {
                "\n"
                p id="cb-status" class="status" data-status="loading" {} "\n"
                (body) "\n"
            }
            "\n"
        }
        "\n"
    }
}

/// A table of a header row and body rows of cells; text becomes a cell with `cell`.
pub fn table(class: &str, header: &[&str], rows: &[Vec<Markup>]) -> Markup {
    html! {
        table class=(class) {
            thead { tr { @for h in header { th { (h) } } } }
            tbody {
                "\n"
                @for row in rows {
                    tr { @for cell in row { td { (cell) } } } "\n"
                }
            }
        }
        "\n"
    }
}

/// A table cell (or any fragment) holding `value` as text.
pub fn cell(value: impl Render) -> Markup {
    value.render()
}

/// The empty-cell mark.
pub fn none() -> Markup {
    cell("–")
}

/// A chart as a figure: the image (lazy-free, so every chart loads with the page) and its caption.
pub fn figure(src: &str, caption: &str) -> Markup {
    html! {
        figure { img src=(src) alt=(caption); figcaption { (caption) } } "\n"
    }
}

/// How a page reaches its charts and the files beside it.
///
/// A single-file page carries each chart as `<img src="data:image/svg+xml;base64,...">`
/// rather than an inline `<svg>` element: the figure stays the same `<img>` with the same
/// `alt` text, so the page's `img` style (width, border) applies unchanged, the status
/// watcher counts and checks every chart through `document.images` as it does for chart
/// files, and each chart stays a separate document, so nothing in one SVG (its element ids,
/// its text) can clash with the page's ids or reach the page's markup. Base64 costs a third
/// more bytes than the SVG text, which a page of a few hundred kilobytes can carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Charts are files in this folder beside the page (`<folder>/<file>`), and links to
    /// criterion's pages are kept.
    Folder(String),
    /// One self-contained file: charts inlined as `data:` URIs, and every link to a file
    /// outside the page (criterion's pages) replaced by [`NOT_INCLUDED`].
    SingleFile,
}

/// What a single-file page shows where it would link to criterion's pages.
pub const NOT_INCLUDED: &str = "criterion's page is not in a single-file page";

impl Layout {
    /// The chart as a figure: linked into the folder, or inlined.
    pub fn figure(&self, chart: &Chart) -> Markup {
        match self {
            Layout::Folder(dir) => figure(&format!("{dir}/{}", chart.file), &chart.title),
            Layout::SingleFile => figure(&svg_data_uri(&chart.svg), &chart.title),
        }
    }

    /// Whether links to files outside the page can be followed from it.
    pub fn links_outside(&self) -> bool {
        matches!(self, Layout::Folder(_))
    }
}

/// `svg` as a `data:` URI an `<img>` can load.
pub fn svg_data_uri(svg: &str) -> String {
    format!("data:image/svg+xml;base64,{}", base64(svg.as_bytes()))
}

/// Standard base64 (RFC 4648, with padding): the one encoding a `data:` URI needs, too small
/// to take a dependency for.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An id usable in `href="#..."` and file names: lower-case letters, digits and dashes.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em auto;max-width:80em;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.5em}\
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}\
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:1em 0;display:inline-block;vertical-align:top}figcaption{font-size:.85em;color:#555;max-width:760px}\
img{max-width:100%;border:1px solid #eee}td:first-child{white-space:nowrap}.note{color:#555;font-size:.9em}.bad{color:#b00;font-weight:bold}\
.status:empty{display:none}.status{color:#b00;font-weight:bold}nav a{margin-right:1em}";

/// Records failed images, script errors and `console.error` calls into `#cb-status`.
const WATCH: &str = "(function(){var problems=[];\
function show(){var s=document.getElementById('cb-status');if(!s)return;\
if(problems.length){s.textContent='Problems: '+problems.join('; ');s.setAttribute('data-status','broken');}}\
function note(m){if(problems.indexOf(m)<0)problems.push(m);show();}\
window.addEventListener('error',function(e){var t=e.target;\
if(t&&t.tagName==='IMG'){note('image failed to load: '+t.getAttribute('src'));}\
else{note('script error: '+(e.message||e));}},true);\
var ce=console.error;console.error=function(){note('console error: '+Array.prototype.join.call(arguments,' '));ce.apply(console,arguments);};\
window.addEventListener('load',function(){var imgs=document.images;for(var i=0;i<imgs.length;i++){\
if(!imgs[i].complete||imgs[i].naturalWidth===0){note('image failed to load: '+imgs[i].getAttribute('src'));}}\
var s=document.getElementById('cb-status');show();if(s&&!problems.length){s.setAttribute('data-status','ok: '+imgs.length+' images');}});})();";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_by_construction() {
        let evil = "<a href=\"x\">&'";
        let t = table("t", &[evil], &[vec![cell(evil)]]).into_string();
        assert!(!t.contains("<a "), "{t}");
        assert_eq!(
            t.matches("&lt;a href=&quot;x&quot;&gt;&amp;").count(),
            2,
            "{t}"
        );
        let f = figure("a\"b.svg", "x<y").into_string();
        assert!(
            f.contains("src=\"a&quot;b.svg\"") && f.contains("<figcaption>x&lt;y</figcaption>")
        );
        let p = page("</title><script>", html! { (evil) }).into_string();
        assert!(
            p.contains("<title>&lt;/title&gt;&lt;script&gt;</title>"),
            "{p}"
        );
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn a_single_file_figure_carries_its_chart() {
        let chart = Chart {
            file: "a.svg".into(),
            title: "x<y".into(),
            svg: "<svg/>".into(),
        };
        let folder = Layout::Folder("charts".into()).figure(&chart).into_string();
        assert!(folder.contains("src=\"charts/a.svg\""), "{folder}");
        let single = Layout::SingleFile.figure(&chart).into_string();
        assert!(
            single.contains("src=\"data:image/svg+xml;base64,PHN2Zy8+\"")
                && single.contains("alt=\"x&lt;y\""),
            "{single}"
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("map/primes-100k r4"), "map-primes-100k-r4");
    }
}
