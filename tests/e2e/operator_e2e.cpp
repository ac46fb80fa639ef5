#include "e2e/operator_e2e.h"

#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace pgrevise::e2e {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::string job_kind(const Json& job) {
  const Json labels = job["metadata"].value("labels", Json::object());
  if (auto c = labels.value("app.kubernetes.io/component", ""); !c.empty()) return c;
  const std::string name = job["metadata"].value("name", "");
  for (const char* kind : {"backup", "migrate", "plan"})
    if (name.find(std::string("-") + kind + "-") != std::string::npos) return kind;
  return "";
}

void OperatorE2eTest::SetUp() {
  // The application's database already holds data of its own, as one a team adopts pgrevise for does; the
  // backups then carry table data to verify.
  db_.exec(
      "CREATE TABLE legacy_notes (id int PRIMARY KEY, body text); INSERT INTO legacy_notes VALUES (1, "
      "'kept')");
  register_crd(server_);
  client_ = client_for(server_);
  kubeconfig_ = dir_.path() / "kubeconfig";
  std::ofstream(kubeconfig_) << server_.kubeconfig(kOperatorToken);
  testing::FakeKubeletOptions options;
  options.server_url = server_.url();
  options.token = kKubeletToken;
  options.pgrevise_binary = std::getenv("PGREVISE_BINARY");
  options.work_dir = dir_.path() / "kubelet";
  options.env_for_job = [this](const Json& job) {
    std::lock_guard lock(env_mu_);
    auto it = env_by_kind_.find(job_kind(job));
    return it == env_by_kind_.end() ? std::map<std::string, std::string>{} : it->second;
  };
  options.mutate_pod = [this](Json& pod) {
    std::lock_guard lock(env_mu_);
    if (mutate_pod_) mutate_pod_(pod);
  };
  options.on_container_exit = [this](const Json& job, const ProcessSpec& spec, const ProcessResult& result) {
    std::string command;
    for (const auto& word : spec.argv) command += (command.empty() ? "" : " ") + word;
    std::lock_guard lock(runs_mu_);
    runs_.push_back({kube::object_key(job), command, result.out, result.err});
  };
  kubelet_ = std::make_unique<testing::FakeKubelet>(options);
  kubelet_->start();
}

void OperatorE2eTest::TearDown() {
  for (auto& op : operators_) op->stop(SIGKILL);
  kubelet_->resume();
  kubelet_->stop();
  if (HasFailure()) std::fprintf(stderr, "---- operator logs ----\n%s\n", logs().c_str());
}

OperatorProcess& OperatorE2eTest::start_operator(std::vector<std::string> extra_args,
                                                 const std::string& token) {
  const auto log_file = dir_.path() / ("operator-" + std::to_string(operators_.size()) + ".log");
  // Debug logs unless the test asks for less (a fleet of resources makes them large).
  if (std::find(extra_args.begin(), extra_args.end(), "--log-level") == extra_args.end())
    extra_args.insert(extra_args.begin(), {"--log-level", "debug"});
  extra_args.insert(extra_args.begin(), {"--log-format", "text"});
  auto kubeconfig = kubeconfig_;
  if (token != kOperatorToken) {
    kubeconfig = dir_.path() / ("kubeconfig-" + token);
    std::ofstream(kubeconfig) << server_.kubeconfig(token);
  }
  operators_.push_back(std::make_unique<OperatorProcess>(kubeconfig, log_file, extra_args));
  auto& op = *operators_.back();
  EXPECT_TRUE(op.wait_ready(std::chrono::seconds(60))) << "the operator never became ready:\n" << op.log();
  return op;
}

void OperatorE2eTest::create_inputs(const std::filesystem::path& dir) {
  client_->create(kube::resources::secrets(), kNamespace, secret(kNamespace, "app-db", "url", db_.url()));
  client_->create(kube::resources::config_maps(), kNamespace,
                  migrations_config_map(kNamespace, "app-migrations", dir));
}

