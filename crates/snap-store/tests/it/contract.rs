//! The contract every backend meets: the same functions, run against redb and PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use snap_http::{Claim, Fingerprint, ReceivedRequest, ReplayKey, ReplayStore, StoredResponse};
use snap_store::{
    ClaimCutoff, DeliveryStatus, Notification, NotificationId, NotificationStore, Summary,
};
use snap_types::ServiceCode;
use time::Date;
use time::macros::datetime;

use crate::support::Backend;

const ENDPOINT: &str = "/api/v1.0/transfer-va/payment";

fn va_body(trx_id: &str) -> Bytes {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/examples/000-qoinhub-va-payment-request.json"
    );
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    json["trxId"] = trx_id.into();
    Bytes::from(serde_json::to_vec_pretty(&json).unwrap())
}

fn key(external_id: &str) -> ReplayKey {
    let received = datetime!(2026-12-06 10:00 UTC);
    ReplayKey::new(
        "QoinSnap".parse().unwrap(),
        external_id.parse().unwrap(),
        snap_types::jakarta_date(received),
    )
}

fn fp(n: u8) -> Fingerprint {
    Fingerprint::from_bytes([n; 32])
}

/// The request the server hands to `complete` for a claim of `key`.
fn request(key: &ReplayKey, fingerprint: Fingerprint, body: Bytes) -> ReceivedRequest {
    ReceivedRequest::new(
        ServiceCode::TRANSFER_VA_PAYMENT,
        key.clone(),
        ENDPOINT,
        fingerprint,
        "2026-12-06T17:00:00+07:00".parse().unwrap(),
        datetime!(2026-12-06 10:00 UTC),
        body,
    )
    .with_channel_id("95221".parse().unwrap())
}

fn success() -> StoredResponse {
    StoredResponse {
        status: 200,
        body: Bytes::from_static(br#"{"responseCode":"2002500","responseMessage":"Successful"}"#),
    }
}

/// Claims and records one notification; returns nothing, asserts it was new.
async fn accept(store: &NotificationStore, external_id: &str, fingerprint: Fingerprint) {
    let k = key(external_id);
    assert_eq!(store.claim(&k, fingerprint).await.unwrap(), Claim::New);
    store
        .record(&request(&k, fingerprint, va_body(external_id)), success())
        .await
        .unwrap();
}

pub async fn claim_lifecycle(backend: &impl Backend) {
    let store = backend.open().await;
    let k = key("1001");
    assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::New);
    assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::InProgress);
    assert_eq!(store.claim(&k, fp(2)).await.unwrap(), Claim::Conflict);
    store
        .record(&request(&k, fp(1), va_body("a")), success())
        .await
        .unwrap();
    assert_eq!(
        store.claim(&k, fp(1)).await.unwrap(),
        Claim::Duplicate(success())
    );
    assert_eq!(store.claim(&k, fp(2)).await.unwrap(), Claim::Conflict);
    // An answer is final: a second record for the key changes nothing.
    let other = StoredResponse {
        status: 200,
        body: Bytes::from_static(b"{}"),
    };
    store
        .record(&request(&k, fp(1), va_body("b")), other)
        .await
        .unwrap();
    assert_eq!(
        store.claim(&k, fp(1)).await.unwrap(),
        Claim::Duplicate(success())
    );

    // Released: the next claim is new, with any fingerprint.
    let k2 = key("1002");
    assert_eq!(store.claim(&k2, fp(1)).await.unwrap(), Claim::New);
    store.release(&k2).await.unwrap();
    assert_eq!(store.claim(&k2, fp(3)).await.unwrap(), Claim::New);

    // Another day or partner: another key.
    let next_day = ReplayKey::new(
        "QoinSnap".parse().unwrap(),
        "1001".parse().unwrap(),
        k.date.next_day().unwrap(),
    );
    assert_eq!(store.claim(&next_day, fp(2)).await.unwrap(), Claim::New);
    let other_partner = ReplayKey::new("Other".parse().unwrap(), "1001".parse().unwrap(), k.date);
    assert_eq!(
        store.claim(&other_partner, fp(2)).await.unwrap(),
        Claim::New
    );
}

