//! The codebook: every column of the responses and results CSVs, their types, the scale's
//! point labels, the groups and the items, as Markdown.

use std::fmt::Write as _;
use std::io::Write;

use super::columns::RESULTS_COLUMNS;
use super::{responses_columns, Column, ExportError, ResponsesCsvOptions, RESULTS_EXTRA_COLUMNS};
use crate::record::StudyRecord;

/// Text made inert for Markdown: no HTML, no links or emphasis, one line, safe in a table.
pub(crate) fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '|' | '*' | '_' | '[' | ']' | '`' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn column_table(out: &mut String, columns: &[Column]) {
    out.push_str("| column | type | meaning |\n| --- | --- | --- |\n");
    for c in columns {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            c.name,
            c.kind.label(),
            md(c.description)
        );
    }
}

/// Writes the codebook of the responses CSV (with the columns `opts` gives it) and of the
/// results CSV, as Markdown.
pub fn write_codebook(
    record: &StudyRecord,
    opts: &ResponsesCsvOptions,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let index = record.index()?;
    let scale = &record.settings.scale;
    let mut s = String::new();
    let _ = writeln!(s, "# Codebook: {}\n", md(&record.study.title));
    let _ = writeln!(
        s,
        "Study `{}`, exported by {} {} on {}. Files are UTF-8 CSV (comma-separated, \
         RFC 4180 quoting, lines ending in LF{}); times are ISO 8601 in UTC. Panellists appear by pseudonym only.\n",
        md(&record.study.slug),
        md(&record.software.name),
        md(&record.software.version),
        crate::cells::iso(&record.generated_at),
        if opts.bom {
            ", starting with a byte-order mark"
        } else {
            ""
        }
    );
    s.push_str(
        "A text cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, \
         `@`, a tab or a carriage return, and not a plain number) starts with an added `'`.\n\n",
    );
    s.push_str("## responses.csv: one row per saved answer\n\n");
    column_table(&mut s, &responses_columns(opts));
    s.push_str("\n## results.csv: one row per round, item and group\n\n");
    let results: Vec<Column> = RESULTS_COLUMNS
        .iter()
        .chain(RESULTS_EXTRA_COLUMNS.iter())
        .copied()
        .collect();
    column_table(&mut s, &results);
    let _ = writeln!(
        s,
        "\n## The rating scale\n\n{}–{}; agreement band {}–{}, disagreement band {}–{}. \
         \"Unable to rate\" is {}: an empty `rating` with `unable_to_rate` true. \
         Statistics use numeric ratings only (n_valid).\n",
        scale.min,
        scale.max,
        scale.agree[0],
        scale.agree[1],
        scale.disagree[0],
        scale.disagree[1],
        if record.settings.unable_to_rate {
            "offered"
        } else {
            "not offered"
        }
    );
    s.push_str("| value | label |\n| --- | --- |\n");
    for point in record.points() {
        let _ = writeln!(s, "| {point} | {} |", md(&record.point_label(point)));
    }
    s.push_str("\n## Stakeholder groups (`stakeholder_group`, `group`)\n\n");
    s.push_str("| code | name |\n| --- | --- |\n");
    let _ = writeln!(s, "| `ALL` | whole panel (results only) |");
    for &g in &index.group_order {
        let group = &record.groups[g];
        let _ = writeln!(s, "| {} | {} |", md(&group.code), md(&group.name));
    }
    s.push_str("\n## Items (`item_id`)\n\n| code | section | text |\n| --- | --- | --- |\n");
    for item in &record.items {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            md(&item.code),
            md(&item.section),
            md(&item.text)
        );
    }
    background_questions(&mut s, record);
    out.write_all(s.as_bytes())?;
    Ok(())
}

/// The background questions (the workbook's Background sheet and the JSON's `background`):
/// each question's id, kind and the answers it takes.
fn background_questions(out: &mut String, record: &StudyRecord) {
    use delphi_core::questions::QuestionKind;
    let questions = &record.settings.background;
    if questions.is_empty() {
        return;
    }
    out.push_str(
        "\n## Background questions (the Background sheet, `background` in the JSON)\n\n\
         One row per panellist and answer: a multiple choice gives one row per option chosen; \
         a question left unanswered is `Prefer not to say`; a panellist who never answered \
         the questionnaire has no rows.\n\n| id | question | kind | answers |\n| --- | --- | --- | --- |\n",
    );
    for q in questions {
        let answers = match q.kind {
            QuestionKind::Single | QuestionKind::Multiple => q
                .options
                .iter()
                .map(|o| md(o))
                .collect::<Vec<_>>()
                .join("; "),
            QuestionKind::Number => format!(
                "a whole number from {} to {}",
                q.min.unwrap_or_default(),
                q.max.unwrap_or_default()
            ),
            QuestionKind::Text => "short text (at most 200 characters)".to_owned(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {answers} |",
            md(&q.id),
            md(&q.label),
            q.kind.word()
        );
    }
}
