#define CAF_SUITE persistence_messages
#include "persistence/persistence_messages.hpp"

#include <typeinfo>
#include <vector>

#include "caf/all.hpp"
#include "caf/test/unit_test.hpp"

using namespace roomcast::persistence;

namespace {

struct test_config : caf::actor_system_config {
  test_config() {
    add_persistence_message_types(*this);
  }
};

struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};

  room_record sample_record() {
    room_record rec;
    rec.found = true;
    rec.kind = "conference";
    rec.version = 3;
    rec.state = "{\"peers\":[\"a\",\"b\"]}";
    rec.updated_ms = 1718000000123;
    rec.history = {{41, "m41", 1718000000001, "{\"text\":\"hi\"}"},
                   {42, "m42", 1718000000002, "{\"text\":\"ho\"}"}};
    rec.last_seq = 42;
    return rec;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(persistence_messages_tests, fixture)

CAF_TEST(the types are registered under their portable names) {
  auto& types = sys.types();
  CAF_CHECK_EQUAL(types.portable_name(0, &typeid(stored_message)),
                  "roomcast.persistence.stored_message");
  CAF_CHECK_EQUAL(types.portable_name(0, &typeid(room_record)),
                  "roomcast.persistence.room_record");
  CAF_CHECK_NOT_EQUAL(
    types.portable_name(0, &typeid(std::vector<stored_message>)),
    types.default_type_name());
}

CAF_TEST(messages of this module survive serialization) {
  auto rec = sample_record();
  auto original = caf::make_message(load_atom::value, std::string{"conf:a"},
                                    rec, rec.history);
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  if (auto err = sink(original))
    CAF_FAIL("serialization failed: " << sys.render(err));
  caf::message copy;
  caf::binary_deserializer source{sys, buf};
  if (auto err = source(copy))
    CAF_FAIL("deserialization failed: " << sys.render(err));
  CAF_REQUIRE((copy.match_elements<load_atom, std::string, room_record,
                                   std::vector<stored_message>>()));
  CAF_CHECK_EQUAL(copy.get_as<std::string>(1), "conf:a");
  CAF_CHECK_EQUAL(copy.get_as<room_record>(2), rec);
  CAF_CHECK_EQUAL(copy.get_as<std::vector<stored_message>>(3), rec.history);
}

CAF_TEST(records differ when any field differs) {
  auto a = sample_record();
  auto b = a;
  CAF_CHECK_EQUAL(a, b);
  b.history.back().body = "{}";
  CAF_CHECK_NOT_EQUAL(a, b);
  b = a;
  b.last_seq = 43;
  CAF_CHECK_NOT_EQUAL(a, b);
}

CAF_TEST_FIXTURE_SCOPE_END()