pub async fn records_survive_a_restart(backend: &impl Backend) {
    let store = backend.open().await;
    accept(&store, "2001", fp(7)).await;
    // A rejection is answered and kept for replay, but records no notification.
    let k = key("2002");
    assert_eq!(store.claim(&k, fp(8)).await.unwrap(), Claim::New);
    let rejected = StoredResponse {
        status: 404,
        body: Bytes::from_static(br#"{"responseCode":"4042512"}"#),
    };
    store
        .record(&request(&k, fp(8), va_body("x")), rejected.clone())
        .await
        .unwrap();
    drop(store);

    let store = backend.open().await;
    assert_eq!(
        store.claim(&key("2001"), fp(7)).await.unwrap(),
        Claim::Duplicate(success())
    );
    assert_eq!(
        store.claim(&key("2001"), fp(9)).await.unwrap(),
        Claim::Conflict
    );
    assert_eq!(
        store.claim(&k, fp(8)).await.unwrap(),
        Claim::Duplicate(rejected)
    );
    let listed = store.list(None, 100).await.unwrap();
    assert_eq!(
        listed.len(),
        1,
        "only the accepted notification is recorded"
    );
    let stored = listed.into_iter().next().unwrap().unwrap();
    assert_eq!(
        stored.notification,
        Notification::from(&request(&key("2001"), fp(7), va_body("2001")))
    );
    match &stored.summary {
        Summary::VaPayment { trx_id, .. } => assert_eq!(trx_id.as_deref(), Some("2001")),
        other => panic!("summary {other:?}"),
    }
    assert_eq!(stored.delivery, None, "no outbox unless asked for");
    let again = store.get(stored.id).await.unwrap().unwrap().unwrap();
    assert_eq!(again, stored);
    assert!(store.get(NotificationId(999_999)).await.unwrap().is_none());
}

pub async fn concurrent_claims_have_one_winner(backend: &impl Backend) {
    let store = Arc::new(backend.open().await);
    let k = key("3001");
    let claims = (0..40).map(|_| {
        let (store, k) = (Arc::clone(&store), k.clone());
        tokio::spawn(async move { store.claim(&k, fp(5)).await.unwrap() })
    });
    let claims: Vec<Claim> = futures_util::future::join_all(claims)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(claims.iter().filter(|c| **c == Claim::New).count(), 1);
    assert!(
        claims
            .iter()
            .all(|c| matches!(c, Claim::New | Claim::InProgress))
    );
    // Waiters wake when the answer is stored, and then see it.
    let waiter = {
        let (store, k) = (Arc::clone(&store), k.clone());
        tokio::spawn(async move {
            loop {
                match store.claim(&k, fp(5)).await.unwrap() {
                    Claim::InProgress => store.wait(&k).await,
                    other => return other,
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    store
        .record(&request(&k, fp(5), va_body("3001")), success())
        .await
        .unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen, Claim::Duplicate(success()));
    assert_eq!(store.list(None, 100).await.unwrap().len(), 1);
}

pub async fn a_dead_claim_is_taken_over<B: Backend>(backend: &B) {
    let store = backend.open().await;
    let k = key("4001");
    assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::New);
    // The instance holding the claim dies without answering.
    drop(store);
    let store = backend.open().await;
    if B::LEASED_CLAIMS {
        // Its lease still runs: the same request waits, another body under the key conflicts.
        assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::InProgress);
        tokio::time::sleep(store.lease() + Duration::from_millis(100)).await;
    }
    // The retry (same fingerprint, or a body changed since) is handled afresh.
    assert_eq!(store.claim(&k, fp(2)).await.unwrap(), Claim::New);
    if B::LEASED_CLAIMS {
        // The first claimant, alive but slow, cannot store its answer over the new claim.
        assert!(
            store
                .record(&request(&k, fp(1), va_body("late")), success())
                .await
                .is_err()
        );
    }
    store
        .record(&request(&k, fp(2), va_body("4001")), success())
        .await
        .unwrap();
    assert_eq!(
        store.claim(&k, fp(2)).await.unwrap(),
        Claim::Duplicate(success())
    );
}

pub async fn outbox_hands_out_each_entry_once(backend: &impl Backend) {
    let store = backend.open().await.with_outbox(true);
    for i in 0..5 {
        accept(&store, &format!("500{i}"), fp(i)).await;
    }
    let lock = Duration::from_secs(60);
    let taken = store.take_deliveries(10, lock).await.unwrap();
    assert_eq!(taken.len(), 5);
    let ids: Vec<NotificationId> = taken
        .into_iter()
        .map(|d| d.unwrap().notification.id)
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first: {ids:?}");
    assert!(
        store.take_deliveries(10, lock).await.unwrap().is_empty(),
        "taken entries are locked"
    );
    store.delivered(ids[0]).await.unwrap();
    store
        .abandon(ids[1], "the body can never be sent")
        .await
        .unwrap();
    store
        .retry_later(ids[2], "target answered 503", Duration::ZERO)
        .await
        .unwrap();
    let again = store.take_deliveries(10, lock).await.unwrap();
    assert_eq!(again.len(), 1, "only the retried entry is due");
    let delivery = again.into_iter().next().unwrap().unwrap();
    assert_eq!(delivery.notification.id, ids[2]);
    assert_eq!(delivery.attempts, 1);
    drop(store);

    let store = backend.open().await;
    let state = |id| {
        let store = &store;
        async move {
            store
                .get(id)
                .await
                .unwrap()
                .unwrap()
                .unwrap()
                .delivery
                .unwrap()
        }
    };
    assert_eq!(state(ids[0]).await.status, DeliveryStatus::Delivered);
    let abandoned = state(ids[1]).await;
    assert_eq!(abandoned.status, DeliveryStatus::Abandoned);
    assert_eq!(
        abandoned.last_error.as_deref(),
        Some("the body can never be sent")
    );
    let retried = state(ids[2]).await;
    assert_eq!(retried.status, DeliveryStatus::Pending);
    assert_eq!(retried.attempts, 1);
}

pub async fn listing_pages_in_order(backend: &impl Backend) {
    let store = backend.open().await;
    for i in 0..7 {
        accept(&store, &format!("600{i}"), fp(i)).await;
    }
    let first = store.list(None, 3).await.unwrap();
    assert_eq!(first.len(), 3);
    let last = first.last().unwrap().as_ref().unwrap().id;
    let rest = store.list(Some(last), 100).await.unwrap();
    assert_eq!(rest.len(), 4);
    let external: Vec<String> = first
        .iter()
        .chain(&rest)
        .map(|r| r.as_ref().unwrap().notification.external_id.to_string())
        .collect();
    assert_eq!(
        external,
        (0..7).map(|i| format!("600{i}")).collect::<Vec<_>>()
    );
}

fn key_on(external_id: &str, date: Date) -> ReplayKey {
    ReplayKey::new(
        "QoinSnap".parse().unwrap(),
        external_id.parse().unwrap(),
        date,
    )
}

/// The server's clock in the purge tests: 18:00 UTC on the 6th is 01:00 on the 7th in Jakarta.
const NOW: time::OffsetDateTime = datetime!(2026-12-06 18:00 UTC);

pub async fn old_answered_claims_are_purged(backend: &impl Backend) {
    let store = backend.open().await.with_outbox(true);
    let today = snap_types::jakarta_date(NOW);
    let yesterday = today.previous_day().unwrap();
    let two_days_ago = yesterday.previous_day().unwrap();
    let last_month = today - time::Duration::days(30);
    let days = [last_month, two_days_ago, yesterday, today];
    for (n, date) in (1u8..).zip(days) {
        let k = key_on(&format!("700{n}"), date);
        assert_eq!(store.claim(&k, fp(n)).await.unwrap(), Claim::New);
        store
            .record(&request(&k, fp(n), va_body(&format!("700{n}"))), success())
            .await
            .unwrap();
    }
    // A refusal two days ago: its answer is a claim too, without a notification.
    let refused = key_on("7009", two_days_ago);
    assert_eq!(store.claim(&refused, fp(9)).await.unwrap(), Claim::New);
    let refusal = StoredResponse {
        status: 404,
        body: Bytes::from_static(br#"{"responseCode":"4042512"}"#),
    };
    store
        .record(&request(&refused, fp(9), va_body("x")), refusal)
        .await
        .unwrap();
    // A claim two days old still being handled is not purged.
    let handled = key_on("7010", two_days_ago);
    assert_eq!(store.claim(&handled, fp(10)).await.unwrap(), Claim::New);

    let cutoff = ClaimCutoff::at(NOW);
    assert_eq!(cutoff.first_kept(), yesterday);
    assert_eq!(
        store.purge_claims(cutoff).await.unwrap(),
        3,
        "last month's, the two-day-old one and the refusal"
    );
    assert_eq!(
        store.claim(&handled, fp(10)).await.unwrap(),
        Claim::InProgress
    );
    for (n, date) in [(3, yesterday), (4, today)] {
        let k = key_on(&format!("700{n}"), date);
        assert_eq!(
            store.claim(&k, fp(n)).await.unwrap(),
            Claim::Duplicate(success()),
            "the claims of yesterday and today are kept"
        );
    }
    for (n, date) in [(1, last_month), (2, two_days_ago), (9, two_days_ago)] {
        let k = key_on(&format!("700{n}"), date);
        assert_eq!(store.claim(&k, fp(n)).await.unwrap(), Claim::New, "purged");
        store.release(&k).await.unwrap();
    }
    // The notifications and their pending outbox entries are the merchant's record: all kept.
    let listed: Vec<String> = store
        .list(None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap().notification.external_id.to_string())
        .collect();
    assert_eq!(listed, ["7001", "7002", "7003", "7004"]);
    let due = store
        .take_deliveries(10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(due.len(), 4, "no pending delivery is purged");
    assert_eq!(store.purge_claims(cutoff).await.unwrap(), 0);
    store.release(&handled).await.unwrap();
}

pub async fn a_large_purge_removes_every_old_claim(backend: &impl Backend) {
    let store = backend.open().await;
    let old = snap_types::jakarta_date(NOW) - time::Duration::days(3);
    let claims = (0..2500).map(|i| {
        let store = &store;
        async move {
            let k = key_on(&format!("8{i:04}"), old);
            assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::New);
            let refusal = StoredResponse {
                status: 401,
                body: Bytes::from_static(br#"{"responseCode":"4012500"}"#),
            };
            store
                .record(&request(&k, fp(1), va_body("x")), refusal)
                .await
                .unwrap();
        }
    });
    futures_util::future::join_all(claims).await;
    assert_eq!(
        store.purge_claims(ClaimCutoff::at(NOW)).await.unwrap(),
        2500
    );
    assert_eq!(
        store.claim(&key_on("82499", old), fp(1)).await.unwrap(),
        Claim::New
    );
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod redb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(&crate::support::Redb::new()).await;
                }
            )*
        }

        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(backend) = crate::support::Postgres::new().await {
                        super::$name(&backend).await;
                    }
                }
            )*
        }
    };
}

