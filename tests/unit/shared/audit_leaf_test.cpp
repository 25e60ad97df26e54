#include <doctest/doctest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "shared/audit_leaf.h"
#include "shared/base64.h"
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

namespace {

// The reference: the format is defined as nlohmann's strict dump of the
// leaf's object (docs/audit-log.md); the hand-written encoder must agree.
std::string ReferenceEncoding(const AuditLeaf& l) {
  nlohmann::json j = {{"author", l.author},
                      {"batch_id", l.batch_id},
                      {"clamped_from_hlc", l.clamped_from_hlc},
                      {"device_hlc", l.device_hlc},
                      {"device_id", l.device_id},
                      {"device_seq", l.device_seq},
                      {"index", l.index},
                      {"op", Base64Encode(l.op_bytes)},
                      {"outcome", l.outcome},
                      {"peer", l.peer},
                      {"reason", l.reason},
                      {"role", l.role},
                      {"rule", l.rule},
                      {"school_id", l.school_id},
                      {"server_time_ms", l.server_time_ms},
                      {"v", 1}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

// Random text mixing ASCII, every control character, quotes, backslashes,
// DEL, and 2-, 3- and 4-byte UTF-8 sequences; sometimes one invalid byte.
std::string RandomText(std::mt19937_64& rng, bool allow_invalid) {
  static const char* const kPieces[] = {"a",
                                        "Z",
                                        "0",
                                        " ",
                                        "\"",
                                        "\\",
                                        "/",
                                        "\x7f",
                                        "é",
                                        "张",
                                        "老师",
                                        "€",
                                        "\xF0\x9F\x98\x80",
                                        "\xEF\xBF\xBF",
                                        "\xF4\x8F\xBF\xBF"};
  static const char* const kInvalid[] = {"\xff",     "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                         "\xE4\xB8", "\x80"};
  std::string s;
  const int n = static_cast<int>(rng() % 12);
  for (int i = 0; i < n; ++i) {
    const uint64_t pick = rng() % 4;
    if (pick == 0)
      s += static_cast<char>(rng() % 0x20);
    else
      s += kPieces[rng() % std::size(kPieces)];
  }
  if (allow_invalid && rng() % 8 == 0)
    s.insert(rng() % (s.size() + 1), kInvalid[rng() % std::size(kInvalid)]);
  return s;
}

}  // namespace

TEST_CASE("audit leaf: the hand-written encoder equals the reference JSON dump, 5,000 seeds") {
  for (uint64_t seed = 1; seed <= 5000; ++seed) {
    std::mt19937_64 rng(seed);
    AuditLeaf l = Sample();
    l.index = rng() >> (rng() % 64);
    l.device_seq = rng() >> (rng() % 64);
    l.device_hlc = rng();
    l.server_time_ms = rng() % 2 ? 0 : rng();
    l.clamped_from_hlc = rng() % 2 ? 0 : rng();
    l.author = RandomText(rng, true);
    l.batch_id = RandomText(rng, false);
    l.peer = RandomText(rng, false);
    l.reason = RandomText(rng, true);
    l.rule = RandomText(rng, false);
    l.op_bytes = RandomText(rng, true);  // binary: base64 in the leaf
    l.outcome = rng() % 2 ? "applied" : "superseded";
    std::string reference;
    bool reference_ok = true;
    try {
      reference = ReferenceEncoding(l);
    } catch (const nlohmann::json::exception&) {
      reference_ok = false;
    }
    Result<std::string> ours = EncodeAuditLeaf(l);
    INFO("seed " << seed);
    REQUIRE(ours.ok() == reference_ok);
    if (!reference_ok) continue;
    REQUIRE(*ours == reference);
    Result<AuditLeaf> back = DecodeAuditLeaf(*ours);
    REQUIRE(back.ok());
    CHECK(*back == l);
  }
}
