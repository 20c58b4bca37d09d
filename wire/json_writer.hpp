#pragma once
// The one JSON writer every dialect renders with: string escaping (and the
// optional HTML escaping the contracts ask for) lives here and nowhere else.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace roomcast {

/// Appends `s` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view s);

/// Appends `s` as a JSON string literal with `& < > " '` turned into HTML
/// entities first, so a client that renders with innerHTML stays safe.
void append_html_json_string(std::string& out, std::string_view s);

/// `s` with `& < > " '` as HTML entities (for text stored already escaped).
std::string html_escape(std::string_view s);

/// Builds one JSON object (nested objects and arrays allowed) into a string,
/// field by field, without a DOM. Keys are trusted literals.
class json_writer {
public:
  json_writer() { out_.reserve(128); out_.push_back('{'); }

  json_writer& str(std::string_view key, std::string_view v) { sep(key); append_json_string(out_, v); return *this; }
  /// A user-supplied text, HTML-escaped when `escape_html`.
  json_writer& text(std::string_view key, std::string_view v, bool escape_html) {
    sep(key);
    escape_html ? append_html_json_string(out_, v) : append_json_string(out_, v);
    return *this;
  }
  /// Already-serialized JSON, inserted as is.
  json_writer& raw(std::string_view key, std::string_view json_text) { sep(key); out_ += json_text; return *this; }
  json_writer& boolean(std::string_view key, bool v) { return raw(key, v ? "true" : "false"); }
  json_writer& num(std::string_view key, std::int64_t v) { sep(key); out_ += std::to_string(v); return *this; }
  json_writer& unum(std::string_view key, std::uint64_t v) { sep(key); out_ += std::to_string(v); return *this; }
  json_writer& real(std::string_view key, double v);
  json_writer& null(std::string_view key) { return raw(key, "null"); }
  json_writer& strings(std::string_view key, const std::vector<std::string>& v);

  /// Opens `"key":{` / `"key":[`; close with end_object / end_array.
  json_writer& object(std::string_view key) { sep(key); out_.push_back('{'); return *this; }
  json_writer& array(std::string_view key) { sep(key); out_.push_back('['); return *this; }
  /// Array elements.
  json_writer& begin_element_object() { elem_sep(); out_.push_back('{'); return *this; }
  json_writer& element_str(std::string_view v) { elem_sep(); append_json_string(out_, v); return *this; }
  json_writer& element_raw(std::string_view json_text) { elem_sep(); out_ += json_text; return *this; }
  json_writer& end_object() { out_.push_back('}'); return *this; }
  json_writer& end_array() { out_.push_back(']'); return *this; }

  /// The buffer, for writers that append a field by hand.
  std::string& buffer() { return out_; }

  /// Closes the outer object and hands the text over.
  std::string done() { out_.push_back('}'); return std::move(out_); }

private:
  void sep(std::string_view key) {
    elem_sep();
    append_json_string(out_, key);
    out_.push_back(':');
  }
  void elem_sep() {
    auto c = out_.back();
    if (c != '{' && c != '[')
      out_.push_back(',');
  }
  std::string out_;
};

} // namespace roomcast
