#include "specs/names.h"

#include <algorithm>
#include <cctype>

#include "common/duration.h"
#include "common/hash.h"

namespace pgrevise::specs {

namespace {

bool is_migration_key(const std::string& key) {
  return key.size() > 4 && key.compare(key.size() - 4, 4, ".sql") == 0;
}

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// Length-prefixed, so that no two different (key, value) sequences hash the same bytes.
void hash_field(Sha256& h, std::string_view text) {
  h.update(std::to_string(text.size()));
  h.update(":");
  h.update(text);
}

Json database_input(const api::DatabaseSpec& db) {
  auto ref = [](const std::optional<api::SecretKeyRef>& r) {
    return r ? Json{{"name", r->name}, {"key", r->key}} : Json();
  };
  Json input = {{"urlSecretRef", ref(db.url_secret_ref)},
                {"host", db.host},
                {"port", db.port},
                {"dbname", db.dbname},
                {"user", db.user},
                {"passwordSecretRef", ref(db.password_secret_ref)},
                {"sslMode", db.ssl_mode}};
  // Only when set, so that the names of Jobs of resources without it stay what they were.
  if (db.tls) {
    const auto& client = db.tls->client_cert_secret_ref;
    input["tls"] = {
        {"caSecretRef", ref(db.tls->ca_secret_ref)},
        {"caConfigMapRef", ref(db.tls->ca_config_map_ref)},
        {"clientCertSecretRef",
         client ? Json{{"name", client->name}, {"certKey", client->cert_key}, {"keyKey", client->key_key}}
                : Json()}};
  }
  return input;
}

Json runner_input(const api::RunnerSpec& runner) {
  if (runner.builtin()) return {{"builtin", true}};
  return {
      {"image", runner.command->image}, {"command", runner.command->command}, {"args", runner.command->args}};
}

// allowDowngrade is left out on purpose: it only decides whether the controller may plan a downgrade, it does
// not change what a Job does. allowDrift does (the runner is passed --allow-drift), and is part of the input
// only when set, so that the names of Jobs of resources without it stay what they were.
Json safety_input(const api::SafetySpec& safety) {
  Json in = {{"lockTimeout", format_duration(safety.lock_timeout)},
             {"statementTimeout", format_duration(safety.statement_timeout)},
             {"lockRetries", safety.lock_retries}};
  if (safety.allow_drift) in["allowDrift"] = true;
  return in;
}

Json backup_input(const api::BackupSpec& backup) {
  return {{"claimName", backup.persistent_volume_claim ? backup.persistent_volume_claim->claim_name : ""},
          {"retain", backup.retain},
          {"compressLevel", backup.compress_level}};
}

}  // namespace

std::string_view to_string(JobKind kind) {
  return kJobKindNames.name(kind, "job");
}

std::vector<std::string> migration_keys_of(const Json& config_map) {
  std::vector<std::string> keys;
  for (const char* field : {"data", "binaryData"}) {
    auto it = config_map.find(field);
    if (it == config_map.end() || !it->is_object()) continue;
    for (const auto& [key, value] : it->items())
      if (is_migration_key(key)) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::string migrations_digest_from_config_map(const Json& config_map) {
  Sha256 h;
  h.update("configmap\n");
  for (const char* field : {"data", "binaryData"}) {
    auto it = config_map.find(field);
    if (it == config_map.end() || !it->is_object()) continue;
    hash_field(h, field);  // nlohmann's objects iterate in key order, so this is canonical
    for (const auto& [key, value] : it->items()) {
      if (!is_migration_key(key) || !value.is_string()) continue;
      hash_field(h, key);
      hash_field(h, value.get_ref<const std::string&>());
    }
  }
  return h.hex_digest();
}

std::string migrations_digest_from_image(const api::ImageMigrations& image) {
  Sha256 h;
  h.update("image\n");
  hash_field(h, image.image);
  hash_field(h, image.path);
  return h.hex_digest();
}

std::string retry_token(const api::PostgresMigration& resource) {
  auto it = resource.metadata.annotations.find(std::string(api::kRetryAnnotation));
  return it == resource.metadata.annotations.end() ? "" : it->second;
}

std::string effective_target(const api::PostgresMigration& resource, const RunInputs& inputs) {
  return inputs.target.empty() ? resource.spec.target_revision : inputs.target;
}

// The generation is in: a target set again later (A, then B, then back to A, as a GitOps revert does) is a
// new run, not the Job that reached A the first time. The direction is out: it follows from the target and
// the database's heads, which the run itself changes (after a downgrade the database is at the target and the
// plan is an empty "upgrade"); a name that followed it would lose sight of the Job that just ran.
Json plan_hash_input(const api::PostgresMigration& resource, JobKind kind, const RunInputs& inputs) {
  const api::Spec& spec = resource.spec;
  Json in = {
      {"format", 1},
      {"kind", to_string(kind)},
      {"resource",
       {{"namespace", resource.metadata.ns},
        {"name", resource.metadata.name},
        {"uid", resource.metadata.uid}}},
      {"generation", resource.metadata.generation},
      {"target", effective_target(resource, inputs)},
      {"migrations", inputs.migrations_digest},
      {"database", database_input(spec.database)},
      {"versionTable", spec.version_table.schema + "." + spec.version_table.name},
      {"retry", retry_token(resource)},
  };
  if (kind == JobKind::kBackup) in["backup"] = backup_input(spec.backup);
  if (kind == JobKind::kMigrate) {
    in["safety"] = safety_input(spec.safety);
    in["runner"] = runner_input(spec.runner);
  }
  return in;
}

std::string plan_hash(const Json& hash_input) {
  return sha256_hex(hash_input.dump());
}

std::string plan_hash(const api::PostgresMigration& resource, JobKind kind, const RunInputs& inputs) {
  return plan_hash(plan_hash_input(resource, kind, inputs));
}

std::string job_name(std::string_view resource_name, JobKind kind, std::string_view hash) {
  const std::string suffix =
      "-" + std::string(to_string(kind)) + "-" + std::string(hash.substr(0, kNameHashLength));
  std::string prefix;
  for (char c : resource_name) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    prefix += is_alnum(lower) ? lower : '-';
  }
  if (prefix.size() > kMaxNameLength - suffix.size()) prefix.resize(kMaxNameLength - suffix.size());
  while (!prefix.empty() && prefix.back() == '-') prefix.pop_back();
  const size_t first = prefix.find_first_not_of('-');
  prefix = first == std::string::npos ? "pgm" : prefix.substr(first);
  return prefix + suffix;
}

std::string job_name(const api::PostgresMigration& resource, JobKind kind, const RunInputs& inputs) {
  return job_name(resource.metadata.name, kind, plan_hash(resource, kind, inputs));
}

std::string label_value(std::string_view text) {
  auto valid_char = [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; };
  const bool valid = text.size() <= kMaxNameLength && std::all_of(text.begin(), text.end(), valid_char) &&
                     (text.empty() || (is_alnum(text.front()) && is_alnum(text.back())));
  if (valid) return std::string(text);
  std::string prefix;
  for (char c : text) prefix += valid_char(c) ? c : '-';
  prefix.resize(std::min(prefix.size(), kMaxNameLength - kNameHashLength - 1));
  while (!prefix.empty() && !is_alnum(prefix.back())) prefix.pop_back();
  while (!prefix.empty() && !is_alnum(prefix.front())) prefix.erase(prefix.begin());
  const std::string hash = sha256_hex(text).substr(0, kNameHashLength);
  return prefix.empty() ? hash : prefix + "-" + hash;
}

}  // namespace pgrevise::specs
