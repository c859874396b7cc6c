use super::*;
use crate::bank::validate::tests::{FORMAT_EXAMPLE, MULTIPLE_RESPONSE};

fn parse(text: &str) -> QuestionSource {
    parse_source(Path::new("q.md"), text).unwrap_or_else(|d| panic!("{d:?}"))
}

/// The diagnostics of a file that does not parse, as `path:line: message`.
fn problems(text: &str) -> Vec<String> {
    match parse_source(Path::new("q.md"), text) {
        Ok(_) => vec![],
        Err(diagnostics) => diagnostics.iter().map(ToString::to_string).collect(),
    }
}

fn example_with(from: &str, to: &str) -> String {
    assert!(FORMAT_EXAMPLE.contains(from), "the example has no {from:?}");
    FORMAT_EXAMPLE.replacen(from, to, 1)
}

#[test]
fn splits_the_example_into_its_parts_with_lines() {
    let source = parse(FORMAT_EXAMPLE);
    let keys: Vec<(&str, usize)> = source.header.iter().map(|e| (e.key.as_str(), e.key_line)).collect();
    assert_eq!(keys, [("id", 2), ("task", 3), ("services", 4), ("difficulty", 5)]);
    assert_eq!(source.header_str("task"), Some(("1.2", 3)));

    assert_eq!(source.stem.line, 7);
    assert!(source.stem.text.starts_with("A retailer streams"));
    assert!(source.stem.text.ends_with("\n\nWhich solution meets these requirements?"));

    let options: Vec<(usize, bool, Option<usize>)> =
        source.options.iter().map(|o| (o.line, o.correct, o.rationale.as_ref().map(|r| r.line))).collect();
    assert_eq!(options, [(13, false, Some(14)), (15, true, Some(16)), (17, false, Some(18)), (19, false, Some(20))]);
    assert_eq!(
        source.options[1].text,
        "Turn on record format conversion to Apache Parquet in the Firehose delivery stream."
    );
    assert!(source.options[1].rationale.as_ref().is_some_and(|r| r.text.starts_with("Parquet is columnar")));

    let explanation = source.explanation.as_ref().expect("an explanation");
    assert_eq!(explanation.line, 22);
    assert!(explanation.text.starts_with("Athena charges by bytes scanned."));
    assert!(explanation.text.ends_with("so no extra code or jobs are needed."));
    assert_eq!(source.end_line, 26);
}

#[test]
fn joins_continuation_lines_and_keeps_paragraphs() {
    let text = example_with(
        "- [ ] Add an AWS Lambda function to the delivery stream that rewrites each record as CSV.\n  > CSV is",
        "- [ ] Add an AWS Lambda function\n  to the delivery stream.\n\n  It rewrites records as `CSV`.\n  > First.\n  >\n  > CSV is",
    );
    let source = parse(&text);
    let option = &source.options[0];
    assert_eq!(option.text, "Add an AWS Lambda function\nto the delivery stream.\n\nIt rewrites records as `CSV`.");
    let rationale = option.rationale.as_ref().expect("a rationale");
    assert_eq!(rationale.line, 17);
    assert!(rationale.text.starts_with("First.\n\nCSV is still"), "{:?}", rationale.text);
    assert_eq!(source.options[1].line, 20);
}

#[test]
fn accepts_a_capital_x_and_an_empty_option() {
    let source = parse(MULTIPLE_RESPONSE);
    let correct: Vec<bool> = source.options.iter().map(|o| o.correct).collect();
    assert_eq!(correct, [true, false, true, false, false]);
    let source = parse(&example_with(
        "- [ ] Run a nightly AWS Glue job that copies the JSON files into a second bucket with gzip compression.",
        "- [ ]",
    ));
    assert_eq!(source.options[2].text, "");
}

#[test]
fn windows_line_ends_and_a_byte_order_mark_change_nothing() {
    let windows = format!("\u{feff}{}", FORMAT_EXAMPLE.replace('\n', "\r\n"));
    let (unix, windows) = (parse(FORMAT_EXAMPLE), parse(&windows));
    assert_eq!(unix.stem, windows.stem);
    assert_eq!(unix.explanation, windows.explanation);
    assert_eq!(unix.options[3].rationale, windows.options[3].rationale);
}

