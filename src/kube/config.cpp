#include "kube/config.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/strings.h"

namespace pgrevise::kube {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kBadInput, "cannot read " + what + " " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

fs::path resolve_path(const fs::path& base_dir, const std::string& p) {
  const fs::path path(p);
  return path.is_absolute() ? path : base_dir / path;
}

// Finds the entry named `name` in a kubeconfig list (clusters, users, contexts) and returns its inner map.
YAML::Node find_named(const YAML::Node& root, const std::string& list, const std::string& inner,
                      const std::string& name, const std::string& source) {
  const YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (const auto& entry : entries) {
      if (entry["name"] && entry["name"].as<std::string>() == name) {
        if (!entry[inner]) throw_bad_input(source + ": " + list + "[" + name + "] has no '" + inner + "'");
        return entry[inner];
      }
    }
  }
  throw_bad_input(source + ": no entry named '" + name + "' in " + list);
}

std::string str(const YAML::Node& node, const std::string& key) {
  return node[key] ? node[key].as<std::string>() : std::string();
}

// Reads a PEM that is given either inline (field-data, base64) or as a file path (field).
std::string pem_field(const YAML::Node& node, const std::string& field, const fs::path& base_dir,
                      const std::string& source) {
  const std::string data = str(node, field + "-data");
  if (!data.empty()) {
    try {
      return base64_decode(data);
    } catch (const Error&) {
      throw_bad_input(source + ": " + field + "-data is not valid base64");
    }
  }
  const std::string file = str(node, field);
  if (file.empty()) return "";
  return read_file(resolve_path(base_dir, file), source + ": " + field);
}

void load_cluster(ClusterConfig& config, const YAML::Node& cluster, const fs::path& base_dir,
                  const std::string& source) {
  config.server = str(cluster, "server");
  if (config.server.empty()) throw_bad_input(source + ": cluster has no 'server'");
  config.ca_pem = pem_field(cluster, "certificate-authority", base_dir, source);
  config.insecure_skip_tls_verify =
      cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>();
}

void load_user(ClusterConfig& config, const YAML::Node& user, const fs::path& base_dir,
               const std::string& source) {
  config.client_cert_pem = pem_field(user, "client-certificate", base_dir, source);
  config.client_key_pem = pem_field(user, "client-key", base_dir, source);
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    throw_bad_input(source + ": user needs both client-certificate and client-key");
  }
  const std::string token = str(user, "token");
  const std::string token_file = str(user, "tokenFile");
  if (!token.empty()) {
    config.token = std::make_shared<StaticTokenSource>(token);
  } else if (!token_file.empty()) {
    config.token = std::make_shared<FileTokenSource>(resolve_path(base_dir, token_file));
  }
}

std::string trimmed(const std::string& s) {
  return std::string(trim(s));
}

}  // namespace

FileTokenSource::FileTokenSource(std::filesystem::path path) : path_(std::move(path)) {}

std::string FileTokenSource::token() {
  struct stat st {};
  std::lock_guard lock(mu_);
  if (::stat(path_.c_str(), &st) != 0) {
    if (!token_.empty()) return token_;  // mid-rotation: keep the last token rather than failing the request
    throw Error(ErrorKind::kIo, "cannot read token file " + path_.string());
  }
  const std::string stamp = std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
                            std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  if (stamp != stamp_) {
    std::ifstream in(path_, std::ios::binary);
    if (!in) throw Error(ErrorKind::kIo, "cannot read token file " + path_.string());
    std::ostringstream out;
    out << in.rdbuf();
    token_ = trimmed(out.str());
    stamp_ = stamp;
  }
  return token_;
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

ClusterConfig load_in_cluster(const InClusterPaths& paths, const EnvLookup& env) {
  const auto host = env("KUBERNETES_SERVICE_HOST");
  const auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    throw_bad_input("in-cluster configuration needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT");
  }
  ClusterConfig config;
  // An IPv6 service address must be bracketed in a URL.
  const bool ipv6 = host->find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  config.ca_pem = read_file(paths.ca_file, "service account CA");
  auto token = std::make_shared<FileTokenSource>(paths.token_file);
  token->token();  // fail now, with the file's name, rather than on the first request
  config.token = token;
  std::error_code ec;
  if (fs::exists(paths.namespace_file, ec)) {
    const std::string ns = trimmed(read_file(paths.namespace_file, "service account namespace"));
    if (!ns.empty()) config.default_namespace = ns;
  }
  return config;
}

ClusterConfig parse_kubeconfig(const std::string& yaml_text, const std::filesystem::path& base_dir,
                               const std::string& source, const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw_bad_input(source + ": not valid YAML: " + e.what());
  }
  if (!root.IsMap()) throw_bad_input(source + ": not a kubeconfig (expected a mapping)");
  try {
    const std::string context_name = context.empty() ? str(root, "current-context") : context;
    if (context_name.empty()) throw_bad_input(source + ": no current-context and no context chosen");
    const YAML::Node ctx = find_named(root, "contexts", "context", context_name, source);
    ClusterConfig config;
    load_cluster(config, find_named(root, "clusters", "cluster", str(ctx, "cluster"), source), base_dir,
                 source);
    if (ctx["user"])
      load_user(config, find_named(root, "users", "user", str(ctx, "user"), source), base_dir, source);
    if (!str(ctx, "namespace").empty()) config.default_namespace = str(ctx, "namespace");
    return config;
  } catch (const YAML::Exception& e) {
    throw_bad_input(source + ": malformed kubeconfig: " + e.what());
  }
}

ClusterConfig load_kubeconfig(const std::filesystem::path& path, const std::string& context) {
  return parse_kubeconfig(read_file(path, "kubeconfig"), path.parent_path(), path.string(), context);
}

ClusterConfig resolve_cluster_config(const std::string& kubeconfig_flag, const EnvLookup& env,
                                     const InClusterPaths& paths) {
  if (!kubeconfig_flag.empty()) return load_kubeconfig(kubeconfig_flag);
  if (const auto list = env("KUBECONFIG"); list && !list->empty()) {
    for (const auto& entry : split_trimmed(*list, ':')) {
      std::error_code ec;
      if (!entry.empty() && fs::exists(entry, ec)) return load_kubeconfig(entry);
    }
    throw_bad_input("none of the files in KUBECONFIG exists: " + *list);
  }
  if (const auto host = env("KUBERNETES_SERVICE_HOST"); host && !host->empty())
    return load_in_cluster(paths, env);
  const auto home = env("HOME");
  const fs::path fallback = fs::path(home ? *home : "") / ".kube" / "config";
  std::error_code ec;
  if (!home || !fs::exists(fallback, ec)) {
    throw_bad_input(
        "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, run in a cluster, or create " +
        fallback.string());
  }
  return load_kubeconfig(fallback);
}

std::string base64_decode(const std::string& text) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    const auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) throw_bad_input("invalid base64 character");
    buffer = (buffer << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace pgrevise::kube
