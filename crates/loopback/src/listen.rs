//! Binding `127.0.0.1:0` with a listen backlog large enough for the benchmarks.
//!
//! `std::net::TcpListener::bind` asks for a backlog of 128. When 256 clients connect at
//! once, the SYNs beyond the queue are dropped and retried by the kernel after 1 s, which
//! shows up as a p99 of one second for every server alike (measured here: 2.5k req/s and
//! p99 1.02 s at 256 connections, even for the canned responder). Every server of the
//! workspace binds through [`bind_loopback`] instead.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use socket2::{Domain, Socket, Type};

/// The listen backlog every server asks for; the kernel caps it at `net.core.somaxconn`.
pub const LISTEN_BACKLOG: i32 = 4096;

/// A blocking listener on `127.0.0.1` at a free port, with [`LISTEN_BACKLOG`].
pub fn bind_loopback() -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}
