//! Hostile comments, item text and group names are inert in every output; names and
//! addresses appear only in the contacts export.

use delphi_render::Templates;
use delphi_report::export::{
    no_progress, write_codebook, write_contacts_csv, write_json, write_results_csv, write_xlsx,
    ExportError, ResponsesCsvOptions,
};
use delphi_report::record::Contact;
use delphi_report::report::render_report_html;

use crate::synthetic::{study, Shape, HOSTILE_FORMULA, HOSTILE_GROUP, HOSTILE_ITEM};

const WITH_COMMENTS: ResponsesCsvOptions = ResponsesCsvOptions {
    include_comments: true,
    bom: false,
};

#[test]
fn the_responses_csv_neutralises_formulas_and_keeps_text() {
    let record = study(Shape {
        hostile: true,
        ..Shape::small()
    });
    let csv_text = crate::responses_csv(&record, WITH_COMMENTS);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut neutralised = 0;
    let mut item_text = false;
    for row in reader.records() {
        let row = row.expect("row");
        for cell in row.iter() {
            let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert!(
                !risky || cell.parse::<f64>().is_ok(),
                "a cell a spreadsheet would run: {cell:?}"
            );
            neutralised += usize::from(cell == format!("'{HOSTILE_FORMULA}"));
            item_text |= cell == HOSTILE_ITEM;
        }
    }
    assert!(neutralised > 0 && item_text);
    // The group name is not in the responses file (codes only) but is in the codebook, inert.
    let mut codebook = Vec::new();
    write_codebook(&record, &WITH_COMMENTS, &mut codebook).expect("codebook");
    let codebook = String::from_utf8(codebook).expect("UTF-8");
    assert!(
        !codebook.contains("<script") && !codebook.contains("<img"),
        "{codebook}"
    );
    assert!(codebook.contains("&lt;script&gt;alert('item')&lt;/script&gt;"));
}

#[test]
fn the_report_escapes_every_hostile_string() {
    let record = study(Shape {
        hostile: true,
        ..Shape::small()
    });
    let templates = Templates::load().expect("templates");
    let html = render_report_html(&record, &templates).expect("report");
    assert!(!html.contains("<script"), "no script element");
    assert!(!html.contains("<img"), "no injected element");
    assert!(!html.contains(HOSTILE_ITEM) && !html.contains(HOSTILE_GROUP));
    assert!(
        html.contains("&lt;/td&gt;&lt;/tr&gt;&lt;script&gt;alert("),
        "item text shown, escaped"
    );
    assert!(
        html.contains("&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert("),
        "group name shown, escaped"
    );
}

#[test]
fn names_and_addresses_only_in_the_contacts_export() {
    let mut record = study(Shape::small());
    record.contacts = Some(
        record
            .panellists
            .iter()
            .map(|p| Contact {
                pseudonym: p.pseudonym.clone(),
                name: Some(format!("Name of {}", p.pseudonym)),
                email: format!("{}@example.org", p.pseudonym.to_lowercase()),
            })
            .collect(),
    );
    let templates = Templates::load().expect("templates");
    let mut outputs: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut json = Vec::new();
    write_json(&record, &mut json).expect("json");
    outputs.push(("json", json));
    let mut xlsx = Vec::new();
    write_xlsx(&record, &mut xlsx, &mut no_progress()).expect("xlsx");
    outputs.push(("xlsx", xlsx));
    let mut results = Vec::new();
    write_results_csv(&record, &mut results, &mut no_progress()).expect("results");
    outputs.push(("results", results));
    outputs.push((
        "responses",
        crate::responses_csv(&record, WITH_COMMENTS).into_bytes(),
    ));
    outputs.push((
        "report",
        render_report_html(&record, &templates)
            .expect("report")
            .into_bytes(),
    ));
    for (name, bytes) in &outputs {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("example.org") && !text.contains("Name of"),
            "{name} leaks contacts"
        );
    }
    // The xlsx is compressed: check its cells too.
    let mut wb = crate::workbook::workbook(&record);
    use calamine::Reader;
    for sheet in wb.sheet_names() {
        let range = wb.worksheet_range(&sheet).expect("sheet");
        assert!(range
            .used_cells()
            .all(|(_, _, c)| !c.to_string().contains("example.org")));
    }
    let mut contacts = Vec::new();
    write_contacts_csv(&record, &mut contacts).expect("contacts");
    let contacts = String::from_utf8(contacts).expect("UTF-8");
    assert!(contacts.starts_with("pseudonym,name,email\nP0001,Name of P0001,p0001@example.org\n"));
    record.contacts = None;
    assert!(matches!(
        write_contacts_csv(&record, &mut Vec::new()),
        Err(ExportError::NoContacts)
    ));
}

