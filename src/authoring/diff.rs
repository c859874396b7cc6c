//! Two versions side by side as a line diff (the history page). Pure.

use similar::{ChangeTag, TextDiff};

/// One row of the side-by-side view: a line of the old text, of the new one, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub old_line: Option<usize>,
    pub old: String,
    pub new_line: Option<usize>,
    pub new: String,
    /// `same`, `changed`, `removed` or `added` (a CSS class).
    pub kind: &'static str,
}

/// The rows of a line diff from `old` to `new`; deleted lines followed by inserted ones pair up as
/// `changed` rows, so a typo fix shows as one row.
pub fn side_by_side(old: &str, new: &str) -> Vec<Row> {
    let diff = TextDiff::from_lines(old, new);
    let mut rows = vec![];
    let mut removed: Vec<(usize, String)> = vec![];
    let mut added: Vec<(usize, String)> = vec![];
    let flush = |rows: &mut Vec<Row>, removed: &mut Vec<(usize, String)>, added: &mut Vec<(usize, String)>| {
        let n = removed.len().max(added.len());
        let (mut r, mut a) = (removed.drain(..), added.drain(..));
        for _ in 0..n {
            let (old, new) = (r.next(), a.next());
            let kind = match (&old, &new) {
                (Some(_), Some(_)) => "changed",
                (Some(_), None) => "removed",
                _ => "added",
            };
            rows.push(Row {
                old_line: old.as_ref().map(|(n, _)| *n),
                old: old.map(|(_, t)| t).unwrap_or_default(),
                new_line: new.as_ref().map(|(n, _)| *n),
                new: new.map(|(_, t)| t).unwrap_or_default(),
                kind,
            });
        }
    };
    for change in diff.iter_all_changes() {
        let text = change.value().trim_end_matches(['\n', '\r']).to_string();
        match change.tag() {
            ChangeTag::Delete => removed.push((change.old_index().unwrap_or(0) + 1, text)),
            ChangeTag::Insert => added.push((change.new_index().unwrap_or(0) + 1, text)),
            ChangeTag::Equal => {
                flush(&mut rows, &mut removed, &mut added);
                rows.push(Row {
                    old_line: change.old_index().map(|i| i + 1),
                    old: text.clone(),
                    new_line: change.new_index().map(|i| i + 1),
                    new: text,
                    kind: "same",
                });
            }
        }
    }
    flush(&mut rows, &mut removed, &mut added);
    rows
}

/// How many rows differ.
pub fn changes(rows: &[Row]) -> usize {
    rows.iter().filter(|r| r.kind != "same").count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_fix_is_one_changed_row_between_equal_ones() {
        let rows = side_by_side("a\nteh cat\nc\n", "a\nthe cat\nc\n");
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["same", "changed", "same"]);
        assert_eq!((rows[1].old.as_str(), rows[1].new.as_str()), ("teh cat", "the cat"));
        assert_eq!((rows[1].old_line, rows[1].new_line), (Some(2), Some(2)));
        assert_eq!(changes(&rows), 1);
    }

    #[test]
    fn added_and_removed_lines_leave_the_other_side_empty() {
        let rows = side_by_side("a\nb\n", "a\nb\nc\nd\n");
        assert_eq!(rows.iter().filter(|r| r.kind == "added").count(), 2);
        assert_eq!(rows[3].old_line, None);
        assert_eq!(rows[3].new_line, Some(4));
        let rows = side_by_side("a\nb\nc\n", "a\n");
        assert_eq!(rows.iter().filter(|r| r.kind == "removed").map(|r| r.old.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    }

    #[test]
    fn identical_texts_have_no_changes() {
        assert_eq!(changes(&side_by_side("x\ny", "x\ny")), 0);
    }
}
