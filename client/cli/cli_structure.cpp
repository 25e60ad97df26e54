// `rectify aspect add`, `rectify category add`: the two-level grouping of
// problems (方面, then （一）（二）… categories). Both are find-or-create.
#include <memory>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"

namespace rectify {

namespace {

struct TitleArgs {
  std::string title, aspect;
};

void RunAspectAdd(CliContext& ctx, const TitleArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddAspect(a.title, ctx.author);
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json) return PrintJson(ctx, {{"id", *id}, {"title", a.title}});
  *ctx.out << "aspect: " << a.title << " (" << *id << ")\n";
}

void RunCategoryAdd(CliContext& ctx, const TitleArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddCategory(a.aspect, a.title, ctx.author);
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json) return PrintJson(ctx, {{"id", *id}, {"title", a.title}});
  *ctx.out << "category: " << a.title << " (" << *id << ")\n";
}

}  // namespace

void AddStructureCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* aspect = app.add_subcommand("aspect", "aspects (方面) of the current inspection");
  aspect->require_subcommand(1);
  auto aa = std::make_shared<TitleArgs>();
  CLI::App* add = aspect->add_subcommand("add", "add an aspect (or find it by title)");
  add->add_option("title", aa->title, "aspect title")->required();
  add->callback([&ctx, aa] { RunAspectAdd(ctx, *aa); });

  CLI::App* cat = app.add_subcommand("category", "categories (（一）（二）…) within an aspect");
  cat->require_subcommand(1);
  auto ca = std::make_shared<TitleArgs>();
  CLI::App* cadd = cat->add_subcommand("add", "add a category (or find it by title)");
  cadd->add_option("--aspect", ca->aspect, "aspect title (created if new) or ordinal")->required();
  cadd->add_option("title", ca->title, "category title")->required();
  cadd->callback([&ctx, ca] { RunCategoryAdd(ctx, *ca); });
}

}  // namespace rectify
