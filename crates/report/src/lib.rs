//! The report of concurrency-bench (work in progress).

pub mod analysis;
pub mod chart;
mod error;
pub mod fsio;
pub mod load;
pub mod machine;
pub mod model;

pub use error::Error;
pub use model::{Results, SCHEMA};
pub mod html;
pub mod page;
pub mod publish;
pub use publish::{PublishOptions, Published, publish, should_publish};
pub mod compare;
