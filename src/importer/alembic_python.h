#pragma once

#include <filesystem>
#include <string>

#include "common/process.h"
#include "importer/alembic_driver.h"

namespace pgrevise::importer {

// The driver run in a Python process: `PYTHON -c <alembic_driver.py> SOURCE`, the request on stdin. The
// Python is the one the project's Alembic and SQLAlchemy are installed for (`--python`, default python3).
class AlembicPython final : public AlembicDriver {
 public:
  AlembicPython(ProcessRunner& processes, std::string python)
      : processes_(processes), python_(std::move(python)) {}
  // Throws Error(kBadInput) naming the Python when it cannot be started.
  DriverRun run(const std::filesystem::path& source, const std::string& request) override;

 private:
  ProcessRunner& processes_;
  std::string python_;
};

// The text of alembic_driver.py, compiled into the binary.
extern const char* const kAlembicDriverSource;

}  // namespace pgrevise::importer
