//! One question file → its parts, each with the line it starts on. This is the structure of
//! FORMAT.md only (header between `+++` lines, stem, options with rationales, explanation);
//! whether the parts make a good question is decided in `validate`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::Diagnostic;
use super::toml_error::{describe, line_at};

/// A question file split into its parts. Lines are 1-based lines of the file.
#[derive(Debug, Clone)]
pub struct QuestionSource {
    pub path: PathBuf,
    /// Header keys in file order.
    pub header: Vec<HeaderEntry>,
    /// `line` is the first non-blank stem line (or the line after the header when there is none).
    pub stem: Block,
    pub options: Vec<OptionSource>,
    /// `line` is the `## Explanation` heading.
    pub explanation: Option<Block>,
    /// The last line of the file, where missing parts would go.
    pub end_line: usize,
    /// The file's text exactly as read (what an export writes back).
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct HeaderEntry {
    pub key: String,
    pub key_line: usize,
    pub value: toml::Value,
    pub value_line: usize,
}

/// Markdown text and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub text: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct OptionSource {
    /// The `- [ ] ` line.
    pub line: usize,
    pub correct: bool,
    pub text: String,
    /// `line` is the first `  > ` line.
    pub rationale: Option<Block>,
}

impl QuestionSource {
    pub fn header_entry(&self, key: &str) -> Option<&HeaderEntry> {
        self.header.iter().find(|entry| entry.key == key)
    }

    /// The value of a string key with its line, if the key is there and holds a string.
    pub fn header_str(&self, key: &str) -> Option<(&str, usize)> {
        let entry = self.header_entry(key)?;
        entry.value.as_str().map(|value| (value, entry.value_line))
    }
}

const HEADER_FENCE: &str = "+++";
const EXPLANATION_HEADING: &str = "## Explanation";
const LAYOUT_HINT: &str = "option text continues on lines indented by two spaces, rationale lines start with '  > ', \
     and the explanation starts with '## Explanation'";

/// Splits a question file into header, stem, options and explanation. Fails (with every
/// problem found) when the file does not have that shape.
pub fn parse_source(path: &Path, original: &str) -> Result<QuestionSource, Vec<Diagnostic>> {
    let text = original.strip_prefix('\u{feff}').unwrap_or(original);
    let lines: Vec<&str> = text.lines().collect();
    let fail = |line, message: &str| Err(vec![Diagnostic::error(path, line, message)]);
    if lines.first().map(|line| line.trim_end()) != Some(HEADER_FENCE) {
        return fail(1, "the file must start with a '+++' line, then the TOML header, then another '+++' line");
    }
    let Some(close) = lines.iter().skip(1).position(|line| line.trim_end() == HEADER_FENCE) else {
        return fail(1, "the header opened on line 1 is never closed: add a '+++' line after it");
    };
    let close = close + 1; // index of the closing fence

    let mut problems = Vec::new();
    let header = parse_header(&lines[1..close], &mut problems);
    let body = parse_body(&lines, close + 1, &mut problems);
    if !problems.is_empty() {
        return Err(problems.into_iter().map(|(line, message)| Diagnostic::error(path, line, message)).collect());
    }
    Ok(QuestionSource {
        path: path.to_path_buf(),
        header,
        stem: body.stem,
        options: body.options,
        explanation: body.explanation,
        end_line: lines.len(),
        text: original.to_string(),
    })
}

/// The header lines (file lines 2..) as TOML, keeping the line of every key and value.
fn parse_header(lines: &[&str], problems: &mut Vec<(usize, String)>) -> Vec<HeaderEntry> {
    const FIRST_LINE: usize = 2;
    let text = lines.join("\n");
    match toml::from_str::<BTreeMap<Spanned<String>, Spanned<toml::Value>>>(&text) {
        Ok(table) => {
            let line = |offset| line_at(&text, offset) + FIRST_LINE - 1;
            let mut entries: Vec<HeaderEntry> = table
                .into_iter()
                .map(|(key, value)| HeaderEntry {
                    key_line: line(key.span().start),
                    value_line: line(value.span().start),
                    key: key.into_inner(),
                    value: value.into_inner(),
                })
                .collect();
            entries.sort_by_key(|entry| entry.key_line);
            entries
        }
        Err(error) => {
            let (line, message) = describe(&error, &text);
            problems.push((line + FIRST_LINE - 1, format!("the header is not valid TOML: {message}")));
            Vec::new()
        }
    }
}

struct Body {
    stem: Block,
    options: Vec<OptionSource>,
    explanation: Option<Block>,
}

/// Lines of one part, with blank lines kept inside and dropped at both ends.
#[derive(Default)]
struct Lines<'a> {
    first: Option<usize>,
    kept: Vec<&'a str>,
    blanks: usize,
}

impl<'a> Lines<'a> {
    fn push(&mut self, line_number: usize, line: &'a str) {
        let line = line.trim_end();
        if line.is_empty() {
            self.blanks += usize::from(self.first.is_some());
            return;
        }
        self.first.get_or_insert(line_number);
        self.kept.extend(std::iter::repeat_n("", self.blanks));
        self.blanks = 0;
        self.kept.push(line);
    }

    fn block(&self, default_line: usize) -> Block {
        Block { text: self.kept.join("\n"), line: self.first.unwrap_or(default_line) }
    }
}

struct OptionLines<'a> {
    line: usize,
    correct: bool,
    text: Lines<'a>,
    rationale: Lines<'a>,
}

enum Section {
    Stem,
    Options,
    Explanation,
}

