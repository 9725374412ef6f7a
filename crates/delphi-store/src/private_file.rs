//! The SQLite database file holds every panellist's address and answers: it is created
//! readable by its owner only (0600) before SQLite opens it, since SQLite would create it
//! with the process's default mode (usually world-readable 0644). SQLite gives its `-wal`
//! and `-shm` files the database file's mode.

use std::io::ErrorKind;
use std::path::Path;

/// Creates the empty file at `path` with mode 0600 unless it exists. In-memory databases
/// (`:memory:`) and `file:` URIs are left to SQLite.
pub(crate) fn create_if_missing(path: &str) -> std::io::Result<()> {
    if path == ":memory:" || path.is_empty() || path.starts_with("file:") {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(Path::new(path)) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use diesel::connection::SimpleConnection;

    fn mode(path: &std::path::Path) -> String {
        let mode = std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode();
        format!("{:o}", mode & 0o777)
    }

    #[test]
    fn a_new_sqlite_database_and_its_wal_files_are_private_to_the_owner() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("delphi.db");
        let pool = crate::Pool::connect(&format!("sqlite://{}", path.display()), 2)
            .expect("the pool opens");
        let mut conn = pool.get().expect("a connection");
        conn.batch_execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
            .expect("a write");
        assert_eq!(mode(&path), "600", "the database file");
        for suffix in ["-wal", "-shm"] {
            let side = dir.path().join(format!("delphi.db{suffix}"));
            assert!(side.exists(), "{suffix} exists in WAL mode");
            assert_eq!(mode(&side), "600", "{suffix}");
        }
    }

    #[test]
    fn an_existing_file_is_left_as_it_is() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("old.db");
        std::fs::write(&path, b"").expect("a file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        super::create_if_missing(path.to_str().expect("UTF-8")).expect("no error");
        assert_eq!(mode(&path), "640");
        super::create_if_missing(":memory:").expect("left to SQLite");
    }
}
