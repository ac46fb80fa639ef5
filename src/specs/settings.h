#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/direction.h"
#include "common/enum_names.h"

namespace pgrevise::specs {

using Json = nlohmann::json;

// The three Jobs the operator runs for a resource.
enum class JobKind { kBackup, kMigrate, kPlan };
// Each kind's name: the component label of its Job and Pod, its container's name, a part of its Job's name.
inline constexpr auto kJobKindNames = enum_names<JobKind>({
    {JobKind::kBackup, "backup"},
    {JobKind::kMigrate, "migrate"},
    {JobKind::kPlan, "plan"},
});
std::string_view to_string(JobKind kind);  // backup | migrate | plan

using Direction = pgrevise::Direction;

// Paths inside every Pod. The runner reads its migrations and writes backups and its report there.
inline constexpr std::string_view kMigrationsMountPath = "/migrations";
inline constexpr std::string_view kTmpMountPath = "/tmp";
inline constexpr std::string_view kTerminationLogPath = "/dev/termination-log";
// The pgrevise image's non-root user (distroless "nonroot"); numeric so runAsNonRoot can be verified.
inline constexpr std::int64_t kDefaultRunAsUser = 65532;

// Exit codes of `pgrevise migrate` and `pgrevise backup` that the Pod failure policy acts on.
inline constexpr int kRunnerExitFailed = 1;
inline constexpr int kRunnerExitBadInput = 2;

// What the operator itself decides for every Job (its flags and the Helm values), as opposed to what each
// resource asks for.
struct OperatorSettings {
  std::string runner_image = "ghcr.io/pgrevise/pgrevise:latest";  // --runner-image; spec.job.image wins
  std::string image_pull_policy;                                  // "" leaves the cluster's default
  std::string service_account_name;                               // spec.job.serviceAccountName wins
  // Pull secrets every Job's Pods get (the chart's imagePullSecrets); spec.job.imagePullSecrets adds to them.
  std::vector<std::string> image_pull_secrets;
  std::string backup_mount_path = "/backups";
  // The claim backups go to when the resource names none; "" makes such a resource a bad input, because a
  // backup kept only for the life of a Pod protects nothing.
  std::string default_backup_claim_name;
  std::int64_t run_as_user = kDefaultRunAsUser;
  Json default_resources =
      Json::object();  // used when spec.job.resources is unset (see default_job_resources)
  std::string runner_log_level = "info";
  std::string lock_wait = "60s";  // how long a migrate Job waits for another runner's lock
};

// The requests and limits `pgrevise operator` gives every Job container when neither the resource
// (spec.job.resources) nor --job-resources says otherwise: enough for pg_dump and the runner on a large
// database, and limits on both, so that a namespace whose ResourceQuota requires them admits the Pods.
Json default_job_resources();

// Values the controller has computed for this run, beyond the resource itself.
struct RunInputs {
  // Digest of the migration set (migrations_digest_from_config_map / _from_image), part of the Job name.
  std::string migrations_digest;
  // Keys of the migrations ConfigMap to mount, each as a file of the same name; empty mounts every key.
  std::vector<std::string> migration_keys;
  // "" means spec.targetRevision. The controller may pass a resolved target instead.
  std::string target;
  Direction direction = Direction::kUpgrade;
};

}  // namespace pgrevise::specs
