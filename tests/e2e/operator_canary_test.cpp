// A canary password end to end: the database role's password is in the test Secrets only, and a run of the
// real operator at debug level (install with a backup, a dry run, a target bump, a failing migration, three
// resources: one with the whole URL in a Secret, one with only the password in a Secret, and one whose user
// the database refuses) must leave it nowhere: not in the operator's output, the Jobs' output, any object the
// API server stores or ever stored (Jobs, Pods with their termination messages, Events, statuses, ConfigMaps,
// Leases), the request log, /metrics, the health endpoints, or the files the Jobs wrote (backups, manifests,
// termination logs). The Jobs and Pods get the password only through secretKeyRef.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <sstream>

#include <pqxx/pqxx>

#include "e2e/fleet.h"
#include "e2e/operator_e2e.h"

namespace pgrevise::e2e {
namespace {

namespace fs = std::filesystem;

// Characters that a URL must escape, so that the raw, the URL-encoded and the base64 forms all differ.
const std::string kCanary = "Cnry-e2e/Q7x@9+pw";

std::string url_encoded(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Host, port and database name of a postgresql://user:password@host:port/dbname URL.
struct Endpoint {
  std::string host;
  int port = 0;
  std::string dbname;
};

Endpoint endpoint_of(const std::string& url) {
  const auto at = url.find('@');
  const auto colon = url.find(':', at);
  const auto slash = url.find('/', colon);
  return {url.substr(at + 1, colon - at - 1), std::stoi(url.substr(colon + 1, slash - colon - 1)),
          url.substr(slash + 1, url.find('?', slash) - slash - 1)};
}

// A login role whose password is the canary, made owner of the databases given to own(); on destruction the
// databases that still exist go back to the admin and the role is dropped.
class CanaryRole {
 public:
  CanaryRole() : name_("canary_e2e_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++)) {
    pqxx::connection admin(testing::admin_url());
    pqxx::nontransaction tx(admin);
    tx.exec0("CREATE ROLE " + tx.quote_name(name_) + " LOGIN PASSWORD " + tx.quote(kCanary));
  }
  ~CanaryRole() {
    try {
      for (const auto& db : owned_) {
        pqxx::connection admin(testing::admin_url());
        pqxx::nontransaction tx(admin);
        if (tx.exec("SELECT 1 FROM pg_database WHERE datname = " + tx.quote(db)).empty()) continue;
        tx.exec0("ALTER DATABASE " + tx.quote_name(db) + " OWNER TO CURRENT_USER");
        pqxx::connection in_db(testing::url_for_database(testing::admin_url(), db));
        pqxx::nontransaction dtx(in_db);
        dtx.exec0("REASSIGN OWNED BY " + dtx.quote_name(name_) + " TO CURRENT_USER");
        dtx.exec0("DROP OWNED BY " + dtx.quote_name(name_));
      }
      pqxx::connection admin(testing::admin_url());
      pqxx::nontransaction tx(admin);
      tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(name_));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop role " << name_ << ": " << e.what();
    }
  }
  CanaryRole(const CanaryRole&) = delete;
  CanaryRole& operator=(const CanaryRole&) = delete;

  // Gives the role the database, its public schema and its tables; returns the role's URL for it.
  std::string own(const testing::TestDatabase& db) {
    {
      pqxx::connection admin(testing::admin_url());
      pqxx::nontransaction tx(admin);
      tx.exec0("ALTER DATABASE " + tx.quote_name(db.name()) + " OWNER TO " + tx.quote_name(name_));
    }
    owned_.push_back(db.name());
    // Its tables too (the fixture's legacy_notes), so that pg_dump running as the role can read them.
    db.exec("ALTER SCHEMA public OWNER TO " + name_ +
            "; DO $$DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = "
            "'public' LOOP EXECUTE format('ALTER TABLE public.%I OWNER TO %I', t.tablename, '" +
            name_ + "'); END LOOP; END$$");
    const Endpoint e = endpoint_of(db.url());
    return "postgresql://" + name_ + ":" + url_encoded(kCanary) + "@" + e.host + ":" +
           std::to_string(e.port) + "/" + e.dbname;
  }
  const std::string& name() const { return name_; }

 private:
  static inline std::atomic<int> counter_{0};
  std::string name_;
  std::vector<std::string> owned_;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Searches texts for every form of the secret; each hit fails the test with where it was and around it.
class LeakSearch {
 public:
  void add_needle(const std::string& label, const std::string& text) { needles_.emplace_back(label, text); }
  void search(const std::string& where, const std::string& text) {
    ++places_;
    bytes_ += text.size();
    for (const auto& [label, needle] : needles_) {
      const auto at = text.find(needle);
      if (at == std::string::npos) continue;
      ++leaks_;
      const auto from = at < 200 ? 0 : at - 200;
      ADD_FAILURE() << "the canary (" << label << ") is in " << where << ":\n..."
                    << text.substr(from, needle.size() + 400) << "...";
    }
  }
  void search_files(const std::string& what, const fs::path& dir) {
    if (!fs::exists(dir)) return;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file()) search(what + " " + e.path().string(), read_text(e.path()));
  }
  int places() const { return places_; }
  int leaks() const { return leaks_; }
  std::size_t bytes() const { return bytes_; }

 private:
  std::vector<std::pair<std::string, std::string>> needles_;
  int places_ = 0;
  int leaks_ = 0;
  std::size_t bytes_ = 0;
};

// Credentials reach a Pod only as env entries with valueFrom.secretKeyRef to one of `secrets`: no value, no
// envFrom of a Secret, no Secret volume. Returns how many credential entries the spec has.
int check_credentials_by_reference(const Json& pod_spec, const std::string& where,
                                   const std::vector<std::string>& secrets) {
  int by_reference = 0;
  for (const auto& v : pod_spec.value("volumes", Json::array()))
    EXPECT_FALSE(v.contains("secret")) << where << ": a Secret volume " << v.dump();
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : pod_spec.value(list, Json::array())) {
      for (const auto& from : c.value("envFrom", Json::array()))
        EXPECT_FALSE(from.contains("secretRef")) << where << ": envFrom a Secret " << from.dump();
      for (const auto& e : c.value("env", Json::array())) {
        const std::string name = e.value("name", "");
        const Json ref = e.value("valueFrom", Json::object()).value("secretKeyRef", Json());
        const bool credential = name == "DATABASE_URL" || name == "PGPASSWORD";
        if (!credential && ref.is_null()) continue;
        EXPECT_TRUE(credential) << where << ": a Secret in " << name;
        EXPECT_FALSE(e.contains("value")) << where << ": " << name << " has a value";
        if (!ref.is_object()) {
          ADD_FAILURE() << where << ": " << name << " is not a secretKeyRef: " << e.dump();
          continue;
        }
        EXPECT_NE(std::find(secrets.begin(), secrets.end(), ref.value("name", "")), secrets.end())
            << where << ": " << e.dump();
        ++by_reference;
      }
    }
  }
  return by_reference;
}

