// Google Benchmark for roomcast's hot paths, without sockets: the conference
// codec, the Socket.IO packet codec with the chatrooms codec, the WebSocket
// frame parser, the UTF-8 validator, the rate limiter, and one chat message
// through a room to N members on CAF's deterministic scheduler.
//
//   build-bench/bench/hot_paths_bench [--benchmark_filter=room]

#include <benchmark/benchmark.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "actors/conference_room.hpp"
#include "actors/rate_limiter.hpp"
#include "dialects/chatrooms_codec.hpp"
#include "dialects/conference_codec.hpp"
#include "gateway/utf8_validator.hpp"
#include "gateway/ws_parser.hpp"
#include "wire/socketio_packet.hpp"

using namespace roomcast;

namespace {

const std::string chat_frame = R"({"event":"chat-message","data":{"message":"hello everyone, the slides are up"}})";

std::string offer_frame() {
  std::string sdp = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  while (sdp.size() < 2500)
    sdp += "a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host generation 0\r\n";
  std::string out = R"({"event":"offer","data":{"targetPeerId":"peer_b","sdp":)";
  append_json_string(out, sdp);
  return out + "}}";
}

void BM_decode_chat_message(benchmark::State& state) {
  codec_limits limits;
  for (auto _ : state)
    benchmark::DoNotOptimize(decode_conference(chat_frame, limits));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_decode_chat_message);

void BM_decode_offer_2k5(benchmark::State& state) {
  auto frame = offer_frame();
  codec_limits limits;
  for (auto _ : state)
    benchmark::DoNotOptimize(decode_conference(frame, limits));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.size()));
}
BENCHMARK(BM_decode_offer_2k5);

