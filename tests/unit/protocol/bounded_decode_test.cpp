// Regression tests for docs/security.md "Bounded decoding": minimized inputs
// whose length prefixes claim far more than they carry are refused with a
// clear error before anything of the claimed size is allocated.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "protocol/codec.h"
#include "shared/op.h"
#include "support/alloc_probe.h"

using namespace rectify;
using namespace rectify::protocol;
using rectify::testing::AllocationProbe;

namespace {

constexpr uint64_t kOneGiB = uint64_t{1} << 30;
// Whatever a refused decode allocates must stay far below what it claimed:
// a small multiple of the input plus error-message strings.
constexpr size_t kSmallBytes = 16 * 1024;

void PutU64(std::string* s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// cereal portable binary: the endianness flag, then the fields.
std::string Little() { return std::string(1, '\x01'); }

}  // namespace

TEST_CASE("a 10-byte Bye claiming a 1 GiB reason is refused without allocating it") {
  std::string body = Little();
  PutU64(&body, kOneGiB);
  body += "x";
  REQUIRE(body.size() == 10);
  Frame f;
  f.type = static_cast<uint8_t>(MsgType::kBye);
  f.version = kProtocolVersion;
  f.body = body;
  FrameDecoder dec;
  REQUIRE(dec.Feed(EncodeFrame(f)).ok());
  REQUIRE(dec.HasFrame());
  const Frame got = dec.Pop();
  Bye bye;
  AllocationProbe probe;
  Status st = DecodeMessage(got, MsgType::kBye, &bye);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.message().find("malformed message body") != std::string::npos);
  CHECK(st.message().find("claims 1073741824") != std::string::npos);
  CHECK(probe.largest_request() < kSmallBytes);
  CHECK(probe.peak_bytes() < kSmallBytes);
  CHECK(bye.reason.empty());
}

TEST_CASE("a 9-byte op claiming a 1 GiB device id is refused without allocating it") {
  std::string bytes = Little();
  PutU64(&bytes, kOneGiB);
  REQUIRE(bytes.size() == 9);
  Op op;
  AllocationProbe probe;
  CHECK_FALSE(DecodeOp(bytes, &op));
  CHECK(probe.largest_request() < kSmallBytes);
  CHECK(probe.peak_bytes() < kSmallBytes);
}

TEST_CASE("a 23-byte Hello claiming a 1 GiB school id is refused without allocating it") {
  std::string body = Little();
  body += '\x01';                // min_version
  body += '\x01';                // max_version
  body += std::string(4, '\0');  // schema_version
  PutU64(&body, 0);              // client_name: empty
  PutU64(&body, kOneGiB);        // school_id: 1 GiB, nothing follows
  REQUIRE(body.size() == 23);
  Hello hello;
  AllocationProbe probe;
  Status st = DecodeBody(body, &hello);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.message().find("0 bytes are left") != std::string::npos);
  CHECK(probe.largest_request() < kSmallBytes);
}

TEST_CASE("a huge element count does not reserve room for the elements") {
  // A PullResponse whose op vector claims as many ops as there are bytes
  // left: each op needs far more than one byte, so the decode fails after a
  // few elements, having allocated only for those.
  std::string body = Little();
  PutU64(&body, 4000);
  body += std::string(4000, '\0');
  PullResponse resp;
  AllocationProbe probe;
  CHECK_FALSE(DecodeBody(body, &resp).ok());
  CHECK(probe.peak_bytes() < 16 * body.size() + kSmallBytes);
}

TEST_CASE("every length prefix of a real message rewritten to a huge claim stays bounded") {
  PullResponse resp;
  for (int i = 0; i < 3; ++i) {
    ServerOp so;
    so.server_seq = i + 1;
    so.op.device_id = "dev-" + std::to_string(i);
    so.op.device_seq = i + 1;
    so.op.school_id = "s1";
    so.op.entity = "problem";
    so.op.row_id = "row";
    so.op.fields.push_back({"title", Value(std::string("整改")), {}});
    resp.ops.push_back(so);
  }
  resp.checkpoint = "note";
  resp.consistency_proof = {std::string(32, 'a'), std::string(32, 'b')};
  const std::string good = EncodeBody(resp);
  PullResponse back;
  REQUIRE(DecodeBody(good, &back).ok());
  CHECK(back.ops.size() == 3);
  // Overwrite each 8-byte window with a claim of 2^40: whatever the window
  // hits (a length, a sequence number, bytes), the decode stays bounded.
  size_t refused = 0;
  for (size_t at = 1; at + 8 <= good.size(); ++at) {
    std::string bad = good;
    for (int i = 0; i < 8; ++i) bad[at + i] = static_cast<char>(((uint64_t{1} << 40) >> (8 * i)));
    PullResponse out;
    AllocationProbe probe;
    if (!DecodeBody(bad, &out).ok()) ++refused;
    CAPTURE(at);
    CHECK(probe.peak_bytes() < 16 * good.size() + kSmallBytes);
  }
  CHECK(refused > 0);
}

TEST_CASE("a bool must be 0 or 1 and nothing may trail a body") {
  PullResponse resp;
  std::string good = EncodeBody(resp);
  PullResponse out;
  REQUIRE(DecodeBody(good, &out).ok());
  // Layout: flag, ops size, conflicts size, next_cursor, more (bool) ...
  std::string bad = good;
  bad[1 + 8 + 8 + 8] = 2;
  Status st = DecodeBody(bad, &out);
  CHECK(st.message().find("bool holds 2") != std::string::npos);
  CHECK(DecodeBody(good + "z", &out).message().find("1 trailing bytes") != std::string::npos);
  CHECK(DecodeBody(std::string("\x07", 1), &out).message().find("endianness") != std::string::npos);
}

TEST_CASE("fuzz_op crash: a big-endian op decoded, so one op had two encodings") {
  // Found by fuzz_op (69 zero bytes): the endianness flag 0 made cereal's
  // reader accept a second, big-endian encoding of the same op, which
  // re-encoded differently. Only the little-endian form decodes now.
  const std::string crash(69, '\0');
  Op op;
  CHECK_FALSE(DecodeOp(crash, &op));
  std::string little = crash;
  little[0] = '\x01';
  REQUIRE(DecodeOp(little, &op));
  CHECK(EncodeOp(op) == little);
}
