#pragma once

// What `pgrevise apply` prints: one line per phase a resource goes through, the Jobs with their steps and
// durations, and the final status as YAML. Only redacted text reaches these functions' output.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "local/local_cluster.h"

namespace pgrevise::app {

using Json = nlohmann::json;

// JSON as block-style YAML (strings quoted only when YAML would read them as something else).
std::string to_yaml(const Json& value, int indent = 0);

// "name" in the default namespace, "ns/name" elsewhere.
std::string display_name(const Json& object, const std::string& default_ns);

// The one-line summary of a resource's status: "app: BackingUp — backing up before migrating base to 0016"
// (the message of the condition that is True among Stalled, Reconciling, Ready), with the Job it waits for.
std::string phase_line(const Json& resource, const std::string& default_ns);

// "  backup Job app-backup-1a2b3c started".
std::string job_started_line(const Json& job);
// How a Job ended, from its Pod's report: the backup file and size, or the migration steps with their
// durations, or the failure (revision, SQLSTATE, message) and where its log is. Backup paths inside the Pod
// are shown as the local folder of the claim below `claims_dir`.
std::string job_finished_text(const local::FinishedJob& finished, const std::filesystem::path& claims_dir);

// The resource as printed at the end: apiVersion, kind, name, namespace, generation and status.
std::string final_status_yaml(const Json& resource);

}  // namespace pgrevise::app
