#include "kube/leader_election.h"

#include <cstdio>

#include "common/log.h"

namespace pgrevise::kube {

std::string format_micro_time(std::chrono::system_clock::time_point t) {
  std::string base = format_rfc3339(t);  // ...:SSZ
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros < 0 ? micros + 1000000 : micros));
  base.insert(base.size() - 1, frac);
  return base;
}

void Leadership::grant_until(std::chrono::steady_clock::time_point until) {
  until_.store(until.time_since_epoch().count());
}

void Leadership::revoke() {
  until_.store(kRevoked);
}

bool Leadership::held() const {
  const auto until = until_.load();
  return until != kRevoked && clock_.steady_now().time_since_epoch().count() < until;
}

LeaderElector::LeaderElector(RestClient& client, Clock& clock, LeaderElectionConfig config,
                             LeaderCallbacks callbacks)
    : client_(client), clock_(clock), config_(std::move(config)), callbacks_(std::move(callbacks)) {}

std::string LeaderElector::observed_holder() const {
  std::lock_guard lock(mu_);
  return observed_spec_.is_object() ? observed_spec_.value("holderIdentity", "") : "";
}

void LeaderElector::observe(const Json& spec) {
  std::string holder;
  {
    std::lock_guard lock(mu_);
    if (spec != observed_spec_) {
      observed_spec_ = spec;
      observed_at_ = clock_.steady_now();
    }
    holder = spec.value("holderIdentity", "");
    if (holder == last_reported_holder_) return;
    last_reported_holder_ = holder;
  }
  if (callbacks_.on_new_leader && !holder.empty()) callbacks_.on_new_leader(holder);
}

bool LeaderElector::try_acquire_or_renew() {
  const ResourceType leases = resources::leases();
  const std::string now = format_micro_time(clock_.now());
  const int duration_seconds = static_cast<int>((config_.lease_duration.count() + 999) / 1000);
  try {
    auto lease = client_.try_get(leases, config_.lease_namespace, config_.lease_name);
    if (!lease) {
      const Json spec = {{"holderIdentity", config_.identity},
                         {"leaseDurationSeconds", duration_seconds},
                         {"acquireTime", now},
                         {"renewTime", now},
                         {"leaseTransitions", 0}};
      const Json created = client_.create(
          leases, config_.lease_namespace,
          {{"apiVersion", "coordination.k8s.io/v1"},
           {"kind", "Lease"},
           {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
           {"spec", spec}});
      observe(created["spec"]);
      return true;
    }
    const Json spec = lease->value("spec", Json::object());
    observe(spec);
    const std::string holder = spec.value("holderIdentity", "");
    const auto lease_duration = std::chrono::seconds(spec.value("leaseDurationSeconds", duration_seconds));
    std::chrono::steady_clock::time_point observed_at;
    {
      std::lock_guard lock(mu_);
      observed_at = observed_at_;
    }
    if (!holder.empty() && holder != config_.identity && clock_.steady_now() < observed_at + lease_duration) {
      return false;  // held by another and not expired
    }
    Json updated = *lease;
    Json& s = updated["spec"];
    if (holder != config_.identity) {
      s["acquireTime"] = now;
      s["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
      s["holderIdentity"] = config_.identity;
    }
    s["leaseDurationSeconds"] = duration_seconds;
    s["renewTime"] = now;
    const Json answer = client_.update(leases, config_.lease_namespace, updated);
    observe(answer["spec"]);
    return true;
  } catch (const std::exception& e) {
    if (!is_conflict(e) && !is_already_exists(e)) {
      log::warn("lease attempt failed", {{"lease", config_.lease_name}, {"error", e.what()}});
    }
    return false;
  }
}

bool LeaderElector::release() {
  try {
    auto lease = client_.try_get(resources::leases(), config_.lease_namespace, config_.lease_name);
    if (!lease || lease->value("spec", Json::object()).value("holderIdentity", "") != config_.identity)
      return false;
    Json updated = *lease;
    updated["spec"]["holderIdentity"] = "";
    updated["spec"]["leaseDurationSeconds"] = 1;
    updated["spec"]["renewTime"] = format_micro_time(clock_.now());
    client_.update(resources::leases(), config_.lease_namespace, updated);
    return true;
  } catch (const std::exception& e) {
    log::warn("lease release failed", {{"lease", config_.lease_name}, {"error", e.what()}});
    return false;
  }
}

bool LeaderElector::sleep_unless_stopped(std::chrono::milliseconds d) {
  const std::chrono::milliseconds slice(20);
  while (d.count() > 0 && !stopping_.load()) {
    const auto step = std::min(d, slice);
    clock_.sleep_for(step);
    d -= step;
  }
  return !stopping_.load();
}

void LeaderElector::run() {
  for (;;) {
    const auto attempt = clock_.steady_now();
    if (try_acquire_or_renew()) {
      leadership_.grant_until(attempt + config_.renew_deadline);
      break;
    }
    if (!sleep_unless_stopped(config_.retry_period)) return;
  }
  leader_.store(true);
  if (callbacks_.on_started_leading) callbacks_.on_started_leading();
  while (sleep_unless_stopped(config_.retry_period)) {
    const auto attempt = clock_.steady_now();
    if (try_acquire_or_renew()) {
      leadership_.grant_until(attempt + config_.renew_deadline);
      continue;
    }
    const std::string holder = observed_holder();
    if (!holder.empty() && holder != config_.identity) {
      log::warn("leader lease taken by another candidate",
                {{"lease", config_.lease_name}, {"identity", config_.identity}, {"holder", holder}});
      break;
    }
    if (!leadership_.held()) {
      log::warn("leader lease lost", {{"lease", config_.lease_name}, {"identity", config_.identity}});
      break;
    }
  }
  // No write as the leader from here on, before anyone is told and before the lease is given up.
  leadership_.revoke();
  leader_.store(false);
  if (stopping_.load() && config_.release_on_stop) release();
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
}

void LeaderElector::stop() {
  stopping_.store(true);
}

}  // namespace pgrevise::kube
