//! Markdown for GitHub (job summaries, pull-request text): every string a
//! commit controls (subjects, names, trailer values, messages quoting them)
//! is escaped so that it cannot format, link, mention, inject HTML or break
//! a table.

use avow_policy::text::visible;

/// Markdown text with the characters that would format, link, mention,
/// start HTML or an entity, or break a table escaped; line breaks become
/// spaces (a table row is one line).
pub fn md(text: &str) -> String {
    let text = visible(text);
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if "\\`*_[]<>|#~@!&".contains(ch) {
            out.push('\\');
        }
        out.push(if ch == '\r' || ch == '\n' { ' ' } else { ch });
    }
    out
}

/// A code span that holds `text` whatever backticks it contains; pipes
/// escaped so that it can stand in a table.
pub fn code(text: &str) -> String {
    let text = &*visible(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|").replace(['\r', '\n'], " "))
}

/// A finding's message with its backtick-quoted parts kept as code.
pub fn md_message(message: &str) -> String {
    message.split('`').enumerate().map(|(i, part)| if i % 2 == 1 { code(part) } else { md(part) }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x `y` z"), "``x `y` z``");
        assert_eq!(code("`a`"), "`` `a` ``");
    }

    #[test]
    fn markdown_text_cannot_mention_link_or_break_a_table() {
        assert_eq!(md("Thanks @bob | see [x](y) <b>"), "Thanks \\@bob \\| see \\[x\\](y) \\<b\\>");
        assert_eq!(md_message("a `b|c` d_e"), "a `b\\|c` d\\_e");
        // A line break is shown, not taken (`visible`), so a row stays one line.
        assert_eq!(md("<img src=x onerror=y>&lt;\nrow"), "\\<img src=x onerror=y\\>\\&lt;\\\\u{a}row");
    }
}
