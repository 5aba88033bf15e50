//! The hello servers' connection loop on `std::net`, over the blocking HTTP/1.1 side of
//! [`loopback::http1`] (head parsing with its limits, single-write answers).

use std::io::BufReader;
use std::net::TcpStream;

use loopback::http1::{ConnError, read_head_or_refuse, respond, respond_unrouted};
use workloads::{ServerSettings, hello_route};

/// Serves hello requests on `stream` until the client closes, an error, or
/// `may_keep_alive()` says others are waiting (the answer then carries `Connection: close`).
pub(crate) fn serve_hello(
    stream: TcpStream,
    settings: &ServerSettings,
    may_keep_alive: &dyn Fn() -> bool,
) -> Result<(), ConnError> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(settings.read_timeout))?;
    stream.set_write_timeout(Some(settings.read_timeout))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let Some(head) = read_head_or_refuse(&mut reader, &mut writer, settings.max_header_bytes)?
        else {
            return Ok(());
        };
        let keep_alive = head.keep_alive && may_keep_alive();
        match (head.method.as_str(), hello_route(&head.path)) {
            ("GET", Some(body)) => respond(&mut writer, "200 OK", &body, keep_alive)?,
            _ => respond_unrouted(&mut writer, &head.method, "no route\n", keep_alive)?,
        }
        if !keep_alive {
            return Ok(());
        }
    }
}
