// `pgrevise crd print|apply`: the PostgresMigration CustomResourceDefinition of this very build (crds/
// embedded at build time), printed or applied server-side. Helm installs a chart's crds/ once and never
// upgrades them, so the chart runs `pgrevise crd apply` as a pre-upgrade hook: a field added in a new version
// is then known to the API server before the new operator writes it, instead of being pruned by the old
// schema.
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "api/yaml.h"
#include "app/commands.h"
#include "app/crd_manifest.h"
#include "app/operator_runtime.h"
#include "app/version.h"
#include "common/cli.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/error.h"
#include "kube/cpprest_transport.h"
#include "kube/errors.h"
#include "kube/resource.h"
#include "kube/rest_client.h"

namespace pgrevise::app {
namespace {

using api::Json;

constexpr const char* kFieldManager = "pgrevise";

const cli::CommandSpec kPrintSpec{
    "pgrevise crd print",
    "Prints the PostgresMigration CustomResourceDefinition of this version (YAML).",
    {}};

const cli::CommandSpec kApplySpec{
    "pgrevise crd apply [flags]",
    "Applies the PostgresMigration CustomResourceDefinition of this version server-side (field manager\n"
    "'pgrevise', taking over fields other managers hold) and waits until the API server serves it.\n"
    "The Helm chart runs it before every upgrade; it needs get and patch on that one CRD.",
    {{"kubeconfig", "FILE", "kubeconfig to use", false, "$KUBECONFIG, else in-cluster, else ~/.kube/config"},
     {"wait", "DURATION", "how long to wait for the Established condition (0: do not wait)", false, "60s"}}};

Json embedded_crd() {
  const std::vector<Json> documents = api::parse_yaml_documents(kCrdManifest);
  if (documents.size() != 1 || documents[0].value("kind", "") != "CustomResourceDefinition")
    throw Error(ErrorKind::kInternal, "the embedded crds/ file is not one CustomResourceDefinition");
  return documents[0];
}

bool established(const Json& crd) {
  const Json conditions = crd.value("status", Json::object()).value("conditions", Json::array());
  for (const auto& c : conditions)
    if (c.value("type", "") == "Established" && c.value("status", "") == "True") return true;
  return false;
}

std::string explain(const kube::ApiError& e, const std::string& name) {
  if (e.reason() == kube::ApiReason::kForbidden)
    return std::string(e.what()) + " (the identity needs get and patch on customresourcedefinitions/" + name +
           "; the chart's hook ServiceAccount has them)";
  return e.what();
}

int apply(const cli::ParsedArgs& a) {
  const auto wait = parse_duration(a.get_or("wait", "60s"));
  if (!wait) throw_bad_input("--wait '" + a.get_or("wait", "") + "': expected a duration such as 60s");
  const Json crd = embedded_crd();
  const std::string name = crd["metadata"].value("name", "");
  kube::RestClient client(
      std::make_shared<kube::CppRestTransport>(cluster_config_from_flag(a.get("kubeconfig"))), {.qps = 0},
      SystemClock::instance());
  const auto type = kube::resources::custom_resource_definitions();
  Json applied;
  try {
    applied = client.apply(type, "", crd, kFieldManager, /*force=*/true);
  } catch (const kube::ApiError& e) {
    throw Error(e.kind(), "apply customresourcedefinition " + name + ": " + explain(e, name));
  }
  const auto deadline = std::chrono::steady_clock::now() + *wait;
  while (!established(applied)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::printf("customresourcedefinition %s applied (pgrevise %s), not yet Established\n", name.c_str(),
                  PGREVISE_VERSION);
      return wait->count() == 0 ? kExitOk : kExitFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    applied = client.get(type, "", name);
  }
  std::printf("customresourcedefinition %s applied (pgrevise %s), Established\n", name.c_str(),
              PGREVISE_VERSION);
  return kExitOk;
}

int run(const Args& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const Args rest = args.empty() ? Args{} : Args(args.begin() + 1, args.end());
  if (sub == "print") {
    if (cli::wants_help(rest)) {
      std::printf("%s", cli::help_text(kPrintSpec).c_str());
      return kExitOk;
    }
    cli::parse(kPrintSpec, rest);
    std::fwrite(kCrdManifest.data(), 1, kCrdManifest.size(), stdout);
    return kExitOk;
  }
  if (sub == "apply") {
    if (cli::wants_help(rest)) {
      std::printf("%s", cli::help_text(kApplySpec).c_str());
      return kExitOk;
    }
    return apply(cli::parse(kApplySpec, rest));
  }
  if (sub.empty() || sub == "--help" || sub == "-h") {
    std::printf("Usage: pgrevise crd print | pgrevise crd apply [flags]\n\n  print  %s\n  apply  %s\n",
                kPrintSpec.summary.c_str(), "applies it server-side and waits until it is served");
    return sub.empty() ? kExitBadInput : kExitOk;
  }
  throw_bad_input("unknown subcommand 'crd " + sub +
                  "': expected `pgrevise crd print` or `pgrevise crd apply`");
}

const CommandRegistration crd_command(
    "crd", "print or apply the PostgresMigration CRD of this version", run, 55, {"print", "apply"}, [] {
      return cli::CompletionNode{
          .subcommands = {{.name = "print", .summary = kPrintSpec.summary},
                          {.name = "apply", .summary = "apply it server-side", .flags = kApplySpec.flags}}};
    });

}  // namespace
}  // namespace pgrevise::app