void OperatorE2eTest::set_job_env(const std::string& kind, std::map<std::string, std::string> env) {
  std::lock_guard lock(env_mu_);
  env_by_kind_[kind] = std::move(env);
}

void OperatorE2eTest::set_pod_mutation(std::function<void(Json& pod)> mutate) {
  std::lock_guard lock(env_mu_);
  mutate_pod_ = std::move(mutate);
}

std::vector<OperatorE2eTest::ContainerRun> OperatorE2eTest::container_runs() const {
  std::lock_guard lock(runs_mu_);
  return runs_;
}

Json OperatorE2eTest::resource_json(const std::string& target, const Json& spec) const {
  Json r = {{"apiVersion", "pgrevise.dev/v1alpha1"}, {"kind", "PostgresMigration"}};
  r["metadata"] = {{"name", kResourceName}, {"namespace", kNamespace}};
  r["spec"] = {{"database", {{"urlSecretRef", {{"name", "app-db"}, {"key", "url"}}}}},
               {"targetRevision", target},
               {"migrations", {{"configMapRef", {{"name", "app-migrations"}}}}},
               {"backup", {{"enabled", true}, {"persistentVolumeClaim", {{"claimName", "db-backups"}}}}}};
  r["spec"].merge_patch(spec);
  return r;
}

Json OperatorE2eTest::create_resource(const std::string& target, const Json& spec) {
  return client_->create(migrations_type(), kNamespace, resource_json(target, spec));
}

Json OperatorE2eTest::resource() const {
  return client_->get(migrations_type(), kNamespace, kResourceName);
}

Json OperatorE2eTest::patch_resource(const Json& patch) {
  return client_->patch(migrations_type(), kNamespace, kResourceName, kube::PatchType::kMerge, patch);
}

Json OperatorE2eTest::wait_for_resource(const std::function<bool(const Json&)>& predicate,
                                        const std::string& what, std::chrono::milliseconds timeout) {
  Json last;
  const bool held = eventually(
      [&] {
        auto r = client_->try_get(migrations_type(), kNamespace, kResourceName);
        if (!r) return false;
        last = *r;
        return predicate(last);
      },
      timeout);
  EXPECT_TRUE(held) << "the resource never reached: " << what << "\nresource: " << last.dump(2);
  return last;
}

Json OperatorE2eTest::wait_ready(std::chrono::milliseconds timeout) {
  return wait_for_resource(
      [](const Json& r) {
        const Json ready = condition(r, "Ready");
        return ready.is_object() && ready.value("status", "") == "True" &&
               ready.value("observedGeneration", 0) == r["metadata"].value("generation", -1);
      },
      "Ready=True for its generation", timeout);
}

std::vector<Json> OperatorE2eTest::jobs() const {
  return client_->list(kube::resources::jobs(), kNamespace).items;
}

std::vector<Json> OperatorE2eTest::jobs_of(const std::string& kind) const {
  std::vector<Json> out;
  for (auto& job : jobs())
    if (job_kind(job) == kind) out.push_back(job);
  return out;
}

std::vector<Json> OperatorE2eTest::events() const {
  auto items = client_->list(kube::resources::events(), kNamespace).items;
  for (auto& e : client_->list(kube::resources::core_events(), kNamespace).items) items.push_back(e);
  return items;
}

std::vector<std::pair<std::string, std::string>> OperatorE2eTest::event_reasons() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : events()) {
    const std::string note = e.contains("note") ? e.value("note", "") : e.value("message", "");
    out.emplace_back(e.value("reason", ""), note);
  }
  return out;
}

std::string OperatorE2eTest::heads() const {
  if (!db_.table_exists("public.alembic_version")) return "";
  return db_.query(
      "SELECT coalesce(string_agg(version_num, ',' ORDER BY version_num), '') FROM alembic_version");
}

std::string OperatorE2eTest::logs() const {
  std::string out;
  for (std::size_t i = 0; i < operators_.size(); ++i)
    out += "== operator " + std::to_string(i) + " ==\n" + operators_[i]->log();
  return out;
}

}  // namespace pgrevise::e2e
