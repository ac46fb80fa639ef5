#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "kube/rest_client.h"

namespace pgrevise::kube {

// client-go's defaults.
struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per process, e.g. pod name + random suffix
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  bool release_on_stop = true;
};

struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;  // lost the lease, or stopped; the caller must stop its work
  std::function<void(const std::string& identity)> on_new_leader;
};

// Whether this process may act as the leader: granted by the elector after each renewal of the lease and
// asked by whatever sends the leader's writes (RestClientOptions::may_write) before each one. A grant lasts
// until the renew deadline counted from the start of the renewal that earned it: past that, another
// candidate may hold the lease soon, whether or not this process has heard back from the API server, so it
// lapses by itself even when the elector is stuck in a request.
class Leadership {
 public:
  explicit Leadership(Clock& clock) : clock_(clock) {}
  void grant_until(std::chrono::steady_clock::time_point until);
  void revoke();
  bool held() const;

 private:
  static constexpr std::chrono::steady_clock::rep kRevoked =
      std::numeric_limits<std::chrono::steady_clock::rep>::min();
  Clock& clock_;
  std::atomic<std::chrono::steady_clock::rep> until_{kRevoked};
};

// Leader election on a coordination.k8s.io/v1 Lease. A lease held by someone else counts as expired when its
// record has not changed for leaseDurationSeconds as measured on this process's own clock (no trust in
// others' clocks).
class LeaderElector {
 public:
  LeaderElector(RestClient& client, Clock& clock, LeaderElectionConfig config,
                LeaderCallbacks callbacks = {});

  // One attempt: create the lease, renew it, or take it over when expired. True when this process holds it
  // after. API errors count as a failed attempt (false), never thrown.
  bool try_acquire_or_renew();
  // Clears the holder (when it is us) so that another candidate can take over at once.
  bool release();

  // Blocks until stop() or the lease is lost: acquires (retrying every retry_period), then renews every
  // retry_period; gives up leadership when no renewal succeeded within renew_deadline, or at once when
  // another candidate holds the lease. leadership() lapses before on_stopped_leading runs and before the
  // lease is released on stop.
  void run();
  void stop();

  bool is_leader() const { return leader_.load(); }
  // The leader's right to write: ask it before every write made as the leader.
  const Leadership& leadership() const { return leadership_; }
  std::string observed_holder() const;

 private:
  bool sleep_unless_stopped(std::chrono::milliseconds d);
  void observe(const Json& spec);

  RestClient& client_;
  Clock& clock_;
  LeaderElectionConfig config_;
  LeaderCallbacks callbacks_;
  Leadership leadership_{clock_};
  std::atomic<bool> leader_{false};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  Json observed_spec_;
  std::chrono::steady_clock::time_point observed_at_{};
  std::string last_reported_holder_;
};

// Kubernetes MicroTime: RFC 3339 UTC with six fractional digits.
std::string format_micro_time(std::chrono::system_clock::time_point t);

}  // namespace pgrevise::kube
