#pragma once

// Database connections kept open for a short while after use, so that the reconciles that follow one another
// for resources on the same database skip the connect: a SCRAM-SHA-256 login over TCP costs tens of
// milliseconds on a loaded machine, a query on an open connection a fraction of one.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/connection>

#include "common/clock.h"

namespace pgrevise::controller {

struct IdleConnectionOptions {
  // How long a connection stays open after its last use. Zero keeps none.
  std::chrono::milliseconds lifetime{0};
  // At most this many connections wait at once; past it the one idle longest is closed.
  std::size_t max_size = 16;
};

// Thread-safe. A connection is taken out while a caller uses it (never shared between two callers) and put
// back after a successful use; a caller drops a connection that failed instead of putting it back. Expired
// connections are closed when the set is next used and by a background thread (started only when
// `lifetime` is positive) at about the time they expire.
//
// Connections are found by their `conninfo` (the resolved libpq settings, password included: never logged)
// and grouped by `identity` (server, database and user without the password): a conninfo seen for an
// identity closes the idle connections opened for that identity with another conninfo (the Secret changed).
class IdleConnections {
 public:
  IdleConnections(IdleConnectionOptions options, const Clock& clock);
  ~IdleConnections();  // closes every idle connection
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;

  bool enabled() const { return options_.lifetime.count() > 0 && options_.max_size > 0; }

  // An idle connection opened with exactly `conninfo`, now owned by the caller; null when there is none.
  std::unique_ptr<pqxx::connection> take(const std::string& conninfo, const std::string& identity);

  // Keeps `connection` (opened with `conninfo`, used successfully just now) for reuse. Closes it instead
  // when the set is disabled or it is no longer open.
  void put(const std::string& conninfo, const std::string& identity,
           std::unique_ptr<pqxx::connection> connection);

  // Closes the connections idle for the lifetime or longer.
  void close_expired();

  std::size_t size() const;

 private:
  struct Entry {
    std::string conninfo;
    std::string identity;
    std::unique_ptr<pqxx::connection> connection;
    std::chrono::steady_clock::time_point last_used;
  };
  using Closed = std::vector<std::unique_ptr<pqxx::connection>>;

  // Under mu_: moves the entries to close into `closed` (closed by the caller once the lock is released, so
  // that no caller waits on a server's goodbye).
  void remove_expired(Closed& closed);
  void remove_other_secrets(const std::string& conninfo, const std::string& identity, Closed& closed);
  void reap();

  const IdleConnectionOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<Entry> entries_;  // oldest use first
  std::thread reaper_;
};

}  // namespace pgrevise::controller