#[test]
fn an_inconsistent_record_is_refused_with_every_problem_named() {
    let mut record = study(Shape::small());
    record.responses[3].item = "NOPE".into();
    record.responses[5].rating = Some(12);
    record.results[0].group = "nobody".into();
    let err = write_json(&record, &mut Vec::new()).expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("responses[3]") && text.contains("unknown item or panellist"),
        "{text}"
    );
    assert!(
        text.contains("responses[5]") && text.contains("rating 12 is outside the scale 1-9"),
        "{text}"
    );
    assert!(
        text.contains("results[0]") && text.contains("unknown stakeholder group"),
        "{text}"
    );
}

/// The three strings of issue 12, as a panellist's reason and a panellist's name.
const ISSUE_STRINGS: [&str; 3] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://x\",\"y\")",
];

#[test]
fn hostile_reasons_and_names_are_inert_in_the_csv_the_workbook_the_contacts_and_the_report() {
    let mut record = study(Shape {
        hostile: true,
        ..Shape::small()
    });
    for (n, response) in record.responses.iter_mut().take(30).enumerate() {
        response.outlier_reason = Some(ISSUE_STRINGS[n % 3].to_owned());
    }
    record.contacts = Some(
        record
            .panellists
            .iter()
            .enumerate()
            .map(|(n, p)| Contact {
                pseudonym: p.pseudonym.clone(),
                name: Some(ISSUE_STRINGS[n % 3].to_owned()),
                email: format!("{}@example.org", p.pseudonym.to_lowercase()),
            })
            .collect(),
    );
    let risky = |cell: &str| cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    // The responses CSV (reasons) and the contacts CSV (names): no cell a spreadsheet runs,
    // the text kept behind the neutralising quote.
    let mut contacts = Vec::new();
    write_contacts_csv(&record, &mut contacts).expect("contacts");
    for (name, text) in [
        ("responses", crate::responses_csv(&record, WITH_COMMENTS)),
        ("contacts", String::from_utf8(contacts).expect("UTF-8")),
    ] {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut kept = [false; 3];
        for row in reader.records() {
            for cell in row.expect("a row").iter() {
                assert!(
                    !risky(cell) || cell.parse::<f64>().is_ok(),
                    "{name}: {cell:?}"
                );
                for (seen, hostile) in kept.iter_mut().zip(ISSUE_STRINGS) {
                    *seen |= cell == hostile || cell == format!("'{hostile}");
                }
            }
        }
        assert_eq!(kept, [true; 3], "{name} keeps each string as text");
    }
    // The workbook (which carries comments, not reasons or names): no cell a spreadsheet runs.
    let mut xlsx = Vec::new();
    write_xlsx(&record, &mut xlsx, &mut no_progress()).expect("xlsx");
    let mut wb = crate::workbook::workbook(&record);
    use calamine::Reader;
    for sheet in wb.sheet_names() {
        let range = wb.worksheet_range(&sheet).expect("sheet");
        for (_, _, cell) in range.used_cells() {
            let text = cell.to_string();
            assert!(
                !risky(&text) || text.parse::<f64>().is_ok(),
                "{sheet}: {text:?}"
            );
        }
    }
    // The report shows no reason or name as markup.
    let html = render_report_html(&record, &Templates::load().expect("templates")).expect("report");
    assert!(!html.contains("<script>alert") && !html.contains("<img src=x"));
}
