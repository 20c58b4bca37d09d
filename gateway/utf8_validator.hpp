#pragma once
// Incremental UTF-8 validation (RFC 3629) for text messages that arrive in pieces.

#include <cstdint>
#include <string_view>

namespace roomcast {

/// Validates UTF-8 fed in any number of pieces, split anywhere, failing at the
/// first byte that no valid continuation could follow. Rejects overlong forms,
/// surrogates (U+D800..U+DFFF) and code points over U+10FFFF. A DFA over
/// byte classes as in Björn Höhrmann's decoder, laid out as a shift DFA, with
/// an ASCII fast path of eight bytes a step: text is on every message's path.
class utf8_validator {
public:
  /// Checks the next piece. False once the input so far can no longer be the
  /// start of valid UTF-8; it stays false until reset().
  bool feed(std::string_view bytes) noexcept;

  /// True when everything fed so far is valid and ends on a character
  /// boundary: the end of a message must be complete().
  bool complete() const noexcept { return state_ == 0; }

  /// True after feed() returned false.
  bool failed() const noexcept;

  /// Starts over, for the next message.
  void reset() noexcept { state_ = 0; }

private:
  std::uint8_t state_ = 0;
};

/// True when all of `bytes` is valid UTF-8 (a complete, one-piece text).
bool is_valid_utf8(std::string_view bytes) noexcept;

} // namespace roomcast