contract!(
    claim_lifecycle,
    records_survive_a_restart,
    concurrent_claims_have_one_winner,
    a_dead_claim_is_taken_over,
    outbox_hands_out_each_entry_once,
    listing_pages_in_order,
    old_answered_claims_are_purged,
    a_large_purge_removes_every_old_claim,
);

/// Two instances purging one database at the same time: each removes what the other did not,
/// neither waits for the other, and nothing old is left.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_purge_at_once() {
    let Some(backend) = crate::support::Postgres::new().await else {
        return;
    };
    let (a, b) = (backend.open().await, backend.open().await);
    let old = snap_types::jakarta_date(NOW) - time::Duration::days(2);
    for i in 0..300 {
        let k = key_on(&format!("9{i:03}"), old);
        let store = if i % 2 == 0 { &a } else { &b };
        assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::New);
        store
            .record(&request(&k, fp(1), va_body(&format!("9{i:03}"))), success())
            .await
            .unwrap();
    }
    let cutoff = ClaimCutoff::at(NOW);
    let (from_a, from_b) = tokio::join!(a.purge_claims(cutoff), b.purge_claims(cutoff));
    assert_eq!(from_a.unwrap() + from_b.unwrap(), 300);
    assert_eq!(a.purge_claims(cutoff).await.unwrap(), 0);
    assert_eq!(a.list(None, 1000).await.unwrap().len(), 300);
}

