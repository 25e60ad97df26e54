#include <doctest/doctest.h>

#include "shared/audit_leaf.h"
#include "shared/op.h"

using namespace rectify;

namespace {

AuditLeaf Sample() {
  Op op;
  op.device_id = "dev-1";
  op.device_seq = 42;
  op.school_id = "school-001";
  op.entity = "problem";
  op.row_id = "0b7f5f9e-1111-4c2a-9d00-000000000001";
  op.fields = {{"title", std::string("食堂管理不规范"), {}}};
  op.hlc = Hlc{123456789};
  op.author = "张老师";
  op.schema_version = 1;

  AuditLeaf l;
  l.index = 7;
  l.school_id = "school-001";
  l.device_id = "dev-1";
  l.role = "clerk";
  l.author = "张老师";
  l.peer = "10.0.0.5:51234";
  l.batch_id = "b-9";
  l.device_seq = 42;
  l.device_hlc = 123456789;
  l.server_time_ms = 1700000000123;
  l.outcome = "rejected";
  l.reason = "verified problem is read-only\n\"quoted\"\t\\";
  l.rule = "status-machine";
  l.clamped_from_hlc = 18446744073709551615ull;
  l.op_bytes = EncodeOp(op);
  return l;
}

}  // namespace

TEST_CASE("audit leaf: canonical encoding round-trips") {
  AuditLeaf l = Sample();
  std::string enc = *EncodeAuditLeaf(l);
  CHECK(enc.find('\n') == std::string::npos);
  CHECK(enc.find("\": ") == std::string::npos);  // no whitespace between tokens
  CHECK(enc.find(", \"") == std::string::npos);
  CHECK(enc.rfind("{\"author\":\"张老师\",\"batch_id\":\"b-9\",\"clamped_from_hlc\":"
                  "18446744073709551615,\"device_hlc\":123456789,",
                  0) == 0);
  CHECK(enc.find("\"reason\":\"verified problem is read-only\\n\\\"quoted\\\"\\t\\\\\"") !=
        std::string::npos);
  CHECK(enc.substr(enc.size() - 7) == ",\"v\":1}");
  Result<AuditLeaf> back = DecodeAuditLeaf(enc);
  REQUIRE(back.ok());
  CHECK(*back == l);
  Op op;
  REQUIRE(DecodeOp(back->op_bytes, &op));
  CHECK(op.author == "张老师");
  // Deterministic: same leaf, same bytes.
  CHECK(*EncodeAuditLeaf(Sample()) == enc);
  // Every field matters.
  AuditLeaf other = l;
  other.device_seq = 43;
  CHECK(*EncodeAuditLeaf(other) != enc);
}

TEST_CASE("audit leaf: control characters are escaped, empty values are kept") {
  AuditLeaf l;
  l.outcome = "applied";
  l.reason = std::string(
      "a\x01"
      "b\x7f",
      4);
  std::string enc = *EncodeAuditLeaf(l);
  CHECK(enc.find("\"reason\":\"a\\u0001b\x7f\"") != std::string::npos);
  CHECK(*DecodeAuditLeaf(enc) == l);
}

TEST_CASE("audit leaf: encoding refuses bad input") {
  AuditLeaf l = Sample();
  l.outcome = "maybe";
  CHECK(!EncodeAuditLeaf(l).ok());
  l = Sample();
  l.author = "\xff\xfe";
  CHECK(EncodeAuditLeaf(l).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("audit leaf: decoding garbage and non-canonical spellings fails cleanly") {
  std::string enc = *EncodeAuditLeaf(Sample());
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = enc;
    size_t p = s.find(from);
    REQUIRE(p != std::string::npos);
    return s.replace(p, from.size(), to);
  };
  const std::string bad[] = {
      "",
      "null",
      "[]",
      "{}",
      "{\"v\":1}",
      enc.substr(0, enc.size() - 1),
      enc + " ",
      " " + enc,
      enc + "\n",
      replaced("\"index\":7", "\"index\": 7"),                     // whitespace
      replaced("\"index\":7", "\"index\":7.0"),                    // not an integer
      replaced("\"index\":7", "\"index\":-7"),                     // negative
      replaced("\"index\":7", "\"index\":\"7\""),                  // wrong type
      replaced("\"v\":1", "\"v\":2"),                              // unknown version
      replaced("\"rejected\"", "\"approved\""),                    // unknown outcome
      replaced("\"role\":\"clerk\"", "\"role\":\"cl\\u0065rk\""),  // needless escape
      replaced("\"author\":\"张老师\"", "\"author\":\"\\u5f20老师\""),
      replaced("\"batch_id\":\"b-9\",", ""),                               // missing field
      replaced("\"batch_id\":\"b-9\",", "\"batch_id\":\"b-9\",\"x\":1,"),  // extra field
      replaced("\"batch_id\":\"b-9\",", "\"batch_id\":\"b-9\",\"batch_id\":\"b-9\","),
      replaced("\"op\":\"", "\"op\":\"!"),  // op not base64
      std::string("{\"a\":\"\xff\"}"),
      std::string(1000, '{'),
  };
  for (const std::string& b : bad) {
    INFO(b);
    Result<AuditLeaf> r = DecodeAuditLeaf(b);
    CHECK(!r.ok());
    if (!r.ok()) CHECK(r.status().code() == Status::Code::kCorruption);
  }
  // Key order matters: the same object with two keys swapped is rejected.
  std::string swapped = replaced("\"author\":\"张老师\",\"batch_id\":\"b-9\"",
                                 "\"batch_id\":\"b-9\",\"author\":\"张老师\"");
  CHECK(!DecodeAuditLeaf(swapped).ok());
}
