//! The HTTP/1 listener: the router as a hyper service on hyper's HTTP/1 connections
//! (hyper-util's glue and graceful shutdown, as `axum::serve` does), so that a request
//! hyper refuses before the router sees it is still answered with the JSON error body.
//!
//! hyper answers a head it cannot take (a NUL or other control byte in a header value,
//! more than 100 headers, a head past its buffer, a URI too long) by itself, with a bare
//! `400`/`431`/`414` and `content-length: 0` written straight to the socket: it has no hook
//! for that answer. So:
//!
//! - hyper's buffer is raised to [`HYPER_MAX_BUF`], well above [`MAX_HEAD_BYTES`], and
//!   [`limit_headers`] refuses a head over that limit in the router, with the JSON body,
//!   after reading all of it (a refusal mid-head would close a socket the client is still
//!   writing to, and its reset can destroy the answer before the client reads it);
//! - [`JsonAnswers`], around each connection's socket, replaces the bare answers hyper
//!   writes itself with the same status and the JSON error body. It recognises one only as
//!   a whole write (hyper flushes each answer before it reads the next head): behind a
//!   pipelined answer still waiting for a full socket, hyper's bare answer would go out
//!   unchanged, still with its status.

use std::future::Future;
use std::io::IoSlice;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

use crate::error::ApiError;

/// Most headers a request may carry (hyper's own limit, which [`JsonAnswers`] reports).
pub const MAX_HEADERS: usize = 100;
/// Most bytes of request line and headers a request may carry.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// hyper's read buffer: room for a head well past [`MAX_HEAD_BYTES`], read to its end and
/// refused by [`limit_headers`].
const HYPER_MAX_BUF: usize = 2 * 1024 * 1024;

/// Middleware: a head over [`MAX_HEAD_BYTES`] is a 431 with the JSON error body.
pub async fn limit_headers(req: Request, next: Next) -> Response {
    let bytes: usize = req
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum::<usize>()
        + req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if bytes > MAX_HEAD_BYTES {
        return ApiError::new(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, too_large())
            .into_response();
    }
    next.run(req).await
}

fn too_large() -> String {
    format!(
        "Request headers too large: at most {MAX_HEADERS} headers and {} KiB in all",
        MAX_HEAD_BYTES / 1024
    )
}

/// The JSON answer for a bare one of hyper's, by status.
fn json_answer(status: StatusCode) -> Vec<u8> {
    let message = match status {
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => too_large(),
        StatusCode::URI_TOO_LONG => "The request URI is too long".to_string(),
        _ => "Malformed request: the request line or a header is not valid HTTP (a header \
              value may not hold control characters such as NUL)"
            .to_string(),
    };
    let body = serde_json::to_vec(&ApiError::new(status, message).body())
        .unwrap_or_else(|_| b"{}".to_vec());
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\n\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// The status of `buf` if it is one of hyper's own answers to a head it refused: a whole
/// bodiless `400`, `414` or `431` head that closes the connection. The router never answers
/// one (its errors carry the JSON body), so nothing of the router's is rewritten.
fn hypers_own_answer(buf: &[u8]) -> Option<StatusCode> {
    let status = match buf.get(..12)? {
        b"HTTP/1.1 400" => StatusCode::BAD_REQUEST,
        b"HTTP/1.1 414" => StatusCode::URI_TOO_LONG,
        b"HTTP/1.1 431" => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        _ => return None,
    };
    let text = std::str::from_utf8(buf).ok()?;
    let head = text.strip_suffix("\r\n\r\n")?;
    if head.contains("\r\n\r\n") {
        return None;
    }
    let lines: Vec<&str> = head.split("\r\n").skip(1).collect();
    let has = |line: &str| lines.iter().any(|l| l.eq_ignore_ascii_case(line));
    (has("content-length: 0") && has("connection: close")).then_some(status)
}

/// A connection's socket that writes the JSON answer in place of hyper's bare one (see the
/// module doc). Reads pass through.
#[derive(Debug)]
pub struct JsonAnswers<T> {
    inner: T,
    /// A replacement being written, and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> JsonAnswers<T> {
    pub fn new(inner: T) -> JsonAnswers<T> {
        JsonAnswers {
            inner,
            pending: None,
        }
    }
}

impl<T: AsyncWrite + Unpin> JsonAnswers<T> {
    /// Writes what is left of a replacement.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while let Some((bytes, done)) = &mut self.pending {
            if *done >= bytes.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        Poll::Ready(Ok(()))
    }

    /// Takes `buf` (all of it, `len` bytes) as written when it is hyper's bare answer.
    fn replace(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
        len: usize,
    ) -> Option<Poll<std::io::Result<usize>>> {
        let status = hypers_own_answer(buf)?;
        self.pending = Some((json_answer(status), 0));
        Some(match self.poll_pending(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // Taken: the rest goes out on the next write, flush or shutdown.
            _ => Poll::Ready(Ok(len)),
        })
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonAnswers<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonAnswers<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        if let Some(done) = this.replace(cx, buf, buf.len()) {
            return done;
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        let total = bufs.iter().map(|b| b.len()).sum();
        // hyper writes a bare answer as one slice: a head and no body.
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (filled.next(), filled.next())
            && let Some(done) = this.replace(cx, only, total)
        {
            return done;
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open requests
/// finish (as `axum::serve(…).with_graceful_shutdown(…)`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    // Here rather than in the router, so that it holds for whatever is merged into it.
    let router = router.layer(axum::middleware::from_fn(limit_headers));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.max_buf_size(HYPER_MAX_BUF);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait, as axum::serve does.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let connection = builder.serve_connection(TokioIo::new(JsonAnswers::new(stream)), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::trace!(error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hyper_s_own_bodiless_answers_are_replaced() {
        let bare = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: Sun, 06 Dec 2026 23:09:46 GMT\r\n\r\n";
        assert_eq!(hypers_own_answer(bare), Some(StatusCode::BAD_REQUEST));
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(
            hypers_own_answer(bare),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        // The router's: a body, or a connection kept open, or another status.
        for other in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 40\r\nconnection: close\r\n\r\n"[..],
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n{}",
            b"HTTP/1.1 400",
        ] {
            assert_eq!(hypers_own_answer(other), None, "{}", String::from_utf8_lossy(other));
        }
        let answer = String::from_utf8(json_answer(StatusCode::BAD_REQUEST)).expect("text");
        let (head, body) = answer.split_once("\r\n\r\n").expect("head");
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let v: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(v["statusCode"], 400);
    }
}
