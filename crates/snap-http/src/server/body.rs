//! Reading a request body: a size limit, a deadline, and JSON's UTF-8.

use std::time::Duration;

use bytes::Bytes;
use http_body::Body;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::error::BoxError;
use crate::rejection::Rejection;

/// Reads the whole body, refusing it by `Content-Length` before reading, stopping as soon as the
/// streamed bytes exceed `limit`, and giving up after `deadline` (the `Limited` body and timeout
/// tower-http's layers use, answered with SNAP codes here).
pub(crate) async fn read_limited<B>(
    body: B,
    content_length: Option<u64>,
    limit: usize,
    deadline: Duration,
) -> Result<Bytes, Rejection>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    if content_length.is_some_and(|len| len > limit as u64) {
        return Err(Rejection::BodyTooLarge);
    }
    match tokio::time::timeout(deadline, Limited::new(body, limit).collect()).await {
        Err(_) => Err(Rejection::BodyTimeout),
        Ok(Err(e)) if e.is::<LengthLimitError>() => Err(Rejection::BodyTooLarge),
        Ok(Err(_)) => Err(Rejection::BadRequest),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// [`read_limited`], then the bytes must be UTF-8: JSON is (RFC 8259), and a bad byte anywhere,
/// even inside a value no DTO reads, is refused before any handler or store sees it.
pub(crate) async fn read_json<B>(
    body: B,
    content_length: Option<u64>,
    limit: usize,
    deadline: Duration,
) -> Result<Bytes, Rejection>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let body = read_limited(body, content_length, limit, deadline).await?;
    std::str::from_utf8(&body).map_err(|_| Rejection::BadRequest)?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use http_body::Frame;
    use http_body_util::Full;
    use std::collections::VecDeque;
    use std::convert::Infallible;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Streams its chunks, then never ends when `hang` is set.
    struct Chunks {
        chunks: VecDeque<Bytes>,
        hang: bool,
    }

    impl Body for Chunks {
        type Data = Bytes;
        type Error = Infallible;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            match self.chunks.pop_front() {
                Some(c) => Poll::Ready(Some(Ok(Frame::data(c)))),
                None if self.hang => Poll::Pending,
                None => Poll::Ready(None),
            }
        }
    }

    fn chunks(parts: &[&'static [u8]], hang: bool) -> Chunks {
        Chunks {
            chunks: parts.iter().map(|p| Bytes::from_static(p)).collect(),
            hang,
        }
    }

    const SEC: Duration = Duration::from_secs(1);

    #[tokio::test]
    async fn limits() {
        let ok = read_limited(Full::new(Bytes::from_static(b"abc")), Some(3), 3, SEC).await;
        assert_eq!(ok.unwrap(), Bytes::from_static(b"abc"));
        let declared = read_limited(Full::new(Bytes::new()), Some(4), 3, SEC).await;
        assert_eq!(declared, Err(Rejection::BodyTooLarge));
        // Without a Content-Length, reading stops at the first chunk past the limit, even if the
        // body would never end.
        let streamed = read_limited(chunks(&[b"xx", b"xx", b"xx"], true), None, 5, SEC).await;
        assert_eq!(streamed, Err(Rejection::BodyTooLarge));
    }

    #[tokio::test]
    async fn utf8_only() {
        let bad = read_json(
            Full::new(Bytes::from_static(b"{\"a\":\"\xff\"}")),
            None,
            100,
            SEC,
        )
        .await;
        assert_eq!(bad, Err(Rejection::BadRequest));
        let good = read_json(
            Full::new(Bytes::from_static("{\"a\":\"é\"}".as_bytes())),
            None,
            100,
            SEC,
        )
        .await;
        assert!(good.is_ok());
    }

    #[tokio::test]
    async fn multi_frame_and_deadline() {
        let body = read_limited(chunks(&[b"aa", b"bb", b"cc"], false), None, 100, SEC).await;
        assert_eq!(body.unwrap(), Bytes::from_static(b"aabbcc"));
        let slow = read_limited(chunks(&[b"{"], true), None, 100, Duration::from_millis(20)).await;
        assert_eq!(slow, Err(Rejection::BodyTimeout));
    }
}
