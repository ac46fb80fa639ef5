#include "bench/operator_scale_world.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <pqxx/pqxx>

#include "e2e/e2e_support.h"

namespace pgrevise::bench {
namespace {

constexpr const char* kOperatorToken = "operator-token";
constexpr const char* kBenchToken = "bench-token";
constexpr const char* kMigrations = "app-migrations";
constexpr const char* kSecret = "app-db";

testing::FakeApiServerOptions server_options() {
  testing::FakeApiServerOptions options;
  options.tokens = {{kOperatorToken, kOperatorUser}, {kBenchToken, kBenchUser}};
  // The real API server sends a bookmark about once a minute on a quiet watch.
  options.bookmark_interval = std::chrono::seconds(60);
  return options;
}

std::string numbered(const char* format, int n) {
  char text[64];
  std::snprintf(text, sizeof text, format, n);
  return text;
}

// What every namespace of a real cluster holds besides the application's objects.
Json root_ca_config_map(const std::string& ns) {
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (int line = 0; line < 17; ++line) pem += std::string(64, 'A' + line % 26) + "\n";
  pem += "-----END CERTIFICATE-----\n";
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "kube-root-ca.crt"}, {"namespace", ns}}},
          {"data", {{"ca.crt", pem}}}};
}

}  // namespace

ScaleWorld::ScaleWorld(WorldOptions options) : options_(std::move(options)), server_(server_options()) {
  e2e::register_crd(server_);
  client_ = e2e::client_for(server_, kBenchToken);
  for (int i = 0; i < options_.resources; ++i) {
    ScaleResource r;
    r.ns = numbered("team-%02d", i % options_.namespaces + 1);
    r.name = numbered("app-%04d", i + 1);
    r.version_table = numbered("version_%04d", i + 1);
    r.backup = options_.backup_every > 0 && i % options_.backup_every == options_.backup_every - 1;
    resources_.push_back(r);
  }
}

std::string ScaleWorld::operator_kubeconfig() const {
  return server_.kubeconfig(kOperatorToken);
}

void ScaleWorld::populate() {
  create_tables();
  for (int n = 1; n <= options_.namespaces; ++n) create_namespace_objects(numbered("team-%02d", n));
  for (const auto& r : resources_) client_->create(e2e::migrations_type(), r.ns, resource_json(r));
}

// The database of a namespace: DATABASE_team_01 beside the given one.
std::string ScaleWorld::database_of(const std::string& ns) const {
  const std::string& url = options_.database_url;
  const auto query = url.find('?');
  const auto slash = url.rfind('/', query);
  std::string name = ns;
  std::replace(name.begin(), name.end(), '-', '_');
  const std::string base =
      url.substr(slash + 1, query == std::string::npos ? std::string::npos : query - slash - 1);
  return url.substr(0, slash + 1) + base + "_" + name + (query == std::string::npos ? "" : url.substr(query));
}

// One database per namespace (so that no two namespaces share a connection), and in it one version table per
// resource, in Alembic's shape, holding the stamped revision.
void ScaleWorld::create_tables() {
  db_ = std::make_unique<pqxx::connection>(options_.database_url);
  for (int n = 1; n <= options_.namespaces; ++n) {
    const std::string url = database_of(numbered("team-%02d", n));
    const std::string name = url.substr(url.rfind('/') + 1, url.find('?') - url.rfind('/') - 1);
    pqxx::nontransaction(*db_).exec("DROP DATABASE IF EXISTS " + name);
    pqxx::nontransaction(*db_).exec("CREATE DATABASE " + name);
    pqxx::connection conn(url);
    pqxx::work tx(conn);
    for (const auto& r : resources_) {
      if (r.ns != numbered("team-%02d", n)) continue;
      tx.exec("CREATE TABLE public." + r.version_table + " (version_num varchar(32) NOT NULL, CONSTRAINT " +
              r.version_table + "_pkc PRIMARY KEY (version_num))");
      tx.exec("INSERT INTO public." + r.version_table + " VALUES ('" + kStampedRevision + "')");
    }
    tx.commit();
  }
}

void ScaleWorld::create_namespace_objects(const std::string& ns) {
  client_->create(kube::resources::namespaces(), "",
                  {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  client_->create(kube::resources::secrets(), ns, e2e::secret(ns, kSecret, "url", database_of(ns)));
  client_->create(kube::resources::config_maps(), ns,
                  e2e::migrations_config_map(ns, kMigrations, e2e::example_migrations()));
  client_->create(kube::resources::config_maps(), ns, root_ca_config_map(ns));
}

Json ScaleWorld::resource_json(const ScaleResource& r) const {
  Json backup = {{"enabled", r.backup}};
  if (r.backup) backup["persistentVolumeClaim"] = {{"claimName", "db-backups"}};
  return {{"apiVersion", "pgrevise.dev/v1alpha1"},
          {"kind", "PostgresMigration"},
          {"metadata", {{"name", r.name}, {"namespace", r.ns}}},
          {"spec",
           {{"database", {{"urlSecretRef", {{"name", kSecret}, {"key", "url"}}}}},
            {"targetRevision", kStampedRevision},
            {"migrations", {{"configMapRef", {{"name", kMigrations}}}}},
            {"versionTable", {{"name", r.version_table}}},
            {"backup", backup}}}};
}

namespace {

constexpr const char* kMigrationsId = "pgrevise.dev/postgresmigrations";

bool ready_for_generation(const Json& resource) {
  const Json c = e2e::condition(resource, "Ready");
  return c.is_object() && c.value("status", "") == "True" &&
         c.value("observedGeneration", -1) == resource["metadata"].value("generation", -2);
}

std::string now_rfc3339() {
  char text[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

}  // namespace

int ScaleWorld::ready_count() {
  int ready = 0;
  for (const auto& r : server_.state().snapshot(kMigrationsId, "")) ready += ready_for_generation(r);
  return ready;
}

bool ScaleWorld::ready(const ScaleResource& resource) {
  const auto object = server_.state().object(kMigrationsId, resource.ns, resource.name);
  return object && ready_for_generation(*object);
}

void ScaleWorld::complete_job(const ScaleResource& resource, const std::string& job,
                              const std::string& revision) {
  if (job.find("-migrate-") != std::string::npos) {
    pqxx::connection conn(database_of(resource.ns));
    pqxx::work tx(conn);
    tx.exec("UPDATE public." + resource.version_table + " SET version_num = " + tx.quote(revision));
    tx.commit();
  }
  auto object = server_.state().object("batch/jobs", resource.ns, job);
  if (!object) throw std::runtime_error("Job " + resource.ns + "/" + job + " vanished");
  const std::string now = now_rfc3339();
  (*object)["status"] = {
      {"startTime", now},
      {"completionTime", now},
      {"succeeded", 1},
      {"conditions",
       {{{"type", "Complete"}, {"status", "True"}, {"lastTransitionTime", now}},
        {{"type", "SuccessCriteriaMet"}, {"status", "True"}, {"lastTransitionTime", now}}}}};
  client_->update_status(kube::resources::jobs(), resource.ns, *object);
}

void ScaleWorld::bump(const ScaleResource& resource, const std::string& target) {
  client_->patch(e2e::migrations_type(), resource.ns, resource.name, kube::PatchType::kMerge,
                 {{"spec", {{"targetRevision", target}}}});
}

std::vector<std::string> ScaleWorld::job_names(const std::string& ns, const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& job : server_.state().snapshot("batch/jobs", ns)) {
    const std::string name = job["metadata"].value("name", "");
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  return names;
}

}  // namespace pgrevise::bench
