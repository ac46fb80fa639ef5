#include "controller/lint_gate.h"

#include <algorithm>

namespace pgrevise::controller {

namespace {

constexpr std::size_t kMaxMessage = 1000;  // characters of one finding's message in status

int rank(const std::string& severity) {
  return severity == "error" ? 0 : severity == "warning" ? 1 : 2;
}

std::string cut(std::string text) {
  if (text.size() > kMaxMessage) text = text.substr(0, kMaxMessage - 3) + "...";
  return text;
}

}  // namespace

std::vector<lint::SourceResult> lint_plan(const revision::RevisionGraph& graph, const revision::Plan& plan,
                                          const lint::LintOptions& options) {
  std::vector<lint::SourceResult> out;
  for (const auto& step : plan.steps) {
    if (step.direction != Direction::kUpgrade) continue;
    out.push_back(lint::lint_source(lint::source_of(graph.at(step.revision).script), options));
  }
  return out;
}

lint::LintOptions lint_options_for(const api::Spec& spec) {
  lint::LintOptions options;
  options.runner_lock_timeout = spec.safety.lock_timeout.count() > 0;
  return options;
}

api::LintStatus lint_status(const std::vector<lint::Finding>& findings, const std::string& plan_hash) {
  api::LintStatus out{plan_hash, static_cast<int>(findings.size()), {}};
  for (const auto& f : findings)
    out.findings.push_back(
        {f.rule, std::string(lint::severity_name(f.severity)), f.revision, f.line, cut(f.message)});
  std::stable_sort(out.findings.begin(), out.findings.end(),
                   [](const auto& a, const auto& b) { return rank(a.severity) < rank(b.severity); });
  if (out.findings.size() > api::kMaxLintFindings) out.findings.resize(api::kMaxLintFindings);
  return out;
}

bool has_error(const api::LintStatus& status) {
  return std::any_of(status.findings.begin(), status.findings.end(),
                     [](const auto& f) { return f.severity == "error"; });
}

bool approved(const api::PostgresMigration& resource, const std::string& plan_hash) {
  const auto& annotations = resource.metadata.annotations;
  const auto it = annotations.find(std::string(api::kApproveAnnotation));
  return it != annotations.end() && !plan_hash.empty() && it->second == plan_hash;
}

std::string blocked_message(const api::LintStatus& status, const std::string& name) {
  const auto errors = std::count_if(status.findings.begin(), status.findings.end(),
                                    [](const auto& f) { return f.severity == "error"; });
  const auto& first = status.findings.front();
  return std::to_string(errors) + " lint finding(s) at error severity in plan " + status.plan_hash +
         " (status.lint), e.g. revision " + first.revision + " line " + std::to_string(first.line) + " [" +
         first.rule + "]: " + first.message + ". Nothing was started. To run this plan as it is: kubectl " +
         "annotate pgm " + name + " --overwrite " + std::string(api::kApproveAnnotation) + "=" +
         status.plan_hash;
}

}  // namespace pgrevise::controller
