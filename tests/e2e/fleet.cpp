#include "e2e/fleet.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

namespace pgrevise::e2e {
namespace {

const std::string kMigrationsId = "pgrevise.dev/postgresmigrations";

std::string label(const Json& object, const std::string& name) {
  const Json labels = object.value("metadata", Json::object()).value("labels", Json::object());
  return labels.contains(name) && labels[name].is_string() ? labels[name].get<std::string>() : "";
}

JobKey run_of(const Json& job) {
  const Json meta = job.value("metadata", Json::object());
  const Json annotations = meta.value("annotations", Json::object());
  return {meta.value("namespace", "") + "/" + label(job, "pgrevise.dev/resource"),
          label(job, "app.kubernetes.io/component"), annotations.value("pgrevise.dev/target", "")};
}

Json resource_for(const FleetMember& m, const std::string& target) {
  return {{"apiVersion", "pgrevise.dev/v1alpha1"},
          {"kind", "PostgresMigration"},
          {"metadata", {{"name", m.name}, {"namespace", m.ns}}},
          {"spec",
           {{"database", {{"urlSecretRef", {{"name", m.name + "-db"}, {"key", "url"}}}}},
            {"targetRevision", target},
            {"migrations", {{"configMapRef", {{"name", m.name + "-migrations"}}}}},
            {"backup", {{"enabled", true}, {"persistentVolumeClaim", {{"claimName", "db-backups"}}}}}}}};
}

bool converged(const Json& r, const std::string& target) {
  const Json ready = condition(r, "Ready");
  const Json status = r.value("status", Json::object());
  return ready.is_object() && ready.value("status", "") == "True" &&
         ready.value("observedGeneration", -1) == r["metadata"].value("generation", -2) &&
         status.value("observedGeneration", -1) == r["metadata"].value("generation", -2) &&
         status.value("currentHeads", Json::array()) == Json::array({target});
}

}  // namespace

std::string chain_revision(int i) {
  char id[16];
  std::snprintf(id, sizeof id, "r%02d", i);
  return id;
}

std::filesystem::path write_chain(const testing::TempDir& dir, const std::string& sub, int revisions) {
  for (int i = 0; i < revisions; ++i) {
    const std::string id = chain_revision(i);
    dir.write(sub + "/" + id + ".sql", testing::migration(id, i == 0 ? "" : chain_revision(i - 1),
                                                          "CREATE TABLE t_" + id + " (id int PRIMARY KEY);",
                                                          "DROP TABLE t_" + id + ";"));
  }
  return dir.path() / sub;
}

std::uint64_t test_seed(std::uint64_t fallback) {
  const char* text = std::getenv("PGREVISE_E2E_SEED");
  const std::uint64_t seed = text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 10) : fallback;
  std::printf("seed %llu (set PGREVISE_E2E_SEED to repeat or vary it)\n",
              static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  return seed;
}

std::string FleetMember::heads() const {
  if (!db->table_exists("public.alembic_version")) return "";
  return db->query(
      "SELECT coalesce(string_agg(version_num, ',' ORDER BY version_num), '') FROM alembic_version");
}

Fleet::Fleet(kube::RestClient& client, std::filesystem::path migrations_dir)
    : client_(client), migrations_dir_(std::move(migrations_dir)) {}

void Fleet::create(int count, const std::vector<std::string>& namespaces, const std::string& target) {
  const Json config_map = migrations_config_map("", "", migrations_dir_);
  for (int i = 0; i < count; ++i) {
    FleetMember m;
    m.ns = namespaces[static_cast<std::size_t>(i) % namespaces.size()];
    m.name = "db-" + std::to_string(i);
    m.db = std::make_unique<testing::TestDatabase>();
    client_.create(kube::resources::secrets(), m.ns, secret(m.ns, m.name + "-db", "url", m.db->url()));
    Json cm = config_map;
    cm["metadata"] = {{"name", m.name + "-migrations"}, {"namespace", m.ns}};
    client_.create(kube::resources::config_maps(), m.ns, cm);
    client_.create(migrations_type(), m.ns, resource_for(m, target));
    members_.push_back(std::move(m));
  }
}

void Fleet::set_target(const std::string& target) {
  for (const auto& m : members_) {
    client_.patch(migrations_type(), m.ns, m.name, kube::PatchType::kMerge,
                  {{"spec", {{"targetRevision", target}}}});
  }
}

std::vector<std::string> Fleet::lagging(const std::string& target) const {
  std::map<std::string, Json> by_key;
  for (auto& r : client_.list(migrations_type(), "").items) by_key[kube::object_key(r)] = r;
  std::vector<std::string> out;
  for (const auto& m : members_) {
    const auto it = by_key.find(m.key());
    if (it == by_key.end() || !converged(it->second, target)) out.push_back(m.key());
  }
  return out;
}

bool Fleet::wait_converged(const std::string& target, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> left = lagging(target);
  while (!left.empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    left = lagging(target);
  }
  if (left.empty()) return true;
  std::string detail;
  for (const auto& key : left) {
    const auto slash = key.find('/');
    auto r = client_.try_get(migrations_type(), key.substr(0, slash), key.substr(slash + 1));
    detail += key + ": " + (r ? r->value("status", Json::object()).dump() : "gone") + "\n";
    if (detail.size() > 20000) break;
  }
  ADD_FAILURE() << left.size() << " resource(s) did not reach " << target << ":\n" << detail;
  return false;
}

std::vector<std::string> Fleet::databases_not_at(const std::string& target) const {
  std::vector<std::string> out;
  for (const auto& m : members_) {
    const std::string heads = m.heads();
    if (heads != target) out.push_back(m.key() + " at '" + heads + "'");
  }
  return out;
}

std::map<JobKey, int> job_creates(const std::vector<testing::RecordedRequest>& log) {
  std::map<JobKey, int> out;
  for (const auto& r : log) {
    if (r.resource == "batch/jobs" && r.verb == "create" && r.code == 201) ++out[run_of(r.object)];
  }
  return out;
}

std::map<JobKey, int> jobs_by_run(kube::RestClient& client) {
  std::map<JobKey, int> out;
  for (const auto& job : client.list(kube::resources::jobs(), "").items) ++out[run_of(job)];
  return out;
}

std::vector<std::string> status_regressions(const std::vector<testing::RecordedRequest>& log,
                                            std::size_t* writes_seen) {
  // Per resource: (resourceVersion, object) of every successful status write.
  std::map<std::string, std::vector<std::pair<std::uint64_t, const Json*>>> writes;
  std::size_t n = 0;
  for (const auto& r : log) {
    if (r.resource != kMigrationsId || r.subresource != "status" || r.code != 200 || !r.object.is_object())
      continue;
    const std::string rv = r.object["metadata"].value("resourceVersion", "0");
    writes[r.ns + "/" + r.name].emplace_back(std::stoull(rv), &r.object);
    ++n;
  }
  if (writes_seen != nullptr) *writes_seen = n;
  std::vector<std::string> out;
  for (auto& [key, list] : writes) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::int64_t status_seen = 0;
    std::map<std::string, std::int64_t> condition_seen;
    for (const auto& [rv, object] : list) {
      const Json status = object->value("status", Json::object());
      const std::int64_t observed = status.value("observedGeneration", std::int64_t{0});
      if (observed < status_seen)
        out.push_back(key + " rv " + std::to_string(rv) + ": observedGeneration " + std::to_string(observed) +
                      " after " + std::to_string(status_seen));
      status_seen = std::max(status_seen, observed);
      for (const auto& c : status.value("conditions", Json::array())) {
        const std::string type = c.value("type", "");
        const std::int64_t g = c.value("observedGeneration", std::int64_t{0});
        if (g < condition_seen[type])
          out.push_back(key + " rv " + std::to_string(rv) + ": condition " + type + " observedGeneration " +
                        std::to_string(g) + " after " + std::to_string(condition_seen[type]));
        condition_seen[type] = std::max(condition_seen[type], g);
      }
    }
  }
  return out;
}

std::vector<std::string> repeated_before_retry_after(const std::vector<testing::RecordedRequest>& log,
                                                     const std::string& user,
                                                     std::chrono::milliseconds retry_after) {
  std::map<std::string, std::chrono::steady_clock::time_point> throttled_at;  // by method and target
  std::vector<std::string> out;
  for (const auto& r : log) {
    if (r.user != user || r.verb == "create") continue;
    const std::string what = r.method + " " + r.target;
    const auto it = throttled_at.find(what);
    if (it != throttled_at.end()) {
      const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(r.at - it->second);
      if (gap < retry_after) out.push_back(what + " again after " + std::to_string(gap.count()) + "ms");
      throttled_at.erase(it);
    }
    if (r.code == 429) throttled_at[what] = r.at;
  }
  return out;
}

bool is_acting_write(const testing::RecordedRequest& request) {
  const bool write = request.verb == "create" || request.verb == "update" || request.verb == "patch" ||
                     request.verb == "delete";
  return write && request.resource != "coordination.k8s.io/leases";
}

}  // namespace pgrevise::e2e
