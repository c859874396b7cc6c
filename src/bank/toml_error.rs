//! Turning a `toml` error into a line and a one-line message for a diagnostic.

/// 1-based line of a byte offset in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The line (1-based, within `text`) the error points at, and its message on one line.
pub fn describe(error: &toml::de::Error, text: &str) -> (usize, String) {
    let line = error.span().map_or(1, |span| line_at(text, span.start));
    let message = error.message().trim().lines().map(str::trim).collect::<Vec<_>>().join("; ");
    (line, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_at_counts_newlines_before_the_offset() {
        assert_eq!(line_at("a\nb\nc", 0), 1);
        assert_eq!(line_at("a\nb\nc", 2), 2);
        assert_eq!(line_at("a\nb\nc", 4), 3);
        assert_eq!(line_at("a\nb\nc", 99), 3);
    }

    #[test]
    fn describe_points_at_the_broken_line_with_a_one_line_message() {
        let text = "a = 1\nb = \nc = 2\n";
        let error = toml::from_str::<toml::Table>(text).unwrap_err();
        let (line, message) = describe(&error, text);
        assert_eq!(line, 2);
        assert!(!message.contains('\n'), "{message}");
    }
}
