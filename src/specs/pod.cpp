#include "specs/pod.h"

#include <algorithm>
#include <filesystem>

#include "common/error.h"

namespace pgrevise::specs {

namespace {

namespace fs = std::filesystem;

// Whether one of two absolute paths is the other or lies in it, component by component (so /app and
// /application do not overlap) after lexical normalisation (so /app/./db/ and /app/db do).
bool paths_overlap(std::string_view a, std::string_view b) {
  fs::path left = fs::path(a).lexically_normal();
  fs::path right = fs::path(b).lexically_normal();
  // A trailing slash normalises to an empty last component, which would stop a prefix from matching.
  if (!left.has_filename()) left = left.parent_path();
  if (!right.has_filename()) right = right.parent_path();
  const auto [l, r] = std::mismatch(left.begin(), left.end(), right.begin(), right.end());
  return l == left.end() || r == right.end();
}

// The image's path as the copy's source: `<path>/.` copies the folder's content, not the folder.
std::string copy_source(std::string_view image_path) {
  std::string folder(image_path);
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  return folder + (folder.back() == '/' ? "." : "/.");
}

Json runtime_default_seccomp() {
  return {{"type", "RuntimeDefault"}};
}

bool is_set(const Json& j) {
  return !j.is_null() && !j.empty();
}

}  // namespace

Json pod_security_context(const OperatorSettings& settings) {
  return {{"runAsNonRoot", true},
          {"runAsUser", settings.run_as_user},
          {"runAsGroup", settings.run_as_user},
          // The backup claim becomes writable for the runner's group; only when its root does not match
          // already, so a large volume is not walked on every run.
          {"fsGroup", settings.run_as_user},
          {"fsGroupChangePolicy", "OnRootMismatch"},
          {"seccompProfile", runtime_default_seccomp()}};
}

Json container_security_context(const OperatorSettings& settings) {
  return {{"allowPrivilegeEscalation", false},   {"privileged", false},
          {"readOnlyRootFilesystem", true},      {"runAsNonRoot", true},
          {"runAsUser", settings.run_as_user},   {"runAsGroup", settings.run_as_user},
          {"capabilities", {{"drop", {"ALL"}}}}, {"seccompProfile", runtime_default_seccomp()}};
}

Json env_value(const std::string& name, const std::string& value) {
  return {{"name", name}, {"value", value}};
}

namespace {

Json env_from_secret(const std::string& name, const api::SecretKeyRef& ref) {
  return {{"name", name}, {"valueFrom", {{"secretKeyRef", {{"name", ref.name}, {"key", ref.key}}}}}};
}

}  // namespace

Json database_env(const api::DatabaseSpec& database) {
  Json env = Json::array();
  if (database.url_secret_ref) {
    env.push_back(env_from_secret("DATABASE_URL", *database.url_secret_ref));
    return env;
  }
  env.push_back(env_value("PGHOST", database.host));
  env.push_back(env_value("PGPORT", std::to_string(database.port)));
  if (!database.dbname.empty()) env.push_back(env_value("PGDATABASE", database.dbname));
  if (!database.user.empty()) env.push_back(env_value("PGUSER", database.user));
  if (!database.ssl_mode.empty()) env.push_back(env_value("PGSSLMODE", database.ssl_mode));
  if (database.password_secret_ref)
    env.push_back(env_from_secret("PGPASSWORD", *database.password_secret_ref));
  return env;
}

Json migrations_volume(const api::MigrationsSource& source, const std::vector<std::string>& keys) {
  if (!source.config_map_ref) return {{"name", kMigrationsVolume}, {"emptyDir", Json::object()}};
  Json config_map = {{"name", source.config_map_ref->name}, {"defaultMode", 0444}};
  if (!keys.empty()) {
    Json items = Json::array();
    for (const auto& key : keys) items.push_back({{"key", key}, {"path", key}});
    config_map["items"] = items;
  }
  return {{"name", kMigrationsVolume}, {"configMap", config_map}};
}

std::string copy_destination_path(std::string_view image_path) {
  for (std::string_view candidate : {kCopyDestinationPath, kCopyDestinationFallbackPath})
    if (!paths_overlap(image_path, candidate)) return std::string(candidate);
  return "";
}

Json copy_migrations_container(const api::MigrationsSource& source, const api::JobOverrides& overrides,
                               const OperatorSettings& settings) {
  if (!source.image) return Json();
  const std::string& path = source.image->path;
  const std::string destination = copy_destination_path(path);
  if (destination.empty())
    throw_bad_input("spec.migrations.image.path: " + path +
                    " is the image's root folder; name the folder that holds the migrations");
  // Without a shell, so any image with coreutils will do.
  Json c = {{"name", kCopyMigrationsContainer},
            {"image", source.image->image},
            {"command", {"cp", "-R", copy_source(path), destination}},
            {"volumeMounts", {{{"name", kMigrationsVolume}, {"mountPath", destination}}}},
            {"securityContext", container_security_context(settings)}};
  if (!settings.image_pull_policy.empty()) c["imagePullPolicy"] = settings.image_pull_policy;
  if (Json r = container_resources(overrides, settings); !r.is_null()) c["resources"] = r;
  return c;
}

Json container_resources(const api::JobOverrides& overrides, const OperatorSettings& settings) {
  if (is_set(overrides.resources)) return overrides.resources;
  if (is_set(settings.default_resources)) return settings.default_resources;
  return Json();
}

std::string runner_image(const api::JobOverrides& overrides, const OperatorSettings& settings) {
  return overrides.image.empty() ? settings.runner_image : overrides.image;
}

void apply_pod_overrides(Json& pod_spec, const api::JobOverrides& overrides,
                         const OperatorSettings& settings) {
  const std::string& account =
      overrides.service_account_name.empty() ? settings.service_account_name : overrides.service_account_name;
  if (!account.empty()) pod_spec["serviceAccountName"] = account;
  if (!overrides.priority_class_name.empty()) pod_spec["priorityClassName"] = overrides.priority_class_name;
  if (!overrides.node_selector.empty()) pod_spec["nodeSelector"] = overrides.node_selector;
  if (is_set(overrides.tolerations)) pod_spec["tolerations"] = overrides.tolerations;
  if (is_set(overrides.affinity)) pod_spec["affinity"] = overrides.affinity;
  std::vector<std::string> names = settings.image_pull_secrets;
  for (const auto& name : overrides.image_pull_secrets)
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  if (!names.empty()) {
    Json secrets = Json::array();
    for (const auto& name : names) secrets.push_back({{"name", name}});
    pod_spec["imagePullSecrets"] = secrets;
  }
}

Json default_job_resources() {
  return {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}},
          {"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}};
}

}  // namespace pgrevise::specs
