#pragma once

#include <filesystem>
#include <string>

namespace pgrevise::importer {

// What one run of the Alembic driver (alembic_driver.py, in the project's own Python) left.
struct DriverRun {
  int exit_code = 0;
  std::string out;  // the JSON stream (records.h)
  std::string err;  // whatever the project and Alembic logged
};

// The Python side of an import, injected so the conversion is tested without a Python process. The adapter
// that starts one is AlembicPython (alembic_python.h).
class AlembicDriver {
 public:
  virtual ~AlembicDriver() = default;
  // `source`: an alembic.ini or a Flask-Migrate migrations/ folder; `request`: the JSON the driver reads.
  virtual DriverRun run(const std::filesystem::path& source, const std::string& request) = 0;
};

}  // namespace pgrevise::importer
