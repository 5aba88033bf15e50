//! What the report writes: the charts ([`chart`], plotters SVG), the HTML building blocks
//! ([`html`], maud), the run page ([`page`]) and the comparison of results files, as a page
//! and as text ([`compare`]).

pub mod chart;
pub mod compare;
pub mod html;
pub mod page;
