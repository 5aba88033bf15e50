//! Binding `127.0.0.1:0` (or a chosen address) with a listen backlog large enough for the benchmarks.
//!
//! `std::net::TcpListener::bind` asks for a backlog of 128. When 256 clients connect at
//! once, the SYNs beyond the queue are dropped and retried by the kernel after 1 s, which
//! shows up as a p99 of one second for every server alike, the canned responder included.
//! Every server of the workspace binds through [`bind_loopback`] instead.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};

use socket2::{Domain, Socket, Type};

/// The listen backlog every server asks for; the kernel caps it at `net.core.somaxconn`.
pub const LISTEN_BACKLOG: i32 = 4096;

/// `127.0.0.1:0`: the loopback interface at a free port, where every server of the suite
/// listens unless told otherwise.
pub const LOOPBACK_ANY_PORT: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// A blocking listener on `127.0.0.1` at a free port, with [`LISTEN_BACKLOG`].
pub fn bind_loopback() -> io::Result<TcpListener> {
    bind_listener(LOOPBACK_ANY_PORT)
}

/// A blocking listener on `addr` (port 0: a free one), with [`LISTEN_BACKLOG`] and
/// `SO_REUSEADDR`, so a standalone server can be restarted on its port at once.
pub fn bind_listener(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}
