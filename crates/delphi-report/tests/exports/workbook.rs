//! The XLSX read back with calamine: every sheet, its header, some cells.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use delphi_report::export::{no_progress, write_xlsx, SHEETS};
use delphi_report::StudyRecord;

use crate::synthetic::{study, Shape, HOSTILE_FORMULA, HOSTILE_GROUP, HOSTILE_ITEM};

pub fn workbook(record: &StudyRecord) -> Xlsx<Cursor<Vec<u8>>> {
    let mut out = Vec::new();
    write_xlsx(record, &mut out, &mut no_progress()).expect("xlsx");
    open_workbook_from_rs(Cursor::new(out)).expect("a workbook calamine reads")
}

fn text(range: &Range<Data>, row: usize, col: usize) -> String {
    match range.get((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

fn header(range: &Range<Data>) -> Vec<String> {
    (0..range.width()).map(|c| text(range, 0, c)).collect()
}

#[test]
fn every_sheet_reads_back() {
    let record = study(Shape::small());
    let mut wb = workbook(&record);
    assert_eq!(wb.sheet_names(), SHEETS.to_vec());

    let study_sheet = wb.worksheet_range("Study").expect("Study");
    assert_eq!(header(&study_sheet), ["field", "value"]);
    assert_eq!(text(&study_sheet, 1, 1), record.study.title);
    assert!((1..study_sheet.height()).any(|r| text(&study_sheet, r, 0) == "amendment"));

    let items = wb.worksheet_range("Items").expect("Items");
    let h = header(&items);
    assert_eq!(&h[..4], ["code", "section", "text", "origin"]);
    assert_eq!(&h[h.len() - 3..], ["round 1", "round 2", "round 3"]);
    assert_eq!(items.height() - 1, record.items.len());
    assert_eq!(text(&items, 1, 0), record.items[0].code);
    assert_eq!(text(&items, 1, 2), record.items[0].text);
    let replaced = record
        .items
        .iter()
        .position(|i| i.replaces.is_some())
        .expect("a rewording");
    assert_eq!(
        text(&items, replaced + 1, 3),
        delphi_core::states::ItemOrigin::Reworded.as_str()
    );

    let results = wb.worksheet_range("Results").expect("Results");
    let h = header(&results);
    assert_eq!(&h[..3], ["round", "item", "n_valid"]);
    let whole: Vec<_> = record.results.iter().filter(|r| r.group == "ALL").collect();
    assert_eq!(results.height() - 1, whole.len());
    let median = h.iter().position(|c| c == "median").expect("median");
    assert_eq!(
        results.get((1, median)),
        whole[0].result.statistics.median.map(Data::Float).as_ref()
    );
    let class = h
        .iter()
        .position(|c| c == "classification")
        .expect("classification");
    assert_eq!(
        text(&results, 1, class),
        whole[0].result.verdict().expect("verdict").as_str()
    );

    let by_group = wb.worksheet_range("Results by group").expect("by group");
    assert_eq!(
        &header(&by_group)[..4],
        ["round", "item", "group", "n_valid"]
    );
    assert_eq!(by_group.height() - 1, record.results.len() - whole.len());

    let participation = wb.worksheet_range("Participation").expect("Participation");
    assert_eq!(
        &header(&participation)[..4],
        ["round", "group", "group name", "invited"]
    );
    assert_eq!(text(&participation, 1, 1), "ALL");
    assert_eq!(
        text(&participation, 1, 3),
        record.rounds[0].participation.len().to_string()
    );
    assert_eq!(participation.height() - 1, 3 * (record.groups.len() + 1));

    let comments = wb.worksheet_range("Comments").expect("Comments");
    assert_eq!(
        &header(&comments)[..5],
        ["round", "item", "panellist", "group", "comment"]
    );
    let with_comments = record
        .responses
        .iter()
        .filter(|r| r.comment.is_some())
        .count();
    assert_eq!(comments.height() - 1, with_comments);
    let decisions: Vec<String> = (1..comments.height())
        .map(|r| text(&comments, r, 5))
        .collect();
    assert!(
        decisions
            .iter()
            .any(|d| d == delphi_core::states::CommentDecision::Released.as_str())
            && decisions.iter().any(|d| d == "not reviewed")
    );

    let background = wb.worksheet_range("Background").expect("Background");
    assert_eq!(
        header(&background),
        ["panellist", "group", "question", "answer"]
    );
    assert_eq!(text(&background, 1, 2), "Years in the role");
}

#[test]
fn no_background_sheet_without_background_answers() {
    let mut record = study(Shape::small());
    for p in &mut record.panellists {
        p.background.clear();
    }
    let wb = workbook(&record);
    assert_eq!(wb.sheet_names(), SHEETS[..6].to_vec());
}

#[test]
fn hostile_cells_are_neutralised_in_the_workbook() {
    let record = study(Shape {
        hostile: true,
        ..Shape::small()
    });
    let mut wb = workbook(&record);
    let mut formulas = 0;
    let mut seen = (false, false, false);
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("sheet");
        for cell in range.used_cells() {
            if let (_, _, Data::String(s)) = cell {
                let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
                let number = s.parse::<f64>().is_ok();
                assert!(
                    !risky || number,
                    "{name}: a cell a spreadsheet would run: {s:?}"
                );
                formulas += usize::from(s == &format!("'{HOSTILE_FORMULA}"));
                seen.0 |= s == HOSTILE_ITEM;
                seen.1 |= s == HOSTILE_GROUP;
                seen.2 |= s.contains("<script>alert(1)</script>");
            }
        }
    }
    assert!(formulas > 0, "the hostile formula is there, neutralised");
    assert_eq!(
        seen,
        (true, true, true),
        "hostile HTML is kept as plain text"
    );
}
