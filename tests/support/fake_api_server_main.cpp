// Runs the fake API server on its own, for poking at it with kubectl:
//   fake_api_server KUBECONFIG_PATH   writes a kubeconfig (plain HTTP, no authentication) and serves until
//   SIGINT/SIGTERM.
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "support/fake_api_server.h"

namespace {
volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) {
  stop_requested = 1;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fake_api_server KUBECONFIG_PATH\n";
    return 2;
  }
  pgrevise::testing::FakeApiServerOptions options;
  pgrevise::testing::FakeApiServer server(options);
  std::ofstream(argv[1]) << server.kubeconfig("");
  std::cout << server.url() << std::endl;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  while (stop_requested == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.stop();
  return 0;
}
