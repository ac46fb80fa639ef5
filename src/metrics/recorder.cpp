#include "metrics/recorder.h"

#include "common/enum_names.h"

namespace pgrevise::metrics {

namespace {

constexpr auto kRunResultNames =
    enum_names<RunResult>({{RunResult::kSucceeded, "succeeded"}, {RunResult::kFailed, "failed"}});

}  // namespace

const char* to_string(RunResult result) {
  return kRunResultNames.name(result, "failed");
}

}  // namespace pgrevise::metrics
