// Issue 11, defects 2 and 3: every op fits the protocol by construction (the
// resolver refuses what a hostile device sends past the limits of
// shared/limits.h) and every answer carrying many ops or leaves is cut by
// bytes, never by count alone.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "server/service/audit_query.h"
#include "shared/audit_export_verify.h"
#include "shared/checkpoint.h"
#include "shared/limits.h"
#include "sync_fixture.h"

using namespace rectify;
using namespace rectify::testing;
using protocol::Outcome;

namespace {

// Pushes `n` ops of distinct problems, each with a title of `title_bytes`.
void PushBig(SyncFixture& fx, const protocol::SessionContext& ctx, int n, size_t title_bytes) {
  std::vector<Op> ops;
  for (int i = 0; i < n; ++i)
    ops.push_back(
        SyncFixture::MakeOp(ctx, static_cast<uint64_t>(i + 1), "problem", "p" + std::to_string(i),
                            {F("title", std::string(title_bytes, 'a' + i % 26))}, kNow + i));
  auto ack = fx.Push(ctx, ops);
  REQUIRE(ack.ok());
}

// Every page of `q` from 0, asking again from `next` while `more`.
std::vector<protocol::AuditResponse> AllPages(SyncFixture& fx, protocol::AuditQuery q) {
  const auto auditor = SyncFixture::Auditor("A", "aud");
  std::vector<protocol::AuditResponse> pages;
  while (true) {
    auto page = fx.service->Audit(auditor, q);
    REQUIRE(page.ok());
    pages.push_back(*page);
    if (!page->more) return pages;
    REQUIRE(page->next > q.from);
    q.from = page->next;
    if (q.kind == "export" && q.upto == 0)
      q.upto = ParseCheckpointBody(*NoteText(pages.front().checkpoint))->size;
  }
}

}  // namespace

TEST_CASE(
    "issue 11 defect 2: the resolver rejects an oversized field and refuses an oversized op") {
  SyncFixture fx;
  const auto school = SyncFixture::School("A", "dA");
  // One text field over 64 KiB: rejected with a reason naming the field.
  const std::string big(kMaxTextFieldBytes + 1, 'x');
  auto r =
      fx.PushOne(school, SyncFixture::MakeOp(school, 1, "problem", "p1", {F("result", big)}, kNow));
  CHECK(r.outcome == Outcome::kRejected);
  CHECK(r.reason.find("problem.result") != std::string::npos);
  CHECK(r.reason.find("limit") != std::string::npos);
  CHECK(fx.Row("A", "problem", "p1").empty());
  CHECK(fx.LeafCount("A") == 1);
  // Fields each within the limit but an op over 256 KiB: the batch is
  // refused whole and nothing is stored, not even a leaf.
  const std::string part(kMaxTextFieldBytes, 'y');
  Op huge = SyncFixture::MakeOp(school, 2, "problem", "p2",
                                {F("department", part), F("detail", part), F("person", part),
                                 F("result", part), F("title", part)},
                                kNow);
  REQUIRE(EncodeOp(huge).size() > kMaxOpBytes);
  auto refused = fx.Push(school, {huge});
  CHECK(refused.status().code() == Status::Code::kInvalidArgument);
  CHECK(refused.status().message().find("seq 2") != std::string::npos);
  CHECK(fx.LeafCount("A") == 1);
  // Within both limits: applied.
  Op fits = huge;
  fits.fields.resize(3);
  CHECK(fx.PushOne(school, fits).outcome == Outcome::kApplied);
}

TEST_CASE("issue 11 defect 2: a pull answer is cut by bytes, never by count alone") {
  SyncFixture fx;
  const auto school = SyncFixture::School("A", "dA");
  // 100 ops of 60 KiB: 6 MB, more than one answer's budget of 4 MiB.
  PushBig(fx, school, 100, 60 << 10);
  uint64_t cursor = 0, pulled = 0;
  int answers = 0;
  while (true) {
    auto resp = fx.service->Pull(school, {cursor, 5000, 0});
    REQUIRE(resp.ok());
    ++answers;
    size_t bytes = 0;
    for (const auto& so : resp->ops) bytes += EncodeOp(so.op).size();
    CHECK(bytes <= kAnswerByteBudget + kMaxOpBytes);
    CHECK(protocol::EncodeBody(*resp).size() < (16u << 20));
    pulled += resp->ops.size();
    cursor = resp->next_cursor;
    if (!resp->more) break;
    REQUIRE(answers < 10);
  }
  CHECK(answers >= 2);
  CHECK(pulled == 100);
}

TEST_CASE("issue 11 defect 3: every audit query is paged by bytes and the pages add up") {
  SyncFixture fx;
  const auto school = SyncFixture::School("A", "dA");
  PushBig(fx, school, 40, 300);
  for (const char* kind : {"log", "as_of", "export", "history", "conflicts"}) {
    INFO("kind " << kind);
    protocol::AuditQuery whole{kind, "A", kind == std::string("history") ? "p7" : "", 0};
    if (kind == std::string("as_of")) whole.arg = "2099-01-01";
    auto one = AllPages(fx, whole);
    REQUIRE(one.size() == 1);  // 40 small ops fit the default budget
    protocol::AuditQuery small = whole;
    small.max_bytes = 2000;
    auto pages = AllPages(fx, small);
    if (kind == std::string("export")) {
      CHECK(pages.size() > 5);
      std::vector<std::string> leaves;
      for (const auto& p : pages) {
        size_t bytes = 0;
        for (const auto& l : p.leaves) bytes += l.size();
        CHECK((p.leaves.size() == 1 || bytes <= 2000));
        leaves.insert(leaves.end(), p.leaves.begin(), p.leaves.end());
      }
      CHECK(leaves == one[0].leaves);
      auto vk = ParseVerifierKey(pages[0].public_key);
      REQUIRE(vk.ok());
      CHECK(VerifyExport(leaves, pages[0].checkpoint, vk->name, vk->key).ok());
      continue;
    }
    auto rows = [&](const protocol::AuditResponse& p) {
      auto j = nlohmann::json::parse(p.json);
      if (j.is_array()) return j;
      return j.contains("rows") ? j["rows"] : j["leaves"];
    };
    nlohmann::json merged = nlohmann::json::array();
    for (const auto& p : pages)
      for (auto& row : rows(p)) merged.push_back(row);
    CHECK(merged == rows(one[0]));
    if (kind == std::string("log") || kind == std::string("as_of")) CHECK(pages.size() > 5);
  }
}

TEST_CASE("issue 11 friction: a resent op is answered as a replay, not as newly applied") {
  SyncFixture fx;
  const auto school = SyncFixture::School("A", "dA");
  Op op = SyncFixture::MakeOp(school, 1, "problem", "p1", {F("title", Text("t"))}, kNow);
  auto first = fx.PushOne(school, op);
  CHECK(first.outcome == Outcome::kApplied);
  CHECK_FALSE(first.replayed);
  auto again = fx.PushOne(school, op);
  CHECK(again.outcome == Outcome::kApplied);
  CHECK(again.replayed);
  CHECK(again.leaf_index == first.leaf_index);
  CHECK(fx.LeafCount("A") == 1);
}
