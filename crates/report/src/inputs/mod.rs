//! What the report reads: criterion's own files ([`criterion`]), the suite's side files
//! beside them ([`side`]) and the Python side's pyperf files ([`pyperf`]).

pub mod criterion;
pub mod machine;
pub mod pyperf;
pub mod side;
