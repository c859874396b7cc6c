//! Rules across the questions of one exam: ids are unique, and no two stems are nearly the same.

use std::collections::HashMap;

use crate::bank::Diagnostic;
use crate::bank::parse::QuestionSource;
use crate::bank::similarity::similar_pairs;

/// Jaccard similarity of word 3-shingles from which two stems are reported as near duplicates.
/// Rewording a scenario's details keeps stems well below it; copying a question and changing a
/// service name or a number does not.
pub const NEAR_DUPLICATE_SIMILARITY: f64 = 0.6;

/// Every rule across the files of one exam.
pub fn check_exam(sources: &[QuestionSource]) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    duplicate_ids(sources, &mut found);
    near_duplicate_stems(sources, &mut found);
    found
}

/// An id names one question for good, so a second file with the same id is an error in both
/// files: neither is loaded until one of them gets a new id.
pub fn duplicate_ids(sources: &[QuestionSource], found: &mut Vec<Diagnostic>) {
    let mut by_id: HashMap<&str, Vec<(&QuestionSource, usize)>> = HashMap::new();
    for source in sources {
        if let Some((id, line)) = source.header_str("id") {
            by_id.entry(id).or_default().push((source, line));
        }
    }
    for source in sources {
        let Some((id, line)) = source.header_str("id") else {
            continue;
        };
        let users = &by_id[id];
        if users.len() < 2 {
            continue;
        }
        let others: Vec<String> = users
            .iter()
            .filter(|(other, _)| !std::ptr::eq(*other, source))
            .map(|(other, other_line)| format!("{}:{other_line}", other.path.display()))
            .collect();
        let message = format!("duplicate id \"{id}\": also used by {}", others.join(", "));
        found.push(Diagnostic::error(&source.path, line, message));
    }
}

/// Warns on the later of two questions whose stems are nearly the same (see [`NEAR_DUPLICATE_SIMILARITY`]).
pub fn near_duplicate_stems(sources: &[QuestionSource], found: &mut Vec<Diagnostic>) {
    let stems: Vec<&str> = sources.iter().map(|source| source.stem.text.as_str()).collect();
    for pair in similar_pairs(&stems, NEAR_DUPLICATE_SIMILARITY) {
        let (earlier, later) = (&sources[pair.first], &sources[pair.second]);
        let message = format!(
            "the stem is nearly the same as the stem of {}:{} ({:.0}% of their three-word phrases are shared): \
             merge the two questions or make them ask different things",
            earlier.path.display(),
            earlier.stem.line,
            pair.similarity * 100.0
        );
        found.push(Diagnostic::warning(&later.path, later.stem.line, message));
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::bank::parse::parse_source;
    use crate::bank::validate::tests::{FORMAT_EXAMPLE, MULTIPLE_RESPONSE, edit, example_with};

    #[test]
    fn duplicate_id_names_the_other_file() {
        let parse = |path: &str, text: &str| parse_source(Path::new(path), text).unwrap_or_else(|d| panic!("{d:?}"));
        let sources = [
            parse("questions/1.2/a.md", FORMAT_EXAMPLE),
            parse("questions/2.1/b.md", MULTIPLE_RESPONSE),
            parse("questions/3.1/c.md", &example_with("the query bill keeps growing", "costs are flat")),
        ];
        let mut found = Vec::new();
        duplicate_ids(&sources, &mut found);
        let found: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "questions/1.2/a.md:2: duplicate id \"firehose-parquet-athena-cost\": also used by questions/3.1/c.md:2",
                "questions/3.1/c.md:2: duplicate id \"firehose-parquet-athena-cost\": also used by questions/1.2/a.md:2",
            ]
        );
    }

    #[test]
    fn warns_about_near_duplicate_stems_on_the_later_file() {
        let parse = |path: &str, text: &str| parse_source(Path::new(path), text).unwrap_or_else(|d| panic!("{d:?}"));
        let copy = example_with("firehose-parquet-athena-cost", "firehose-parquet-athena-cost-2");
        let copy = edit(&copy, "every day", "every hour");
        let sources = [parse("a.md", FORMAT_EXAMPLE), parse("b.md", MULTIPLE_RESPONSE), parse("c.md", &copy)];
        let found: Vec<String> = check_exam(&sources).iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("c.md:7: warning: the stem is nearly the same as the stem of a.md:7 ("),
            "{found:?}"
        );
    }
}
