#include "client/report/text_encoding.h"

#include <doctest/doctest.h>

#include "tests/unit/client/ledger_fixture.h"

namespace rectify {
namespace {

TEST_CASE("ToUtf8 keeps plain UTF-8 and reports it") {
  std::string detected;
  auto r = ToUtf8("序号,问题\n", &detected);
  REQUIRE(r.ok());
  CHECK(*r == "序号,问题\n");
  CHECK(detected == "utf-8");
}

TEST_CASE("ToUtf8 strips a UTF-8 BOM") {
  std::string detected;
  auto r = ToUtf8("\xEF\xBB\xBF整改", &detected);
  REQUIRE(r.ok());
  CHECK(*r == "整改");
  CHECK(detected == "utf-8-bom");
}

TEST_CASE("ToUtf8 decodes GB18030, including four-byte sequences") {
  std::string detected;
  auto r = ToUtf8("\xD5\xFB\xB8\xC4,\xC9\xFD\xC6\xEC\xCC\xA8 \x94\x39\xFC\x36", &detected);
  REQUIRE(r.ok());
  CHECK(*r == "整改,升旗台 😀");
  CHECK(detected == "gb18030");
}

TEST_CASE("ToUtf8 names the byte offset when neither encoding fits") {
  auto r = ToUtf8("ab\xFF\xFF", nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kInvalidArgument);
  CHECK(r.status().message().find("UTF-8 (invalid at byte offset 2)") != std::string::npos);
  CHECK(r.status().message().find("GB18030") != std::string::npos);
}

TEST_CASE("ToUtf8 rejects a BOM followed by invalid UTF-8") {
  auto r = ToUtf8(
      "\xEF\xBB\xBF"
      "a\xC3",
      nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("byte offset 4") != std::string::npos);
}

TEST_CASE("FirstInvalidUtf8 rejects overlongs, surrogates and truncation") {
  CHECK_FALSE(FirstInvalidUtf8("abc 整改 😀").has_value());
  CHECK(FirstInvalidUtf8("\xC0\xAF") == 0u);          // overlong '/'
  CHECK(FirstInvalidUtf8("x\xED\xA0\x80") == 1u);     // UTF-16 surrogate
  CHECK(FirstInvalidUtf8("ab\xE6\x95") == 2u);        // truncated 整
  CHECK(FirstInvalidUtf8("\xF4\x90\x80\x80") == 0u);  // above U+10FFFF
}

TEST_CASE("the GB18030 fixture decodes to the UTF-8 fixture") {
  std::string gb_kind, utf_kind;
  auto gb = ToUtf8(testing::ReadTestFile("unseen57_gb18030.csv"), &gb_kind);
  auto utf = ToUtf8(testing::ReadTestFile("unseen57_utf8.csv"), &utf_kind);
  REQUIRE(gb.ok());
  REQUIRE(utf.ok());
  CHECK(gb_kind == "gb18030");
  CHECK(utf_kind == "utf-8-bom");
  CHECK(*gb == *utf);
}

}  // namespace
}  // namespace rectify
