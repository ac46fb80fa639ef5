#include "local/local_cluster.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "common/clock.h"
#include "common/error.h"
#include "specs/jobs.h"

namespace pgrevise::local {
namespace {

namespace fs = std::filesystem;

class LocalClusterTest : public ::testing::Test {
 protected:
  LocalClusterTest() {
    dir_ = fs::temp_directory_path() /
           ("local-cluster-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(dir_);
    cluster_ = std::make_unique<LocalCluster>(LocalClusterOptions{.data_dir = dir_}, runner_,
                                              SystemClock::instance());
  }
  ~LocalClusterTest() override {
    cluster_.reset();
    fs::remove_all(dir_);
  }

  // A Job whose container runs `script` with sh, labelled for resource `app`.
  static Json job(const std::string& name, const std::string& script) {
    Json container = {{"name", "migrate"},
                      {"image", "pgrevise"},
                      {"command", {"sh", "-c", script}},
                      {"terminationMessagePath", "/dev/termination-log"}};
    const Json kind = {{specs::kComponentLabel, "migrate"}};
    return {
        {"apiVersion", "batch/v1"},
        {"kind", "Job"},
        {"metadata",
         {{"name", name}, {"labels", {{specs::kResourceLabel, "app"}, {specs::kComponentLabel, "migrate"}}}}},
        {"spec",
         {{"backoffLimit", 0},
          {"template",
           {{"metadata", {{"labels", kind}}},
            {"spec", {{"restartPolicy", "Never"}, {"containers", {container}}}}}}}}};
  }

  Json resource(const std::string& target) {
    return {{"apiVersion", "pgrevise.dev/v1alpha1"},
            {"kind", "PostgresMigration"},
            {"metadata", {{"name", "app"}}},
            {"spec", {{"targetRevision", target}}}};
  }

  Json run_to_end(const Json& j) {
    const auto seen = cluster_->finished_jobs();
    cluster_->create_job("default", j);
    while (!cluster_->wait_for_job(seen, std::chrono::seconds(10))) {
    }
    return cluster_->jobs("default").at(0);
  }

  static inline int counter_ = 0;
  fs::path dir_;
  SystemProcessRunner runner_;
  std::unique_ptr<LocalCluster> cluster_;
};

TEST_F(LocalClusterTest, SecretStringDataIsStoredAsBase64Data) {
  cluster_->apply_object({{"apiVersion", "v1"},
                          {"kind", "Secret"},
                          {"metadata", {{"name", "db"}}},
                          {"stringData", {{"url", "postgresql://a@b/c"}}}});
  auto secret = cluster_->get_secret("default", "db");
  ASSERT_TRUE(secret);
  EXPECT_FALSE(secret->contains("stringData"));
  EXPECT_EQ(base64_decode((*secret)["data"]["url"].get<std::string>()), "postgresql://a@b/c");
  EXPECT_FALSE(cluster_->get_secret("other", "db"));
}

TEST_F(LocalClusterTest, GenerationCountsSpecChangesOnly) {
  Json first = cluster_->apply_object(resource("heads"));
  EXPECT_EQ(first["metadata"]["generation"], 1);
  EXPECT_FALSE(first["metadata"].value("uid", "").empty());
  Json same = cluster_->apply_object(resource("heads"));
  EXPECT_EQ(same["metadata"]["resourceVersion"], first["metadata"]["resourceVersion"]);
  Json labelled = resource("heads");
  labelled["metadata"]["labels"] = {{"team", "a"}};
  EXPECT_EQ(cluster_->apply_object(labelled)["metadata"]["generation"], 1);
  Json changed = cluster_->apply_object(resource("0003"));
  EXPECT_EQ(changed["metadata"]["generation"], 2);
  EXPECT_EQ(changed["metadata"]["uid"], first["metadata"]["uid"]);
}

TEST_F(LocalClusterTest, StatusWritesConflictOnAStaleResourceVersion) {
  Json read = cluster_->apply_object(resource("heads"));
  Json update = read;
  update["status"] = {{"phase", "Pending"}};
  update["spec"]["targetRevision"] = "ignored";  // the status subresource writes status only
  Json written = cluster_->update_status(update);
  EXPECT_EQ(written["status"]["phase"], "Pending");
  EXPECT_EQ(written["spec"]["targetRevision"], "heads");
  EXPECT_NE(written["metadata"]["resourceVersion"], read["metadata"]["resourceVersion"]);
  EXPECT_THROW(cluster_->update_status(update), controller::ConflictError);
  Json gone = update;
  gone["metadata"]["name"] = "other";
  EXPECT_THROW(cluster_->update_status(gone), controller::NotFoundError);
  // Applying the file again keeps the status.
  EXPECT_EQ(cluster_->apply_object(resource("heads"))["status"]["phase"], "Pending");
}

TEST_F(LocalClusterTest, AJobRunsAndItsPodKeepsTheTerminationMessage) {
  Json finished = run_to_end(job("app-migrate-1", "echo '{\"kind\":\"migrate\"}' > /dev/termination-log"));
  EXPECT_EQ(finished["status"]["succeeded"], 1);
  EXPECT_EQ(finished["status"]["conditions"][0]["type"], "Complete");
  EXPECT_FALSE(finished["status"].contains("active"));
  EXPECT_EQ(cluster_->get_job_pod_report("default", "app-migrate-1"), "{\"kind\":\"migrate\"}\n");
  EXPECT_EQ(cluster_->list_owned_jobs("default", "app").size(), 1u);
  EXPECT_TRUE(cluster_->list_owned_jobs("default", "other").empty());
  // The same name again is the Job already there (AlreadyExists), not a second run.
  EXPECT_EQ(cluster_->create_job("default", job("app-migrate-1", "exit 1"))["status"]["succeeded"], 1);
  EXPECT_EQ(cluster_->finished_jobs(), 1u);
}

TEST_F(LocalClusterTest, AFailedJobHasAFailedConditionAndALog) {
  Json finished = run_to_end(job("app-migrate-2", "echo boom >&2; exit 1"));
  EXPECT_EQ(finished["status"]["failed"], 1);
  EXPECT_EQ(finished["status"]["conditions"][0]["type"], "Failed");
  EXPECT_EQ(finished["status"]["conditions"][0]["reason"], "BackoffLimitExceeded");
  std::ifstream log(dir_ / "logs" / "default" / "app-migrate-2.log");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(text.str().find("boom"), std::string::npos);
}

TEST_F(LocalClusterTest, RefusesAJobThatWouldRestartForever) {
  Json j = job("app-migrate-3", "true");
  j["spec"]["template"]["spec"]["restartPolicy"] = "Always";
  EXPECT_THROW(cluster_->create_job("default", j), Error);
}

TEST_F(LocalClusterTest, OtherKindsAreBadInput) {
  EXPECT_THROW(cluster_->apply_object({{"kind", "Deployment"}, {"metadata", {{"name", "x"}}}}), Error);
  EXPECT_THROW(cluster_->apply_object({{"kind", "Secret"}}), Error);
}

}  // namespace
}  // namespace pgrevise::local
