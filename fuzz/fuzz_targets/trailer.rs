//! The trailer reader and writer: `git interpret-trailers` semantics on
//! any message, with any comment prefix. Never panics; a trailer the hook
//! appends reads back as the last trailer.
#![no_main]

use avow_core::trailer::{self, ParseOptions, Trailer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str, bool)| {
    let (message, prefix, no_divider) = input;
    let opts = ParseOptions { comment_prefix: prefix.to_owned(), no_divider };
    let _ = trailer::block(message, &opts);
    let _ = trailer::subject(message, &opts, true);
    let _ = trailer::subject(message, &opts, false);
    let parsed = trailer::parse(message, &opts);
    // git hands hooks a message that ends with a newline.
    let owned;
    let message = if message.is_empty() || message.ends_with('\n') {
        message
    } else {
        owned = format!("{message}\n");
        &owned
    };
    let added = Trailer::new("Avow-Fuzz", "value");
    let rewritten = trailer::rewrite(message, &opts, |_| true, std::slice::from_ref(&added));
    let reparsed = trailer::parse(&rewritten, &opts);
    // The new trailer reads back, as the hook relies on: for a message with
    // a subject (the hook never rewrites one without), unless the
    // trailer's own line looks like a comment.
    // (git itself starts an empty log message — nothing before the trailer
    // block or a `---` line — with a blank line; the hook refuses those.)
    let before_block = &message[..trailer::block(message, &opts).start];
    let has_subject = !trailer::subject(before_block, &opts, true).is_empty();
    let comment_like = "Avow-Fuzz: value".starts_with(prefix);
    if has_subject
        && !prefix.is_empty()
        && !comment_like
        && !message.contains('\r')
        && !prefix.contains(char::is_whitespace)
    {
        assert_eq!(reparsed.last(), Some(&added), "{rewritten:?}");
    }
    let _ = parsed;
});
