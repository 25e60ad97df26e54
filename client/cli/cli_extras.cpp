// `rectify accountability add`, `rectify next-step add|list`.
#include <memory>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"

namespace rectify {

namespace {

struct AccountabilityArgs {
  std::string kind, label, amount, note;
  int64_t count = 0;
};

void RunAccountabilityAdd(CliContext& ctx, const AccountabilityArgs& a) {
  if (a.kind != "funds" && a.kind != "disposition")
    return ctx.Fail("--kind: expected funds or disposition, got " + a.kind);
  if (a.count < 0) return ctx.Fail("--count must not be negative");
  int64_t fen = 0;
  if (!a.amount.empty()) {
    auto parsed = ParseYuan(a.amount);
    if (!parsed.ok()) return ctx.Fail(parsed.status().Annotate("--amount-yuan"));
    fen = *parsed;
  }
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddAccountability(a.kind, a.label, a.count, fen, a.note, ctx.author);
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json) return PrintJson(ctx, {{"id", *id}, {"amount_fen", fen}, {"count", a.count}});
  *ctx.out << "accountability added: " << a.label;
  if (a.kind == "funds") *ctx.out << " " << FormatYuan(fen) << "元";
  if (a.count > 0) *ctx.out << " " << a.count << "人";
  *ctx.out << "\n";
}

struct NextStepArgs {
  std::string title, text;
};

void RunNextStepAdd(CliContext& ctx, const NextStepArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddNextStep(a.title, a.text, ctx.author);
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json) return PrintJson(ctx, {{"id", *id}});
  *ctx.out << "next step added: " << a.title << "\n";
}

void RunNextStepList(CliContext& ctx) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto snap = (*l)->Snapshot();
  if (!snap.ok()) return ctx.Fail(snap.status());
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& s : snap->next_steps)
      j.push_back({{"ordinal", s.ordinal}, {"title", s.title}, {"text", s.text}});
    return PrintJson(ctx, j);
  }
  for (const auto& s : snap->next_steps) {
    *ctx.out << s.ordinal << ". " << s.title;
    if (!s.text.empty()) *ctx.out << " " << s.text;
    *ctx.out << "\n";
  }
}

}  // namespace

void AddExtrasCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* acc = app.add_subcommand("accountability", "accountability (追责问责)");
  acc->require_subcommand(1);
  auto aa = std::make_shared<AccountabilityArgs>();
  CLI::App* add = acc->add_subcommand("add", "record funds recovered or a disposition");
  add->add_option("--kind", aa->kind, "funds or disposition")->required();
  add->add_option("--label", aa->label, "e.g. 追回资金, 政务处分, 诫勉谈话")->required();
  add->add_option("--count", aa->count, "number of people (dispositions)");
  add->add_option("--amount-yuan", aa->amount, "amount in yuan, e.g. 12345.60 (funds)");
  add->add_option("--note", aa->note, "free text");
  add->callback([&ctx, aa] { RunAccountabilityAdd(ctx, *aa); });

  CLI::App* ns = app.add_subcommand("next-step", "next steps (下一步工作安排)");
  ns->require_subcommand(1);
  auto na = std::make_shared<NextStepArgs>();
  CLI::App* nadd = ns->add_subcommand("add", "append a next step");
  nadd->add_option("--title", na->title, "short title")->required();
  nadd->add_option("--text", na->text, "the rest of the item");
  nadd->callback([&ctx, na] { RunNextStepAdd(ctx, *na); });
  ns->add_subcommand("list", "list the next steps")->callback([&ctx] { RunNextStepList(ctx); });
}

}  // namespace rectify
