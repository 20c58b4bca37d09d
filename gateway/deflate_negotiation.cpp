#include "gateway/deflate_negotiation.hpp"

#include <algorithm>
#include <cstddef>

namespace roomcast {

namespace {

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lx = (x >= 'A' && x <= 'Z') ? static_cast<char>(x - 'A' + 'a') : x;
           auto ly = (y >= 'A' && y <= 'Z') ? static_cast<char>(y - 'A' + 'a') : y;
           return lx == ly;
         });
}

/// A scanner over one header value; never reads past its end.
struct scanner {
  std::string_view s;
  std::size_t i = 0;

  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  void skip_ows() {
    while (!done() && (s[i] == ' ' || s[i] == '\t'))
      ++i;
  }
  std::string_view token() {
    auto start = i;
    while (!done() && is_tchar(s[i]))
      ++i;
    return s.substr(start, i - start);
  }
  /// A quoted-string's content with escapes removed, kept only if it fits
  /// `out` (window bits are two digits; anything longer is invalid anyway).
  /// False if unterminated.
  bool quoted(char (&out)[4], std::size_t& len) {
    ++i; // the opening quote
    len = 0;
    bool fits = true;
    while (!done()) {
      char c = s[i++];
      if (c == '"') {
        if (!fits)
          len = sizeof out; // too long: reads as invalid
        return true;
      }
      if (c == '\\') {
        if (done())
          return false;
        c = s[i++];
      }
      if (len < sizeof out)
        out[len++] = c;
      else
        fits = false;
    }
    return false;
  }
  /// Moves past the next ',' that is not inside a quoted string.
  void skip_offer() {
    bool in_quotes = false;
    while (!done()) {
      char c = s[i++];
      if (in_quotes) {
        if (c == '\\' && !done())
          ++i;
        else if (c == '"')
          in_quotes = false;
      } else if (c == '"') {
        in_quotes = true;
      } else if (c == ',') {
        return;
      }
    }
  }
};

/// Window bits as RFC 7692 writes them: 8..15, no leading zero.
int window_bits(std::string_view v) {
  if (v.size() == 1 && v[0] >= '8' && v[0] <= '9')
    return v[0] - '0';
  if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5')
    return 10 + (v[1] - '0');
  return 0;
}

struct offer {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 0; ///< 0: not offered
  bool client_max_window_bits = false;
  int client_max_window_value = 0; ///< 0: offered without a value
};

/// One parameter of a permessage-deflate offer; false: decline the offer.
bool apply(offer& o, std::string_view name, bool has_value, std::string_view value) {
  if (iequals(name, "server_no_context_takeover")) {
    if (has_value || o.server_no_context_takeover)
      return false;
    o.server_no_context_takeover = true;
  } else if (iequals(name, "client_no_context_takeover")) {
    if (has_value || o.client_no_context_takeover)
      return false;
    o.client_no_context_takeover = true;
  } else if (iequals(name, "server_max_window_bits")) {
    if (!has_value || o.server_max_window_bits != 0)
      return false;
    o.server_max_window_bits = window_bits(value);
    return o.server_max_window_bits != 0;
  } else if (iequals(name, "client_max_window_bits")) {
    if (o.client_max_window_bits)
      return false;
    o.client_max_window_bits = true;
    if (has_value) {
      o.client_max_window_value = window_bits(value);
      return o.client_max_window_value != 0;
    }
  } else {
    return false; // RFC 7692 7.1: unknown parameters decline the offer
  }
  return true;
}

std::optional<deflate_agreement> accept(const offer& o, const deflate_policy& policy) {
  deflate_agreement a;
  a.server_window_bits = o.server_max_window_bits != 0 ? o.server_max_window_bits : 15;
  if (o.client_max_window_bits) {
    a.client_window_bits = std::min(policy.client_window_bits, o.client_max_window_value ? o.client_max_window_value : 15);
  } else if (policy.client_window_bits < 15) {
    return std::nullopt; // the client may use 15 and cannot be told otherwise
  }
  a.client_no_context_takeover = !policy.client_context_takeover || o.client_no_context_takeover;
  a.response = "permessage-deflate; server_no_context_takeover";
  if (a.client_no_context_takeover)
    a.response += "; client_no_context_takeover";
  if (o.server_max_window_bits != 0) {
    a.response += "; server_max_window_bits=";
    a.response += std::to_string(a.server_window_bits);
  }
  if (o.client_max_window_bits && a.client_window_bits < 15) {
    a.response += "; client_max_window_bits=";
    a.response += std::to_string(a.client_window_bits);
  }
  return a;
}

} // namespace

std::optional<deflate_agreement> negotiate_deflate(std::string_view header, const deflate_policy& policy) {
  scanner sc{header};
  while (!sc.done()) {
    sc.skip_ows();
    if (sc.peek() == ',') { // an empty list element
      ++sc.i;
      continue;
    }
    auto name = sc.token();
    bool ok = !name.empty() && iequals(name, "permessage-deflate");
    offer o;
    for (;;) {
      sc.skip_ows();
      if (sc.done() || sc.peek() == ',')
        break;
      if (sc.peek() != ';') {
        ok = false; // garbage: drop the rest of this offer
        break;
      }
      ++sc.i;
      sc.skip_ows();
      auto pname = sc.token();
      sc.skip_ows();
      bool has_value = false;
      std::string_view value;
      char buf[4];
      if (sc.peek() == '=') {
        ++sc.i;
        sc.skip_ows();
        has_value = true;
        if (sc.peek() == '"') {
          std::size_t len = 0;
          if (!sc.quoted(buf, len)) {
            ok = false;
            break;
          }
          value = std::string_view{buf, len};
        } else {
          value = sc.token();
          if (value.empty()) {
            ok = false;
            break;
          }
        }
      }
      if (pname.empty() || (ok && !apply(o, pname, has_value, value)))
        ok = false;
    }
    if (ok)
      if (auto a = accept(o, policy))
        return a;
    sc.skip_offer();
  }
  return std::nullopt;
}

} // namespace roomcast
