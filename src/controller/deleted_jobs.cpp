#include "controller/deleted_jobs.h"

#include <algorithm>

#include "common/object_ref.h"
#include "controller/job_view.h"

namespace pgrevise::controller {

RecentlyDeletedJobs::RecentlyDeletedJobs(const Clock& clock, std::chrono::seconds keep)
    : clock_(clock), keep_(keep) {}

void RecentlyDeletedJobs::remember(const nlohmann::json& last_known) {
  if (!view_job(last_known).finished()) return;  // an unfinished Job's deletion is the outcome to act on
  const auto& meta = last_known.value("metadata", nlohmann::json::object());
  const std::string key = ObjectRef{meta.value("namespace", ""), meta.value("name", "")}.key();
  std::lock_guard lock(mu_);
  forget_expired();
  jobs_[key] = {clock_.steady_now(), last_known};
}

std::vector<nlohmann::json> RecentlyDeletedJobs::in_namespace(const std::string& ns) const {
  std::lock_guard lock(mu_);
  forget_expired();
  std::vector<const Deleted*> found;
  for (const auto& [key, deleted] : jobs_) {
    if (ObjectRef::from_key(key).ns == ns) found.push_back(&deleted);
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const Deleted* a, const Deleted* b) { return a->at < b->at; });
  std::vector<nlohmann::json> out;
  out.reserve(found.size());
  for (const Deleted* deleted : found) out.push_back(deleted->job);
  return out;
}

void RecentlyDeletedJobs::forget_expired() const {
  const auto now = clock_.steady_now();
  std::erase_if(jobs_, [&](const auto& entry) { return now - entry.second.at >= keep_; });
}

}  // namespace pgrevise::controller