std::size_t count_termination_messages(const Json& pod) {
  std::size_t n = 0;
  for (const auto& s : pod.value("status", Json::object()).value("containerStatuses", Json::array())) {
    const Json terminated = s.value("state", Json::object()).value("terminated", Json::object());
    if (!terminated.value("message", "").empty()) ++n;
  }
  return n;
}

const std::vector<std::string> kSecrets = {"app-db", "fields-db", "refused-db"};

class OperatorCanaryTest : public OperatorE2eTest {
 protected:
  // The resource beside kResourceName that names host, port, dbname and user, with only the password in a
  // Secret.
  static constexpr const char* kFieldsName = "fields";
  static constexpr const char* kRefusedName = "refused";

  void create_canary_inputs() {
    app_url_ = role_.own(db_);
    fields_url_ = role_.own(fields_db_);
    client_->create(kube::resources::secrets(), kNamespace, secret(kNamespace, "app-db", "url", app_url_));
    client_->create(kube::resources::secrets(), kNamespace,
                    secret(kNamespace, "fields-db", "password", kCanary));
    client_->create(kube::resources::config_maps(), kNamespace,
                    migrations_config_map(kNamespace, "app-migrations", example_migrations()));
    client_->create(kube::resources::config_maps(), kNamespace,
                    migrations_config_map(kNamespace, "fields-migrations", write_chain(dir_, "chain", 3)));
  }

