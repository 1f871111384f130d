//! The accept loop: HTTP/1.1 over hyper with limits of our own, in place of
//! `axum::serve`, which offers none of them.
//!
//! - A request head must arrive within `header_timeout` (F-OPS-7): a client that opens
//!   connections and never finishes its headers is answered 408 and cut off, instead of
//!   holding a socket and a task for ever. hyper closes such a connection without a
//!   word, so the loop keeps a second handle on the socket and writes the 408 itself.
//! - hyper's own header limits are set above ours (`api::limits`), so that an oversized
//!   request reaches the router and gets a problem document rather than hyper's bare
//!   status line. Only requests beyond hyper's hard limits (a URI over 64 KiB, more
//!   than 256 headers, a head over 400 KiB) or not HTTP at all get the bare line.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

/// hyper's limits, above the router's own (`api::limits`).
const HYPER_MAX_HEADERS: usize = 256;

/// Serves `router` on `listener` until `stop` turns true; then stops accepting, lets
/// requests in flight finish (connections end after their current response) and returns.
pub async fn run(listener: TcpListener, router: Router, header_timeout: Duration, mut stop: watch::Receiver<bool>) {
    let (closing, _) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = raised(&mut stop) => break,
        };
        let router = router.clone();
        let closing = closing.subscribe();
        connections.spawn(connection(stream, peer, router, header_timeout, closing));
        // Finished connections are reaped as we go, so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
}

async fn connection(stream: TcpStream, peer: SocketAddr, router: Router, header_timeout: Duration, mut closing: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let socket = Arc::new(stream);
    let started = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(req.map(axum::body::Body::new))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).max_headers(HYPER_MAX_HEADERS);
    let conn = builder.serve_connection(TokioIo::new(Shared { socket: socket.clone(), started: started.clone() }), service).with_upgrades();
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = raised(&mut closing) => {
            conn.as_mut().graceful_shutdown();
            conn.as_mut().await
        }
    };
    // A request that began and did not finish is told so; a kept-alive connection that
    // merely stayed idle is closed without a word (a 408 there could be read as the
    // answer to a request sent at that moment).
    if let Err(e) = result
        && e.is_timeout()
        && started.load(std::sync::atomic::Ordering::SeqCst)
    {
        request_timeout(&socket).await;
    }
}

/// Returns once the flag is up (or its sender is gone).
async fn raised(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|up| *up).await;
}

/// The 408 hyper does not send when a request head never finished.
async fn request_timeout(socket: &TcpStream) {
    let body = crate::api::problem_json(axum::http::StatusCode::REQUEST_TIMEOUT, "request.timeout", "the request did not arrive in time", &[]);
    let head = format!(
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\ncache-control: no-store\r\n\r\n",
        body.len()
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body.as_bytes());
    let mut sent = 0;
    // A client that reads nothing does not hold us either.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while sent < out.len() {
            if socket.writable().await.is_err() {
                return;
            }
            match socket.try_write(&out[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    })
    .await;
}

/// A socket handle hyper reads and writes through, while the loop keeps another.
/// `started`: bytes of a request arrived since the last answer was written.
struct Shared {
    socket: Arc<TcpStream>,
    started: Arc<std::sync::atomic::AtomicBool>,
}

impl AsyncRead for Shared {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        loop {
            ready!(self.socket.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match self.socket.try_read(unfilled) {
                Ok(n) => {
                    if n > 0 {
                        self.started.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for Shared {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        loop {
            ready!(self.socket.poll_write_ready(cx))?;
            match self.socket.try_write(data) {
                Ok(n) => {
                    self.started.store(false, std::sync::atomic::Ordering::SeqCst);
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// The socket closes when the last handle goes; nothing to do before that.
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
