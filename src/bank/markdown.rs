//! Question Markdown → HTML that is safe to put in a page: authors write Markdown, never HTML.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, html};

/// Sanitiser policy, built once: ammonia's default allow-list (text formatting, code, lists,
/// tables, links, images; no scripts, styles, forms or event handlers, only safe URL schemes)
/// with `rel="noopener noreferrer"` on every link.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer"));
    builder
});

/// Renders Markdown (with tables and strikethrough) to sanitised HTML.
///
/// Raw HTML in the Markdown is dropped before rendering (FORMAT.md: "raw HTML is removed"), and
/// the result still goes through the sanitiser, so a link like `[x](javascript:...)` loses its
/// target too.
pub fn render(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
        .filter(|event| !matches!(event, Event::Html(_) | Event::InlineHtml(_)));
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser);
    SANITISER.clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_bold_code_and_lists() {
        let html = render("The **LOWEST** cost with `Parquet`:\n\n- one\n- two\n");
        assert!(html.contains("<strong>LOWEST</strong>"), "{html}");
        assert!(html.contains("<code>Parquet</code>"), "{html}");
        assert!(html.contains("<ul>\n<li>one</li>"), "{html}");
    }

    #[test]
    fn renders_tables_and_strikethrough() {
        let html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~");
        assert!(html.contains("<table>") && html.contains("<td>1</td>"), "{html}");
        assert!(html.contains("<del>gone</del>"), "{html}");
    }

    #[test]
    fn script_tags_do_not_get_through() {
        for markdown in ["<script>alert(1)</script>", "text <script>alert(1)</script>", "<SCRIPT src=x></SCRIPT>"] {
            let html = render(markdown);
            assert!(!html.to_lowercase().contains("<script"), "{markdown} → {html}");
        }
    }

    #[test]
    fn event_handlers_do_not_get_through() {
        for markdown in
            ["<img src=x onerror=alert(1)>", "a <b onmouseover=\"alert(1)\">b</b>", "<div onclick=x>y</div>"]
        {
            let html = render(markdown);
            assert!(
                !html.contains("onerror") && !html.contains("onmouseover") && !html.contains("onclick"),
                "{markdown} → {html}"
            );
        }
    }

    #[test]
    fn raw_html_is_removed() {
        assert_eq!(render("a <b>bold</b> word"), "<p>a bold word</p>\n");
    }

    #[test]
    fn links_are_kept_safe() {
        let html = render("[docs](https://docs.aws.amazon.com/athena/)");
        assert!(html.contains("href=\"https://docs.aws.amazon.com/athena/\""), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
        let html = render("[click](javascript:alert(1))");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn code_blocks_keep_their_text_escaped() {
        let html = render("```\nif a < b { x }\n```");
        assert!(html.contains("<pre><code>if a &lt; b { x }"), "{html}");
    }
}
