//! Reading a request body with a size limit and a deadline.

use std::future::Future as _;
use std::task::Poll;
use std::time::Duration;

use bytes::{Buf as _, Bytes, BytesMut};
use http_body::Body;
use http_body_util::BodyExt;

use crate::error::BoxError;
use crate::rejection::Rejection;

/// Reads the whole body, refusing it by `Content-Length` before reading, stopping as soon as the
/// streamed bytes exceed `limit`, and giving up after `deadline`.
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
    let mut collect = std::pin::pin!(collect(body, limit));
    // A body that arrived with its head (nearly every SNAP request) is read without arming a
    // timer, which costs more than the read. hyper only hands the body over once it is polled,
    // so the first poll is always pending: poll once more (the self-wake guarantees that second
    // poll) before falling back to the timed wait.
    let mut first = true;
    let early = std::future::poll_fn(|cx| match collect.as_mut().poll(cx) {
        Poll::Ready(result) => Poll::Ready(Some(result)),
        Poll::Pending if first => {
            first = false;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Poll::Pending => Poll::Ready(None),
    })
    .await;
    if let Some(result) = early {
        return result;
    }
    // The timer is boxed: it is the slow path, and inline it would size every request's future.
    let mut timer = Box::pin(tokio::time::sleep(deadline));
    std::future::poll_fn(|cx| match collect.as_mut().poll(cx) {
        Poll::Ready(result) => Poll::Ready(result),
        Poll::Pending => timer
            .as_mut()
            .poll(cx)
            .map(|()| Err(Rejection::BodyTimeout)),
    })
    .await
}

async fn collect<B>(body: B, limit: usize) -> Result<Bytes, Rejection>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let mut body = std::pin::pin!(body);
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut len = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| Rejection::BadRequest)?;
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers
        };
        let chunk = data.copy_to_bytes(data.remaining());
        len = len.saturating_add(chunk.len());
        if len > limit {
            return Err(Rejection::BodyTooLarge);
        }
        // The common case is one frame: keep it without copying.
        match (&mut first, &mut rest) {
            (None, _) => first = Some(chunk),
            (Some(f), None) => {
                let mut buf = BytesMut::with_capacity(f.len() + chunk.len());
                buf.extend_from_slice(f);
                buf.extend_from_slice(&chunk);
                rest = Some(buf);
            }
            (Some(_), Some(buf)) => buf.extend_from_slice(&chunk),
        }
    }
    Ok(match (first, rest) {
        (_, Some(buf)) => buf.freeze(),
        (Some(f), None) => f,
        (None, None) => Bytes::new(),
    })
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
    async fn multi_frame_and_deadline() {
        let body = read_limited(chunks(&[b"aa", b"bb", b"cc"], false), None, 100, SEC).await;
        assert_eq!(body.unwrap(), Bytes::from_static(b"aabbcc"));
        let slow = read_limited(chunks(&[b"{"], true), None, 100, Duration::from_millis(20)).await;
        assert_eq!(slow, Err(Rejection::BodyTimeout));
    }
}
