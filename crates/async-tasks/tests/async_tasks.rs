//! Every tokio technique against its workload contract: map jobs verified at several worker
//! counts, downloads from the real loopback file server, and the hello server under the
//! load generator and bad input, leaving no port open.

use std::num::NonZeroUsize;

use loopback::conformance::{check_download, check_web_server};
use workloads::{Kind, MapJob, Preset};

/// Every technique here runs on tokio, whatever its id says.
#[test]
fn every_technique_declares_async() {
    let is_async = |kind: Kind| kind == Kind::Async;
    assert!(
        async_tasks::map_techniques()
            .iter()
            .all(|t| is_async(t.kind()))
    );
    assert!(
        async_tasks::download_techniques()
            .iter()
            .all(|t| is_async(t.kind()))
    );
    assert!(
        async_tasks::web_server_techniques()
            .iter()
            .all(|t| is_async(t.kind()))
    );
}

#[test]
fn map_techniques_give_the_known_answers() {
    for technique in async_tasks::map_techniques() {
        for workers in [1, 2, 3] {
            let mut runner = technique
                .start(NonZeroUsize::new(workers).unwrap())
                .unwrap();
            for job in MapJob::for_preset(Preset::Quick) {
                let outputs = runner.run(&job).unwrap();
                job.verify(&outputs)
                    .unwrap_or_else(|e| panic!("{} x{workers}: {e}", technique.id()));
            }
        }
    }
}

#[test]
fn downloads_verify_every_file() {
    for technique in async_tasks::download_techniques() {
        check_download(technique.as_ref()).unwrap();
    }
}

#[test]
fn the_hello_server_serves_survives_bad_input_and_shuts_down() {
    for server in async_tasks::web_server_techniques() {
        check_web_server(server.as_ref()).unwrap();
    }
}
