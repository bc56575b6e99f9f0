//! Reading an embedded store while the process that writes it runs.
//!
//! redb lets other processes open a file that one process writes only in its multi-process
//! mode, which commits in two phases (two fsyncs instead of one) and so halves a receiver's
//! durable throughput. Instead, the writing process answers reads itself: it serves
//! [`NotificationStore::list`] and [`NotificationStore::get`] on a Unix socket beside the file
//! (`FILE.sock`, mode 0600, connections from other users refused), and
//! [`NotificationStore::open_for_reading`] goes through it when the file is in use. Only those two
//! reads are served, each in a read transaction of its own, which never blocks the writer; nothing
//! is reachable from the network.
//!
//! The exchange, all integers big endian: a request is `L` + first id (u64) + limit (u32), or
//! `G` + id (u64); the answer is a `R` frame per record (id (u64), the record's JSON, then its
//! body and its delivery state each present or not) and `.` at the end, or `!` + a message when
//! the store could not be read. A field is its length (u32) and its bytes; an optional field is
//! preceded by 1 (present) or 0.
//!
//! [`NotificationStore::list`]: crate::NotificationStore::list
//! [`NotificationStore::get`]: crate::NotificationStore::get
//! [`NotificationStore::open_for_reading`]: crate::NotificationStore::open_for_reading

use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _, BufReader, BufWriter};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Mutex, Semaphore, watch};

use crate::embedded::RawRecord;
use crate::{NotificationId, NotificationStore, StoreError, StoredNotification, UnreadableRecord};

/// The most records one answer holds (a longer listing takes several requests).
const MAX_PAGE: u32 = 500;
/// How many readers are served at once (more wait for their turn).
const MAX_READERS: usize = 4;
/// A connection with no request for this long is closed.
const IDLE: Duration = Duration::from_secs(10);
/// The largest field a reader accepts (a record's JSON, body or delivery state).
const MAX_FIELD: u32 = 64 * 1024 * 1024;

/// The socket beside a store file: `FILE.sock`.
pub(crate) fn socket_path(file: &Path) -> PathBuf {
    let mut path = file.as_os_str().to_owned();
    path.push(".sock");
    PathBuf::from(path)
}

/// A running read socket (from [`NotificationStore::serve_readers`]): dropping it stops serving
/// and removes the socket file.
///
/// [`NotificationStore::serve_readers`]: crate::NotificationStore::serve_readers
#[derive(Debug)]
pub struct ReadSocket {
    path: PathBuf,
    stop: watch::Sender<bool>,
}

impl ReadSocket {
    /// Where it listens.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ReadSocket {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Binds the socket of `store`'s file and serves it until the returned handle is dropped.
pub(crate) fn serve(store: &Arc<NotificationStore>, file: &Path) -> Result<ReadSocket, StoreError> {
    let path = socket_path(file);
    let io = |e: std::io::Error| StoreError::ReadSocket(format!("{}: {e}", path.display()));
    // A socket left by a process that was killed: this process has the file to itself now (redb
    // locks it), so no other process serves it. Anything but a socket is left alone.
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_socket()) {
        std::fs::remove_file(&path).map_err(io)?;
    }
    let listener = UnixListener::bind(&path).map_err(io)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    // Connections are accepted from this user only (the socket's owner); the mode keeps others
    // out too, except in the moment between bind and chmod.
    let owner = std::fs::metadata(&path).map_err(io)?.uid();
    let (stop, stopped) = watch::channel(false);
    // The socket never keeps the store open: once its owner drops it, requests are refused.
    tokio::spawn(accept_loop(Arc::downgrade(store), listener, owner, stopped));
    Ok(ReadSocket { path, stop })
}

async fn accept_loop(
    store: Weak<NotificationStore>,
    listener: UnixListener,
    owner: u32,
    mut stopped: watch::Receiver<bool>,
) {
    let readers = Arc::new(Semaphore::new(MAX_READERS));
    loop {
        let accepted = tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "read socket: cannot accept");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if !stream.peer_cred().is_ok_and(|peer| peer.uid() == owner) {
            tracing::warn!("read socket: refused a connection from another user");
            continue;
        }
        let (store, readers, mut stopped) =
            (Weak::clone(&store), Arc::clone(&readers), stopped.clone());
        tokio::spawn(async move {
            let Ok(_turn) = readers.acquire_owned().await else {
                return;
            };
            tokio::select! {
                _ = stopped.wait_for(|stop| *stop) => {}
                served = answer(&store, stream) => if let Err(e) = served {
                    tracing::debug!(error = %e, "read socket: connection ended");
                },
            }
        });
    }
}

/// Answers one connection's requests until it closes or idles.
async fn answer(store: &Weak<NotificationStore>, stream: UnixStream) -> std::io::Result<()> {
    let (read, write) = stream.into_split();
    let (mut read, mut write) = (BufReader::new(read), BufWriter::new(write));
    loop {
        let op = match tokio::time::timeout(IDLE, read.read_u8()).await {
            Ok(Ok(op)) => op,
            // Closed, broken or idle: done.
            Ok(Err(_)) | Err(_) => return Ok(()),
        };
        let request = match op {
            b'L' => {
                let first = read.read_u64().await?;
                let limit = read.read_u32().await?.min(MAX_PAGE);
                Request::List { first, limit }
            }
            b'G' => Request::Get(NotificationId(read.read_u64().await?)),
            other => {
                return Err(std::io::Error::other(format!(
                    "unknown request {other:#04x}"
                )));
            }
        };
        let Some(store) = store.upgrade() else {
            return Ok(()); // the store was closed
        };
        // Reading redb is blocking file I/O: off the async workers.
        let records = tokio::task::spawn_blocking(move || request.run(&store))
            .await
            .unwrap_or_else(|e| Err(StoreError::ReadSocket(e.to_string())));
        match records {
            Ok(records) => {
                for record in records {
                    write_record(&mut write, &record).await?;
                }
                write.write_u8(b'.').await?;
            }
            Err(e) => {
                write.write_u8(b'!').await?;
                write_field(&mut write, e.to_string().as_bytes()).await?;
            }
        }
        write.flush().await?;
    }
}

