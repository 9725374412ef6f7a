//! The XLSX workbook: the study, the item ledger, results per round and per group,
//! participation, comments with their moderation, and background answers when there are any.

use std::io::Write;

use delphi_core::Classification;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{ExportError, Progress, PROGRESS_EVERY};
use crate::cells::{iso, iso_opt, neutralise};
use crate::record::{RecordIndex, StudyRecord, WHOLE_PANEL};
use crate::summary::{flow, ledger};

/// The sheets, in order ("Background" only when some panellist has background answers).
pub const SHEETS: [&str; 7] = [
    "Study",
    "Items",
    "Results",
    "Results by group",
    "Participation",
    "Comments",
    "Background",
];

/// A worksheet being filled row by row.
struct Sheet {
    sheet: Worksheet,
    row: u32,
}

/// One cell's value.
enum Cell<'a> {
    Text(&'a str),
    Owned(String),
    Number(Option<f64>),
    Int(i64),
}

impl Sheet {
    fn new(name: &str, header: &[(&str, f64)]) -> Result<Self, XlsxError> {
        let mut sheet = Worksheet::new();
        sheet.set_name(name)?;
        let bold = Format::new().set_bold();
        for (col, (title, width)) in header.iter().enumerate() {
            let col = col as u16;
            sheet.write_string_with_format(0, col, *title, &bold)?;
            sheet.set_column_width(col, *width)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(Self { sheet, row: 1 })
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), XlsxError> {
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(t) => self.text(col, t)?,
                Cell::Owned(t) => self.text(col, t)?,
                Cell::Number(Some(v)) if v.is_finite() => {
                    self.sheet.write_number(self.row, col, *v)?;
                }
                Cell::Number(_) => {}
                Cell::Int(v) => {
                    self.sheet.write_number(self.row, col, *v as f64)?;
                }
            }
        }
        self.row += 1;
        Ok(())
    }

    fn text(&mut self, col: u16, text: &str) -> Result<(), XlsxError> {
        if !text.is_empty() {
            self.sheet
                .write_string(self.row, col, neutralise(text).as_ref())?;
        }
        Ok(())
    }
}

use Cell::{Int, Number, Owned, Text};

fn opt(text: Option<&str>) -> Cell<'_> {
    Text(text.unwrap_or(""))
}

fn study_sheet(record: &StudyRecord) -> Result<Sheet, XlsxError> {
    let mut s = Sheet::new(SHEETS[0], &[("field", 28.0), ("value", 90.0)])?;
    let st = &record.study;
    let set = &record.settings;
    let scale = &set.scale;
    let labels: Vec<String> = record
        .points()
        .map(|p| format!("{p} = {}", record.point_label(p)))
        .collect();
    let rows: Vec<(&str, String)> = vec![
        ("title", st.title.clone()),
        ("slug", st.slug.clone()),
        ("status", st.status.as_str().to_owned()),
        ("research team", st.team.name.clone().unwrap_or_default()),
        (
            "institution",
            st.team.institution.clone().unwrap_or_default(),
        ),
        ("contact", st.team.contact.clone().unwrap_or_default()),
        (
            "ethics reference",
            st.ethics_reference.clone().unwrap_or_default(),
        ),
        ("registry id", st.registry_id.clone().unwrap_or_default()),
        ("scale", format!("{}-{}", scale.min, scale.max)),
        ("scale labels", labels.join("; ")),
        (
            "agreement band",
            format!("{}-{}", scale.agree[0], scale.agree[1]),
        ),
        (
            "disagreement band",
            format!("{}-{}", scale.disagree[0], scale.disagree[1]),
        ),
        ("unable to rate offered", set.unable_to_rate.to_string()),
        ("consensus in", set.consensus.consensus_in.clone()),
        (
            "consensus out",
            set.consensus.consensus_out.clone().unwrap_or_default(),
        ),
        (
            "minimum n to classify",
            set.consensus.min_n_for_classification.to_string(),
        ),
        ("quantile type", set.consensus.quantile_type.to_string()),
        (
            "rule locked at",
            iso_opt(record.protocol.locked_at.as_ref()),
        ),
        (
            "software",
            format!("{} {}", record.software.name, record.software.version),
        ),
        ("generated at", iso(&record.generated_at)),
    ];
    for (field, value) in &rows {
        s.row(&[Text(field), Text(value)])?;
    }
    for a in &record.protocol.amendments {
        let text = format!("{}: {} (reason: {})", iso(&a.at), a.change, a.reason);
        s.row(&[Text("amendment"), Owned(text)])?;
    }
    Ok(s)
}

