//! Workbooks: one XLSX with the study, items and panel sheets.

use super::*;

/// A workbook with the example's study, items and panel (and `extra_panel` rows after it).
fn workbook(extra_panel: &[[&str; 3]]) -> Vec<u8> {
    workbook_named("from-workbook", extra_panel)
}

fn workbook_named(slug: &str, extra_panel: &[[&str; 3]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let study = book.add_worksheet().set_name("study").unwrap();
    let rows: &[(&str, &str)] = &[
        (
            "info_url",
            "https://example.ac.uk/splw-study/participant-information",
        ),
        ("team_institution", "University of Exampleton"),
        ("ethics_reference", "UEX-REC 2026/041"),
        ("time_zone", "Europe/London"),
        ("slug", slug),
        ("title", "Leadership for link workers"),
        ("consent_text", "I agree to take part."),
        ("team_name", "The SPLW team"),
        ("team_contact", "team@example.ac.uk"),
        ("scale_min", "1"),
        ("scale_max", "9"),
        ("unable_to_rate", "yes"),
        ("preset", "comet"),
        ("section", "Patient level"),
        ("section", "Organisational level"),
        ("section", "Community level"),
        ("group", "link_workers: Link workers"),
        ("group", "managers: Managers"),
        ("group", "commissioners: Commissioners"),
        ("group", "clinicians: GPs"),
        ("group", "lived_experience: Lived experience"),
    ];
    study.write_string(0, 0, "key").unwrap();
    study.write_string(0, 1, "value").unwrap();
    for (i, (key, value)) in rows.iter().enumerate() {
        study.write_string(i as u32 + 1, 0, *key).unwrap();
        study.write_string(i as u32 + 1, 1, *value).unwrap();
    }
    for (name, csv) in [("items", ITEMS_CSV), ("panel", PANEL_CSV)] {
        let sheet = book.add_worksheet().set_name(name).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv.as_bytes());
        let mut row = 0;
        for record in reader.records() {
            for (col, cell) in record.unwrap().iter().enumerate() {
                sheet.write_string(row, col as u16, cell).unwrap();
            }
            row += 1;
        }
        if name == "panel" {
            for extra in extra_panel {
                for (col, cell) in extra.iter().enumerate() {
                    sheet.write_string(row, col as u16, *cell).unwrap();
                }
                row += 1;
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_workbook_creates_a_study_and_its_bad_rows_are_named_by_sheet_and_row() {
    on_each_backend(|app| {
        let me = researcher(app, "book@example.org");
        let slug = files::create_from_workbook(app, &me, &workbook(&[])).expect("imported");
        assert_eq!(items::list(app, &me, &slug).unwrap().items.len(), 36);
        assert_eq!(panel::list(app, &me, &slug).unwrap().people.len(), 40);

        let bad = workbook(&[["nobody", "", "managers"], ["p@example.org", "", "pilots"]]);
        let message = refused_changing_nothing(app, "bad workbook rows", || {
            files::create_from_workbook(app, &me, &bad).map(drop)
        });
        assert!(message.contains("sheet panel line 42:"), "{message}");
        assert!(
            message.contains("sheet panel line 43: unknown group"),
            "{message}"
        );
        let message = refused_changing_nothing(app, "not a workbook", || {
            files::create_from_workbook(app, &me, b"PK\x03\x04 not really").map(drop)
        });
        assert!(message.contains("not an XLSX workbook"), "{message}");
    });
}

/// `examples/splw-leadership/splw-leadership.xlsx` (the browser test uploads it) is the
/// example as one workbook; `UPDATE_EXAMPLES=1` writes it again.
#[test]
fn the_example_workbook_imports() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/splw-leadership/splw-leadership.xlsx");
    if std::env::var_os("UPDATE_EXAMPLES").is_some() {
        std::fs::write(&path, workbook_named("splw-workbook", &[])).expect("written");
    }
    let bytes = std::fs::read(&path).expect("the example workbook");
    on_each_backend(|app| {
        let me = researcher(app, "example@example.org");
        let slug = files::create_from_workbook(app, &me, &bytes).expect("imports");
        assert_eq!(slug, "splw-workbook");
        assert_eq!(items::list(app, &me, &slug).unwrap().items.len(), 36);
    });
}
