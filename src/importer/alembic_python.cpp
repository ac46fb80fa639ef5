#include "importer/alembic_python.h"

#include "common/error.h"

namespace pgrevise::importer {

DriverRun AlembicPython::run(const std::filesystem::path& source, const std::string& request) {
  ProcessSpec spec;
  spec.argv = {python_, "-c", kAlembicDriverSource, std::filesystem::absolute(source).string()};
  spec.stdin_data = request;
  // Python would otherwise write __pycache__ folders into the project it reads.
  spec.env_set["PYTHONDONTWRITEBYTECODE"] = "1";
  ProcessResult result;
  try {
    result = processes_.run(spec);
  } catch (const Error& e) {
    throw_bad_input("--python " + python_ + ": cannot run it (" + e.what() + ")");
  }
  if (result.exit_code == 127 && result.out.empty())
    throw_bad_input("--python " + python_ + ": not found" +
                    (result.err.empty() ? "" : " (" + result.err + ")"));
  return DriverRun{result.exit_code, std::move(result.out), std::move(result.err)};
}

}  // namespace pgrevise::importer
