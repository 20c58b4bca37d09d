#pragma once
// User-supplied text, cleaned the same way in every dialect.

#include <cstddef>
#include <string>
#include <string_view>

namespace roomcast {

/// Drops control characters (keeping newline and tab when `multiline`), trims
/// whitespace, and counts code points against `max_chars`. The text is not
/// HTML-escaped here: that happens on output, per dialect (json_writer::text).
/// Returns false when the result is empty or too long.
bool sanitize_text(std::string_view in, std::size_t max_chars, bool multiline, std::string& out);

/// Code points in valid UTF-8 `s`.
std::size_t utf8_length(std::string_view s);

/// At most `max_bytes` of valid UTF-8 `s`, never cutting a character in half
/// (client text echoed in an error must stay valid UTF-8 in a text frame).
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);

} // namespace roomcast
