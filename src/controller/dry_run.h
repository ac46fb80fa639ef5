#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/types.h"
#include "controller/context.h"
#include "controller/migration_set.h"
#include "revision/plan.h"

namespace pgrevise::controller {

// A dry run publishes the SQL a migration would execute in a ConfigMap named in status.dryRunConfigMap.
//
// The plan Job (`pgrevise migrate plan TARGET --sql`) checks the plan against the database from inside the
// cluster, but what it prints goes to the Pod's log, which the operator does not read (its RBAC has no
// pods/log). So once the plan Job has succeeded, the operator renders the same script itself, offline, from
// the ConfigMap's files and the heads it read from the version table — the runner's own --sql renderer, so
// the text is what `pgrevise migrate upgrade --sql` prints — and publishes it. One ConfigMap per resource
// (`<resource>-dry-run`), replaced by each new plan, owned by the resource so it goes away with it.

// The ConfigMap's name for a resource.
std::string dry_run_config_map_name(const std::string& resource_name);  // within 253 characters

// The SQL script for `plan` (throws Error when the plan cannot be rendered, e.g. a downgrade through a
// revision without a downgrade section). Longer than `max_bytes`: cut at a line end with a closing note.
std::string render_dry_run_sql(const MigrationSet& migrations, const revision::Plan& plan,
                               const api::Spec& spec, const std::string& pgrevise_version,
                               std::size_t max_bytes);

// The ConfigMap: data plan.sql plus target, heads before and after, and the pending revisions; labelled with
// the resource and annotated with the run's plan hash.
nlohmann::json dry_run_config_map(const api::PostgresMigration& resource, const revision::Plan& plan,
                                  const std::string& sql, const std::string& run_hash);

// Renders and applies the ConfigMap unless it already holds this plan; returns its name.
std::string publish_dry_run(Context& ctx);

}  // namespace pgrevise::controller
