//! The future a replay store answers with.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::BoxFuture;

/// What [`ReplayStore`](super::ReplayStore) methods return: an answer already at hand (a store in
/// memory never waits, and so allocates no future per call) or a boxed future (a store across the
/// network).
///
/// ```
/// use snap_http::StoreFuture;
///
/// # async fn demo() {
/// assert_eq!(StoreFuture::ready(7).await, 7);
/// assert_eq!(StoreFuture::new(async { 7 }).await, 7);
/// # }
/// ```
pub struct StoreFuture<'a, T>(Answer<'a, T>);

enum Answer<'a, T> {
    /// `None` once taken.
    Ready(Option<T>),
    Pending(BoxFuture<'a, T>),
}

impl<'a, T> StoreFuture<'a, T> {
    /// An answer known now.
    pub fn ready(value: T) -> Self {
        Self(Answer::Ready(Some(value)))
    }

    /// An answer that takes waiting for (boxed).
    pub fn new(future: impl Future<Output = T> + Send + 'a) -> Self {
        Self(Answer::Pending(Box::pin(future)))
    }
}

impl<'a, T> From<BoxFuture<'a, T>> for StoreFuture<'a, T> {
    fn from(future: BoxFuture<'a, T>) -> Self {
        Self(Answer::Pending(future))
    }
}

impl<T> std::fmt::Debug for StoreFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.0 {
            Answer::Ready(Some(_)) => "ready",
            Answer::Ready(None) => "taken",
            Answer::Pending(_) => "pending",
        };
        f.debug_tuple("StoreFuture").field(&state).finish()
    }
}

// The answer is moved out, never pinned in place, and the boxed future is pinned by its box.
impl<T> Unpin for StoreFuture<'_, T> {}

impl<T> Future for StoreFuture<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match &mut self.get_mut().0 {
            Answer::Ready(value) => match value.take() {
                Some(value) => Poll::Ready(value),
                None => Poll::Pending, // polled after completion: never ready again
            },
            Answer::Pending(future) => future.as_mut().poll(cx),
        }
    }
}