enum Request {
    List { first: u64, limit: u32 },
    Get(NotificationId),
}

impl Request {
    fn run(self, store: &NotificationStore) -> Result<Vec<RawRecord>, StoreError> {
        let embedded = store.embedded().ok_or(StoreError::ReadOnly)?;
        match self {
            Self::List { first, limit } => {
                embedded.list_raw(first.checked_sub(1).map(NotificationId), limit as usize)
            }
            Self::Get(id) => Ok(embedded.get_raw(id)?.into_iter().collect()),
        }
    }
}

async fn write_record(
    write: &mut (impl tokio::io::AsyncWrite + Unpin),
    record: &RawRecord,
) -> std::io::Result<()> {
    write.write_u8(b'R').await?;
    write.write_u64(record.id.0).await?;
    write_field(write, &record.json).await?;
    for optional in [&record.body, &record.delivery] {
        match optional {
            Some(bytes) => {
                write.write_u8(1).await?;
                write_field(write, bytes).await?;
            }
            None => write.write_u8(0).await?,
        }
    }
    Ok(())
}

async fn write_field(
    write: &mut (impl tokio::io::AsyncWrite + Unpin),
    bytes: &[u8],
) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
    write.write_u32(len).await?;
    write.write_all(bytes).await
}

/// The reading end: a store read through the socket of the process that writes it.
pub(crate) struct Reader {
    stream: Mutex<BufReader<UnixStream>>,
}

impl Reader {
    /// Connects to the socket of `file`, when the process that has it open serves one. The socket
    /// must belong to the file's owner.
    pub(crate) async fn connect(file: &Path) -> Result<Self, StoreError> {
        let path = socket_path(file);
        let io = |e: std::io::Error| StoreError::ReadSocket(format!("{}: {e}", path.display()));
        let owner = std::fs::metadata(file).map_err(io)?.uid();
        if std::fs::symlink_metadata(&path).map_err(io)?.uid() != owner {
            return Err(io(std::io::Error::other(
                "the socket does not belong to the store file's owner",
            )));
        }
        let stream = UnixStream::connect(&path).await.map_err(io)?;
        Ok(Self {
            stream: Mutex::new(BufReader::new(stream)),
        })
    }

    pub(crate) async fn list(
        &self,
        after: Option<NotificationId>,
        limit: usize,
    ) -> Result<Vec<Result<StoredNotification, UnreadableRecord>>, StoreError> {
        let mut out = Vec::new();
        let mut first = after.map_or(0, |id| id.0.saturating_add(1));
        while out.len() < limit {
            let want = u32::try_from(limit - out.len()).map_or(MAX_PAGE, |n| n.min(MAX_PAGE));
            let mut request = vec![b'L'];
            request.extend_from_slice(&first.to_be_bytes());
            request.extend_from_slice(&want.to_be_bytes());
            let page = self.ask(&request).await?;
            let Some(last) = page.last() else { break };
            first = last.id.0.saturating_add(1);
            let full = page.len() == want as usize;
            out.extend(page.into_iter().map(RawRecord::decode));
            if !full {
                break;
            }
        }
        Ok(out)
    }

    pub(crate) async fn get(
        &self,
        id: NotificationId,
    ) -> Result<Option<Result<StoredNotification, UnreadableRecord>>, StoreError> {
        let mut request = vec![b'G'];
        request.extend_from_slice(&id.0.to_be_bytes());
        Ok(self
            .ask(&request)
            .await?
            .into_iter()
            .next()
            .map(RawRecord::decode))
    }

    async fn ask(&self, request: &[u8]) -> Result<Vec<RawRecord>, StoreError> {
        let mut stream = self.stream.lock().await;
        let broken = |e: std::io::Error| StoreError::ReadSocket(e.to_string());
        stream.get_mut().write_all(request).await.map_err(broken)?;
        let mut records = Vec::new();
        loop {
            match stream.read_u8().await.map_err(broken)? {
                b'R' => records.push(read_record(&mut *stream).await.map_err(broken)?),
                b'.' => return Ok(records),
                b'!' => {
                    let message = read_field(&mut *stream).await.map_err(broken)?;
                    return Err(StoreError::ReadSocket(
                        String::from_utf8_lossy(&message).into_owned(),
                    ));
                }
                other => {
                    return Err(StoreError::ReadSocket(format!(
                        "unexpected answer {other:#04x}"
                    )));
                }
            }
        }
    }
}

async fn read_record(read: &mut (impl tokio::io::AsyncRead + Unpin)) -> std::io::Result<RawRecord> {
    let id = NotificationId(read.read_u64().await?);
    let json = read_field(read).await?;
    let mut optional = [None, None];
    for slot in &mut optional {
        if read.read_u8().await? == 1 {
            *slot = Some(read_field(read).await?);
        }
    }
    let [body, delivery] = optional;
    Ok(RawRecord {
        id,
        json,
        body,
        delivery,
    })
}

async fn read_field(read: &mut (impl tokio::io::AsyncRead + Unpin)) -> std::io::Result<Vec<u8>> {
    let len = read.read_u32().await?;
    if len > MAX_FIELD {
        return Err(std::io::Error::other(format!("a field of {len} bytes")));
    }
    let mut bytes = vec![0; len as usize];
    read.read_exact(&mut bytes).await?;
    Ok(bytes)
}