  void create_fields_resource() {
    const Endpoint e = endpoint_of(fields_url_);
    Json r = resource_json("heads");
    r["metadata"]["name"] = kFieldsName;
    r["spec"]["database"] = {
        {"host", e.host},       {"port", e.port},
        {"dbname", e.dbname},   {"user", role_.name()},
        {"sslMode", "disable"}, {"passwordSecretRef", {{"name", "fields-db"}, {"key", "password"}}}};
    r["spec"]["migrations"]["configMapRef"]["name"] = "fields-migrations";
    client_->create(migrations_type(), kNamespace, r);
  }

  // A third resource whose Secret holds the canary for a user that does not exist: the operator's own
  // connection fails, and its error travels into the status, the events and the log.
  void create_refused_resource() {
    const Endpoint e = endpoint_of(app_url_);
    refused_url_ = "postgresql://no_such_role_" + std::to_string(::getpid()) + ":" + url_encoded(kCanary) +
                   "@" + e.host + ":" + std::to_string(e.port) + "/" + e.dbname;
    client_->create(kube::resources::secrets(), kNamespace,
                    secret(kNamespace, "refused-db", "url", refused_url_));
    Json r = resource_json("heads");
    r["metadata"]["name"] = kRefusedName;
    r["spec"]["database"]["urlSecretRef"]["name"] = "refused-db";
    client_->create(migrations_type(), kNamespace, r);
  }

  bool refused_reported() const {
    auto r = client_->try_get(migrations_type(), kNamespace, kRefusedName);
    return r && has_reason(*r, "DatabaseUnreachable");
  }

  bool fields_ready() const {
    auto r = client_->try_get(migrations_type(), kNamespace, kFieldsName);
    return r && condition_true(*r, "Ready") &&
           condition(*r, "Ready").value("observedGeneration", 0) == (*r)["metadata"].value("generation", -1);
  }

  // Adds a revision on top of the example heads that the database refuses.
  void add_failing_revision() {
    Json cm = client_->get(kube::resources::config_maps(), kNamespace, "app-migrations");
    cm["data"]["0017_bad.sql"] = testing::migration(
        "0017", "0016",
        "ALTER TABLE legacy_notes ADD COLUMN flagged bool;\nSELECT no_such_column FROM legacy_notes;",
        "ALTER TABLE legacy_notes DROP COLUMN flagged;");
    client_->update(kube::resources::config_maps(), kNamespace, cm);
  }

  bool has_event(const std::string& reason) const {
    for (const auto& [r, note] : event_reasons())
      if (r == reason) return true;
    return false;
  }

  LeakSearch leak_search() const {
    LeakSearch search;
    search.add_needle("raw", kCanary);
    search.add_needle("URL-encoded", url_encoded(kCanary));
    search.add_needle("base64", base64_encode(kCanary));
    search.add_needle("base64 of the Secret's URL", base64_encode(app_url_));
    search.add_needle("base64 of the refused Secret's URL", base64_encode(refused_url_));
    return search;
  }

  CanaryRole role_;
  testing::TestDatabase fields_db_;
  std::string app_url_;
  std::string fields_url_;
  std::string refused_url_;
};

