#pragma once

#include <chrono>

#include "controller/database_probe.h"

namespace pgrevise::controller {

// DatabaseProbe over libpqxx: one short-lived connection per call, with a short connect timeout so that an
// unreachable database cannot hold a reconcile for long. Stateless, so safe to share between reconciles.
class PostgresProbe final : public DatabaseProbe {
 public:
  explicit PostgresProbe(std::chrono::seconds connect_timeout = std::chrono::seconds(5));

  std::vector<std::string> read_heads(const DatabaseTarget& target) override;
  std::optional<MigrationProgress> read_progress(const DatabaseTarget& target) override;

 private:
  std::chrono::seconds connect_timeout_;
};

}  // namespace pgrevise::controller
