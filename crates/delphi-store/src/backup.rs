//! A consistent copy of an SQLite database while the server keeps running.
//!
//! `VACUUM INTO` reads the whole database inside one read transaction (in WAL mode writers
//! carry on meanwhile) and writes what that snapshot holds into a new, compact,
//! self-contained file: every transaction committed before the copy began and nothing of
//! any that came later. The copy is then synced to disk and checked before it is reported
//! good. PostgreSQL has its own tool for this: `pg_dump` (docs/deployment.md).

use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::{integrity_problems, DatabaseUrl, DbConnection, StoreError};

/// Copies the database of `conn` (SQLite) into a new file at `out`, readable by its owner
/// only, synced and checked. Refuses a file that exists already.
pub fn backup_sqlite(conn: &mut DbConnection, out: &Path) -> Result<(), StoreError> {
    let DbConnection::Sqlite(c) = conn else {
        return Err(StoreError::Backup(
            "a PostgreSQL database is backed up with pg_dump (see docs/deployment.md)".to_owned(),
        ));
    };
    let target = out
        .to_str()
        .ok_or_else(|| StoreError::Backup(format!("{} is not a UTF-8 path", out.display())))?;
    // Created empty and private first (VACUUM INTO accepts an empty file and keeps its
    // mode); `create_new` also refuses to overwrite an earlier backup.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(out)
        .map_err(|e| StoreError::Backup(format!("creating {}: {e}", out.display())))?;
    let copied = diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target)
        .execute(c);
    if let Err(error) = copied {
        let _ = std::fs::remove_file(out);
        return Err(StoreError::Backup(format!("copying the database: {error}")));
    }
    std::fs::File::open(out)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::Backup(format!("syncing {}: {e}", out.display())))?;
    let mut copy = DatabaseUrl::Sqlite(target.to_owned()).connect()?;
    let problems = integrity_problems(&mut copy)?;
    if !problems.is_empty() {
        return Err(StoreError::Backup(format!(
            "the copy in {} failed its integrity check: {}",
            out.display(),
            problems.join("; ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDb;

    #[test]
    fn a_backup_holds_what_was_committed_and_is_never_overwritten() {
        let db = TestDb::sqlite();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("copy.db");
        let mut conn = db.pool.get().unwrap();
        let study = crate::studies::find_by_slug(&mut conn, "none").unwrap();
        assert!(study.is_none());
        crate::write_tx(&mut conn, |c| {
            crate::outbox::enqueue(
                c,
                &crate::outbox::NewOutboxMessage {
                    study_id: None,
                    round_id: None,
                    panellist_id: None,
                    kind: delphi_core::states::MailKind::Invitation,
                    recipient: "a@x.org".to_owned(),
                    context: serde_json::json!({}),
                    dedupe_key: Some("kept".to_owned()),
                },
                crate::now(),
            )
        })
        .unwrap();
        backup_sqlite(&mut conn, &out).unwrap();
        let copy = crate::Pool::connect(&format!("sqlite://{}", out.display()), 1).unwrap();
        assert!(crate::outbox::exists_with_key(&mut copy.get().unwrap(), "kept").unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = backup_sqlite(&mut conn, &out).unwrap_err();
        assert!(again.to_string().contains("copy.db"), "{again}");
    }
}
