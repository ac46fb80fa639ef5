#include "local/settler.h"

#include <algorithm>

#include "api/reasons.h"
#include "common/redact.h"

namespace pgrevise::local {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;

// A failed reconcile is tried again after 1, 2, 4, ... seconds (at most 16).
milliseconds failure_delay(int failures) {
  return std::chrono::seconds(1 << std::min(failures - 1, 4));
}

bool should_give_up(const Settling& s) {
  return s.failures > kMaxFailures;
}

bool is_idle(const Settling& s) {
  return s.idle_rounds >= kMaxIdleRounds;
}

// While a Job runs the resource is looked at as often as the reconciler asks, but at least every second (its
// progress is printed); otherwise soon, since what it waits for happens here or not at all.
milliseconds next_look(const SettleObservation& seen) {
  if (!seen.job_ran) return kSettleTick;
  return std::min(seen.requeue_after.value_or(milliseconds(1000)), milliseconds(1000));
}

}  // namespace

SettleVerdict settle_step(Settling& s, const SettleObservation& seen,
                          std::chrono::steady_clock::time_point now) {
  if (seen.error) {
    ++s.failures;
    s.next = now + failure_delay(s.failures);
    if (!should_give_up(s)) return SettleVerdict::kAgain;
    s.settled = true;
    s.unreachable = true;
    return SettleVerdict::kGaveUp;
  }
  s.failures = 0;
  if (!seen.reconciling) {
    s.settled = true;
    return SettleVerdict::kSettled;
  }
  s.idle_rounds = (seen.job_ran || seen.changed) ? 0 : s.idle_rounds + 1;
  if (is_idle(s)) {
    s.settled = true;
    return SettleVerdict::kNothingCanHappen;
  }
  s.next = now + next_look(seen);
  return SettleVerdict::kAgain;
}

bool condition_true(const Json& resource, std::string_view type) {
  for (const auto& c : resource.value("status", Json::object()).value("conditions", Json::array()))
    if (c.value("type", "") == type) return c.value("status", "") == "True";
  return false;
}

Settler::Settler(LocalCluster& cluster, controller::Reconciler& reconciler, Clock& clock,
                 SettlerOutput output, const std::atomic<bool>& stop)
    : cluster_(cluster), reconciler_(reconciler), clock_(clock), out_(std::move(output)), stop_(stop) {}

bool Settler::run(std::vector<Settling>& tracked) {
  for (auto& s : tracked) s.next = clock_.steady_now();
  while (!stop_) {
    bool pending = false;
    auto earliest = std::chrono::steady_clock::time_point::max();
    for (auto& s : tracked) {
      if (s.settled) continue;
      if (clock_.steady_now() >= s.next) step(s);
      if (s.settled) continue;
      pending = true;
      earliest = std::min(earliest, s.next);
    }
    out_.flush();
    if (!pending) return true;
    wait_until(earliest, tracked);
  }
  return false;
}

void Settler::step(Settling& s) {
  const auto finished_before = cluster_.finished_jobs();
  const ReconcileResult result = reconciler_.reconcile(s.resource.ns, s.resource.name);
  const auto now = clock_.steady_now();
  const auto resource = cluster_.get_resource(s.resource.ns, s.resource.name);
  if (!resource) {
    s.settled = true;
    return;
  }
  const std::string line = out_.phase_line(*resource);
  const bool changed = line != s.last_line;
  if (changed) out_.print(line + "\n");
  s.last_line = line;
  const SettleObservation seen{
      .error = result.error,
      .reconciling = condition_true(*resource, api::condition::kReconciling),
      .job_ran = cluster_.finished_jobs() != finished_before || cluster_.running_jobs() > 0,
      .changed = changed,
      .requeue_after = result.requeue_after};
  switch (settle_step(s, seen, now)) {
    case SettleVerdict::kGaveUp:
      out_.print(out_.display_name(*resource) + ": giving up: " + redact(result.message) + "\n");
      break;
    case SettleVerdict::kNothingCanHappen:
      out_.print(out_.display_name(*resource) + ": nothing more can happen here: " + redact(result.message) +
                 "\n");
      break;
    case SettleVerdict::kAgain:
    case SettleVerdict::kSettled:
      break;
  }
}

void Settler::wait_until(std::chrono::steady_clock::time_point until, std::vector<Settling>& tracked) {
  const auto seen = cluster_.finished_jobs();
  while (!stop_ && clock_.steady_now() < until) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - clock_.steady_now());
    if (cluster_.wait_for_job(seen, std::min(std::max(left, milliseconds(1)), kSettleTick))) {
      out_.flush();
      for (auto& s : tracked) s.next = clock_.steady_now();
      return;
    }
  }
}

}  // namespace pgrevise::local