/// While one process writes a redb file, readers get the same records through its read socket
/// (here from the same process: redb refuses a second open of the file all the same).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_written_redb_file_is_read_through_its_socket() {
    use snap_store::{StoreError, StoreLocation};

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("store.redb");
    let location = StoreLocation::Redb(file.clone());
    let writer = Arc::new(
        NotificationStore::open_redb(&file)
            .unwrap()
            .with_outbox(true),
    );
    for i in 0..7 {
        accept(&writer, &format!("110{i}"), fp(i)).await;
    }
    // Without a socket the file cannot be read, and the error says what to do.
    let refused = NotificationStore::open_for_reading(&location)
        .await
        .unwrap_err();
    assert!(matches!(refused, StoreError::NoReadSocket(_)), "{refused}");
    assert!(refused.to_string().contains("stop"), "{refused}");

    let socket = writer.serve_readers().unwrap().unwrap();
    assert_eq!(socket.path(), dir.path().join("store.redb.sock"));
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(socket.path()).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "this user's only");
    let reader = NotificationStore::open_for_reading(&location)
        .await
        .unwrap();
    let strip = |page: Vec<Result<snap_store::StoredNotification, _>>| {
        page.into_iter().map(Result::unwrap).collect::<Vec<_>>()
    };
    let all = strip(writer.list(None, 100).await.unwrap());
    assert_eq!(all.len(), 7);
    assert_eq!(strip(reader.list(None, 100).await.unwrap()), all);
    let from_third = strip(reader.list(Some(all[2].id), 3).await.unwrap());
    assert_eq!(from_third, all[3..6]);
    assert_eq!(
        reader.get(all[4].id).await.unwrap().unwrap().unwrap(),
        all[4]
    );
    assert!(reader.get(NotificationId(999)).await.unwrap().is_none());
    // What the writer stores later is seen by the same reader.
    accept(&writer, "1199", fp(99)).await;
    assert_eq!(reader.list(None, 100).await.unwrap().len(), 8);
    // A reader writes nothing.
    assert!(matches!(
        reader.purge_claims(ClaimCutoff::at(NOW)).await,
        Err(StoreError::ReadOnly)
    ));
    assert!(matches!(
        reader.take_deliveries(1, Duration::from_secs(1)).await,
        Err(StoreError::ReadOnly)
    ));
    assert!(reader.claim(&key("1100"), fp(0)).await.is_err());

    // The socket never keeps the file open: once the writer is gone it is opened directly, and
    // the reader's requests are refused.
    drop(writer);
    let direct = NotificationStore::open_for_reading(&location)
        .await
        .unwrap();
    assert_eq!(direct.list(None, 100).await.unwrap().len(), 8);
    assert!(reader.list(None, 100).await.is_err());
    drop(socket);
    assert!(!dir.path().join("store.redb.sock").exists(), "removed");
}

/// A socket left behind by a killed writer is replaced by the next one.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_read_socket_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("store.redb");
    let stale = std::os::unix::net::UnixListener::bind(dir.path().join("store.redb.sock")).unwrap();
    drop(stale);
    let writer = Arc::new(NotificationStore::open_redb(&file).unwrap());
    accept(&writer, "1201", fp(1)).await;
    let _socket = writer.serve_readers().unwrap().unwrap();
    let reader = NotificationStore::open_for_reading(&snap_store::StoreLocation::Redb(file))
        .await
        .unwrap();
    assert_eq!(reader.list(None, 10).await.unwrap().len(), 1);
}
