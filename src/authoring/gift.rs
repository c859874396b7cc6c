//! GIFT, Moodle's plain-text quiz format, both ways.
//!
//! Export writes one question per block:
//!
//! ```text
//! $CATEGORY: MLS-C01/1 Data Engineering/1.2 Identify and implement a data ingestion solution
//!
//! // mockexam: {"services":["Data Firehose"],"difficulty":"medium","references":[]}
//! ::firehose-parquet-athena-cost::[markdown]A retailer streams ...\nWhich solution ...{
//! ~Add an AWS Lambda function ...#CSV is still a row format ...
//! =Turn on record format conversion ...#Parquet is columnar ...
//! ####Athena charges by bytes scanned ...
//! }
//! ```
//!
//! Multiple response uses weights (`~%50%` for each of two keys, `~%-100%` for the others). Text is
//! Markdown (`[markdown]`); `~ = # { } :` and `\` are escaped with a backslash and line breaks written as
//! `\n`, so a block never holds a blank line. The comment carries what GIFT has no field for; Moodle
//! ignores it, and an import of a file without it takes no services and medium difficulty. The task comes
//! from the category's last level (`1.2 ...`).
//!
//! Import turns every block into a [`Question`] and reports every problem with its line; the caller
//! validates the questions like files and saves all or nothing.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::editor::{Other, check_alone};
use crate::bank::similarity::similar_pairs;
use crate::bank::validate::NEAR_DUPLICATE_SIMILARITY;
use crate::bank::write::to_source;
use crate::bank::{AnswerOption, Blueprint, Diagnostic, Difficulty, Question};

#[derive(Serialize, Deserialize)]
struct Meta {
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    difficulty: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    /// `"pilot"` for an unscored question being tried out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<String>,
}

const META: &str = "// mockexam: ";

/// The questions as one GIFT file, grouped by task statement in blueprint order.
pub fn export(bp: &Blueprint, questions: &[Question]) -> String {
    let mut out = String::new();
    for (domain, task) in bp.tasks() {
        let in_task: Vec<&Question> = questions.iter().filter(|q| q.task == task.id).collect();
        if in_task.is_empty() {
            continue;
        }
        let category =
            [bp.code.clone(), format!("{} {}", domain.number, domain.title), format!("{} {}", task.id, task.title)]
                .map(|level| level.replace('/', "-"))
                .join("/");
        let _ = writeln!(out, "$CATEGORY: {category}\n");
        for q in in_task {
            write_question(&mut out, q);
        }
    }
    out
}

fn write_question(out: &mut String, q: &Question) {
    let meta = Meta {
        services: q.services.clone(),
        difficulty: Some(q.difficulty.as_str().to_string()),
        references: q.references.clone(),
        status: q.pilot.then(|| "pilot".to_string()),
    };
    let _ = writeln!(out, "{META}{}", serde_json::to_string(&meta).unwrap_or_default());
    let _ = writeln!(out, "::{}::[markdown]{}{{", escape(&q.id), escape(&q.stem));
    let correct = q.correct_count();
    for option in &q.options {
        let mark = match (correct > 1, option.correct) {
            (false, true) => "=".to_string(),
            (false, false) => "~".to_string(),
            (true, true) => format!("~%{}%", weight(correct)),
            (true, false) => "~%-100%".to_string(),
        };
        let _ = writeln!(out, "{mark}{}#{}", escape(&option.text), escape(&option.rationale));
    }
    let _ = writeln!(out, "####{}\n}}\n", escape(&q.explanation));
}

/// Moodle's weight for each of `n` keys: 100/n with five decimals at most (50, 33.33333, 25).
fn weight(n: usize) -> String {
    let w = format!("{:.5}", 100.0 / n as f64);
    w.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '~' | '=' | '#' | '{' | '}' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(next) => out.push(next),
            None => out.push('\\'),
        }
    }
    out
}

/// One question read from a GIFT file, with the line its block starts on.
#[derive(Debug, Clone)]
pub struct Imported {
    pub line: usize,
    pub question: Question,
}

