#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>

#include "common/clock.h"
#include "controller/database_probe.h"
#include "controller/idle_connections.h"

namespace pgrevise::controller {

struct PostgresProbeOptions {
  // Bounds the connect and every statement, so that an unreachable or locked database cannot hold a reconcile
  // for long.
  std::chrono::seconds connect_timeout{5};
  // A connection stays open this long after a call, for the next call on the same database with the same
  // settings; zero opens a connection per call. At most max_idle_connections stay open.
  std::chrono::milliseconds idle_lifetime{0};
  std::size_t max_idle_connections = 16;
};

// DatabaseProbe over libpqxx. Each call reads on a read-only session with a statement_timeout, its own
// while the call lasts: an idle one kept from an earlier call with the same resolved settings (see
// IdleConnections), else a new one. A kept connection that fails (the server closed it, restarted, or
// terminated the backend) is dropped and the call is made once more on a new connection, so a lost idle
// connection never shows as a failure. Safe to share between reconciles running at once.
class PostgresProbe final : public DatabaseProbe {
 public:
  explicit PostgresProbe(std::chrono::seconds connect_timeout = std::chrono::seconds(5));
  PostgresProbe(PostgresProbeOptions options, const Clock& clock);

  std::vector<std::string> read_heads(const DatabaseTarget& target) override;
  std::optional<MigrationProgress> read_progress(const DatabaseTarget& target) override;
  lint::RelationFactsMap read_relation_facts(const DatabaseTarget& target,
                                             const std::vector<std::string>& relations) override;
  // From the connection's startup (no statement is sent).
  std::optional<int> read_server_version(const DatabaseTarget& target) override;

  // Connections open and waiting for the next call.
  std::size_t idle_connections() const { return idle_.size(); }
  // Closes the connections idle for idle_lifetime or longer (a background thread does it too).
  void close_expired() { idle_.close_expired(); }

 private:
  template <typename Read>
  auto with_connection(const DatabaseTarget& target, Read&& read)
      -> decltype(read(std::declval<pqxx::connection&>()));

  PostgresProbeOptions options_;
  const Clock& clock_;
  IdleConnections idle_;
};

}  // namespace pgrevise::controller
