#include <doctest/doctest.h>

#include <random>

#include "protocol/codec.h"
#include "protocol/frame.h"

using namespace rectify;
using namespace rectify::protocol;

TEST_CASE("frame: decoder reassembles frames split at every byte boundary") {
  std::string wire =
      EncodeFrame({1, 1, 0, "hello"}) + EncodeFrame({2, 1, 0, std::string(300, 'x')});
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    FrameDecoder d;
    REQUIRE(d.Feed(std::string_view(wire).substr(0, cut)).ok());
    REQUIRE(d.Feed(std::string_view(wire).substr(cut)).ok());
    REQUIRE(d.HasFrame());
    Frame a = d.Pop();
    CHECK(a.type == 1);
    CHECK(a.body == "hello");
    REQUIRE(d.HasFrame());
    CHECK(d.Pop().body.size() == 300);
    CHECK_FALSE(d.HasFrame());
    CHECK(d.buffered() == 0);
  }
}

TEST_CASE("frame: a huge length prefix is refused before any body is buffered") {
  FrameDecoder d(1024);
  std::string header("\xff\xff\xff\xf0\x01\x01\x00\x00", 8);
  Status st = d.Feed(header);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("exceeds the limit") != std::string::npos);
  CHECK_FALSE(d.Feed("more").ok());  // stays failed
}

TEST_CASE("frame: garbage with reserved bits set is refused") {
  FrameDecoder d;
  CHECK_FALSE(d.Feed(std::string("\x00\x00\x00\x01\x01\x01\x00\x07x", 9)).ok());
  FrameDecoder d2;
  CHECK_FALSE(d2.Feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n").ok());
}

TEST_CASE("codec: compressed message round-trips and is smaller") {
  PushBatch b;
  b.batch_id = "dev:1-100";
  for (int i = 0; i < 100; ++i) {
    Op op;
    op.device_id = "dev";
    op.device_seq = static_cast<uint64_t>(i + 1);
    op.school_id = "s1";
    op.entity = "problem";
    op.row_id = "row-" + std::to_string(i);
    op.fields = {{"result", std::string("整改完成"), {}}};
    b.ops.push_back(op);
  }
  std::string wire = EncodeMessage(MsgType::kPushBatch, b);
  std::string plain = EncodeMessage(MsgType::kPushBatch, b, kProtocolVersion, false);
  CHECK(wire.size() < plain.size() / 2);
  FrameDecoder d;
  REQUIRE(d.Feed(wire).ok());
  Frame f = d.Pop();
  CHECK((f.flags & kFlagZstd) != 0);
  PushBatch back;
  REQUIRE(DecodeMessage(f, MsgType::kPushBatch, &back).ok());
  CHECK(back.ops == b.ops);
  PullRequest wrong;
  CHECK_FALSE(DecodeMessage(f, MsgType::kPullRequest, &wrong).ok());
}

TEST_CASE("codec: a zstd body that expands past the limit is refused") {
  Frame f;
  f.type = static_cast<uint8_t>(MsgType::kPushBatch);
  f.version = kProtocolVersion;
  f.flags = kFlagZstd;
  f.body = CompressBody(std::string(1 << 20, 'a'));
  auto body = FrameBody(f, 1024);
  CHECK_FALSE(body.ok());
  f.body = "not zstd at all";
  CHECK_FALSE(FrameBody(f).ok());
}

TEST_CASE("codec: random garbage bodies never crash the decoder") {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    Frame f;
    f.type = static_cast<uint8_t>(MsgType::kPushBatch);
    f.body.resize(rng() % 64);
    for (auto& c : f.body) c = static_cast<char>(rng());
    PushBatch b;
    (void)DecodeMessage(f, MsgType::kPushBatch, &b);  // must not crash or hang
  }
  CHECK(true);
}
