//! `delphi export` end to end on a study whose three rounds closed, on SQLite and (when
//! `DELPHI_TEST_POSTGRES_URL` is set) PostgreSQL: every format is written; `delphi analyse`
//! on the exported responses CSV gives back the stored results of every round exactly; the
//! contact list is audited; bad requests fail clearly and leave no file behind.

use std::path::Path;
use std::process::Command;

use delphi_app::{App, SecretKey};
use delphi_store::testing::TestDb;
use serde_json::Value;

#[path = "../../delphi-web/fixtures/study.rs"]
mod fixture;

const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// Runs `delphi ARGS` on `url` in `dir`; returns (succeeded, stdout, stderr).
fn delphi(dir: &Path, url: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_delphi"))
        .args(args)
        .env("DELPHI_DATABASE_URL", url)
        .env("DELPHI_SECRET_KEY", KEY)
        .env_remove("DELPHI_MAIL")
        .current_dir(dir)
        .output()
        .expect("delphi runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn export(dir: &Path, url: &str, format: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(format!("out-{format}"));
    let out_text = out.to_str().expect("UTF-8 path").to_owned();
    let mut args = vec![
        "export", "--study", "exp", "--format", format, "--out", &out_text,
    ];
    args.extend_from_slice(extra);
    let (ok, _, err) = delphi(dir, url, &args);
    assert!(ok, "export {format}: {err}");
    assert!(err.contains("Wrote the"), "{err}");
    out
}

#[test]
fn analyse_on_the_exported_csv_gives_back_every_stored_result() {
    for db in TestDb::all() {
        eprintln!("-- on {}", db.label);
        let app = App::new(db.pool.clone(), SecretKey::generate(), "http://delphi.test");
        let f = fixture::three_closed_rounds(&app, "exp", 8, 15, "=HYPERLINK(\"x\") <b>bold</b>");
        let dir = tempfile::tempdir().expect("a folder");
        let dir = dir.path();

        let csv = export(dir, &db.url, "csv", &["--bom", "--comments"]);
        let bytes = std::fs::read(&csv).expect("the CSV");
        assert!(
            bytes.starts_with("\u{feff}round,item_id,".as_bytes()),
            "BOM and header"
        );
        let text = String::from_utf8(bytes).expect("UTF-8");
        assert!(
            text.contains("\"'=HYPERLINK(\"\"x\"\") <b>bold</b>\""),
            "neutralised"
        );
        let (ok, analysed, err) = delphi(
            dir,
            &db.url,
            &["analyse", csv.to_str().expect("UTF-8"), "--format", "json"],
        );
        assert!(ok, "analyse: {err}");
        let analysed: Value = serde_json::from_str(&analysed).expect("analyse JSON");
        let json = export(dir, &db.url, "json", &[]);
        // The stored results, as the JSON export holds them (typed, as every reader reads
        // them).
        let record: delphi_report::StudyRecord =
            serde_json::from_slice(&std::fs::read(json).expect("JSON")).expect("parses");
        let items = analysed["items"].as_array().expect("items");
        let stored = &record.results;
        assert_eq!(record.rounds.len(), 3);
        assert_eq!(
            items.len(),
            stored.len(),
            "one analysed row per stored result"
        );
        let mut compared = 0;
        for result in stored {
            let wanted = (
                i64::from(result.round),
                result.item.as_str(),
                result.group.as_str(),
            );
            let row = items
                .iter()
                .find(|row| {
                    (
                        row["round"].as_i64().expect("round"),
                        row["item_id"].as_str().expect("item"),
                        row["group"].as_str().expect("group"),
                    ) == wanted
                })
                .unwrap_or_else(|| panic!("analyse has no {wanted:?}"));
            let numbers = serde_json::to_value(&result.result.statistics).expect("as JSON");
            for (name, value) in numbers.as_object().expect("an object") {
                assert_eq!(&row[name], value, "{wanted:?} {name}");
                compared += 1;
            }
        }
        assert!(compared > stored.len() * 10, "every statistic compared");

        // Every other format is written, complete and private.
        for format in ["results-csv", "xlsx", "html", "codebook", "spss", "r"] {
            let out = export(dir, &db.url, format, &[]);
            let bytes = std::fs::read(&out).expect("written");
            assert!(bytes.len() > 200, "{format}: {} bytes", bytes.len());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&out).expect("meta").permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{format}");
            }
        }
        let html = std::fs::read_to_string(dir.join("out-html")).expect("report");
        assert!(html.starts_with("<!doctype html>") && html.contains("Leadership"));
        assert!(std::fs::read(dir.join("out-xlsx"))
            .expect("xlsx")
            .starts_with(b"PK"));
        let sps = std::fs::read_to_string(dir.join("out-spss")).expect("spss");
        assert!(
            sps.contains("exp-responses.csv"),
            "the script reads the CSV by its name"
        );

        // The contact list: written, and in the audit log.
        let contacts = export(dir, &db.url, "contacts", &[]);
        let list = std::fs::read_to_string(contacts).expect("contacts");
        assert!(list.starts_with("pseudonym,name,email\n") && list.contains("p0@example.org"));
        let mut conn = app.conn().expect("connection");
        let audited = delphi_store::audit::for_study(&mut conn, &f.study_id)
            .expect("audit")
            .into_iter()
            .filter(|a| a.action == delphi_app::exports::CONTACTS_AUDIT_ACTION)
            .count();
        assert_eq!(audited, 1);
        assert!(!std::fs::read_to_string(dir.join("out-json"))
            .expect("JSON")
            .contains("@example.org"));
    }
}

#[test]
fn a_bad_export_says_what_is_wrong_and_writes_nothing() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().expect("a folder");
    let dir = dir.path();
    let out = dir.join("x.csv");
    let out = out.to_str().expect("UTF-8");
    let (ok, _, err) = delphi(
        dir,
        &db.url,
        &["export", "--study", "nope", "--format", "csv", "--out", out],
    );
    assert!(!ok && err.contains("there is no study `nope`"), "{err}");
    let (ok, _, err) = delphi(
        dir,
        &db.url,
        &["export", "--study", "nope", "--format", "pdf", "--out", out],
    );
    assert!(
        !ok && err.contains("\"pdf\" is not an export format; use one of html, csv"),
        "{err}"
    );
    let missing = dir.join("no-folder").join("x.csv");
    let (ok, _, err) = delphi(
        dir,
        &db.url,
        &[
            "export",
            "--study",
            "nope",
            "--format",
            "csv",
            "--out",
            missing.to_str().expect("UTF-8"),
        ],
    );
    assert!(!ok && err.contains("does not exist"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("x.csv") || name.starts_with(".delphi-export"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