void BM_render_chat_message(benchmark::State& state) {
  for (auto _ : state) {
    auto body = render_chat_body("msg_42_deadbeef", "Ada Lovelace", "hello everyone, the slides are up",
                                 1795321197495, "peer_abc123", true);
    benchmark::DoNotOptimize(render_chat_message(body));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_render_chat_message);

// -- Socket.IO (the chatrooms dialect on /chat) --------------------------------------

const std::string sio_send_message =
  R"(2/chat,17["sendMessage",{"roomId":"general","content":"hello everyone, the slides are up","messageType":"TEXT"}])";

void BM_sio_decode_packet(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(decode_sio(sio_send_message));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_sio_decode_packet);

/// A client's sendMessage through both layers, parsing twice: the Socket.IO
/// packet, then the chatrooms event arguments from their text.
void BM_sio_decode_send_message_text(benchmark::State& state) {
  chat_limits limits;
  for (auto _ : state) {
    auto p = decode_sio(sio_send_message);
    benchmark::DoNotOptimize(decode_chat(p->data, p->id, limits));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_sio_decode_send_message_text);

/// The same as the transport does it: parsed once, on a stack buffer, and the
/// chatrooms codec reads the parsed arguments.
void BM_sio_decode_send_message(benchmark::State& state) {
  chat_limits limits;
  for (auto _ : state) {
    unsigned char scratch[4096];
    boost::json::monotonic_resource mr(scratch, sizeof scratch);
    boost::json::value parsed(&mr);
    auto p = decode_sio(sio_send_message, &parsed);
    benchmark::DoNotOptimize(decode_chat(parsed, p->id, limits));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_sio_decode_send_message);

/// What one chat message costs to render for the whole room: the body once,
/// then the receiveMessage frame every member's transport shares.
void BM_sio_render_receive_message(benchmark::State& state) {
  chat_user_ref author{"user-42", "Ada Lovelace"};
  for (auto _ : state) {
    auto body = message_body("general-42", "hello everyone, the slides are up", author, "general", "TEXT",
                             1795321197495);
    benchmark::DoNotOptimize(render_event("/chat", "receiveMessage", body));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_sio_render_receive_message);

void BM_render_peers(benchmark::State& state) {
  peers_view v;
  v.your_id = "peer_0";
  v.host_id = "peer_0";
  for (int i = 0; i < state.range(0); ++i) {
    auto id = "peer_" + std::to_string(i);
    v.peers.push_back(id);
    v.participants.push_back({id, "User " + std::to_string(i), i == 0, false, i % 7 == 0, false});
  }
  for (auto _ : state)
    benchmark::DoNotOptimize(render_peers(v, true));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_render_peers)->Arg(10)->Arg(100);

/// `count` masked client text frames of `chat_frame`, back to back.
std::string masked_frames(int count) {
  std::string out;
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  for (int i = 0; i < count; ++i) {
    out.push_back(static_cast<char>(0x81));
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(chat_frame.size() >> 8));
    out.push_back(static_cast<char>(chat_frame.size() & 0xFF));
    out.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t j = 0; j < chat_frame.size(); ++j)
      out.push_back(static_cast<char>(chat_frame[j] ^ mask[j & 3]));
  }
  return out;
}

void BM_ws_parse_64_frames(benchmark::State& state) {
  auto input = masked_frames(64);
  std::string buf(input.size(), '\0');
  ws_parser parser{64 * 1024};
  std::size_t messages = 0;
  for (auto _ : state) {
    std::memcpy(buf.data(), input.data(), input.size()); // the parser unmasks in place
    parser.feed(buf.data(), buf.size(), [&](const ws_event& e) { messages += e.kind == ws_event_kind::text; });
  }
  benchmark::DoNotOptimize(messages);
  state.SetItemsProcessed(state.iterations() * 64);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(input.size()));
}
BENCHMARK(BM_ws_parse_64_frames);

/// 64 KiB of chat-like text: mostly ASCII (range 0) or mostly two- to
/// four-byte characters (range 1), as a whole message is checked.
void BM_utf8_validate_64k(benchmark::State& state) {
  const std::string ascii_piece = "hello everyone, the slides are up; see you at ten ";
  const std::string accent_piece = "caf\xC3\xA9 ";
  const std::string wide_piece = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5 \xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x91\x8D ";
  std::string text;
  for (std::size_t i = 0; text.size() < 64 * 1024; ++i)
    text += state.range(0) == 0 ? (i % 8 == 7 ? accent_piece : ascii_piece) : wide_piece;
  text.resize(64 * 1024);
  while (!is_valid_utf8(text))
    text.pop_back(); // do not end inside a character
  for (auto _ : state) {
    utf8_validator v;
    benchmark::DoNotOptimize(v.feed(text));
    benchmark::DoNotOptimize(v.complete());
  }
  state.SetLabel(state.range(0) == 0 ? "mostly ASCII" : "multi-byte");
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_utf8_validate_64k)->Arg(0)->Arg(1);

void BM_rate_limiter_allow(benchmark::State& state) {
  rate_limiter limiter{1e9, 1e9};
  auto now = rate_limiter::clock::now();
  for (auto _ : state) {
    now += std::chrono::microseconds(1);
    benchmark::DoNotOptimize(limiter.allow(now));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_rate_limiter_allow);

/// Counts deliveries; what a socket would write is not the subject here.
class counting_link : public client_link {
public:
  bool send(wire_frame_ptr) override {
    ++frames;
    return true;
  }
  void close(std::uint16_t, std::string) override {}
  std::size_t backlog() const override { return 0; }
  void command_done() override {}
  std::size_t frames = 0;
};

/// One chat message from one member through the room to every member, on
/// CAF's deterministic scheduler (no threads): the room's own cost per
/// message and per delivery (no persistence: memory-only room).
void BM_room_chat_broadcast(benchmark::State& state) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  conference_room_config room_cfg;
  room_cfg.capacity = 100000;
  room_cfg.history_limit = 100;
  room_cfg.token_secret = "bench";
  auto room = sys.spawn(conference_room, std::string{"bench"}, room_cfg);
  sched.run();
  auto members = static_cast<int>(state.range(0));
  std::vector<caf::actor> conns;
  std::vector<std::shared_ptr<counting_link>> links;
  for (int i = 0; i < members; ++i) {
    auto conn = sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
      self->set_default_handler(caf::drop);
      return {[](const join_reply&) {}};
    });
    auto link = std::make_shared<counting_link>();
    caf::send_as(conn, room, enter_atom::value,
                 join_request{"p" + std::to_string(i), "user", {}, {}, link});
    sched.run();
    conns.push_back(conn);
    links.push_back(link);
  }
  conference_command chat;
  chat.op = conference_op::chat_message;
  chat.text = "hello everyone, the slides are up";
  for (auto _ : state) {
    caf::send_as(conns[0], room, chat);
    sched.run();
  }
  std::size_t delivered = 0;
  for (auto& l : links)
    delivered += l->frames;
  benchmark::DoNotOptimize(delivered);
  state.SetItemsProcessed(state.iterations() * members); // deliveries
  for (auto& c : conns)
    caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(room, caf::exit_reason::user_shutdown);
  sched.run();
}
BENCHMARK(BM_room_chat_broadcast)->Arg(10)->Arg(1000);

} // namespace

BENCHMARK_MAIN();