fn items_sheet(index: &RecordIndex<'_>) -> Result<Sheet, XlsxError> {
    let record = index.record;
    let mut header: Vec<(String, f64)> = [
        ("code", 10.0),
        ("section", 22.0),
        ("text", 70.0),
        ("origin", 10.0),
        ("origin round", 8.0),
        ("rewords", 10.0),
        ("replaced by", 10.0),
        ("change note", 30.0),
        ("status", 10.0),
        ("status reason", 30.0),
        ("final classification", 12.0),
    ]
    .iter()
    .map(|(t, w)| ((*t).to_owned(), *w))
    .collect();
    let mut numbers: Vec<i32> = record.rounds.iter().map(|r| r.number).collect();
    numbers.sort_unstable();
    header.extend(numbers.iter().map(|n| (format!("round {n}"), 16.0)));
    let header: Vec<(&str, f64)> = header.iter().map(|(t, w)| (t.as_str(), *w)).collect();
    let mut s = Sheet::new(SHEETS[1], &header)?;
    for entry in ledger(index) {
        let item = &record.items[entry.item];
        let mut cells = vec![
            Text(&item.code),
            Text(&item.section),
            Text(&item.text),
            Text(item.origin.as_str()),
            item.origin_round.map_or(Text(""), |r| Int(i64::from(r))),
            opt(item.replaces.as_deref()),
            Owned(entry.replaced_by.clone().unwrap_or_default()),
            opt(item.change_note.as_deref()),
            Text(item.status.as_str()),
            opt(item.status_reason.as_deref()),
            Text(entry.last_verdict().map_or("", |(_, v)| v.as_str())),
        ];
        for n in &numbers {
            let visit = entry.visits.iter().find(|v| v.round == *n);
            cells.push(Owned(visit.map_or(String::new(), |v| match v.verdict {
                Some(verdict) => format!("{} ({})", v.disposition, verdict),
                None => v.disposition.to_string(),
            })));
        }
        s.row(&cells)?;
    }
    Ok(s)
}

