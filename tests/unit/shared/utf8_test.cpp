#include <doctest/doctest.h>

#include <string>

#include "shared/utf8.h"

using namespace rectify;

TEST_CASE("utf8: well-formed sequences of every length are accepted") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("ascii \x7f"));
  CHECK(IsValidUtf8("\xC2\x80 é 张老师 €"));
  CHECK(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  CHECK(IsValidUtf8("\xEE\x80\x80"));      // U+E000, just above them
  CHECK(IsValidUtf8("\xF0\x90\x80\x80"));  // U+10000
  CHECK(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  CHECK(Utf8SequenceLength("a张", 0) == 1);
  CHECK(Utf8SequenceLength("a张", 1) == 3);
  CHECK(Utf8SequenceLength("a张", 4) == 0);  // past the end
}

TEST_CASE("utf8: overlongs, surrogates, out-of-range and truncated sequences are refused") {
  const std::string bad[] = {
      "\x80",              // lone continuation
      "\xC0\xAF",          // overlong '/'
      "\xC1\xBF",          // overlong
      "\xE0\x9F\xBF",      // overlong 3-byte
      "\xED\xA0\x80",      // U+D800 surrogate
      "\xED\xBF\xBF",      // U+DFFF surrogate
      "\xF0\x8F\xBF\xBF",  // overlong 4-byte
      "\xF4\x90\x80\x80",  // U+110000
      "\xF5\x80\x80\x80",  // lead byte beyond F4
      "\xFF",
      "\xE4\xB8",      // truncated 张
      "\xE4\xB8\x41",  // continuation missing
      std::string("ok\0\xC3", 4),
  };
  for (const std::string& s : bad) {
    INFO(s.size());
    CHECK_FALSE(IsValidUtf8(s));
    CHECK_FALSE(IsValidUtf8("prefix " + s + " suffix"));
  }
}