/// Every question of a GIFT file, or every problem found (each `path:line: message`). `path` names the
/// upload in messages and becomes each question's path (`questions/<task>/<id>.md` inside it).
pub fn import(bp: &Blueprint, path: &Path, text: &str) -> Result<Vec<Imported>, Vec<Diagnostic>> {
    let mut questions = vec![];
    let mut problems = vec![];
    let mut category: Option<(String, usize)> = None;
    for block in blocks(text) {
        let mut meta: Option<Meta> = None;
        let mut body: Vec<&str> = vec![];
        let mut body_line = block.line;
        for (i, line) in block.lines.iter().enumerate() {
            let line_no = block.line + i;
            let trimmed = line.trim();
            if let Some(json) = trimmed.strip_prefix(META.trim_end()) {
                match serde_json::from_str(json.trim()) {
                    Ok(m) => meta = Some(m),
                    Err(e) => problems.push(Diagnostic::error(
                        path,
                        line_no,
                        format!("the mockexam comment is not valid JSON: {e}"),
                    )),
                }
            } else if trimmed.starts_with("//") {
            } else if let Some(c) = trimmed.strip_prefix("$CATEGORY:") {
                category = Some((c.trim().to_string(), line_no));
            } else {
                if body.is_empty() {
                    body_line = line_no;
                }
                body.push(line);
            }
        }
        if body.is_empty() {
            continue;
        }
        match question(bp, path, &body.join("\n"), body_line, category.as_ref(), meta) {
            Ok(question) => questions.push(Imported { line: body_line, question }),
            Err(d) => problems.push(d),
        }
    }
    if questions.is_empty() && problems.is_empty() {
        problems.push(Diagnostic::error(path, 0, "the file holds no GIFT questions"));
    }
    if problems.is_empty() { Ok(questions) } else { Err(problems) }
}

struct Block<'a> {
    line: usize,
    lines: Vec<&'a str>,
}

/// Runs of non-blank lines (GIFT separates questions by blank lines).
fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut out: Vec<Block> = vec![];
    let mut current: Option<Block> = None;
    for (i, line) in text.strip_prefix('\u{feff}').unwrap_or(text).lines().enumerate() {
        if line.trim().is_empty() {
            out.extend(current.take());
        } else {
            current.get_or_insert_with(|| Block { line: i + 1, lines: vec![] }).lines.push(line);
        }
    }
    out.extend(current);
    out
}

/// The characters of `text` that are not escaped by a backslash, with their byte offsets.
fn unescaped(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut escaped = false;
    text.char_indices().filter(move |&(_, c)| {
        let plain = !escaped && c != '\\';
        escaped = !escaped && c == '\\';
        plain
    })
}

/// Splits at unescaped occurrences of the characters in `at`, keeping each delimiter with the piece it starts.
fn split_unescaped<'a>(text: &'a str, at: &[char]) -> Vec<&'a str> {
    let mut pieces = vec![];
    let mut start = 0;
    for (i, c) in unescaped(text) {
        if at.contains(&c) && i > start {
            pieces.push(&text[start..i]);
            start = i;
        }
    }
    pieces.push(&text[start..]);
    pieces
}

fn find_unescaped(text: &str, wanted: char) -> Option<usize> {
    unescaped(text).find(|&(_, c)| c == wanted).map(|(i, _)| i)
}

