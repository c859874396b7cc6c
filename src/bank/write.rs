//! A question as the text of its file (FORMAT.md), for questions that did not come from a file (a GIFT
//! import). Reading the text back gives the same question: the tests check it on the whole shipped bank.

use std::fmt::Write;

use super::Question;

pub fn to_source(q: &Question) -> String {
    let mut out = String::from("+++\n");
    let _ = writeln!(out, "id = {}", toml_string(&q.id));
    let _ = writeln!(out, "task = {}", toml_string(&q.task));
    let _ = writeln!(out, "services = {}", toml_list(&q.services));
    let _ = writeln!(out, "difficulty = {}", toml_string(q.difficulty.as_str()));
    if !q.references.is_empty() {
        let _ = writeln!(out, "references = {}", toml_list(&q.references));
    }
    if q.pilot {
        out.push_str("status = \"pilot\"\n");
    }
    out.push_str("+++\n");
    out.push_str(q.stem.trim());
    out.push_str("\n\n");
    for option in &q.options {
        out.push_str(if option.correct { "- [x] " } else { "- [ ] " });
        out.push_str(&indented(option.text.trim(), "  "));
        out.push('\n');
        for line in option.rationale.trim().lines() {
            out.push_str(format!("  > {line}").trim_end());
            out.push('\n');
        }
    }
    out.push_str("\n## Explanation\n");
    out.push_str(q.explanation.trim());
    out.push('\n');
    out
}

/// Lines after the first get `prefix` (blank ones stay empty).
fn indented(text: &str, prefix: &str) -> String {
    let mut lines = text.lines();
    let mut out = lines.next().unwrap_or_default().to_string();
    for line in lines {
        out.push('\n');
        if !line.trim().is_empty() {
            out.push_str(prefix);
            out.push_str(line);
        }
    }
    out
}

fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

fn toml_list(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| toml_string(v)).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::bank::{load, parse_question};

    #[test]
    fn every_shipped_question_reads_back_the_same() {
        let (bank, _) = load(Path::new("question-bank"));
        let questions: Vec<_> = bank.exams.iter().flat_map(|e| &e.questions).collect();
        assert!(questions.len() > 400);
        for q in questions {
            let text = to_source(q);
            let back = parse_question(&q.path, &text).unwrap_or_else(|d| panic!("{}: {d:?}\n{text}", q.id));
            assert_eq!(back.content_hash(), q.content_hash(), "{}\n{text}", q.id);
        }
    }

    #[test]
    fn quotes_and_backslashes_survive_the_header() {
        let (bank, _) = load(Path::new("question-bank"));
        let mut q = bank.exams[0].questions[0].clone();
        q.services = vec!["A \"quoted\" \\ service".into()];
        let back = parse_question(&q.path, &to_source(&q)).expect("parses");
        assert_eq!(back.services, q.services);
    }
}
