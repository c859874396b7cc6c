//! A problem found in the bank, pointing at the file and line an author has to change.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The question (or exam) is left out of the bank until it is fixed.
    Error,
    /// Worth a look, but the question stays in the bank.
    Warning,
}

/// `path:line: message`, the form editors and terminals turn into links.
///
/// `line` is 1-based; 0 means the problem is about a whole file or folder (unreadable file,
/// folder without a blueprint), and is then left out of the display: `path: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    pub fn error(path: &Path, line: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic { path: path.to_path_buf(), line, severity: Severity::Error, message: message.into() }
    }

    pub fn warning(path: &Path, line: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic { path: path.to_path_buf(), line, severity: Severity::Warning, message: message.into() }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        match self.severity {
            Severity::Error => write!(f, ": {}", self.message),
            Severity::Warning => write!(f, ": warning: {}", self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_path_line_message() {
        let path = Path::new("questions/1.2/a.md");
        assert_eq!(Diagnostic::error(path, 7, "bad").to_string(), "questions/1.2/a.md:7: bad");
        assert_eq!(Diagnostic::warning(path, 3, "hm").to_string(), "questions/1.2/a.md:3: warning: hm");
        assert_eq!(Diagnostic::error(Path::new("exam"), 0, "no blueprint").to_string(), "exam: no blueprint");
    }
}