fn question(
    bp: &Blueprint,
    path: &Path,
    body: &str,
    line: usize,
    category: Option<&(String, usize)>,
    meta: Option<Meta>,
) -> Result<Question, Diagnostic> {
    let fail = |message: String| Diagnostic::error(path, line, message);
    let mut rest = body.trim();
    let mut id = None;
    if let Some(named) = rest.strip_prefix("::") {
        let end = named.find("::").ok_or_else(|| fail("the question name opened with '::' is never closed".into()))?;
        id = Some(unescape(&named[..end]).trim().to_string());
        rest = named[end + 2..].trim_start();
    }
    let id = id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| fail("every question needs a name, used as its id: start it with ::the-question-id::".into()))?;
    if let Some(format) = rest.strip_prefix('[') {
        let end = format.find(']').ok_or_else(|| fail("the text format opened with '[' is never closed".into()))?;
        let name = &format[..end];
        if !matches!(name, "markdown" | "plain" | "moodle") {
            return Err(fail(format!("the text format [{name}] is not supported: use [markdown] or [plain]")));
        }
        rest = &format[end + 1..];
    }
    let open =
        find_unescaped(rest, '{').ok_or_else(|| fail(format!("question \"{id}\" has no answer block {{...}}")))?;
    let close = find_unescaped(&rest[open..], '}')
        .map(|i| open + i)
        .ok_or_else(|| fail(format!("the answer block of \"{id}\" opened with '{{' is never closed with '}}'")))?;
    if !rest[close + 1..].trim().is_empty() {
        return Err(fail(format!(
            "question \"{id}\" has text after its answer block: only multiple choice (the answers at the end) is supported"
        )));
    }
    let stem = unescape(rest[..open].trim());
    let answers = rest[open + 1..close].trim();
    let (answers, explanation) = match answers.find("####") {
        Some(i) if find_unescaped(&answers[i..], '#') == Some(0) => (&answers[..i], unescape(answers[i + 4..].trim())),
        _ => (answers, String::new()),
    };
    let mut options = vec![];
    for piece in split_unescaped(answers.trim(), &['=', '~']) {
        let piece = piece.trim();
        let (mark, text) = piece.split_at(piece.chars().next().map_or(0, char::len_utf8));
        let (weight, text) = match text.strip_prefix('%') {
            Some(w) => {
                let end =
                    w.find('%').ok_or_else(|| fail(format!("an answer weight of \"{id}\" is not closed with '%'")))?;
                let value: f64 = w[..end]
                    .parse()
                    .map_err(|_| fail(format!("the answer weight %{}% of \"{id}\" is not a number", &w[..end])))?;
                (Some(value), &w[end + 1..])
            }
            None => (None, text),
        };
        let correct = match (mark, weight) {
            ("=", _) => true,
            ("~", Some(w)) => w > 0.0,
            ("~", None) => false,
            _ => return Err(fail(format!("the answers of \"{id}\" must each start with '=' (right) or '~' (wrong)"))),
        };
        let (text, rationale) = match find_unescaped(text, '#') {
            Some(i) => (&text[..i], &text[i + 1..]),
            None => (text, ""),
        };
        options.push(AnswerOption { text: unescape(text.trim()), rationale: unescape(rationale.trim()), correct });
    }
    let (category, category_line) = category
        .ok_or_else(|| fail(format!("question \"{id}\" has no $CATEGORY: line before it naming its task statement")))?;
    let task = category.rsplit('/').next().and_then(|level| level.split_whitespace().next()).unwrap_or_default();
    if bp.task(task).is_none() {
        return Err(Diagnostic::error(
            path,
            *category_line,
            format!("the category \"{category}\" does not end in a task statement of {} (e.g. \"1.2 ...\")", bp.code),
        ));
    }
    let meta = meta.unwrap_or(Meta { services: vec![], difficulty: None, references: vec![], status: None });
    let difficulty = match meta.difficulty.as_deref() {
        None => Difficulty::Medium,
        Some(d) => Difficulty::from_header(d)
            .ok_or_else(|| fail(format!("difficulty \"{d}\" of \"{id}\" is not easy, medium or hard")))?,
    };
    Ok(Question {
        path: PathBuf::from(format!("questions/{task}/{id}.md")),
        id,
        task: task.to_string(),
        services: meta.services,
        difficulty,
        references: meta.references,
        stem,
        options,
        explanation,
        line: 1,
        source: String::new(),
        pilot: meta.status.as_deref() == Some("pilot"),
    })
}

