#include "runner/session.h"

#include <random>

namespace pgrevise::runner {

Session open_session(const RunnerOptions& options) {
  Session s{db::resolve_connection(options.database_url), nullptr};
  s.conn = db::connect(s.config, std::chrono::seconds(10), options.application_name);
  return s;
}

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadInput:
      return 2;
    case ErrorKind::kLockNotAcquired:
      return 3;
    case ErrorKind::kConnection:
      return 4;
    default:
      return 1;
  }
}

std::string new_run_id() {
  std::random_device rd;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string id;
  for (int i = 0; i < 16; ++i) id.push_back("0123456789abcdef"[digit(rd)]);
  return id;
}

}  // namespace pgrevise::runner