fn results_sheet(
    index: &RecordIndex<'_>,
    whole_panel: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Sheet, XlsxError> {
    let record = index.record;
    let mut header = vec![("round", 7.0), ("item", 10.0)];
    if !whole_panel {
        header.push(("group", 16.0));
    }
    header.extend([
        ("n_valid", 8.0),
        ("n_utr", 8.0),
        ("median", 8.0),
        ("q1", 8.0),
        ("q3", 8.0),
        ("iqr", 8.0),
        ("quantile_type", 8.0),
        ("mean", 8.0),
        ("sd", 8.0),
        ("pct_agree", 9.0),
        ("pct_disagree", 9.0),
        ("comet", 8.0),
    ]);
    if whole_panel {
        header.extend([
            ("comet_all_groups", 10.0),
            ("rand_category", 12.0),
            ("classification", 14.0),
            ("classification_reason", 40.0),
        ]);
    }
    let name = if whole_panel { SHEETS[2] } else { SHEETS[3] };
    let mut s = Sheet::new(name, &header)?;
    for r in &record.results {
        if (r.group == WHOLE_PANEL) != whole_panel {
            continue;
        }
        let st = &r.result.statistics;
        let q = r.result.quartiles();
        let mut cells = vec![Int(i64::from(r.round)), Text(&r.item)];
        if !whole_panel {
            cells.push(Text(&r.group));
        }
        cells.extend([
            Int(st.n_valid as i64),
            Int(st.n_utr as i64),
            Number(st.median),
            Number(q.q1),
            Number(q.q3),
            Number(q.iqr),
            Int(i64::from(r.result.quantile_type)),
            Number(st.mean),
            Number(st.sd),
            Number(st.pct_agree),
            Number(st.pct_disagree),
            Text(st.comet.map_or("", |c| c.as_str())),
        ]);
        if whole_panel {
            let (class, reason) = match &r.result.classification {
                None => ("", ""),
                Some(c @ Classification::NotClassified { reason }) => (c.as_str(), reason.as_str()),
                Some(c) => (c.as_str(), ""),
            };
            cells.extend([
                Text(r.result.comet_all_groups.map_or("", |c| c.as_str())),
                Text(st.rand.as_ref().map_or("", |x| x.category.as_str())),
                Text(class),
                Text(reason),
            ]);
        }
        s.row(&cells)?;
        progress(1);
    }
    Ok(s)
}

fn participation_sheet(index: &RecordIndex<'_>) -> Result<Sheet, XlsxError> {
    let record = index.record;
    let header = [
        ("round", 7.0),
        ("group", 16.0),
        ("group name", 30.0),
        ("invited", 8.0),
        ("opened", 8.0),
        ("consented", 9.0),
        ("responded", 9.0),
        ("response rate %", 10.0),
        ("withdrawn", 9.0),
        ("lost since previous round", 12.0),
    ];
    let mut s = Sheet::new(SHEETS[4], &header)?;
    for row in flow(index) {
        let (code, name) = row.group.map_or((WHOLE_PANEL, "whole panel"), |g| {
            (
                record.groups[g].code.as_str(),
                record.groups[g].name.as_str(),
            )
        });
        s.row(&[
            Int(i64::from(row.round)),
            Text(code),
            Text(name),
            Int(row.invited as i64),
            Int(row.opened as i64),
            Int(row.consented as i64),
            Int(row.responded as i64),
            Number(row.response_rate),
            Int(row.withdrawn as i64),
            row.lost_since_previous.map_or(Text(""), |n| Int(n as i64)),
        ])?;
    }
    Ok(s)
}

fn comments_sheet(
    index: &RecordIndex<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<Sheet, XlsxError> {
    let record = index.record;
    let header = [
        ("round", 7.0),
        ("item", 10.0),
        ("panellist", 10.0),
        ("group", 16.0),
        ("comment", 60.0),
        ("decision", 12.0),
        ("shown text", 60.0),
        ("decided by", 16.0),
        ("decided at", 20.0),
    ];
    let mut s = Sheet::new(SHEETS[5], &header)?;
    for r in &record.responses {
        progress(1);
        let Some(comment) = r.comment.as_deref().filter(|c| !c.trim().is_empty()) else {
            continue;
        };
        let moderation = index
            .moderation
            .get(&(r.round, r.item.as_str(), r.pseudonym.as_str()))
            .map(|&m| &record.moderation[m]);
        let group = index
            .panellists
            .get(r.pseudonym.as_str())
            .map_or("", |&p| record.panellists[p].group.as_str());
        s.row(&[
            Int(i64::from(r.round)),
            Text(&r.item),
            Text(&r.pseudonym),
            Text(group),
            Text(comment),
            Text(moderation.map_or("not reviewed", |m| m.decision.as_str())),
            opt(moderation.and_then(|m| m.shown_text.as_deref())),
            opt(moderation.and_then(|m| m.decided_by.as_deref())),
            Owned(moderation.map_or(String::new(), |m| iso(&m.decided_at))),
        ])?;
    }
    Ok(s)
}

fn background_sheet(record: &StudyRecord) -> Result<Option<Sheet>, XlsxError> {
    if record.panellists.iter().all(|p| p.background.is_empty()) {
        return Ok(None);
    }
    let header = [
        ("panellist", 10.0),
        ("group", 16.0),
        ("question", 50.0),
        ("answer", 50.0),
    ];
    let mut s = Sheet::new(SHEETS[6], &header)?;
    for p in &record.panellists {
        for a in &p.background {
            s.row(&[
                Text(&p.pseudonym),
                Text(&p.group),
                Text(&a.question),
                Text(&a.answer),
            ])?;
        }
    }
    Ok(Some(s))
}

/// Writes the workbook (sheets [`SHEETS`]). Progress counts result rows and responses
/// scanned for comments.
pub fn write_xlsx(
    record: &StudyRecord,
    out: &mut dyn Write,
    progress: Progress<'_>,
) -> Result<(), ExportError> {
    let index = record.index()?;
    let total = (record.results.len() + record.responses.len()) as u64;
    let mut done = 0u64;
    let mut tick = |n: u64| {
        done += n;
        if done % PROGRESS_EVERY == 0 {
            progress(done, total);
        }
    };
    let mut workbook = Workbook::new();
    workbook.push_worksheet(study_sheet(record)?.sheet);
    workbook.push_worksheet(items_sheet(&index)?.sheet);
    workbook.push_worksheet(results_sheet(&index, true, &mut tick)?.sheet);
    workbook.push_worksheet(results_sheet(&index, false, &mut tick)?.sheet);
    workbook.push_worksheet(participation_sheet(&index)?.sheet);
    workbook.push_worksheet(comments_sheet(&index, &mut tick)?.sheet);
    if let Some(sheet) = background_sheet(record)? {
        workbook.push_worksheet(sheet.sheet);
    }
    let bytes = workbook.save_to_buffer()?;
    out.write_all(&bytes)?;
    progress(total, total);
    Ok(())
}
