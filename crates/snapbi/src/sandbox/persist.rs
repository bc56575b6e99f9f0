//! `snapbi sandbox --data DIR`: the ledger, the delivery log and the outbox (the deliveries
//! still pending) in an embedded redb database, `DIR/sandbox.redb`, so a restart forgets
//! nothing. Each change is committed before the request that made it is answered; pending
//! deliveries are sent again after a restart (same X-EXTERNAL-ID and body). Without `--data`
//! the state lives in memory only.
//!
//! The records are the admin API's JSON documents (plus the merchant index the API leaves out),
//! so what is stored reads like what `snapbi sandbox ledger` and `deliveries` print.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

/// The ledger as one JSON document under the key [`LEDGER_KEY`] (a sandbox holds a developer's
/// handful of transactions; one record keeps its indices consistent in one write).
const LEDGER: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("ledger");
const LEDGER_KEY: &str = "ledger";
/// Every delivery by id, its attempts included; the pending ones are the outbox.
const DELIVERIES: TableDefinition<'static, u64, &[u8]> = TableDefinition::new("deliveries");

/// The database file in the data directory.
pub(crate) const FILE_NAME: &str = "sandbox.redb";

/// The open database.
pub(crate) struct Persist {
    db: Database,
}

impl std::fmt::Debug for Persist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persist").finish_non_exhaustive()
    }
}

fn failed(what: &str, e: impl std::fmt::Display) -> String {
    format!("sandbox data: {what}: {e}")
}

impl Persist {
    /// Opens (or creates) `dir/sandbox.redb`; one sandbox at a time.
    pub(crate) fn open(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| failed(&dir.display().to_string(), e))?;
        let path = dir.join(FILE_NAME);
        let db = Database::create(&path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => format!(
                "sandbox data: {} is in use by another sandbox",
                path.display()
            ),
            redb::DatabaseError::UpgradeRequired(version) => format!(
                "sandbox data: {} is in redb file format v{version}, written by an earlier snapbi; \
                 nothing in it was read or changed: move it aside to start afresh",
                path.display()
            ),
            e => failed(&path.display().to_string(), e),
        })?;
        let tx = db.begin_write().map_err(|e| failed("open", e))?;
        tx.open_table(LEDGER).map_err(|e| failed("open", e))?;
        tx.open_table(DELIVERIES).map_err(|e| failed("open", e))?;
        tx.commit().map_err(|e| failed("open", e))?;
        Ok(Self { db })
    }

    /// The stored ledger document, if any.
    pub(crate) fn ledger(&self) -> Result<Option<Vec<u8>>, String> {
        let tx = self.db.begin_read().map_err(|e| failed("read", e))?;
        let table = tx.open_table(LEDGER).map_err(|e| failed("read", e))?;
        let value = table.get(LEDGER_KEY).map_err(|e| failed("read", e))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    /// Replaces the ledger document (committed durably before this returns).
    pub(crate) fn save_ledger(&self, document: &[u8]) -> Result<(), String> {
        let tx = self.db.begin_write().map_err(|e| failed("write", e))?;
        {
            let mut table = tx.open_table(LEDGER).map_err(|e| failed("write", e))?;
            table
                .insert(LEDGER_KEY, document)
                .map_err(|e| failed("write", e))?;
        }
        tx.commit().map_err(|e| failed("commit", e))
    }

    /// Every stored delivery document, by id.
    pub(crate) fn deliveries(&self) -> Result<Vec<Vec<u8>>, String> {
        let tx = self.db.begin_read().map_err(|e| failed("read", e))?;
        let table = tx.open_table(DELIVERIES).map_err(|e| failed("read", e))?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(|e| failed("read", e))? {
            let (_, value) = entry.map_err(|e| failed("read", e))?;
            out.push(value.value().to_vec());
        }
        Ok(out)
    }

    /// Stores (or replaces) one delivery document.
    pub(crate) fn save_delivery(&self, id: u64, document: &[u8]) -> Result<(), String> {
        let tx = self.db.begin_write().map_err(|e| failed("write", e))?;
        {
            let mut table = tx.open_table(DELIVERIES).map_err(|e| failed("write", e))?;
            table.insert(id, document).map_err(|e| failed("write", e))?;
        }
        tx.commit().map_err(|e| failed("commit", e))
    }
}