/// Runs the file rules on every imported question (as the text of its file) and checks that no id appears
/// twice. Returns the questions, each with its source text, and every message with the GIFT line of its
/// question; any error means nothing may be saved.
pub fn validate(
    bp: &Blueprint,
    path: &Path,
    imported: Vec<Imported>,
    others: &[Other],
) -> (Vec<Question>, Vec<Diagnostic>) {
    let mut found = vec![];
    let mut seen = std::collections::HashMap::new();
    let mut checks = vec![];
    for Imported { line, question } in imported {
        if let Some(first) = seen.insert(question.id.clone(), line) {
            found.push(Diagnostic::error(
                path,
                line,
                format!("the id \"{}\" is also used on line {first}", question.id),
            ));
        }
        let source = to_source(&question);
        let partial = check_alone(bp, &question.path, &source, Some(&question.id), others);
        checks.push((line, question, source, partial));
    }
    // One near-duplicate search over the imported stems and the bank's others (not one per question).
    let imported_ids: std::collections::HashSet<&str> = checks.iter().map(|(_, q, _, _)| q.id.as_str()).collect();
    let rest: Vec<&Other> = others.iter().filter(|o| !imported_ids.contains(o.id.as_str())).collect();
    let mut stems: Vec<&str> = checks.iter().map(|(_, q, _, _)| q.stem.as_str()).collect();
    stems.extend(rest.iter().map(|o| o.stem.as_str()));
    let n = checks.len();
    let name = |i: usize| if i < n { checks[i].1.id.clone() } else { rest[i - n].id.clone() };
    let mut near: Vec<(usize, String, f64)> = vec![];
    for pair in similar_pairs(&stems, NEAR_DUPLICATE_SIMILARITY) {
        if pair.first < n {
            near.push((pair.first, name(pair.second), pair.similarity));
        }
        if pair.second < n {
            near.push((pair.second, name(pair.first), pair.similarity));
        }
    }
    for (i, other, similarity) in near {
        let (_, q, _, partial) = &mut checks[i];
        let line = partial.stem.as_ref().map_or(0, |s| s.1);
        let path = q.path.clone();
        partial.near_duplicate(&path, line, &other, similarity);
    }
    let mut questions = vec![];
    for (line, question, source, mut partial) in checks {
        partial.finish();
        for d in partial.checked.diagnostics {
            let at = if d.line > 0 { format!(" (line {} of its Markdown)", d.line) } else { String::new() };
            let message = format!("question \"{}\"{at}: {}", question.id, d.message);
            found.push(Diagnostic { path: path.to_path_buf(), line, severity: d.severity, message });
        }
        if let Some(mut q) = partial.checked.question {
            q.source = source;
            questions.push(q);
        }
    }
    found.sort_by_key(|d| d.line);
    (questions, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::fixtures::mls_c01;
    use crate::bank::load;

    fn shipped() -> Vec<Question> {
        let (bank, _) = load(Path::new("question-bank"));
        bank.exams.into_iter().flat_map(|e| e.questions).collect()
    }

    #[test]
    fn the_whole_shipped_bank_survives_export_then_import() {
        let questions = shipped();
        let text = export(&mls_c01(), &questions);
        let back =
            import(&mls_c01(), Path::new("bank.gift"), &text).unwrap_or_else(|d| panic!("{:?}", &d[..3.min(d.len())]));
        assert_eq!(back.len(), questions.len());
        for q in &questions {
            let b = back.iter().find(|b| b.question.id == q.id).expect("every question comes back");
            assert_eq!(b.question.content_hash(), q.content_hash(), "{}", q.id);
        }
    }

    #[test]
    fn special_characters_are_escaped_and_restored() {
        let mut q = shipped().remove(0);
        q.stem = "Costs {a: 1} ~ = #tag \\ end\n\nSecond paragraph".into();
        q.options[0].text = "x = y # z".into();
        let text = export(&mls_c01(), std::slice::from_ref(&q));
        assert!(text.contains(r"Costs \{a\: 1\} \~ \= \#tag \\ end\n\nSecond"), "{text}");
        let back = import(&mls_c01(), Path::new("q.gift"), &text).expect("imports");
        assert_eq!(back[0].question.content_hash(), q.content_hash());
    }

    #[test]
    fn multiple_response_uses_weights() {
        let q = shipped().into_iter().find(Question::is_multiple_response).expect("an MR question");
        let text = export(&mls_c01(), std::slice::from_ref(&q));
        assert!(text.contains("~%50%"), "{text}");
        assert!(text.contains("~%-100%"));
        assert_eq!(weight(3), "33.33333");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = "$CATEGORY: MLS-C01/1 Data/1.2 Ingestion\n\n::a::Stem{=x#r ~y#r ~z#r ~w#r}\n\n\
                    Unnamed question{=x ~y}\n\n::b::No answers here\n\n$CATEGORY: MLS-C01/9/9.9 Nothing\n\n::c::S{=x}\n";
        let problems = import(&mls_c01(), Path::new("up.gift"), text).unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|d| d.line).collect();
        assert_eq!(lines, [5, 7, 9], "{problems:?}");
        assert!(problems[0].message.contains("needs a name"));
        assert!(problems[1].message.contains("no answer block"));
        assert!(problems[2].message.contains("task statement"));
    }

    #[test]
    fn validation_reports_rule_breaks_and_repeated_ids_at_the_gift_line() {
        let text = "$CATEGORY: MLS-C01/2.1 Sanitize\n\n::dup::Which one?{=4#r ~3#r ~5#r}\n\n::dup::Which two?{=4#r ~3#r ~5#r ~6#r}\n";
        let imported = import(&mls_c01(), Path::new("m.gift"), text).expect("parses");
        let (_, found) = validate(&mls_c01(), Path::new("m.gift"), imported, &[]);
        let errors: Vec<(usize, &str)> =
            found.iter().filter(|d| d.is_error()).map(|d| (d.line, d.message.as_str())).collect();
        assert!(errors.iter().any(|(l, m)| *l == 3 && m.contains("exactly 4 options")), "{errors:?}");
        assert!(errors.iter().any(|(l, m)| *l == 5 && m.contains("also used on line 3")), "{errors:?}");
    }

    #[test]
    fn a_foreign_file_without_metadata_gets_defaults() {
        let text =
            "$CATEGORY: $course$/MLS-C01/2.1 Sanitize\n\n::imp-1::What is 2+2?{=4#right ~3#no ~5#no ~22#no####Sums.}\n";
        let back = import(&mls_c01(), Path::new("m.gift"), text).expect("imports");
        let q = &back[0].question;
        assert_eq!((q.task.as_str(), q.difficulty, q.options.len()), ("2.1", Difficulty::Medium, 4));
        assert_eq!(q.explanation, "Sums.");
        assert!(q.options[0].correct && !q.options[1].correct);
        assert_eq!(q.options[0].rationale, "right");
    }
}
