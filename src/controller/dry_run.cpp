#include "controller/dry_run.h"

#include "common/hash.h"
#include "common/strings.h"
#include "revision/version_width.h"
#include "runner/sql_script.h"
#include "runner/steps.h"
#include "specs/jobs.h"

namespace pgrevise::controller {
namespace {

constexpr char kPlanHashAnnotation[] = "pgrevise.dev/plan-hash";
constexpr char kSqlKey[] = "plan.sql";

std::string cut_to(std::string sql, std::size_t max_bytes) {
  if (sql.size() <= max_bytes) return sql;
  const std::string note = "\n-- (the script is longer than a ConfigMap can hold; the rest is left out)\n";
  std::size_t keep = max_bytes > note.size() ? max_bytes - note.size() : 0;
  std::size_t line_end = sql.rfind('\n', keep);
  sql.resize(line_end == std::string::npos ? keep : line_end);
  return sql + note;
}

std::string text_of(const std::vector<std::string>& heads) {
  return heads.empty() ? std::string("base") : join(heads, ",");
}

}  // namespace

std::string dry_run_config_map_name(const std::string& resource_name) {
  return name_with_suffix(resource_name, "-dry-run");
}

std::string render_dry_run_sql(const MigrationSet& migrations, const revision::Plan& plan,
                               const api::Spec& spec, const std::string& pgrevise_version,
                               std::size_t max_bytes) {
  runner::RunnerOptions options;
  options.version_table.schema = spec.version_table.schema;
  options.version_table.name = spec.version_table.name;
  options.lock_timeout = spec.safety.lock_timeout;
  if (spec.safety.statement_timeout.count() > 0) options.statement_timeout = spec.safety.statement_timeout;
  const std::string header = "dry run of target \"" + spec.target_revision + "\" from " +
                             text_of(plan.heads_before) + " to " + text_of(plan.heads_after);
  auto steps = runner::exec_steps(migrations.graph, plan);
  return cut_to(runner::sql_script(steps, options, header, pgrevise_version,
                                   revision::created_version_width(migrations.graph)),
                max_bytes);
}

nlohmann::json dry_run_config_map(const api::PostgresMigration& resource, const revision::Plan& plan,
                                  const std::string& sql, const std::string& run_hash) {
  std::vector<std::string> pending;
  for (const auto& step : plan.steps) pending.push_back(step.revision_id);
  nlohmann::json owner = {
      {"apiVersion", resource.api_version}, {"kind", resource.kind}, {"name", resource.metadata.name},
      {"uid", resource.metadata.uid},       {"controller", true},    {"blockOwnerDeletion", true}};
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"name", dry_run_config_map_name(resource.metadata.name)},
            {"namespace", resource.metadata.ns},
            {"labels",
             {{std::string(specs::kResourceLabel), specs::label_value(resource.metadata.name)},
              {std::string(specs::kManagedByLabel), std::string(specs::kAppName)}}},
            {"annotations", {{kPlanHashAnnotation, run_hash}}},
            {"ownerReferences", nlohmann::json::array({owner})}}},
          {"data",
           {{kSqlKey, sql},
            {"target", resource.spec.target_revision},
            {"heads-before", text_of(plan.heads_before)},
            {"heads-after", text_of(plan.heads_after)},
            {"pending", join(pending, ",")}}}};
}

std::string publish_dry_run(Context& ctx) {
  const std::string name = dry_run_config_map_name(ctx.name());
  auto desired =
      dry_run_config_map(ctx.resource, *ctx.plan,
                         render_dry_run_sql(*ctx.migrations, *ctx.plan, ctx.resource.spec,
                                            ctx.options.pgrevise_version, ctx.options.max_dry_run_sql_bytes),
                         ctx.run_hash);
  auto existing = ctx.cluster.get_config_map(ctx.ns(), name);
  const bool current = existing && existing->value("data", nlohmann::json::object()) == desired["data"] &&
                       existing->contains("metadata") &&
                       (*existing)["metadata"].value("annotations", nlohmann::json::object()) ==
                           desired["metadata"]["annotations"];
  if (!current) ctx.cluster.apply_config_map(ctx.ns(), desired);
  return name;
}

}  // namespace pgrevise::controller
