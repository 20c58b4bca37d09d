#pragma once
// What the load generator writes and looks for in each dialect. It never
// parses JSON fully: it finds the event name and the one string it needs,
// which is enough because the chat text it sends is letters and digits only
// (no escapes, unchanged by HTML escaping).

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench::text {

/// Set once before the run (--prose): pad chat text with words.
inline bool prose_padding = false;

/// Appends words (letters and spaces) up to `len` characters: text that
/// compresses like a chat message, different for every `seed`.
inline void append_prose(std::string& out, std::uint64_t seed, std::size_t len) {
  static constexpr std::string_view words[] = {
    "the", "numbers", "for", "this", "quarter", "are", "in", "and", "team", "did", "a", "great", "job", "see",
    "shared", "folder", "details", "charts", "meeting", "moved", "to", "three", "pm", "tomorrow", "please",
    "review", "draft", "before", "we", "send", "it", "out"};
  std::uint64_t x = seed | 1;
  const auto end = out.size() + len;
  while (out.size() < end) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    auto w = words[x % std::size(words)];
    out.append(w.substr(0, end - out.size()));
    if (out.size() < end) out.push_back(' ');
  }
}

/// Chat text: "m<sender>t<send time µs>x" padded with letters (or words) to `len` characters.
inline void append_chat_text(std::string& out, std::uint32_t sender, std::uint64_t us, std::uint32_t len) {
  char buf[48];
  std::size_t n = 0;
  auto put = [&](std::uint64_t v) {
    char tmp[20];
    int k = 0;
    do {
      tmp[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (k) buf[n++] = tmp[--k];
  };
  buf[n++] = 'm';
  put(sender);
  buf[n++] = 't';
  put(us);
  buf[n++] = 'x';
  out.append(buf, n);
  if (len > n) {
    if (prose_padding) {
      out.push_back(' ');
      append_prose(out, us * 2654435761u + sender, len - n - 1);
    } else {
      out.append(len - n, 'a');
    }
  }
}

struct stamp {
  std::uint32_t sender = 0;
  std::uint64_t us = 0;
  bool ok = false;
};

inline stamp parse_chat_text(std::string_view t) {
  stamp s;
  if (t.size() < 4 || t[0] != 'm') return s;
  const char* end = t.data() + t.size();
  auto r = std::from_chars(t.data() + 1, end, s.sender);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != 't') return s;
  r = std::from_chars(r.ptr + 1, end, s.us);
  s.ok = r.ec == std::errc{};
  return s;
}

/// The contents of the first string value of `"key":` (no unescaping), or empty.
inline std::string_view string_field(std::string_view json, std::string_view quoted_key) {
  auto pos = json.find(quoted_key);
  if (pos == std::string_view::npos) return {};
  pos += quoted_key.size();
  while (pos < json.size() && (json[pos] == ' ' || json[pos] == ':')) ++pos;
  if (pos >= json.size() || json[pos] != '"') return {};
  const auto start = pos + 1;
  const auto stop = json.find('"', start);
  if (stop == std::string_view::npos) return {};
  return json.substr(start, stop - start);
}

// -- conference (protocols/conference.md) -------------------------------------

inline std::string conference_join(std::uint32_t index) {
  const auto i = std::to_string(index);
  return R"({"event":"join","data":{"peerId":"p)" + i + R"(","username":"u)" + i + R"("}})";
}

inline void conference_chat(std::string& out, std::uint32_t sender, std::uint64_t us, std::uint32_t len) {
  out.append(R"({"event":"chat-message","data":{"message":")");
  append_chat_text(out, sender, us, len);
  out.append(R"("}})");
}

inline std::string_view conference_event(std::string_view frame) { return string_field(frame, R"("event")"); }

// -- shop (protocols/shop.md) ---------------------------------------------------

inline std::string shop_register(std::string_view run_id, std::uint32_t index) {
  return R"({"type":"register","sessionId":")" + std::string(run_id) + "-s" + std::to_string(index) + R"("})";
}

inline std::string shop_register_admin(std::string_view token) {
  return R"({"type":"register_admin","token":")" + std::string(token) + R"("})";
}

inline const char* shop_stream_start = R"({"type":"stream_start","title":"bench","quality":"720p"})";
inline const char* shop_like = R"({"type":"toggle_like"})";

inline void shop_chat(std::string& out, std::uint32_t sender, std::uint64_t us, std::uint32_t len) {
  out.append(R"({"type":"chat_message","username":"u)").append(std::to_string(sender)).append(R"(","message":")");
  append_chat_text(out, sender, us, len);
  out.append(R"("})");
}

inline std::string_view shop_type(std::string_view frame) { return string_field(frame, R"("type")"); }

// -- Socket.IO v5 over Engine.IO v4 (protocols/chatrooms.md) ------------------

/// One Engine.IO packet; for a Socket.IO message, its type, namespace, ack id and JSON.
struct sio_packet {
  char eio = 0;            ///< '0' open, '1' close, '2' ping, '3' pong, '4' message
  char sio = 0;            ///< '0' connect, '1' disconnect, '2' event, '3' ack, '4' connect_error
  std::string_view nsp = "/";
  std::int64_t id = -1;
  std::string_view json;
};

inline sio_packet parse_sio(std::string_view f) {
  sio_packet p;
  if (f.empty()) return p;
  p.eio = f[0];
  if (p.eio != '4' || f.size() < 2) {
    p.json = f.substr(1);
    return p;
  }
  p.sio = f[1];
  std::size_t pos = 2;
  if (pos < f.size() && f[pos] == '/') {
    const auto comma = f.find(',', pos);
    if (comma == std::string_view::npos) {
      p.nsp = f.substr(pos);
      return p;
    }
    p.nsp = f.substr(pos, comma - pos);
    pos = comma + 1;
  }
  if (pos < f.size() && f[pos] >= '0' && f[pos] <= '9') {
    std::int64_t id = 0;
    auto r = std::from_chars(f.data() + pos, f.data() + f.size(), id);
    p.id = id;
    pos = static_cast<std::size_t>(r.ptr - f.data());
  }
  p.json = f.substr(pos);
  return p;
}

/// The event name of `["name", ...]`.
inline std::string_view sio_event_name(std::string_view json) {
  if (json.size() < 3 || json[0] != '[' || json[1] != '"') return {};
  const auto stop = json.find('"', 2);
  return stop == std::string_view::npos ? std::string_view{} : json.substr(2, stop - 2);
}

inline std::string sio_connect(std::string_view nsp, std::string_view token) {
  return "40" + std::string(nsp) + R"(,{"token":")" + std::string(token) + R"("})";
}

inline std::string sio_join(std::string_view nsp, std::int64_t ack_id, std::string_view room) {
  return "42" + std::string(nsp) + "," + std::to_string(ack_id) + R"(["joinRoom",{"roomId":")" +
         std::string(room) + R"("}])";
}

/// sendMessage; ack_id < 0 sends it without asking for an acknowledgement.
inline void sio_send(std::string& out, std::string_view nsp, std::int64_t ack_id, std::string_view room,
                     std::uint32_t sender, std::uint64_t us, std::uint32_t len) {
  out.append("42").append(nsp).append(",");
  if (ack_id >= 0) out.append(std::to_string(ack_id));
  out.append(R"(["sendMessage",{"content":")");
  append_chat_text(out, sender, us, len);
  out.append(R"(","roomId":")").append(room).append(R"("}])");
}

} // namespace bench::text