#[test]
fn the_header_must_open_the_file_and_be_closed() {
    let message = "q.md:1: the file must start with a '+++' line, then the TOML header, then another '+++' line";
    assert_eq!(problems(&format!("\n{FORMAT_EXAMPLE}")), [message]);
    assert_eq!(problems("---\nid = \"x\"\n---\n"), [message]);
    let unclosed = FORMAT_EXAMPLE.replacen("+++\nA retailer", "A retailer", 1);
    assert_eq!(problems(&unclosed), ["q.md:1: the header opened on line 1 is never closed: add a '+++' line after it"]);
}

#[test]
fn a_toml_error_points_at_its_line_of_the_file() {
    let found =
        problems(&example_with("services = [\"Data Firehose\", \"S3\", \"Athena\"]", "services = [\"S3\" \"Athena\"]"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("q.md:4: the header is not valid TOML: "), "{found:?}");
    let found = problems(&example_with("difficulty = \"medium\"", "task = \"1.3\""));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("q.md:5: the header is not valid TOML: duplicate key"), "{found:?}");
}

#[test]
fn a_malformed_option_marker_is_reported() {
    let message =
        "this looks like an option but is not written as '- [ ] text' or '- [x] text' at the start of the line";
    let found = problems(&example_with("- [ ] Add an AWS", "-[ ] Add an AWS"));
    assert_eq!(found, [format!("q.md:13: {message}")]);
    let found = problems(&example_with("- [ ] Run a nightly", "* [ ] Run a nightly"));
    assert_eq!(found, [format!("q.md:17: {message}")]);
}

#[test]
fn an_indented_option_is_reported() {
    let found = problems(&example_with("- [ ] Run a nightly", "  - [ ] Run a nightly"));
    assert_eq!(found, ["q.md:17: options start at the beginning of the line: remove the indentation"]);
}

#[test]
fn rationale_lines_need_two_spaces_and_a_quote_mark() {
    let message = "a rationale line starts with exactly two spaces and '> ' ('  > ')";
    for wrong in ["> Parquet", " > Parquet", "   > Parquet", "\t> Parquet"] {
        let found = problems(&example_with("  > Parquet", wrong));
        assert_eq!(found, [format!("q.md:16: {message}")], "{wrong:?}");
    }
}

#[test]
fn text_after_a_rationale_is_reported() {
    let found = problems(&example_with("it is a setting, not code.", "it is a setting,\n  not code."));
    let message = "this line continues the rationale of option 2 without '> ': start every rationale line with '  > '";
    assert_eq!(found, [format!("q.md:17: {message}")]);
}

#[test]
fn options_are_indented_by_exactly_two_spaces() {
    let found = problems(&example_with("\n  > CSV is", "\n continued.\n  > CSV is"));
    assert_eq!(found, ["q.md:14: indent the text of option 1 by exactly two spaces"]);
}

#[test]
fn a_run_of_stray_lines_is_one_problem() {
    let found = problems(&example_with("## Explanation\n", "Explanation\n"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("q.md:22: this line belongs to no option: "), "{found:?}");
}

#[test]
fn a_near_miss_explanation_heading_is_reported_and_still_starts_the_explanation() {
    let found = problems(&example_with("## Explanation", "### explanation:"));
    assert_eq!(found, ["q.md:22: write the explanation heading exactly as '## Explanation'"]);
}

#[test]
fn header_and_body_problems_are_reported_together() {
    let text = example_with("task = \"1.2\"", "task = ").replacen("- [ ] Run", "-[ ] Run", 1);
    let lines: Vec<&str> = problems(&text)
        .iter()
        .map(|p| if p.starts_with("q.md:3:") { "header" } else { "body" })
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    assert_eq!(lines, ["header", "body"]);
}

#[test]
fn stem_lines_that_are_not_options_are_kept() {
    let text = example_with("Which solution", "- a list item\n- [link](https://aws.amazon.com)\n\nWhich solution");
    let source = parse(&text);
    assert!(source.stem.text.contains("- [link](https://aws.amazon.com)"));
    assert_eq!(source.options[0].line, 16);
}

#[test]
fn a_run_of_lazy_rationale_lines_is_one_problem_and_separate_runs_are_two() {
    let lazy = example_with("it is a setting, not code.", "it is a setting,\n  not code,\n  just a switch.");
    let message = "this line continues the rationale of option 2 without '> ': start every rationale line with '  > '";
    assert_eq!(problems(&lazy), [format!("q.md:17: {message}")]);
    let twice = lazy.replacen("with gzip compression.", "with gzip\n  > compression.\n  again.", 1);
    let second = "this line continues the rationale of option 3 without '> ': start every rationale line with '  > '";
    assert_eq!(problems(&twice), [format!("q.md:17: {message}"), format!("q.md:21: {second}")]);
}
