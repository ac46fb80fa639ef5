#pragma once

// Which PostgresMigrations a change to another watched object concerns: the controller's declaration of its
// secondary watches, kept beside the reconciler rather than in the operator's wiring.

#include <vector>

#include <nlohmann/json.hpp>

#include "common/object_ref.h"

namespace pgrevise::controller {

// A ConfigMap change concerns the resource owning it (a dry run's SQL ConfigMap, by ownerReferences) and
// every resource of `resources_in_namespace` (the PostgresMigrations of the ConfigMap's namespace) whose
// spec.migrations.configMapRef names it. The owner comes first; nothing else is a concern.
std::vector<ObjectRef> resources_for_config_map(const nlohmann::json& config_map,
                                                const std::vector<nlohmann::json>& resources_in_namespace);

// The fields of a watched Job that the controller never reads, so the cache need not keep them: the Pod
// template, most of a Job's text. What it reads (controller/job_view.h, stuck_job.h) is the Job's metadata,
// its status and spec.activeDeadlineSeconds.
std::vector<nlohmann::json::json_pointer> unread_job_fields();

// The fields of a watched ConfigMap's metadata (the watch sends no more) that the controller never reads:
// with tens of thousands of unrelated ConfigMaps in a cluster, each byte kept counts. What it reads is the
// name, namespace and ownerReferences (resources_for_config_map) and the resourceVersion (whether its fetched
// content is current).
std::vector<nlohmann::json::json_pointer> unread_config_map_fields();

}  // namespace pgrevise::controller
