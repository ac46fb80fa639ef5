#pragma once

#include <string_view>

// The labels and annotations the operator's Jobs and their Pods carry that a resource's spec.job cannot set:
// the operator's own (it selects its Jobs by them, and reads its Jobs back by its annotations) and the Job
// controller's (it selects a Job's Pods by them).
namespace pgrevise::api {

// Labels on every Job the operator creates and on its Pods.
inline constexpr std::string_view kNameLabel = "app.kubernetes.io/name";
inline constexpr std::string_view kInstanceLabel = "app.kubernetes.io/instance";
inline constexpr std::string_view kComponentLabel = "app.kubernetes.io/component";
inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kResourceLabel = "pgrevise.dev/resource";
inline constexpr std::string_view kPlanHashLabel = "pgrevise.dev/plan-hash";  // first 10 hex of the hash

// Label and annotation keys spec.job.labels, podLabels, annotations and podAnnotations may not hold, because
// the operator's watch or the Job controller selects by them: managed-by, the Job controller's job-name and
// controller-uid, and every key under the operator's domain (pgrevise.dev/) or the Job controller's
// (batch.kubernetes.io/). The recommended name, instance and component labels may be given; on the Jobs and
// their Pods the operator's values replace them.
inline constexpr std::string_view kReservedKeys[] = {kManagedByLabel, "job-name", "controller-uid"};
inline constexpr std::string_view kReservedKeyPrefixes[] = {"pgrevise.dev/", "batch.kubernetes.io/"};

inline constexpr bool is_reserved_key(std::string_view key) {
  for (std::string_view reserved : kReservedKeys)
    if (key == reserved) return true;
  for (std::string_view prefix : kReservedKeyPrefixes)
    if (key.substr(0, prefix.size()) == prefix) return true;
  return false;
}

}  // namespace pgrevise::api