TEST_F(OperatorCanaryTest, ThePasswordAppearsNowhereTheOperatorOrItsJobsWrite) {
  create_canary_inputs();
  auto& op = start_operator();  // at debug level

  // Install to 0005 with an uncompressed backup (so that the dump is searchable text), and the second
  // resource to its heads.
  create_resource("0005", {{"backup", {{"compressLevel", 0}}}});
  create_fields_resource();
  create_refused_resource();
  wait_ready();
  EXPECT_EQ(heads(), "0005");
  EXPECT_TRUE(eventually([&] { return fields_ready(); }, std::chrono::seconds(120))) << logs();
  EXPECT_TRUE(eventually([&] { return refused_reported(); }, std::chrono::seconds(60)))
      << client_->get(migrations_type(), kNamespace, kRefusedName).dump(2);

  // A dry run of the bump: the plan Job's --sql output published in a ConfigMap.
  patch_resource({{"spec", {{"dryRun", true}, {"targetRevision", "heads"}}}});
  Json r = wait_for_resource(
      [](const Json& r) {
        return has_reason(r, "DryRunComplete") && !r["status"].value("dryRunConfigMap", "").empty() &&
               r["status"].value("observedGeneration", 0) == r["metadata"].value("generation", -1);
      },
      "DryRunComplete for the bump");
  const Json plan =
      client_->get(kube::resources::config_maps(), kNamespace, r["status"].value("dryRunConfigMap", ""));
  EXPECT_NE(plan.value("data", Json::object()).value("plan.sql", "").find("CREATE TABLE"), std::string::npos)
      << plan.dump(2);

  // The bump itself: a second backup, then the migration.
  patch_resource({{"spec", {{"dryRun", false}}}});
  wait_ready();
  EXPECT_EQ(heads(), "0016");

  // A revision the database refuses: a third backup, then a failed migration.
  add_failing_revision();
  r = wait_for_resource([](const Json& r) { return has_reason(r, "MigrationFailed"); }, "MigrationFailed");
  EXPECT_EQ(r["status"].value("lastRun", Json::object()).value("sqlstate", ""), "42703") << r.dump(2);
  EXPECT_TRUE(eventually([&] { return has_event("MigrationFailed"); }, std::chrono::seconds(30)));
  EXPECT_TRUE(kubelet_->wait_idle(std::chrono::seconds(60)));
  EXPECT_EQ(jobs_of("backup").size(), 4u);  // three for app, one for fields
  EXPECT_EQ(jobs_of("migrate").size(), 4u);
  EXPECT_EQ(jobs_of("plan").size(), 1u);

  LeakSearch search = leak_search();

  // The operator's output, at debug level.
  const std::string operator_log = op.log();
  EXPECT_NE(operator_log.find(" debug "), std::string::npos) << "no debug line in the operator's log";
  search.search("the operator's log", operator_log);

  // What every Job's containers printed, before any redaction by the kubelet.
  const auto runs = container_runs();
  EXPECT_GE(runs.size(), jobs().size());
  for (const auto& run : runs) {
    search.search("the command of a container of " + run.job, run.command);
    search.search("the stdout of a container of " + run.job, run.out);
    search.search("the stderr of a container of " + run.job, run.err);
  }

  // Every object the API server stores and every version of it it ever stored, but the two Secrets; the
  // request log's targets.
  std::size_t termination_messages = 0;
  for (const auto& resource : server_.state().resources()) {
    if (resource.id() == "/secrets") continue;
    for (const auto& object : server_.state().snapshot(resource.id(), "")) {
      const std::string where = resource.id() + " " + kube::object_key(object);
      search.search(where, object.dump());
      if (resource.id() == "batch/jobs") {
        const Json pod_spec = object["spec"]["template"]["spec"];
        EXPECT_GT(check_credentials_by_reference(pod_spec, where, kSecrets), 0) << where;
      }
      if (resource.id() == "/pods") {
        EXPECT_GT(check_credentials_by_reference(object["spec"], where, kSecrets), 0) << where;
        termination_messages += count_termination_messages(object);
      }
    }
    for (const auto& event : server_.state().events_after(0, resource.id(), ""))
      search.search("the history of " + resource.id(), event.object.dump());
  }
  EXPECT_GE(termination_messages, 8u) << "the reports of the Jobs were not in their Pods";
  for (const auto& request : server_.requests()) search.search("a request", request.target);

  // The operator's HTTP endpoints.
  const auto metrics = http_get(op.metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_NE(metrics->body.find("pgrevise_migration_runs_total"), std::string::npos);
  search.search("/metrics", metrics->body);
  for (const char* path : {"/healthz", "/readyz"}) {
    const auto answer = http_get(op.health_port(), path);
    if (answer) search.search(path, answer->body);
  }

  // The files the Jobs left: backups and their manifests, termination logs, migrations volumes.
  search.search_files("a file of the kubelet", dir_.path() / "kubelet");
  search.search("the history table",
                db_.query("SELECT string_agg(h::text, E'\\n') FROM alembic_version_history h"));

  EXPECT_EQ(search.leaks(), 0);
  EXPECT_GT(search.places(), 100);
  std::printf("canary searched in %d places (%zu bytes): %d found\n", search.places(), search.bytes(),
              search.leaks());
}

}  // namespace
}  // namespace pgrevise::e2e