/// `start` is the index of the first line after the header.
fn parse_body(lines: &[&str], start: usize, problems: &mut Vec<(usize, String)>) -> Body {
    let mut stem = Lines::default();
    let mut options: Vec<OptionLines> = Vec::new();
    let mut explanation: Option<(usize, Lines)> = None;
    let mut section = Section::Stem;
    // One message per run of misplaced lines under the options, not one per line.
    let mut in_stray_run = false;
    for (index, &line) in lines.iter().enumerate().skip(start) {
        let number = index + 1;
        let mut problem = |message: String| problems.push((number, message));
        if let Section::Explanation = section {
            if let Some((_, text)) = explanation.as_mut() {
                text.push(number, line);
            }
            continue;
        }
        if let Some(heading) = explanation_heading(line) {
            if heading == Heading::NearMiss {
                problem(format!("write the explanation heading exactly as '{EXPLANATION_HEADING}'"));
            }
            explanation = Some((number, Lines::default()));
            section = Section::Explanation;
            continue;
        }
        if let Some((correct, text)) = option_start(line) {
            let mut option = OptionLines { line: number, correct, text: Lines::default(), rationale: Lines::default() };
            option.text.push(number, text);
            options.push(option);
            section = Section::Options;
            in_stray_run = false;
            continue;
        }
        let option_number = options.len();
        let (Section::Options, Some(option)) = (&section, options.last_mut()) else {
            if looks_like_option(line) {
                problem(looks_like_option_message());
            }
            stem.push(number, line);
            continue;
        };
        if line.trim().is_empty() {
            option.text.push(number, line);
            option.rationale.push(number, line);
            continue;
        }
        match add_option_line(option, option_number, number, line) {
            Ok(()) => in_stray_run = false,
            Err(message) if !in_stray_run => {
                in_stray_run = true;
                problem(message);
            }
            Err(_) => {}
        }
    }

    let first_body_line = start + 1;
    let stem = stem.block(first_body_line);
    let options = options
        .into_iter()
        .map(|option| OptionSource {
            line: option.line,
            correct: option.correct,
            text: option.text.kept.join("\n"),
            rationale: option.rationale.first.map(|_| option.rationale.block(option.line)),
        })
        .collect();
    let explanation = explanation.map(|(heading, text)| Block { text: text.kept.join("\n"), line: heading });
    Body { stem, options, explanation }
}

/// Adds a non-blank line below option `option_number` to its text or its rationale, or says why
/// the line does not belong there.
fn add_option_line<'a>(
    option: &mut OptionLines<'a>,
    option_number: usize,
    number: usize,
    line: &'a str,
) -> Result<(), String> {
    if let Some(rationale) = line.strip_prefix("  >") {
        option.rationale.push(number, rationale.strip_prefix(' ').unwrap_or(rationale));
        return Ok(());
    }
    if line.trim_start().starts_with('>') {
        return Err("a rationale line starts with exactly two spaces and '> ' ('  > ')".to_string());
    }
    let Some(continued) = line.strip_prefix("  ") else {
        return Err(if looks_like_option(line) {
            looks_like_option_message()
        } else if line.starts_with(char::is_whitespace) {
            format!("indent the text of option {option_number} by exactly two spaces")
        } else {
            format!("this line belongs to no option: {LAYOUT_HINT}")
        });
    };
    if looks_like_option(continued) {
        return Err("options start at the beginning of the line: remove the indentation".to_string());
    }
    if option.rationale.first.is_some() {
        return Err(format!(
            "this line continues the rationale of option {option_number} without '> ': \
             start every rationale line with '  > '"
        ));
    }
    option.text.push(number, continued);
    Ok(())
}

/// `- [ ] text` (wrong) or `- [x] text` / `- [X] text` (correct) at the start of a line.
fn option_start(line: &str) -> Option<(bool, &str)> {
    let (correct, rest) = if let Some(rest) = line.strip_prefix("- [ ]") {
        (false, rest)
    } else if let Some(rest) = line.strip_prefix("- [x]").or_else(|| line.strip_prefix("- [X]")) {
        (true, rest)
    } else {
        return None;
    };
    if rest.trim().is_empty() {
        return Some((correct, ""));
    }
    rest.strip_prefix(' ').map(|text| (correct, text.trim()))
}

/// A line an author probably meant as an option: `-[x]`, `* [ ]`, `- []`, `  - [x]`, `- [x]text`.
fn looks_like_option(line: &str) -> bool {
    let rest = line.trim_start();
    let Some(rest) = rest.strip_prefix(['-', '*', '+']) else {
        return false;
    };
    let rest = rest.trim_start();
    ["[]", "[ ]", "[x]", "[X]"].iter().any(|box_| rest.starts_with(box_))
}

fn looks_like_option_message() -> String {
    "this looks like an option but is not written as '- [ ] text' or '- [x] text' at the start of the line".to_string()
}

#[derive(Debug, PartialEq, Eq)]
enum Heading {
    Exact,
    /// `### Explanation`, `## explanation:` and such: taken as the heading, but reported.
    NearMiss,
}

fn explanation_heading(line: &str) -> Option<Heading> {
    let line = line.trim_end();
    if line == EXPLANATION_HEADING {
        return Some(Heading::Exact);
    }
    let words = line.trim_start().strip_prefix('#')?.trim_start_matches('#').trim().trim_end_matches(':');
    words.eq_ignore_ascii_case("explanation").then_some(Heading::NearMiss)
}

#[cfg(test)]
mod tests;
